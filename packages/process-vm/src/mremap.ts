/**
 * `mremap(old_address, old_size, new_size, flags, new_address)` (mm/mremap.c, Linux 6.18): shrink in place, grow in
 * place, move (`MREMAP_MAYMOVE`), move to a fixed address (`MREMAP_FIXED`, also across several VMAs when the size
 * does not change), keep the source (`MREMAP_DONTUNMAP`), and `old_size = 0` aliasing of a shared mapping.
 *
 * A move carries the page-table entries to the new place (`move_page_tables`); no data is copied.
 *
 * @module
 */

import {
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PAGE_SIZE,
  VM_ACCOUNT,
  VM_DONTEXPAND,
  VM_LOCKED,
  VM_LOCKED_MASK,
  VM_LOCKONFAULT,
  VM_MAYSHARE,
  VM_PFNMAP,
  VM_SHARED,
} from '@pagewright/core';
import type { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { fileOf } from './file-mmap.js';
import { moveGuards } from './guard-regions.js';
import { isSealed, sealedIn } from './mseal.js';
import { getUnmappedAreaFor } from './placement.js';
import { BAD_ARG, pageAlign64, toInt32, toU64, type U64Arg } from './u64.js';

/** The parameters of one mremap, in bytes (Linux `struct vma_remap_struct`). */
interface Remap {
  addr: number;
  oldLen: number;
  newLen: number;
  newAddr: number;
  flags: number;
}

/** A checked `mremap` (Linux `struct vma_remap_struct` after `check_mremap_params` and `check_prep_vma`). */
export interface MremapRequest extends Remap {
  /**
   * The source VMA, or null for a multi-VMA move (`MREMAP_FIXED` with an unchanged size: `remap_move` checks each
   * VMA as it moves it).
   */
  vma: Vma | null;
}

/**
 * Every check `mremap` makes before it changes anything, in Linux's order (`check_mremap_params`, the source lookup,
 * `check_prep_vma`): the request, or the call's answer (`-errno`). Reads the address space, never changes it.
 */
export function decodeMremap(
  as: AddressSpace,
  addrArg: U64Arg,
  oldLenArg: U64Arg,
  newLenArg: U64Arg,
  flagsArg: U64Arg,
  newAddrArg: U64Arg = 0,
): MremapRequest | SyscallResult {
  const addr = toU64(addrArg);
  const oldLen0 = toU64(oldLenArg);
  const newLen0 = toU64(newLenArg);
  const newAddr = toU64(newAddrArg);
  const flags = toInt32(flagsArg);
  if (
    addr === BAD_ARG ||
    oldLen0 === BAD_ARG ||
    newLen0 === BAD_ARG ||
    newAddr === BAD_ARG ||
    flags === undefined
  )
    return NegErrno.EINVAL;
  const oldLen = pageAlign64(oldLen0);
  const newLen = pageAlign64(newLen0);
  const taskSize = BigInt(as.limits.taskSize);
  // check_mremap_params
  if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) return NegErrno.EINVAL;
  if (addr & 0xfffn) return NegErrno.EINVAL;
  if (newLen === 0n) return NegErrno.EINVAL;
  if (newLen > taskSize) return NegErrno.EINVAL;
  const impliesNewAddr = (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0;
  if (impliesNewAddr) {
    if (newAddr > taskSize - newLen) return NegErrno.EINVAL;
    if (newAddr & 0xfffn) return NegErrno.EINVAL;
    if (!(flags & MREMAP_MAYMOVE)) return NegErrno.EINVAL;
    if (flags & MREMAP_DONTUNMAP && oldLen !== newLen) return NegErrno.EINVAL;
    if (addr + oldLen > newAddr && newAddr + newLen > addr) return NegErrno.EINVAL;
    if (as.vmas.size + 2 >= as.limits.maxMapCount - 3) return NegErrno.ENOMEM;
  }
  // Nothing can be mapped at or above TASK_SIZE: such a source is simply not found.
  if (addr >= taskSize || oldLen > taskSize - addr) return NegErrno.EFAULT;
  const r: MremapRequest = {
    addr: Number(addr),
    oldLen: Number(oldLen),
    newLen: Number(newLen),
    newAddr: Number(newAddr),
    flags,
    vma: null,
  };
  if (flags & MREMAP_FIXED && oldLen === newLen) return r;
  const vma = as.vmas.find(r.addr / PAGE_SIZE);
  const err = checkPrepVma(as, vma, r);
  if (err !== 0) return err;
  r.vma = vma as Vma;
  return r;
}

/**
 * Carries out a checked `mremap`: a multi-VMA move, `mremap_to` (a new address) or `mremap_at` (in place, or moved
 * with `MREMAP_MAYMOVE`). Returns the (new) address, or `-errno` for a failure Linux finds on the way (no room to
 * grow or move, a page-table frame that cannot be allocated) with the state as Linux leaves it.
 */
export function doMremap(as: AddressSpace, req: MremapRequest): SyscallResult {
  if (req.vma === null) return remapMove(as, req);
  return req.flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)
    ? remapTo(as, req.vma, req)
    : remapAt(as, req.vma, req);
}

