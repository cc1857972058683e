/**
 * Guard regions (Linux 6.13+, mm/madvise.c `madvise_guard_install` / `madvise_guard_remove`): `MADV_GUARD_INSTALL`
 * puts a guard marker on every page of a range — its contents are dropped (the range is zapped first) and any
 * later access raises `SIGSEGV` (`SEGV_MAPERR`: the fault handler answers `VM_FAULT_SIGSEGV`), a kernel copy
 * `EFAULT` — without splitting or changing any VMA; `MADV_GUARD_REMOVE` takes the markers away (the pages then
 * fault in as new). Both are refused (`EINVAL`) on `VM_PFNMAP`/`VM_IO`/`VM_MIXEDMAP`/`VM_DONTEXPAND` and hugetlb
 * VMAs, and install also on `VM_LOCKED` ones; holes are skipped and answered `ENOMEM` at the end (as all advice).
 *
 * Linux keeps the markers in the page tables (a `PTE_MARKER_GUARD` entry); here they are a per-space set of page
 * numbers beside the page table, kept as the page-table entries would be: `MADV_DONTNEED`, `mprotect` and
 * truncation keep them, unmapping (`munmap`, `MAP_FIXED`, a shrinking `mremap` or `brk`) removes them, `mremap`
 * moves them with the pages, fork copies them (installing prepares the VMA's anon_vma, so `copy_page_range` runs)
 * except into `VM_WIPEONFORK` VMAs, and exit or exec drops them with the space.
 *
 * @module
 */

import {
  VM_DONTEXPAND,
  VM_HUGETLB,
  VM_IO,
  VM_LOCKED,
  VM_MIXEDMAP,
  VM_PFNMAP,
  VM_SHARED,
} from '@pagewright/core';
import type { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';

/** Guarded pages of each space that has any. */
const GUARDS = new WeakMap<AddressSpace, Set<number>>();

/** `VM_SPECIAL | VM_HUGETLB` (and `VM_LOCKED` unless `allowLocked`): `is_valid_guard_vma`. */
function validGuardVma(v: Vma, allowLocked: boolean): boolean {
  const disallowed =
    VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP | VM_HUGETLB | (allowLocked ? 0 : VM_LOCKED);
  return (v.flags & disallowed) === 0;
}

/** True when page `vpn` of `as` carries a guard marker (the fault path asks before it maps anything). */
export function isGuarded(as: AddressSpace, vpn: number): boolean {
  return GUARDS.get(as)?.has(vpn) === true;
}

/** The guarded pages of `as`, ascending (for views and tests). */
export function guardedPages(as: AddressSpace): number[] {
  return [...(GUARDS.get(as) ?? [])].sort((a, b) => a - b);
}

/** `madvise_guard_install` on the part `[s, e)` (pages) of `v`: 0 or `-EINVAL`. */
export function guardInstall(as: AddressSpace, v: Vma, s: number, e: number): SyscallResult {
  if (!validGuardVma(v, false)) return NegErrno.EINVAL;
  // "the range is no longer empty from a page table perspective": the VMA gets its anon_vma (fork then copies it).
  if (v.anonVma === null && v.backing.kind !== 'anon-shared' && (v.flags & VM_SHARED) === 0)
    as.vmas.prepareAnonVma(v);
  as.zap(s, e); // zap_page_range_single: existing pages go (guard markers stay)
  let g = GUARDS.get(as);
  if (g === undefined) {
    g = new Set();
    GUARDS.set(as, g);
  }
  for (let p = s; p < e; p++) g.add(p);
  return 0;
}

/** `madvise_guard_remove` on `[s, e)` of `v`: 0 or `-EINVAL`. */
export function guardRemove(as: AddressSpace, v: Vma, s: number, e: number): SyscallResult {
  if (!validGuardVma(v, true)) return NegErrno.EINVAL;
  dropGuards(as, s, e);
  return 0;
}

/** Removes the markers of `[start, end)` (pages): the range was unmapped. */
export function dropGuards(as: AddressSpace, start: number, end: number): void {
  const g = GUARDS.get(as);
  if (g === undefined) return;
  if (end - start < g.size) {
    for (let p = start; p < end; p++) g.delete(p);
  } else {
    for (const p of g) if (p >= start && p < end) g.delete(p);
  }
  if (g.size === 0) GUARDS.delete(as);
}

/** Moves the markers of `[from, from + pages)` to `to` (mremap moved the page-table entries). */
export function moveGuards(as: AddressSpace, from: number, to: number, pages: number): void {
  const g = GUARDS.get(as);
  if (g === undefined || from === to) return;
  const moved: number[] = [];
  for (const p of g) if (p >= from && p < from + pages) moved.push(p);
  for (const p of moved) g.delete(p);
  for (const p of moved) g.add(p - from + to);
}

/** Copies the markers of `[start, end)` from `parent` to `child` (fork's `copy_page_range`). */
export function copyGuards(parent: AddressSpace, child: AddressSpace, start: number, end: number): void {
  const g = GUARDS.get(parent);
  if (g === undefined) return;
  let c = GUARDS.get(child);
  for (const p of g) {
    if (p < start || p >= end) continue;
    if (c === undefined) {
      c = new Set();
      GUARDS.set(child, c);
    }
    c.add(p);
  }
}
