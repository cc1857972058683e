/**
 * `brk(addr)` (mm/mmap.c `SYSCALL_DEFINE1(brk)`) and the C library's `sbrk(increment)` on top of it.
 *
 * The break is kept exactly as asked (unaligned values too); the heap VMA ends at `PAGE_ALIGN(brk)`. Failure is
 * signalled by returning the old break. Growth needs one free page (plus the stack guard gap below a
 * `VM_GROWSDOWN` VMA) between the new end and the next mapping.
 *
 * @module
 */

import {
  PAGE_SIZE,
  VM_ACCOUNT,
  VM_LOCKED,
  VM_LOCKONFAULT,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYWRITE,
  VM_READ,
  VM_SOFTDIRTY,
  VM_WRITE,
} from '@pagewright/core';
import { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { startGap } from './placement.js';
import { BAD_ARG, toU64, type U64Arg } from './u64.js';

/** `VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT`: the flags of a heap VMA. */
export const BRK_VM_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;

/** The system call. Returns the new break, or the old one on failure (never `-errno`). */
export function sysBrk(as: AddressSpace, brkArg: U64Arg): number {
  const origbrk = as.brk;
  const want = toU64(brkArg);
  if (want === BAD_ARG || want < BigInt(as.startBrk)) return origbrk;
  if (want > BigInt(as.limits.taskSize)) return origbrk;
  const brk = Number(want);
  const newbrk = Math.ceil(brk / PAGE_SIZE);
  const oldbrk = Math.ceil(as.brk / PAGE_SIZE);
  if (oldbrk === newbrk) {
    as.brk = brk;
    return brk;
  }
  if (brk <= as.brk) {
    // Always allow shrinking brk — if the pages above newbrk still belong to a VMA.
    const v = as.vmas.findFrom(newbrk);
    if (v === undefined || v.start >= oldbrk) return origbrk;
    as.brk = brk;
    as.unmapRange(newbrk, oldbrk);
    return brk;
  }
  if (newbrk * PAGE_SIZE > as.limits.taskSize) return origbrk;
  // Check against existing mmap mappings: keep one page (and the stack guard gap) free above the heap.
  const next = as.vmas.findFrom(oldbrk);
  if (next !== undefined && newbrk + 1 > startGap(as, next.start, next.flags)) return origbrk;
  if ((newbrk - oldbrk) * PAGE_SIZE > as.limits.overcommitBytes) return origbrk;
  const flags = (BRK_VM_FLAGS | as.defFlags | VM_SOFTDIRTY) >>> 0;
  const prev = oldbrk > 0 ? as.vmas.find(oldbrk - 1) : undefined;
  const grown = new Vma({ start: oldbrk, end: newbrk, flags, pgoff: oldbrk });
  if (prev !== undefined && prev.end === oldbrk && prev.start >= Math.floor(as.startBrk / PAGE_SIZE)) {
    // do_brk_flags: expand the heap VMA below when it matches (just_expand: never merges with the next one).
    as.vmas.insertAndMerge(grown);
  } else {
    as.vmas.insertNoMerge(grown);
  }
  as.brk = brk;
  as.updateHiwater();
  if (flags & VM_LOCKED && !(flags & VM_LOCKONFAULT)) as.populate(oldbrk, newbrk, true);
  return brk;
}

/**
 * The C library's `sbrk(increment)`: moves the break by `increment` bytes and returns the old break, or `-1`
 * (glibc: `(void *) -1` with ENOMEM) when the kernel refused.
 */
export function sbrk(as: AddressSpace, increment: number): number {
  const old = as.brk;
  if (!Number.isInteger(increment)) return -1;
  if (increment === 0) return old;
  const target = old + increment;
  if (target < 0) return -1;
  const got = sysBrk(as, target);
  return got === target ? old : -1;
}
