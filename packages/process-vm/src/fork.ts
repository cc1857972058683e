/**
 * Fork of an address space (Linux `dup_mmap` + `copy_page_range`): the child gets every VMA except `VM_DONTCOPY`
 * ones, without locks; private pages are shared copy-on-write (write-protected on both sides, the parent's harts
 * shot down), shared anonymous pages are left to fault in the child, `VM_WIPEONFORK` VMAs start empty.
 *
 * @module
 */

import { VM_LOCKED_MASK, VM_SHARED, VM_WIPEONFORK } from '@pagewright/core';
import type { AddressSpace } from './address-space.js';
import { NegErrno } from './errno.js';
import { copyGuards } from './guard-regions.js';

/** Copies `parent` for the child `pid`. Returns the child's space, or `-ENOMEM` (nothing leaked) when frames ran out. */
export function forkAddressSpace(parent: AddressSpace, pid: number): AddressSpace | number {
  const child = parent.m.newAddressSpaceFor(pid, parent.limits);
  if (child === null) return NegErrno.ENOMEM;
  Object.assign(child.layout, parent.layout);
  child.placement = parent.placement;
  child.defFlags = (parent.defFlags & ~VM_LOCKED_MASK) >>> 0;
  child.hiwaterVm = parent.hiwaterVm;
  const pairs = parent.vmas.forkInto(child.vmas);
  const ppt = parent.pageTable;
  const cpt = child.pageTable;
  // One owner more per copied leaf (a data frame's reference, or a page-cache page's mapping for the file pages of a
  // private file VMA).
  const shareFrame = parent.shareFrame;
  const share = (_vpn: number, pfn: number): void => shareFrame(pfn);
  let failed = false;
  for (const [pv, cv] of pairs) {
    if (!(cv.flags & VM_WIPEONFORK)) copyGuards(parent, child, pv.start, pv.end); // guard markers (guard-regions.ts)
    if (cv.flags & VM_WIPEONFORK || pv.anonVma === null) continue;
    // copy_present_pte: pages of private mappings lose Write on both sides (copy-on-write; a page of a mapping that
    // may not become writable has no Write to lose), shared mappings keep it and the child's copy is made clean;
    // every child entry is made old (pte_mkold).
    // The swap entries of the range come along (copy_nonpresent_pte).
    if (!cpt.copyRangeForCow(ppt, pv.start, pv.end, (pv.flags & VM_SHARED) !== 0, share)) {
      failed = true;
      break;
    }
  }
  ppt.flush(); // shoot the parent's harts down: its private pages lost Write
  // dup_mmap: every file VMA copied takes a reference on its description and joins the file's reverse map.
  child.fileMaps.sync(true);
  if (failed) {
    child.destroy();
    return NegErrno.ENOMEM;
  }
  child.updateHiwater();
  return child;
}
