/**
 * `msync(addr, len, flags)` (mm/msync.c): holes give ENOMEM (at once for a plain `MS_ASYNC`, else after the walk),
 * `MS_INVALIDATE` on a locked VMA EBUSY. `MS_SYNC` writes the dirty page-cache pages of every shared file VMA in the
 * range back to the file's store (`vfs_fsync_range` over the VMA's part of the range); `MS_ASYNC` starts nothing
 * (the kernel's dirty pages are written back in the background anyway) and `MS_INVALIDATE` does nothing more than
 * its check, as in Linux since 2.6.19. Anonymous memory has nothing to write back.
 *
 * @module
 */

import { MS_ASYNC, MS_INVALIDATE, MS_SYNC, PAGE_SIZE, VM_LOCKED, VM_SHARED } from '@pagewright/core';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { fileOf } from './file-mmap.js';
import { BAD_ARG, toInt32, toU64, U64_MAX, type U64Arg } from './u64.js';

/** A checked `msync`: the page range inside user space, the flags, and whether the range ran past it. */
export interface MsyncRequest {
  start: number;
  end: number;
  flags: number;
  /** The range went past `TASK_SIZE` (ENOMEM once the rest is done). */
  beyond: boolean;
}

/**
 * Every check `msync` makes before it looks at a VMA, in Linux's order: the request, or the call's answer (`-errno`,
 * 0 for an empty range).
 */
export function decodeMsync(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  flagsArg: U64Arg,
): MsyncRequest | SyscallResult {
  const start0 = toU64(addrArg);
  const len0 = toU64(lenArg);
  const flags = toInt32(flagsArg);
  if (start0 === BAD_ARG || len0 === BAD_ARG || flags === undefined) return NegErrno.EINVAL;
  if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return NegErrno.EINVAL;
  if (start0 & 0xfffn) return NegErrno.EINVAL;
  if (flags & MS_ASYNC && flags & MS_SYNC) return NegErrno.EINVAL;
  const len = (len0 + 0xfffn) & U64_MAX & ~0xfffn;
  const end0 = start0 + len;
  if (end0 > U64_MAX) return NegErrno.ENOMEM;
  if (end0 === start0) return 0;
  const taskSize = BigInt(as.limits.taskSize);
  if (start0 >= taskSize) return NegErrno.ENOMEM;
  const start = Number(start0) / PAGE_SIZE;
  const end = end0 > taskSize ? Number(taskSize) / PAGE_SIZE : Number(end0) / PAGE_SIZE;
  return { start, end, flags, beyond: end0 > taskSize };
}

/**
 * Walks the VMAs of a checked range (`MS_SYNC` writes back shared file pages as it goes): 0, or the first errno the
 * walk meets (ENOMEM for a hole — at once for a plain `MS_ASYNC` —, EBUSY for `MS_INVALIDATE` on a locked VMA).
 */
export function doMsync(as: AddressSpace, req: MsyncRequest): SyscallResult {
  const { end, flags, beyond } = req;
  let start = req.start;
  let unmapped = 0;
  for (;;) {
    const v = as.vmas.findFrom(start);
    if (v === undefined) return NegErrno.ENOMEM;
    if (start < v.start) {
      if (flags === MS_ASYNC) return NegErrno.ENOMEM;
      start = v.start;
      if (start >= end) return NegErrno.ENOMEM;
      unmapped = NegErrno.ENOMEM;
    }
    if (flags & MS_INVALIDATE && v.flags & VM_LOCKED) return NegErrno.EBUSY;
    if (flags & MS_SYNC && v.backing.kind === 'file' && v.flags & VM_SHARED) {
      const file = fileOf(v);
      if (!file.inode.mapsAsAnonymous)
        as.m.files.cache.writeback(file.inode, v.pgoffAt(start), v.pgoffAt(Math.min(end, v.end)), 'sync');
    }
    start = v.end;
    if (start >= end) return beyond ? NegErrno.ENOMEM : unmapped;
  }
}

/** The system call. Returns 0 or `-errno`. */
export function sysMsync(as: AddressSpace, addrArg: U64Arg, lenArg: U64Arg, flagsArg: U64Arg): SyscallResult {
  const req = decodeMsync(as, addrArg, lenArg, flagsArg);
  return typeof req === 'number' ? req : doMsync(as, req);
}
