/**
 * `munmap(addr, len)` (mm/vma.c `do_vmi_munmap`): the range may span VMAs and holes; VMAs are split at its ends.
 *
 * @module
 */

import { PAGE_SIZE } from '@pagewright/core';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { sealedIn } from './mseal.js';
import { type U64Arg, u64Value } from './u64.js';

/** A checked `munmap`: the page range to unmap. */
export interface MunmapRequest {
  /** First page. */
  start: number;
  /** One past the last page (clipped to `TASK_SIZE`). */
  end: number;
}

/**
 * Every check `munmap` makes before it changes anything, in Linux's order: the request, or the call's answer
 * (`-errno`). Reads the address space, never changes it.
 */
export function decodeMunmap(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
): MunmapRequest | SyscallResult {
  // u64s as numbers: a value past 2^53 is inexact, but it exceeds TASK_SIZE and fails the same check.
  const start = u64Value(addrArg);
  const len = u64Value(lenArg);
  if (start < 0 || len < 0) return NegErrno.EINVAL;
  const taskSize = as.limits.taskSize;
  if (start % PAGE_SIZE !== 0 || start > taskSize || len > taskSize - start) return NegErrno.EINVAL;
  if (len === 0) return NegErrno.EINVAL; // PAGE_ALIGN(0) = 0: end == start
  const end = start + Math.ceil(len / PAGE_SIZE) * PAGE_SIZE;
  const s = start / PAGE_SIZE;
  const e = Math.min(end, taskSize) / PAGE_SIZE;
  // A split of a VMA that sticks out on both sides needs one more map slot (LTP munmap04).
  if (as.vmas.size >= as.limits.maxMapCount) {
    const first = as.vmas.find(s);
    if (first !== undefined && first.start < s && first.end > e) return NegErrno.ENOMEM;
  }
  // vms_gather_munmap_vmas: a sealed VMA is not unmapped (mseal.ts).
  if (sealedIn(as, s, e)) return NegErrno.EPERM;
  return { start: s, end: e };
}

/** Unmaps a checked range (it cannot fail). Returns 0. */
export function doMunmap(as: AddressSpace, req: MunmapRequest): SyscallResult {
  as.unmapRange(req.start, req.end);
  return 0;
}

/** The system call. Returns 0 or `-errno`. */
export function sysMunmap(as: AddressSpace, addrArg: U64Arg, lenArg: U64Arg): SyscallResult {
  const req = decodeMunmap(as, addrArg, lenArg);
  return typeof req === 'number' ? req : doMunmap(as, req);
}
