import { describe, expect, it } from 'vitest';
import {
  Errno,
  errnoName,
  errnoNumber,
  fromNegErrno,
  isErrnoName,
  isMmError,
  MmError,
  toNegErrno,
} from './errno.js';

describe('errno', () => {
  it("uses Linux's numbers", () => {
    const expected: Record<string, number> = {
      EPERM: 1,
      ENOENT: 2,
      EINTR: 4,
      EIO: 5,
      EBADF: 9,
      EAGAIN: 11,
      ENOMEM: 12,
      EACCES: 13,
      EFAULT: 14,
      EBUSY: 16,
      EEXIST: 17,
      ENODEV: 19,
      EINVAL: 22,
      ENOSPC: 28,
      ENOSYS: 38,
      EOVERFLOW: 75,
      EOPNOTSUPP: 95,
    };
    for (const [name, n] of Object.entries(expected)) expect(Errno[name as keyof typeof Errno]).toBe(n);
  });

  it('converts names, numbers and -errno both ways', () => {
    expect(errnoNumber('ENOMEM')).toBe(12);
    expect(errnoName(22)).toBe('EINVAL');
    expect(errnoName(-22)).toBe('EINVAL');
    expect(errnoName(9999)).toBeUndefined();
    expect(toNegErrno('EEXIST')).toBe(-17);
    expect(fromNegErrno(-17)).toBe('EEXIST');
    expect(fromNegErrno(0)).toBeUndefined();
    expect(fromNegErrno(0x2000000000)).toBeUndefined();
    expect(fromNegErrno(-4096)).toBeUndefined();
    expect(isErrnoName('EFAULT')).toBe(true);
    expect(isErrnoName('toString')).toBe(false);
  });

  it('MmError carries the errno', () => {
    const e = new MmError('ENOMEM', 'no room');
    expect(e.errno).toBe('ENOMEM');
    expect(e.errnoNumber).toBe(12);
    expect(e.toReturnValue()).toBe(-12);
    expect(e.message).toBe('ENOMEM: no room');
    expect(isMmError(e)).toBe(true);
    expect(isMmError(e, 'EINVAL')).toBe(false);
    expect(isMmError(new Error('x'))).toBe(false);
  });
});
