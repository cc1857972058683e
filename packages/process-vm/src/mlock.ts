/**
 * `mlock`, `mlock2`, `munlock`, `mlockall`, `munlockall` (mm/mlock.c). Locking is a VMA flag (`VM_LOCKED`, plus
 * `VM_LOCKONFAULT` for `MLOCK_ONFAULT`), so it splits and merges VMAs like mprotect; a lock populates the range.
 *
 * @module
 */

import {
  MCL_CURRENT,
  MCL_FUTURE,
  MCL_ONFAULT,
  MLOCK_ONFAULT,
  PAGE_SIZE,
  toNegErrno,
  VM_DONTEXPAND,
  VM_HUGETLB,
  VM_IO,
  VM_LOCKED,
  VM_LOCKED_MASK,
  VM_LOCKONFAULT,
  VM_MIXEDMAP,
  VM_PFNMAP,
  type VmFlags,
} from '@pagewright/core';
import type { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { BAD_ARG, toInt32, toU64, U64_MAX, type U64Arg } from './u64.js';

const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;

/** `apply_vma_lock_flags`: sets the lock bits on `[start, end)` (pages); 0, or -ENOMEM at a hole (after applying). */
function applyLockFlags(as: AddressSpace, start: number, end: number, bits: VmFlags): number {
  if (end === start) return 0;
  if (as.vmas.find(start) === undefined) return toNegErrno('ENOMEM');
  const r = as.vmas.modifyRange(start, end, (v: Vma) => {
    if (v.flags & (VM_SPECIAL | VM_HUGETLB)) return null;
    const f = ((v.flags & ~VM_LOCKED_MASK) | bits) >>> 0;
    return f === v.flags ? null : { flags: f };
  });
  return r.holeAt >= 0 ? toNegErrno('ENOMEM') : 0;
}

/** The page range of `(addr, len)` as mlock/munlock compute it, or an errno. */
function lockRange(as: AddressSpace, addrArg: U64Arg, lenArg: U64Arg): [number, number] | number {
  const addr = toU64(addrArg);
  const len = toU64(lenArg);
  if (addr === BAD_ARG || len === BAD_ARG) return toNegErrno('EINVAL');
  const off = addr & 0xfffn;
  const alen = (len + off + 0xfffn) & U64_MAX & ~0xfffn;
  const start = addr - off;
  const end = start + alen;
  if (end > U64_MAX) return toNegErrno('EINVAL');
  if (alen === 0n) return [0, 0];
  const taskSize = BigInt(as.limits.taskSize);
  if (start >= taskSize) return toNegErrno('ENOMEM');
  const s = Number(start) / PAGE_SIZE;
  return [s, end > taskSize ? Number(taskSize) / PAGE_SIZE + 1 : Number(end) / PAGE_SIZE];
}

/** `do_mlock`. */
function doMlock(as: AddressSpace, addrArg: U64Arg, lenArg: U64Arg, bits: VmFlags): number {
  // can_do_mlock, first: without CAP_IPC_LOCK an RLIMIT_MEMLOCK of 0 forbids locking at all.
  if (as.limits.memlockLimit === 0) return toNegErrno('EPERM');
  const r = lockRange(as, addrArg, lenArg);
  if (typeof r === 'number') return r;
  const [s, e0] = r;
  const taskPages = as.limits.taskSize / PAGE_SIZE;
  const e = Math.min(e0, taskPages);
  if (s === e0) return 0;
  // RLIMIT_MEMLOCK, not counting pages already locked in the range.
  let already = 0;
  for (const v of as.vmas.intersecting(s, e))
    if (v.flags & VM_LOCKED) already += Math.min(v.end, e) - Math.max(v.start, s);
  if ((as.lockedPages() + (e0 - s) - already) * PAGE_SIZE > as.limits.memlockLimit)
    return toNegErrno('ENOMEM');
  let err = applyLockFlags(as, s, e, bits);
  if (err === 0 && e0 > taskPages) err = toNegErrno('ENOMEM');
  if (err !== 0) return err;
  const p = as.populate(s, e, false);
  // __mlock_posix_error_return: EFAULT → ENOMEM, ENOMEM → EAGAIN.
  if (p === -14) return toNegErrno('ENOMEM');
  if (p === -12) return toNegErrno('EAGAIN');
  return 0;
}

/** `mlock(addr, len)`. Returns 0 or `-errno`. */
export function sysMlock(as: AddressSpace, addr: U64Arg, len: U64Arg): number {
  return doMlock(as, addr, len, VM_LOCKED);
}

/** `mlock2(addr, len, flags)` with `MLOCK_ONFAULT`. Returns 0 or `-errno`. */
export function sysMlock2(as: AddressSpace, addr: U64Arg, len: U64Arg, flagsArg: U64Arg): number {
  const flags = toInt32(flagsArg);
  if (flags === undefined || flags & ~MLOCK_ONFAULT) return toNegErrno('EINVAL');
  return doMlock(as, addr, len, flags & MLOCK_ONFAULT ? VM_LOCKED | VM_LOCKONFAULT : VM_LOCKED);
}

/** `munlock(addr, len)`. Returns 0 or `-errno`. */
export function sysMunlock(as: AddressSpace, addr: U64Arg, len: U64Arg): number {
  const r = lockRange(as, addr, len);
  if (typeof r === 'number') return r;
  const [s, e0] = r;
  if (s === e0) return 0;
  const taskPages = as.limits.taskSize / PAGE_SIZE;
  const err = applyLockFlags(as, s, Math.min(e0, taskPages), 0);
  if (err === 0 && e0 > taskPages) return toNegErrno('ENOMEM');
  return err;
}

/** `mlockall(flags)`. Returns 0 or `-errno`. */
export function sysMlockall(as: AddressSpace, flagsArg: U64Arg): number {
  const flags = toInt32(flagsArg);
  if (
    flags === undefined ||
    !flags ||
    flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) ||
    flags === MCL_ONFAULT
  )
    return toNegErrno('EINVAL');
  if (as.limits.memlockLimit === 0) return toNegErrno('EPERM'); // can_do_mlock
  if (flags & MCL_CURRENT && as.totalPages() * PAGE_SIZE > as.limits.memlockLimit)
    return toNegErrno('ENOMEM');
  applyMlockallFlags(as, flags);
  if (flags & MCL_CURRENT) as.populate(0, as.limits.taskSize / PAGE_SIZE, true);
  return 0;
}

/** `munlockall()`. Returns 0. */
export function sysMunlockall(as: AddressSpace): number {
  applyMlockallFlags(as, 0);
  return 0;
}

function applyMlockallFlags(as: AddressSpace, flags: number): void {
  as.defFlags = (as.defFlags & ~VM_LOCKED_MASK) >>> 0;
  if (flags & MCL_FUTURE) {
    as.defFlags |= VM_LOCKED;
    if (flags & MCL_ONFAULT) as.defFlags |= VM_LOCKONFAULT;
    if (!(flags & MCL_CURRENT)) return;
  }
  let add = 0;
  if (flags & MCL_CURRENT) add = VM_LOCKED | (flags & MCL_ONFAULT ? VM_LOCKONFAULT : 0);
  as.vmas.modifyRange(
    0,
    as.limits.taskSize / PAGE_SIZE,
    (v) => {
      if (v.flags & (VM_SPECIAL | VM_HUGETLB)) return null;
      const f = ((v.flags & ~VM_LOCKED_MASK) | add) >>> 0;
      return f === v.flags ? null : { flags: f };
    },
    false,
  );
}
