/**
 * `MADV_*`: madvise advice values (include/uapi/asm-generic/mman-common.h).
 *
 * @module
 */

/** No special treatment. */
export const MADV_NORMAL = 0;
/** Expect random page references. */
export const MADV_RANDOM = 1;
/** Expect sequential page references. */
export const MADV_SEQUENTIAL = 2;
/** Will need these pages. */
export const MADV_WILLNEED = 3;
/** Don't need these pages: private anonymous memory reads as zero again. */
export const MADV_DONTNEED = 4;
/** Free pages only if memory pressure arises (lazy free). */
export const MADV_FREE = 8;
/** Remove these pages and their backing store. */
export const MADV_REMOVE = 9;
/** Don't inherit across fork. */
export const MADV_DONTFORK = 10;
/** Do inherit across fork (undoes DONTFORK). */
export const MADV_DOFORK = 11;
/** KSM may merge identical pages. */
export const MADV_MERGEABLE = 12;
/** KSM may not merge identical pages. */
export const MADV_UNMERGEABLE = 13;
/** Worth backing with huge pages. */
export const MADV_HUGEPAGE = 14;
/** Not worth backing with huge pages. */
export const MADV_NOHUGEPAGE = 15;
/** Exclude from core dumps. */
export const MADV_DONTDUMP = 16;
/** Include in core dumps (undoes DONTDUMP). */
export const MADV_DODUMP = 17;
/** Zero-fill in the child after fork. */
export const MADV_WIPEONFORK = 18;
/** Undo MADV_WIPEONFORK. */
export const MADV_KEEPONFORK = 19;
/** Deactivate these pages. */
export const MADV_COLD = 20;
/** Reclaim these pages. */
export const MADV_PAGEOUT = 21;
/** Populate (prefault) page tables readable. */
export const MADV_POPULATE_READ = 22;
/** Populate (prefault) page tables writable. */
export const MADV_POPULATE_WRITE = 23;
/** Like DONTNEED, but drop locked pages too. */
export const MADV_DONTNEED_LOCKED = 24;
/** Synchronous huge-page collapse. */
export const MADV_COLLAPSE = 25;
/** Poison a page (testing; needs CAP_SYS_ADMIN). */
export const MADV_HWPOISON = 100;
/** Soft-offline a page (testing; needs CAP_SYS_ADMIN). */
export const MADV_SOFT_OFFLINE = 101;
/** Install guard regions (6.13+). */
export const MADV_GUARD_INSTALL = 102;
/** Remove guard regions (6.13+). */
export const MADV_GUARD_REMOVE = 103;

/** Names of the advice values, for parsing and printing. */
export const MADV_NAMES: Readonly<Record<string, number>> = {
  NORMAL: MADV_NORMAL,
  RANDOM: MADV_RANDOM,
  SEQUENTIAL: MADV_SEQUENTIAL,
  WILLNEED: MADV_WILLNEED,
  DONTNEED: MADV_DONTNEED,
  FREE: MADV_FREE,
  REMOVE: MADV_REMOVE,
  DONTFORK: MADV_DONTFORK,
  DOFORK: MADV_DOFORK,
  MERGEABLE: MADV_MERGEABLE,
  UNMERGEABLE: MADV_UNMERGEABLE,
  HUGEPAGE: MADV_HUGEPAGE,
  NOHUGEPAGE: MADV_NOHUGEPAGE,
  DONTDUMP: MADV_DONTDUMP,
  DODUMP: MADV_DODUMP,
  WIPEONFORK: MADV_WIPEONFORK,
  KEEPONFORK: MADV_KEEPONFORK,
  COLD: MADV_COLD,
  PAGEOUT: MADV_PAGEOUT,
  POPULATE_READ: MADV_POPULATE_READ,
  POPULATE_WRITE: MADV_POPULATE_WRITE,
  DONTNEED_LOCKED: MADV_DONTNEED_LOCKED,
  COLLAPSE: MADV_COLLAPSE,
  HWPOISON: MADV_HWPOISON,
  SOFT_OFFLINE: MADV_SOFT_OFFLINE,
  GUARD_INSTALL: MADV_GUARD_INSTALL,
  GUARD_REMOVE: MADV_GUARD_REMOVE,
};
