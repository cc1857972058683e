/**
 * Fork of an address space (Linux `dup_mmap` + `copy_page_range`): the child gets every VMA except `VM_DONTCOPY`
 * ones, without locks; private pages are shared copy-on-write (write-protected on both sides, the parent's harts
 * shot down), shared anonymous pages are left to fault in the child, `VM_WIPEONFORK` VMAs start empty.
 *
 * @module
 */

import { PteFlag, toNegErrno, VM_LOCKED_MASK, VM_MAYWRITE, VM_SHARED, VM_WIPEONFORK } from '@pagewright/core';
import type { AddressSpace } from './address-space.js';

/** Copies `parent` for the child `pid`. Returns the child's space, or `-ENOMEM` (nothing leaked) when frames ran out. */
export function forkAddressSpace(parent: AddressSpace, pid: number): AddressSpace | number {
  const child = parent.m.newAddressSpaceFor(pid, parent.limits);
  if (child === null) return toNegErrno('ENOMEM');
  child.startBrk = parent.startBrk;
  child.brk = parent.brk;
  child.startCode = parent.startCode;
  child.endCode = parent.endCode;
  child.startData = parent.startData;
  child.endData = parent.endData;
  child.startStack = parent.startStack;
  child.argStart = parent.argStart;
  child.argEnd = parent.argEnd;
  child.envStart = parent.envStart;
  child.envEnd = parent.envEnd;
  child.mmapBase = parent.mmapBase;
  child.placement = parent.placement;
  child.defFlags = (parent.defFlags & ~VM_LOCKED_MASK) >>> 0;
  child.hiwaterVm = parent.hiwaterVm;
  const pairs = parent.vmas.forkInto(child.vmas);
  const ppt = parent.pageTable;
  const cpt = child.pageTable;
  const refs = parent.m.refs;
  const zero = parent.m.zeroPfn;
  let failed = false;
  for (const [pv, cv] of pairs) {
    if (failed) break;
    if (cv.flags & VM_WIPEONFORK || pv.anonVma === null) continue;
    const cow = (pv.flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
    ppt.forEach(pv.start, pv.end, (vpn, pfn, flags) => {
      if (failed) return;
      let f = flags;
      if (cow && f & PteFlag.Write) {
        f &= ~PteFlag.Write;
        ppt.setFlags(vpn, f);
      }
      if (!cpt.map(vpn, pfn, f)) {
        failed = true;
        return;
      }
      if (pfn !== zero) refs.get(pfn);
    });
  }
  ppt.flush();
  if (failed) {
    child.destroy();
    return toNegErrno('ENOMEM');
  }
  child.updateHiwater();
  return child;
}
