/**
 * Linux's errno names and numbers (asm-generic/errno-base.h and errno.h, as on x86-64 and RISC-V), the
 * {@link MmError} that carries one, and conversions to and from the `-errno` system-call return convention.
 *
 * @module
 */

/** Linux errno numbers by name. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  ENOTBLK: 15,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  ETXTBSY: 26,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  EDOM: 33,
  ERANGE: 34,
  EDEADLK: 35,
  ENAMETOOLONG: 36,
  ENOLCK: 37,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENODATA: 61,
  EOVERFLOW: 75,
  EOPNOTSUPP: 95,
  ETIMEDOUT: 110,
  EHWPOISON: 133,
} as const;

/** An errno name, such as `"ENOMEM"`. */
export type ErrnoName = keyof typeof Errno;

const NAME_BY_NUMBER: ReadonlyMap<number, ErrnoName> = new Map(
  (Object.entries(Errno) as [ErrnoName, number][]).map(([name, n]) => [n, name]),
);

/** True when `name` is a known errno name. */
export function isErrnoName(name: string): name is ErrnoName {
  return Object.hasOwn(Errno, name);
}

/** The errno number of `name` (`ENOMEM` → 12). */
export function errnoNumber(name: ErrnoName): number {
  return Errno[name];
}

/** The name of errno number `n`, or `undefined` if this table does not know it. Accepts `n` or `-n`. */
export function errnoName(n: number): ErrnoName | undefined {
  return NAME_BY_NUMBER.get(Math.abs(n));
}

/** Linux's system-call return convention for a failure: `-errno` (`ENOMEM` → -12). */
export function toNegErrno(name: ErrnoName): number {
  return -Errno[name];
}

/**
 * Reads a raw system-call return value: values in `[-4095, -1]` are `-errno` (Linux's `IS_ERR_VALUE`), anything else
 * is a successful result. Returns the errno name, or `undefined` for a success.
 */
export function fromNegErrno(ret: number): ErrnoName | undefined {
  if (ret < 0 && ret >= -4095) return errnoName(-ret);
  return undefined;
}

/**
 * An error raised by a memory-management operation, carrying the Linux errno name it maps to.
 * Cold paths (mmap & co.) throw it; the system-call facade turns it into `-errno`.
 */
export class MmError extends Error {
  /** The errno number. */
  readonly errnoNumber: number;

  /**
   * @param errno - the errno name
   * @param message - a human explanation; defaults to the errno name
   */
  constructor(
    readonly errno: ErrnoName,
    message?: string,
  ) {
    super(message ? `${errno}: ${message}` : errno);
    this.name = 'MmError';
    this.errnoNumber = Errno[errno];
  }

  /** `-errno`, the value a Linux system call returns for this error. */
  toReturnValue(): number {
    return -this.errnoNumber;
  }
}

/** True when `e` is an {@link MmError} (optionally with the given errno). */
export function isMmError(e: unknown, errno?: ErrnoName): e is MmError {
  return e instanceof MmError && (errno === undefined || e.errno === errno);
}
