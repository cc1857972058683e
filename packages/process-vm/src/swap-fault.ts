/**
 * Swap-in on a page fault (Linux `do_swap_page`): the page's PTE is empty but its swap entry names a slot.
 *
 * - The swap cache is looked up first: a page another process already swapped in (they shared it before fork) is
 *   mapped from there — a minor fault. Otherwise a frame is allocated and the slot read into it — a major fault
 *   (`pgmajfault`, `pswpin`) — and the frame enters the swap cache.
 * - The PTE is writable only for a store when the page is exclusive: this entry is the slot's last and no other PTE
 *   maps the frame; a page still named by other swap entries, or already mapped by another process, is mapped
 *   read-only, so a store copies it (`do_wp_page`).
 * - The entry's reference on the slot goes (`swap_free`); with the last one, the page leaves the swap cache and the
 *   slot is freed (`folio_free_swap`).
 * - Out of frames (the frame, or a page-table frame for the PTE): `OOM_KILL`, and everything is as before.
 *
 * @module
 */

import { PteFlag, type VmFlags } from '@pagewright/core';
import type { AddressSpace, FaultResult } from './address-space.js';
import type { MachineReclaim } from './reclaim-hooks.js';
import { OOM_KILL } from './signals.js';

/** Swaps page `vpn` (swap entry for `slot`) of `as` in for a fault in a VMA with flags `vmFlags`. */
export function swapInFault(
  reclaim: MachineReclaim,
  as: AddressSpace,
  vmFlags: VmFlags,
  vpn: number,
  slot: number,
  write: boolean,
): FaultResult {
  const refs = as.m.refs;
  const pt = as.pageTable;
  let pfn = reclaim.cachedFrame(slot);
  const major = pfn < 0;
  if (major) {
    pfn = refs.alloc();
    if (pfn < 0) return OOM_KILL;
    reclaim.swap.read(slot, as.m.memory, pfn);
    reclaim.addToCache(slot, pfn); // the allocation's reference is the swap cache's
  }
  // Exclusive: this entry is the slot's last, and no PTE maps the frame yet (its one reference is the swap cache's;
  // a page another process already swapped in is shared: Linux's folio_ref_count(folio) == 1 test).
  const exclusive = reclaim.swap.count(slot) === 1 && refs.count(pfn) === 1;
  const writable = write && exclusive;
  const flags = as.pteFlagsFor(vmFlags, writable) | PteFlag.Accessed | (writable ? PteFlag.Dirty : 0);
  if (!pt.mapPhys(vpn, pfn, flags)) {
    if (major) reclaim.dropCache(slot, pfn); // frees the frame
    return OOM_KILL;
  }
  refs.get(pfn);
  pt.swap.take(vpn);
  if (reclaim.swap.put(slot) === 0) reclaim.dropCache(slot, pfn);
  if (major) {
    reclaim.events.add('pgmajfault');
    reclaim.events.add('pswpin');
  }
  return 0;
}
