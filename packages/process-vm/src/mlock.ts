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
import { NegErrno, type SyscallResult } from './errno.js';
import { BAD_ARG, toInt32, toU64, U64_MAX, type U64Arg } from './u64.js';

const VM_SPECIAL = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;

/** `apply_vma_lock_flags`: sets the lock bits on `[start, end)` (pages); 0, or -ENOMEM at a hole (after applying). */
function applyLockFlags(as: AddressSpace, start: number, end: number, bits: VmFlags): number {
  if (end === start) return 0;
  if (as.vmas.find(start) === undefined) return NegErrno.ENOMEM;
  const r = as.vmas.modifyRange(start, end, (v: Vma) => {
    if (v.flags & (VM_SPECIAL | VM_HUGETLB)) return null;
    const f = ((v.flags & ~VM_LOCKED_MASK) | bits) >>> 0;
    return f === v.flags ? null : { flags: f };
  });
  return r.holeAt >= 0 ? NegErrno.ENOMEM : 0;
}

/** The page range of `(addr, len)` as mlock/munlock compute it, or an errno. */
function lockRange(as: AddressSpace, addrArg: U64Arg, lenArg: U64Arg): [number, number] | number {
  const addr = toU64(addrArg);
  const len = toU64(lenArg);
  if (addr === BAD_ARG || len === BAD_ARG) return NegErrno.EINVAL;
  const off = addr & 0xfffn;
  const alen = (len + off + 0xfffn) & U64_MAX & ~0xfffn;
  const start = addr - off;
  const end = start + alen;
  if (end > U64_MAX) return NegErrno.EINVAL;
  if (alen === 0n) return [0, 0];
  const taskSize = BigInt(as.limits.taskSize);
  if (start >= taskSize) return NegErrno.ENOMEM;
  const s = Number(start) / PAGE_SIZE;
  return [s, end > taskSize ? Number(taskSize) / PAGE_SIZE + 1 : Number(end) / PAGE_SIZE];
}

/** A checked `mlock`/`munlock`: the page range inside user space, the lock bits, and whether it ran past it. */
export interface LockRequest {
  start: number;
  /** One past the last page, clipped to `TASK_SIZE`. */
  end: number;
  /** The range went past `TASK_SIZE` (ENOMEM once the rest is done). */
  beyond: boolean;
  /** `VM_LOCKED` (plus `VM_LOCKONFAULT`), or 0 to unlock. */
  bits: VmFlags;
}

function lockRequest(as: AddressSpace, r: [number, number], bits: VmFlags): LockRequest {
  const taskPages = as.limits.taskSize / PAGE_SIZE;
  const [s, e0] = r;
  return { start: s, end: Math.min(e0, taskPages), beyond: e0 > taskPages, bits };
}

/**
 * Every check `do_mlock` makes before it changes anything, in Linux's order (`can_do_mlock`, the range,
 * `RLIMIT_MEMLOCK` not counting pages already locked): the request, or the call's answer (`-errno`, 0 for an empty
 * range). `flagsArg` is `mlock2`'s flags (`MLOCK_ONFAULT`), `undefined` for `mlock`.
 */
export function decodeMlock(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  flagsArg?: U64Arg,
): LockRequest | SyscallResult {
  let bits: VmFlags = VM_LOCKED;
  if (flagsArg !== undefined) {
    const flags = toInt32(flagsArg);
    if (flags === undefined || flags & ~MLOCK_ONFAULT) return NegErrno.EINVAL;
    if (flags & MLOCK_ONFAULT) bits |= VM_LOCKONFAULT;
  }
  // can_do_mlock, first: without CAP_IPC_LOCK an RLIMIT_MEMLOCK of 0 forbids locking at all.
  if (as.limits.memlockLimit === 0) return NegErrno.EPERM;
  const r = lockRange(as, addrArg, lenArg);
  if (typeof r === 'number') return r;
  const [s, e0] = r;
  if (s === e0) return 0;
  const req = lockRequest(as, r, bits);
  // RLIMIT_MEMLOCK, not counting pages already locked in the range.
  let already = 0;
  for (const v of as.vmas.intersecting(s, req.end))
    if (v.flags & VM_LOCKED) already += Math.min(v.end, req.end) - Math.max(v.start, s);
  if ((as.lockedPages() + (e0 - s) - already) * PAGE_SIZE > as.limits.memlockLimit) return NegErrno.ENOMEM;
  return req;
}

