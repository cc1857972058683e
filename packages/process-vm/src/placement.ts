/**
 * Where a mapping without `MAP_FIXED` goes: Linux's `get_unmapped_area` for anonymous memory (x86-64
 * `arch_get_unmapped_area_topdown` and the legacy bottom-up layout).
 *
 * @module
 */

import { PAGE_SIZE, VM_GROWSDOWN } from '@pagewright/core';
import type { AddressSpace } from './address-space.js';

/**
 * The lowest address of the legacy bottom-up mmap area: Linux `TASK_UNMAPPED_BASE` = `PAGE_ALIGN(TASK_SIZE / 3)`
 * (arch/riscv/include/asm/processor.h; x86 `__TASK_UNMAPPED_BASE`), the integer third rounded **up** to a page.
 */
export function taskUnmappedBase(taskSize: number): number {
  return Math.ceil(Math.floor(taskSize / 3) / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * Picks an address for `len` bytes (page-aligned, `0 < len <= taskSize`). `hint` is the page-aligned hint (already
 * raised to `mmap_min_addr` by the caller) or 0. Returns the address, or -1 when nothing fits (ENOMEM).
 *
 * A hint is honoured when `[hint, hint + len)` fits below `taskSize` and ends at or below the start gap of the next
 * VMA (`vm_start_gap`: the stack guard gap below a `VM_GROWSDOWN` VMA). Otherwise the highest free gap below
 * `mmap_base` (top-down) is used, falling back to a bottom-up search from `TASK_UNMAPPED_BASE`; the bottom-up
 * placement searches upward from `TASK_UNMAPPED_BASE` first.
 */
export function getUnmappedArea(as: AddressSpace, hint: number, len: number): number {
  const { taskSize } = as.limits;
  if (len > taskSize) return -1;
  const pages = len / PAGE_SIZE;
  if (hint !== 0 && taskSize - len >= hint) {
    const next = as.vmas.findFrom(hint / PAGE_SIZE);
    if (next === undefined || hint / PAGE_SIZE + pages <= startGap(as, next.start, next.flags)) return hint;
  }
  const topDown = as.placement === 'topdown';
  let page = findGap(as, pages, topDown);
  if (page < 0) page = findGap(as, pages, !topDown);
  return page < 0 ? -1 : page * PAGE_SIZE;
}

/** Reused request of {@link findGap} (fully rewritten before each use: no state survives a call). */
const request = { length: 0, low: 0, high: 0, alignMask: 0, alignOffset: 0 };

/** The first page of the highest (top-down) or lowest (bottom-up) free gap of `pages` pages, or -1. */
function findGap(as: AddressSpace, pages: number, topDown: boolean): number {
  const { taskSize } = as.limits;
  request.length = pages;
  request.alignMask = 0;
  request.alignOffset = 0;
  if (topDown) {
    request.low = Math.max(1, Math.ceil(as.limits.mmapMinAddr / PAGE_SIZE));
    request.high = as.mmapBase / PAGE_SIZE;
    return as.vmas.index.findGapTopDown(request);
  }
  request.low = taskUnmappedBase(taskSize) / PAGE_SIZE;
  request.high = taskSize / PAGE_SIZE;
  return as.vmas.index.findGapBottomUp(request);
}

/** `vm_start_gap`: the lowest page a mapping below a VMA starting at `start` may reach (exclusive end). */
export function startGap(as: AddressSpace, start: number, flags: number): number {
  if (!(flags & VM_GROWSDOWN)) return start;
  return Math.max(0, start - as.limits.stackGuardGapPages);
}
