/**
 * The result domain of system calls: a success value (≥ 0) or `-errno`, with a named constant for every errno the
 * process layer answers. Signals are a different domain (`signals.ts`): a system call never answers a signal
 * sentinel and an access never answers `-errno`.
 *
 * @module
 */

import { Errno, type ErrnoName, fromNegErrno } from '@pagewright/core';

/**
 * A system call's raw result as Linux returns it: the value (an address, a count, 0) or `-errno` in `[-4095, -1]`.
 * `brk` is the one exception: it answers the (old) break, never `-errno`.
 */
export type SyscallResult = number;

/** `-errno` of each errno a system call of this package may answer (`NegErrno.ENOMEM` is -12). */
export const NegErrno = {
  EPERM: -Errno.EPERM,
  ENOENT: -Errno.ENOENT,
  ESRCH: -Errno.ESRCH,
  E2BIG: -Errno.E2BIG,
  ENOEXEC: -Errno.ENOEXEC,
  EBADF: -Errno.EBADF,
  EAGAIN: -Errno.EAGAIN,
  ENOMEM: -Errno.ENOMEM,
  EACCES: -Errno.EACCES,
  EFAULT: -Errno.EFAULT,
  EBUSY: -Errno.EBUSY,
  EEXIST: -Errno.EEXIST,
  ENODEV: -Errno.ENODEV,
  EINVAL: -Errno.EINVAL,
  EOVERFLOW: -Errno.EOVERFLOW,
  EOPNOTSUPP: -Errno.EOPNOTSUPP,
} as const satisfies Partial<Record<ErrnoName, number>>;

/** True when `ret` is `-errno` (in `[-4095, -1]`), as the C library tests a raw system-call result. */
export function isErrnoResult(ret: SyscallResult): boolean {
  return ret < 0 && ret >= -4095;
}

/** The errno name of a raw system-call result, or `undefined` for a success. */
export function errnoOf(ret: SyscallResult): ErrnoName | undefined {
  return fromNegErrno(ret);
}