/** Locks a checked range and populates it (`apply_vma_lock_flags`, `__mm_populate`). Returns 0 or `-errno`. */
export function doMlock(as: AddressSpace, req: LockRequest): SyscallResult {
  let err = applyLockFlags(as, req.start, req.end, req.bits);
  if (err === 0 && req.beyond) err = NegErrno.ENOMEM;
  if (err !== 0) return err;
  const p = as.populate(req.start, req.end, false);
  // __mlock_posix_error_return: EFAULT → ENOMEM, ENOMEM → EAGAIN.
  if (p === NegErrno.EFAULT) return NegErrno.ENOMEM;
  if (p === NegErrno.ENOMEM) return NegErrno.EAGAIN;
  return 0;
}

/** `mlock(addr, len)`. Returns 0 or `-errno`. */
export function sysMlock(as: AddressSpace, addr: U64Arg, len: U64Arg): SyscallResult {
  const req = decodeMlock(as, addr, len);
  return typeof req === 'number' ? req : doMlock(as, req);
}

/** `mlock2(addr, len, flags)` with `MLOCK_ONFAULT`. Returns 0 or `-errno`. */
export function sysMlock2(as: AddressSpace, addr: U64Arg, len: U64Arg, flagsArg: U64Arg): SyscallResult {
  const req = decodeMlock(as, addr, len, flagsArg);
  return typeof req === 'number' ? req : doMlock(as, req);
}

/** Every check `munlock` makes (the range): the request, or the call's answer. */
export function decodeMunlock(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
): LockRequest | SyscallResult {
  const r = lockRange(as, addrArg, lenArg);
  if (typeof r === 'number') return r;
  if (r[0] === r[1]) return 0;
  return lockRequest(as, r, 0);
}

/** Unlocks a checked range. Returns 0, or `-ENOMEM` for a hole (after unlocking the rest). */
export function doMunlock(as: AddressSpace, req: LockRequest): SyscallResult {
  const err = applyLockFlags(as, req.start, req.end, 0);
  if (err === 0 && req.beyond) return NegErrno.ENOMEM;
  return err;
}

/** `munlock(addr, len)`. Returns 0 or `-errno`. */
export function sysMunlock(as: AddressSpace, addr: U64Arg, len: U64Arg): SyscallResult {
  const req = decodeMunlock(as, addr, len);
  return typeof req === 'number' ? req : doMunlock(as, req);
}

/**
 * Every check `mlockall` makes, in Linux's order (the flags, `can_do_mlock`, `RLIMIT_MEMLOCK` for `MCL_CURRENT`):
 * the checked flags, or `-errno`. (Both are numbers: a valid `flags` is never negative.)
 */
export function decodeMlockall(as: AddressSpace, flagsArg: U64Arg): SyscallResult {
  const flags = toInt32(flagsArg);
  if (
    flags === undefined ||
    !flags ||
    flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) ||
    flags === MCL_ONFAULT
  )
    return NegErrno.EINVAL;
  if (as.limits.memlockLimit === 0) return NegErrno.EPERM; // can_do_mlock
  if (flags & MCL_CURRENT && as.totalPages() * PAGE_SIZE > as.limits.memlockLimit) return NegErrno.ENOMEM;
  return flags;
}

/** Applies checked `mlockall` flags (`apply_mlockall_flags`, then populates with `MCL_CURRENT`). Returns 0. */
export function doMlockall(as: AddressSpace, flags: number): SyscallResult {
  applyMlockallFlags(as, flags);
  if (flags & MCL_CURRENT) as.populate(0, as.limits.taskSize / PAGE_SIZE, true);
  return 0;
}

/** `mlockall(flags)`. Returns 0 or `-errno`. */
export function sysMlockall(as: AddressSpace, flagsArg: U64Arg): SyscallResult {
  const flags = decodeMlockall(as, flagsArg);
  return flags < 0 ? flags : doMlockall(as, flags);
}

/** `munlockall()`. Returns 0. */
export function sysMunlockall(as: AddressSpace): SyscallResult {
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
