/**
 * The file-descriptor system calls' answer convention: `@pagewright/files` throws `MmError` with Linux's errno and
 * leaves every state untouched; the process facade turns that into `-errno` (and a `RangeError` of a bad argument,
 * such as a negative or fractional offset, into `-EINVAL`), so that no system call throws.
 *
 * @module
 */

import { MmError, toNegErrno } from '@pagewright/core';

/** Runs `call` and returns its result, or `-errno` for the `MmError` (or argument `RangeError`) it threw. */
export function fdResult(call: () => number): number {
  try {
    return call();
  } catch (e) {
    if (e instanceof MmError) return -e.errnoNumber;
    if (e instanceof RangeError) return toNegErrno('EINVAL');
    throw e;
  }
}
