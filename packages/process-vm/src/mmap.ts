/**
 * `mmap(addr, len, prot, flags, fd, offset)` for anonymous memory, with Linux's checks in Linux's order
 * (arch/x86/kernel/sys_x86_64.c `sys_mmap`, mm/mmap.c `ksys_mmap_pgoff`, `do_mmap`, `__get_unmapped_area`,
 * mm/vma.c `__mmap_region`).
 *
 * @module
 */

import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_GROWSDOWN,
  MAP_HUGETLB,
  MAP_LOCKED,
  MAP_NONBLOCK,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_STACK,
  MAP_TYPE,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  toNegErrno,
  VM_ACCOUNT,
  VM_DONTDUMP,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_LOCKONFAULT,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_NOHUGEPAGE,
  VM_NORESERVE,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_WIPEONFORK,
  type VmFlags,
} from '@pagewright/core';
import { ANON_PRIVATE, anonShared, Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { getUnmappedArea } from './placement.js';
import { toInt32, type U64Arg, u64PageOffset, u64Value } from './u64.js';

/** `MAP_DROPPABLE` (6.11+): a private mapping whose pages the kernel may drop. */
export const MAP_DROPPABLE = 0x08;

/**
 * Linux `round_hint_to_min`: the hint rounded down to a page, raised to `mmap_min_addr` when below it.
 */
function roundHintToMin(hint: number, mmapMinAddr: number): number {
  hint -= hint % PAGE_SIZE;
  if (hint !== 0 && hint < mmapMinAddr) return Math.ceil(mmapMinAddr / PAGE_SIZE) * PAGE_SIZE;
  return hint;
}

/**
 * The system call. Returns the address of the mapping, or `-errno`.
 */
export function sysMmap(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  protArg: U64Arg,
  flagsArg: U64Arg,
  fdArg: U64Arg,
  offArg: U64Arg,
): number {
  // Values are u64s as numbers (exact up to 2^53; larger ones only ever compare above TASK_SIZE), so the common
  // path needs no BigInt; the offset's alignment is checked exactly.
  const addr0 = u64Value(addrArg);
  const len0 = u64Value(lenArg);
  const offInPage = u64PageOffset(offArg);
  const prot = toInt32(protArg);
  const flags0 = toInt32(flagsArg);
  const fd = toInt32(fdArg);
  if (addr0 < 0 || len0 < 0 || offInPage < 0 || prot === undefined || flags0 === undefined)
    return toNegErrno('EINVAL');
  if (fd === undefined) return toNegErrno('EBADF');
  // sys_mmap: the offset must be page-aligned.
  if (offInPage !== 0) return toNegErrno('EINVAL');
  // ksys_mmap_pgoff: without MAP_ANONYMOUS a file is needed; this model has no file descriptors.
  if (!(flags0 & MAP_ANONYMOUS)) return toNegErrno('EBADF');
  let flags = flags0;
  const taskSize = as.limits.taskSize;
  // do_mmap
  if (len0 === 0) return toNegErrno('EINVAL');
  if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
  let addr = addr0;
  if (!(flags & MAP_FIXED)) addr = roundHintToMin(addr, as.limits.mmapMinAddr);
  // PAGE_ALIGN(len) either wraps to 0 or exceeds TASK_SIZE when len does: ENOMEM both ways.
  if (len0 > taskSize) return toNegErrno('ENOMEM');
  const len = Math.ceil(len0 / PAGE_SIZE) * PAGE_SIZE;
  if (len > taskSize) return toNegErrno('ENOMEM');
  if (as.vmas.size > as.limits.maxMapCount) return toNegErrno('ENOMEM');
  let vmFlags: VmFlags =
    (prot & PROT_READ ? 0x1 : 0) |
    (prot & PROT_WRITE ? 0x2 : 0) |
    (prot & PROT_EXEC ? 0x4 : 0) |
    (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) |
    (flags & MAP_LOCKED ? VM_LOCKED : 0) |
    (flags & MAP_STACK ? VM_NOHUGEPAGE : 0) |
    as.defFlags |
    VM_MAYREAD |
    VM_MAYWRITE |
    VM_MAYEXEC;
  // __get_unmapped_area
  let where: number;
  if (flags & MAP_FIXED) where = addr;
  else {
    where = getUnmappedArea(as, addr, len);
    if (where < 0) return toNegErrno('ENOMEM');
  }
  if (where > taskSize - len) return toNegErrno('ENOMEM');
  if (where % PAGE_SIZE !== 0) return toNegErrno('EINVAL');
  if (where < as.limits.mmapMinAddr) return toNegErrno('EPERM');
  const start = where / PAGE_SIZE;
  const pages = len / PAGE_SIZE;
  if (flags0 & MAP_FIXED_NOREPLACE && as.vmas.index.conflicts(start, start + pages))
    return toNegErrno('EEXIST');
  // mlock_future_ok
  if (vmFlags & VM_LOCKED && (as.lockedPages() + pages) * PAGE_SIZE > as.limits.memlockLimit)
    return toNegErrno('EAGAIN');
  let pgoff: number;
  let shared = false;
  switch (flags & MAP_TYPE) {
    case MAP_SHARED:
      if (vmFlags & VM_GROWSDOWN) return toNegErrno('EINVAL');
      pgoff = 0;
      shared = true;
      vmFlags |= VM_SHARED | VM_MAYSHARE;
      break;
    case MAP_DROPPABLE:
      if (flags & MAP_LOCKED || vmFlags & VM_GROWSDOWN) return toNegErrno('EINVAL');
      vmFlags |= VM_WIPEONFORK | VM_DONTDUMP | VM_NORESERVE;
      pgoff = start;
      break;
    case MAP_PRIVATE:
      pgoff = start;
      break;
    default:
      return toNegErrno('EINVAL');
  }
  if (flags & MAP_NORESERVE) vmFlags |= VM_NORESERVE;
  if (flags & MAP_HUGETLB) return toNegErrno('ENOMEM'); // no huge pages are reserved in this model
  // __mmap_region: accountable_mapping() charges private writable memory (overcommit heuristic).
  if (!shared && vmFlags & 0x2 && !(vmFlags & VM_NORESERVE)) {
    if (len > as.limits.overcommitBytes) return toNegErrno('ENOMEM');
    vmFlags |= VM_ACCOUNT;
  }
  vmFlags |= VM_SOFTDIRTY;
  // Check before change: vms_gather_munmap_vmas refuses to split a VMA that sticks out on both sides of a
  // MAP_FIXED range when the map count is at its limit (ENOMEM, nothing unmapped). Past this point nothing can
  // fail: the unmap needs no memory, the range is then free for the new VMA, and the shared object (if any) is
  // created only once the VMA that holds it is about to go in.
  if (flags & MAP_FIXED && as.vmas.size >= as.limits.maxMapCount) {
    const first = as.vmas.find(start);
    if (first !== undefined && first.start < start && first.end > start + pages) return toNegErrno('ENOMEM');
  }
  as.unmapRange(start, start + pages);
  const backing = shared ? anonShared(as.m.shared.create(pages)) : ANON_PRIVATE;
  as.vmas.insertAndMerge(new Vma({ start, end: start + pages, flags: vmFlags >>> 0, backing, pgoff }));
  as.updateHiwater();
  if (
    (vmFlags & VM_LOCKED && !(vmFlags & VM_LOCKONFAULT)) ||
    (flags & (MAP_POPULATE | MAP_NONBLOCK)) === MAP_POPULATE
  )
    as.populate(start, start + pages, true);
  return where;
}
