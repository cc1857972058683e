/**
 * What `/proc/PID/smaps` and `/proc/PID/status` show of swapped-out pages (fs/proc/task_mmu.c): `Swap` and
 * `SwapPss` per VMA (`smaps_pte_entry` on a swap entry: the page's 4 kB, and for `SwapPss` the 4 kB divided by the
 * slot's swap count, in Linux's fixed point, `PSS_SHIFT` 12), `VmSwap` (`MM_SWAPENTS` × 4 kB).
 *
 * @module
 */

import type { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';

const PSS_SHIFT = 12;

/** `Swap` and `SwapPss` of `vma`, in kB. */
export function vmaSwapKb(as: AddressSpace, vma: Vma): { swap: number; swapPss: number } {
  const reclaim = as.m.reclaim;
  if (reclaim === null || as.pageTable.swap.size === 0) return { swap: 0, swapPss: 0 };
  let pages = 0;
  let pss = 0; // bytes << PSS_SHIFT
  as.pageTable.swap.forEachIn(vma.start, vma.end, (_vpn, slot) => {
    pages++;
    const count = reclaim.swap.count(slot);
    pss += count >= 2 ? Math.floor((4096 * 2 ** PSS_SHIFT) / count) : 4096 * 2 ** PSS_SHIFT;
  });
  return { swap: pages * 4, swapPss: Math.floor(pss / 2 ** (10 + PSS_SHIFT)) };
}

/** `VmSwap` of `as`, in kB. */
export function vmSwapKb(as: AddressSpace): number {
  return as.pageTable.swap.size * 4;
}
