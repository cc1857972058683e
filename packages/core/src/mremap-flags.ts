/**
 * `MREMAP_*`: the flags argument of mremap (include/uapi/linux/mman.h).
 *
 * @module
 */

/** The mapping may move to a new address. */
export const MREMAP_MAYMOVE = 1;
/** Move to exactly `new_address` (requires MREMAP_MAYMOVE), unmapping what is there. */
export const MREMAP_FIXED = 2;
/** Leave the source range mapped (and empty) after a move (requires MAYMOVE and old_len == new_len). */
export const MREMAP_DONTUNMAP = 4;
/** Every flag mremap accepts. */
export const MREMAP_VALID_MASK = MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP;

/** Names of the mremap flags, for parsing and printing. */
export const MREMAP_FLAG_NAMES: Readonly<Record<string, number>> = {
  MAYMOVE: MREMAP_MAYMOVE,
  FIXED: MREMAP_FIXED,
  DONTUNMAP: MREMAP_DONTUNMAP,
};
