/**
 * Where a mapping without `MAP_FIXED` goes: Linux's `get_unmapped_area` for anonymous memory (x86-64
 * `arch_get_unmapped_area_topdown` and the legacy bottom-up layout).
 *
 * @module
 */

import { PAGE_SIZE, VM_GROWSDOWN } from '@pagewright/core';
import type { AddressSpace } from './address-space.js';

/** The lowest address of the legacy bottom-up mmap area (`TASK_UNMAPPED_BASE` = `TASK_SIZE / 3`, page-aligned). */
export function taskUnmappedBase(taskSize: number): number {
  return Math.floor(taskSize / 3 / PAGE_SIZE) * PAGE_SIZE;
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
  const index = as.vmas.index;
  const minPage = Math.max(1, Math.ceil(as.limits.mmapMinAddr / PAGE_SIZE));
  const topDown = () =>
    index.findGapTopDown({
      length: pages,
      low: minPage,
      high: as.mmapBase / PAGE_SIZE,
      alignMask: 0,
      alignOffset: 0,
    });
  const bottomUp = () =>
    index.findGapBottomUp({
      length: pages,
      low: taskUnmappedBase(taskSize) / PAGE_SIZE,
      high: taskSize / PAGE_SIZE,
      alignMask: 0,
      alignOffset: 0,
    });
  let page = as.placement === 'topdown' ? topDown() : bottomUp();
  if (page < 0) page = as.placement === 'topdown' ? bottomUp() : topDown();
  return page < 0 ? -1 : page * PAGE_SIZE;
}

/** `vm_start_gap`: the lowest page a mapping below a VMA starting at `start` may reach (exclusive end). */
export function startGap(as: AddressSpace, start: number, flags: number): number {
  if (!(flags & VM_GROWSDOWN)) return start;
  return Math.max(0, start - as.limits.stackGuardGapPages);
}