/** The system call. Returns the (new) address, or `-errno`. */
export function sysMremap(
  as: AddressSpace,
  addrArg: U64Arg,
  oldLenArg: U64Arg,
  newLenArg: U64Arg,
  flagsArg: U64Arg,
  newAddrArg: U64Arg = 0,
): SyscallResult {
  const req = decodeMremap(as, addrArg, oldLenArg, newLenArg, flagsArg, newAddrArg);
  return typeof req === 'number' ? req : doMremap(as, req);
}

/** `check_prep_vma`. Returns 0 or `-errno`. */
function checkPrepVma(as: AddressSpace, vma: Vma | undefined, r: Remap): number {
  if (vma === undefined) return NegErrno.EFAULT;
  if (isSealed(vma)) return NegErrno.EPERM; // "If mseal()'d, mremap() is prohibited"
  const impliesNewAddr = (r.flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0;
  if (!impliesNewAddr) r.newAddr = r.addr;
  const expand = r.newLen > r.oldLen;
  if (!expand && !impliesNewAddr) return 0;
  let oldLen = r.oldLen;
  if (oldLen === 0 && !(vma.flags & (VM_SHARED | VM_MAYSHARE))) return NegErrno.EINVAL;
  if (r.flags & MREMAP_DONTUNMAP && vma.flags & (VM_DONTEXPAND | VM_PFNMAP)) return NegErrno.EINVAL;
  if (r.newLen < r.oldLen) oldLen = r.newLen;
  if (oldLen > vma.end * PAGE_SIZE - r.addr) return NegErrno.EFAULT;
  if (r.newLen === oldLen) return 0;
  if (vma.flags & (VM_DONTEXPAND | VM_PFNMAP)) return NegErrno.EFAULT;
  const delta = r.newLen - r.oldLen;
  if (vma.flags & VM_LOCKED && as.lockedPages() * PAGE_SIZE + delta > as.limits.memlockLimit)
    return NegErrno.EAGAIN;
  return 0;
}

/** `mremap_at`: no new address — no-op, shrink in place, or expand (in place or, with MAYMOVE, elsewhere). */
function remapAt(as: AddressSpace, vma: Vma, r: Remap): number {
  if (r.newLen === r.oldLen) return r.addr;
  if (r.newLen < r.oldLen) {
    as.unmapRange((r.addr + r.newLen) / PAGE_SIZE, (r.addr + r.oldLen) / PAGE_SIZE);
    return r.addr;
  }
  // expand_vma
  const delta = r.newLen - r.oldLen;
  if (vma.end * PAGE_SIZE - r.addr === r.oldLen && expandable(as, vma, delta)) {
    if (vma.flags & VM_ACCOUNT && delta > as.limits.overcommitBytes) return NegErrno.ENOMEM;
    const locked = (vma.flags & VM_LOCKED) !== 0 && !(vma.flags & VM_LOCKONFAULT);
    const oldEnd = vma.end;
    as.vmas.extendAndMerge(vma, vma.end + delta / PAGE_SIZE);
    as.updateHiwater();
    if (locked) as.populate(oldEnd, oldEnd + delta / PAGE_SIZE, true);
    return r.addr;
  }
  if (!(r.flags & MREMAP_MAYMOVE)) return NegErrno.ENOMEM;
  const a = newAddress(as, vma, r);
  if (a < 0) return a;
  return moveVma(as, vma, r);
}

/** `vma_expandable`: `[end, end + delta)` is free and inside the user range. */
function expandable(as: AddressSpace, vma: Vma, delta: number): boolean {
  const end = vma.end * PAGE_SIZE + delta;
  if (end > as.limits.taskSize) return false;
  return !as.vmas.index.conflicts(vma.end, end / PAGE_SIZE);
}

/** `vrm_set_new_addr`: a fixed destination, a hint (DONTUNMAP alone), or any free place. */
function newAddress(as: AddressSpace, vma: Vma, r: Remap): number {
  if (r.flags & MREMAP_FIXED) return r.newAddr;
  const hint = r.flags & MREMAP_DONTUNMAP ? r.newAddr : 0;
  // get_unmapped_area(vma->vm_file, …, MAP_SHARED if VM_MAYSHARE): THP alignment where it applies (placement.ts).
  const file = vma.backing.kind === 'file' ? fileOf(vma) : null;
  const a = getUnmappedAreaFor(as, hint >= as.limits.mmapMinAddr || hint === 0 ? hint : 0, r.newLen, {
    file: file === null ? null : file.inode.mapsAsAnonymous ? 'zero' : 'regular',
    pgoff: vma.pgoff + (r.addr / PAGE_SIZE - vma.start),
    shared: (vma.flags & VM_MAYSHARE) !== 0,
  });
  if (a < 0) return NegErrno.ENOMEM;
  r.newAddr = a;
  return a;
}

/** `mremap_to`: MREMAP_FIXED and/or MREMAP_DONTUNMAP. */
function remapTo(as: AddressSpace, vma: Vma, r: Remap): number {
  if (r.flags & MREMAP_FIXED) {
    if (r.newAddr < as.limits.mmapMinAddr) return NegErrno.EPERM;
    // do_munmap of the destination: a sealed VMA there is not unmapped.
    if (sealedIn(as, r.newAddr / PAGE_SIZE, (r.newAddr + r.newLen) / PAGE_SIZE)) return NegErrno.EPERM;
    as.unmapRange(r.newAddr / PAGE_SIZE, (r.newAddr + r.newLen) / PAGE_SIZE);
  }
  if (r.newLen < r.oldLen) {
    as.unmapRange((r.addr + r.newLen) / PAGE_SIZE, (r.addr + r.oldLen) / PAGE_SIZE);
    r.oldLen = r.newLen;
  }
  const v = as.vmas.find(r.addr / PAGE_SIZE);
  if (v === undefined) return NegErrno.EFAULT;
  const a = newAddress(as, v, r);
  if (a < 0) return a;
  void vma;
  return moveVma(as, v, r);
}

/**
 * `remap_move` (6.17+): MREMAP_FIXED with an unchanged size moves every VMA of `[addr, addr + len)`, keeping the
 * gaps between them; a gap at the start is EFAULT. A failure on a later VMA leaves the earlier ones moved.
 */
function remapMove(as: AddressSpace, r: Remap): number {
  const start = r.addr / PAGE_SIZE;
  const end = (r.addr + r.oldLen) / PAGE_SIZE;
  let res = NegErrno.EFAULT;
  let seen = false;
  let target = r.newAddr;
  let lastEnd = 0;
  let cur = start;
  while (cur < end) {
    const v = as.vmas.findFrom(cur);
    if (v === undefined || v.start >= end) break;
    if (!seen && start < v.start) return NegErrno.EFAULT;
    const s = Math.max(v.start, start);
    const e = Math.min(end, v.end);
    const offset = seen ? (v.start - lastEnd) * PAGE_SIZE : 0;
    lastEnd = v.end;
    const sub: Remap = {
      addr: s * PAGE_SIZE,
      oldLen: (e - s) * PAGE_SIZE,
      newLen: (e - s) * PAGE_SIZE,
      newAddr: target + offset,
      flags: r.flags,
    };
    let one = checkPrepVma(as, v, sub);
    if (one === 0) one = remapTo(as, v, sub);
    if (one < 0 && one >= -4095) return one;
    if (!seen) res = one;
    seen = true;
    target = one + sub.newLen;
    cur = e;
  }
  return res;
}

/**
 * `move_vma`: a copy of the source part of `vma` at `r.newAddr` (merging there when Linux would), the page-table
 * entries moved over, then the source unmapped — or, with DONTUNMAP, kept empty and unlocked.
 */
function moveVma(as: AddressSpace, vma: Vma, r: Remap): number {
  const srcStart = r.addr / PAGE_SIZE;
  const oldPages = r.oldLen / PAGE_SIZE;
  const newPages = r.newLen / PAGE_SIZE;
  const dst = r.newAddr / PAGE_SIZE;
  const dontUnmap = (r.flags & MREMAP_DONTUNMAP) !== 0;
  // The new VMA covers new_len; its pgoff follows the source (copy_vma).
  const copy = as.vmas.copyVma(
    vma,
    srcStart,
    srcStart + Math.max(1, Math.min(oldPages, vma.end - srcStart)),
    dst,
  );
  let target = copy.vma;
  const copiedPages = Math.max(1, Math.min(oldPages, vma.end - srcStart));
  if (newPages !== copiedPages) {
    // Adjust the copy to new_len: grow (expand+move) or, for old_len 0, grow from the single page placeholder.
    const want = dst + newPages;
    const have = dst + copiedPages;
    if (want > have) target = as.vmas.extendAndMerge(target, want).vma;
    else if (want < have) as.vmas.removeRange(want, have);
  }
  if (oldPages > 0) {
    // move_page_tables: carry each present PTE to its new page (the old pages are flushed).
    const pt = as.pageTable;
    if (!pt.moveRange(srcStart, dst, oldPages)) {
      // A page-table frame for the destination could not be allocated. Linux (move_vma error path) moves the
      // entries back ("which will succeed since page tables still there") and then unmaps the new area instead of
      // the old: ENOMEM, the source and its pages intact. The mapper's move is all or nothing, so the entries never
      // left; only the destination VMA goes (split off again when the copy merged with a neighbour).
      as.unmapRange(dst, dst + newPages);
      return NegErrno.ENOMEM;
    }
    pt.flush();
    moveGuards(as, srcStart, dst, oldPages); // guard markers travel with the page-table entries
  }
  if (dontUnmap) dontUnmapComplete(as, srcStart, oldPages, target);
  else if (oldPages > 0) {
    as.releaseShared(as.vmas.removeRange(srcStart, srcStart + oldPages));
    // The source's tables, now empty, go as after any munmap (move_vma unmaps the old range: free_pgtables).
    as.freePageTables(srcStart, srcStart + oldPages);
    as.pageTable.flush();
  }
  as.updateHiwater();
  const locked = (target.flags & VM_LOCKED) !== 0 && !(target.flags & VM_LOCKONFAULT);
  if (locked && newPages > oldPages) as.populate(dst + oldPages, dst + newPages, true);
  return r.newAddr;
}

/**
 * `dontunmap_complete`: the source VMA of an MREMAP_DONTUNMAP move stays, as a whole, and loses VM_LOCKED and
 * VM_LOCKONFAULT (`vm_flags_clear(vrm->vma, VM_LOCKED_MASK)`: a flag change without `vma_modify`, so the source is
 * neither split nor merged, even when only part of it moved). When the whole VMA moved (and it is not the one the
 * copy merged into), its anon_vma links go too (`unlink_anon_vmas`).
 */
function dontUnmapComplete(as: AddressSpace, srcStart: number, oldPages: number, target: Vma): void {
  const src = as.vmas.find(srcStart);
  if (src === undefined) return;
  const flags = (src.flags & ~VM_LOCKED_MASK) >>> 0;
  const unlink =
    src !== target && src.start === srcStart && src.end === srcStart + oldPages && src.anonVma !== null;
  if (flags === src.flags && !unlink) return;
  // Replace the VMA by an identical one with the new flags: exactly its range leaves and comes back, unmerged.
  as.vmas.removeRange(src.start, src.end);
  as.vmas.insertNoMerge(unlink ? src.with({ flags, anonVma: null, anonChain: [] }) : src.with({ flags }));
}
