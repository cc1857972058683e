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
import type { SyscallResult } from './errno.js';
import { sealedIn } from './mseal.js';
import { startGap } from './placement.js';
import { type U64Arg, u64Value } from './u64.js';

/** `VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT`: the flags of a heap VMA. */
export const BRK_VM_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT;

/** A checked `brk`: the new break and what moving to it takes. */
export interface BrkRequest {
  /** The new break (bytes, possibly unaligned). */
  brk: number;
  /** `PAGE_ALIGN` of the old and the new break, in pages. */
  oldEnd: number;
  newEnd: number;
}

/**
 * Every check `brk` makes before it changes anything, in Linux's order: the request, or the call's answer (the old
 * break: `brk` never answers `-errno`).
 */
export function decodeBrk(as: AddressSpace, brkArg: U64Arg): BrkRequest | SyscallResult {
  const layout = as.layout;
  const origbrk = layout.brk;
  // The u64 as a number (see u64Value): exact below 2^53, and any larger value is past TASK_SIZE either way.
  const brk = u64Value(brkArg);
  if (brk < 0 || brk < layout.startBrk) return origbrk;
  if (brk > as.limits.taskSize) return origbrk;
  const newEnd = Math.ceil(brk / PAGE_SIZE);
  const oldEnd = Math.ceil(origbrk / PAGE_SIZE);
  if (oldEnd === newEnd) return { brk, oldEnd, newEnd };
  if (brk <= origbrk) {
    // Always allow shrinking brk — if the pages above newbrk still belong to a VMA.
    const v = as.vmas.findFrom(newEnd);
    if (v === undefined || v.start >= oldEnd) return origbrk;
    if (sealedIn(as, newEnd, oldEnd)) return origbrk; // do_vmi_align_munmap refuses a sealed VMA (mseal.ts)
    return { brk, oldEnd, newEnd };
  }
  if (newEnd * PAGE_SIZE > as.limits.taskSize) return origbrk;
  // Check against existing mmap mappings: keep one page (and the stack guard gap) free above the heap.
  const next = as.vmas.findFrom(oldEnd);
  if (next !== undefined && newEnd + 1 > startGap(as, next.start, next.flags)) return origbrk;
  if ((newEnd - oldEnd) * PAGE_SIZE > as.limits.overcommitBytes) return origbrk;
  return { brk, oldEnd, newEnd };
}

/** Moves the break as checked: the heap VMA shrinks (its pages unmapped) or grows. Returns the new break. */
export function doBrk(as: AddressSpace, req: BrkRequest): SyscallResult {
  const { brk, oldEnd: oldbrk, newEnd: newbrk } = req;
  const layout = as.layout;
  if (oldbrk === newbrk) {
    layout.brk = brk;
    return brk;
  }
  if (newbrk < oldbrk) {
    layout.brk = brk;
    as.unmapRange(newbrk, oldbrk);
    return brk;
  }
  const flags = (BRK_VM_FLAGS | as.defFlags | VM_SOFTDIRTY) >>> 0;
  const prev = oldbrk > 0 ? as.vmas.find(oldbrk - 1) : undefined;
  const grown = new Vma({ start: oldbrk, end: newbrk, flags, pgoff: oldbrk });
  if (prev !== undefined && prev.end === oldbrk && prev.start >= Math.floor(layout.startBrk / PAGE_SIZE)) {
    // do_brk_flags: expand the heap VMA below when it matches (just_expand: never merges with the next one).
    as.vmas.insertAndMerge(grown);
  } else {
    as.vmas.insertNoMerge(grown);
  }
  layout.brk = brk;
  as.updateHiwater();
  if (flags & VM_LOCKED && !(flags & VM_LOCKONFAULT)) as.populate(oldbrk, newbrk, true);
  return brk;
}

/** The system call. Returns the new break, or the old one on failure (never `-errno`). */
export function sysBrk(as: AddressSpace, brkArg: U64Arg): SyscallResult {
  const req = decodeBrk(as, brkArg);
  return typeof req === 'number' ? req : doBrk(as, req);
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
