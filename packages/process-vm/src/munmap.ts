/**
 * `munmap(addr, len)` (mm/vma.c `do_vmi_munmap`): the range may span VMAs and holes; VMAs are split at its ends.
 *
 * @module
 */

import { PAGE_SIZE, toNegErrno } from '@pagewright/core';
import type { AddressSpace } from './address-space.js';
import { BAD_ARG, pageAlign64, toU64, type U64Arg } from './u64.js';

/** The system call. Returns 0 or `-errno`. */
export function sysMunmap(as: AddressSpace, addrArg: U64Arg, lenArg: U64Arg): number {
  const start = toU64(addrArg);
  const len = toU64(lenArg);
  if (start === BAD_ARG || len === BAD_ARG) return toNegErrno('EINVAL');
  const taskSize = BigInt(as.limits.taskSize);
  if (start & 0xfffn || start > taskSize || len > taskSize - start) return toNegErrno('EINVAL');
  const end = start + pageAlign64(len);
  if (end === start) return toNegErrno('EINVAL');
  const s = Number(start) / PAGE_SIZE;
  const e = Math.min(Number(end), as.limits.taskSize) / PAGE_SIZE;
  // A split of a VMA that sticks out on both sides needs one more map slot (LTP munmap04).
  const first = as.vmas.find(s);
  if (first !== undefined && first.start < s && first.end > e && as.vmas.size >= as.limits.maxMapCount)
    return toNegErrno('ENOMEM');
  as.unmapRange(s, e);
  return 0;
}
