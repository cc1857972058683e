/**
 * `MS_*` (msync), `MCL_*` (mlockall) and `MLOCK_ONFAULT` (mlock2), with Linux's values.
 *
 * @module
 */

/** msync: schedule the write-back and return. */
export const MS_ASYNC = 1;
/** msync: invalidate other mappings of the same file. */
export const MS_INVALIDATE = 2;
/** msync: write back and wait. */
export const MS_SYNC = 4;
/** Every flag msync accepts. */
export const MS_VALID_MASK = MS_ASYNC | MS_INVALIDATE | MS_SYNC;
/** Names of the msync flags. */
export const MS_NAMES: Readonly<Record<string, number>> = {
  ASYNC: MS_ASYNC,
  INVALIDATE: MS_INVALIDATE,
  SYNC: MS_SYNC,
};

/** mlockall: lock every page mapped now. */
export const MCL_CURRENT = 1;
/** mlockall: lock every page mapped in the future. */
export const MCL_FUTURE = 2;
/** mlockall: lock pages as they are faulted in, not at once. */
export const MCL_ONFAULT = 4;
/** Every flag mlockall accepts. */
export const MCL_VALID_MASK = MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT;

/** mlock2: lock pages as they are faulted in. */
export const MLOCK_ONFAULT = 1;
