/**
 * `MAP_*`: the flags argument of mmap, with Linux's values (include/uapi/linux/mman.h, asm-generic/mman.h,
 * asm-generic/mman-common.h; x86-64 and RISC-V agree on all of them except the x86-only `MAP_32BIT`).
 *
 * @module
 */

/** Share changes with every other mapping of the object. */
export const MAP_SHARED = 0x01;
/** Changes are private (copy-on-write). */
export const MAP_PRIVATE = 0x02;
/** MAP_SHARED plus strict validation of the other flags (unknown flags → EOPNOTSUPP). */
export const MAP_SHARED_VALIDATE = 0x03;
/** Mask of the mapping type (SHARED / PRIVATE / SHARED_VALIDATE). */
export const MAP_TYPE = 0x0f;
/** Interpret addr exactly, replacing whatever is mapped there. */
export const MAP_FIXED = 0x10;
/** The mapping is not backed by any file; contents start zeroed. */
export const MAP_ANONYMOUS = 0x20;
/** x86-64 only: place the mapping in the first 2 GiB. */
export const MAP_32BIT = 0x40;
/** The mapping is a stack that grows down on faults below it. */
export const MAP_GROWSDOWN = 0x0100;
/** Ignored (historical). */
export const MAP_DENYWRITE = 0x0800;
/** Ignored (historical). */
export const MAP_EXECUTABLE = 0x1000;
/** Lock the pages in memory (as mlock). */
export const MAP_LOCKED = 0x2000;
/** Do not reserve swap space / commit charge for this mapping. */
export const MAP_NORESERVE = 0x4000;
/** Populate (prefault) the page tables. */
export const MAP_POPULATE = 0x8000;
/** Do not block on I/O when populating (ignored with POPULATE since 2.6.23). */
export const MAP_NONBLOCK = 0x10000;
/** The mapping is a thread stack (a hint; newer kernels add VM_NOHUGEPAGE). */
export const MAP_STACK = 0x20000;
/** Create a huge-page mapping. */
export const MAP_HUGETLB = 0x40000;
/** Synchronous page faults for DAX files (only with MAP_SHARED_VALIDATE). */
export const MAP_SYNC = 0x80000;
/** Like MAP_FIXED but fails with EEXIST instead of replacing an existing mapping. */
export const MAP_FIXED_NOREPLACE = 0x100000;
/** Do not clear anonymous pages (only honoured on no-MMU configurations). */
export const MAP_UNINITIALIZED = 0x4000000;
/** Shift of the huge-page size encoding in the flags. */
export const MAP_HUGE_SHIFT = 26;
/** Mask of the huge-page size encoding (after the shift). */
export const MAP_HUGE_MASK = 0x3f;

/**
 * The flags Linux knows for `MAP_SHARED_VALIDATE` (`LEGACY_MAP_MASK | MAP_SYNC` and the type bits) — any other bit
 * makes a validated shared mapping fail with EOPNOTSUPP. `MAP_PRIVATE`/`MAP_SHARED` ignore unknown bits.
 */
export const MAP_LEGACY_MASK =
  MAP_SHARED |
  MAP_PRIVATE |
  MAP_FIXED |
  MAP_ANONYMOUS |
  MAP_DENYWRITE |
  MAP_EXECUTABLE |
  MAP_UNINITIALIZED |
  MAP_GROWSDOWN |
  MAP_LOCKED |
  MAP_NORESERVE |
  MAP_POPULATE |
  MAP_NONBLOCK |
  MAP_STACK |
  MAP_HUGETLB;

/** Names of the mmap flags, for parsing and printing. */
export const MAP_FLAG_NAMES: Readonly<Record<string, number>> = {
  SHARED: MAP_SHARED,
  PRIVATE: MAP_PRIVATE,
  SHARED_VALIDATE: MAP_SHARED_VALIDATE,
  FIXED: MAP_FIXED,
  ANONYMOUS: MAP_ANONYMOUS,
  GROWSDOWN: MAP_GROWSDOWN,
  DENYWRITE: MAP_DENYWRITE,
  EXECUTABLE: MAP_EXECUTABLE,
  LOCKED: MAP_LOCKED,
  NORESERVE: MAP_NORESERVE,
  POPULATE: MAP_POPULATE,
  NONBLOCK: MAP_NONBLOCK,
  STACK: MAP_STACK,
  HUGETLB: MAP_HUGETLB,
  SYNC: MAP_SYNC,
  FIXED_NOREPLACE: MAP_FIXED_NOREPLACE,
  UNINITIALIZED: MAP_UNINITIALIZED,
};
