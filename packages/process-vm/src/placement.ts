/**
 * Where a mapping without `MAP_FIXED` goes: Linux's `get_unmapped_area` for anonymous memory (x86-64
 * `arch_get_unmapped_area_topdown` and the legacy bottom-up layout).
 *
 * @module
 */

import { PAGE_SIZE, VM_GROWSDOWN } from '@pagewright/core';
import {
  type PlacementContext,
  type PlacementPolicy,
  type PlacementSpec,
  resolvePlacement,
} from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';

/**
 * An address space's free-area policy: one of the two Linux layouts (searched here, as `get_unmapped_area` does), or
 * a user's `PlacementPolicy` made for the space's layout (remade when `mmap_base` changes, e.g. at exec).
 */
export type PlacementChoice =
  | { readonly kind: 'topdown' | 'bottomup'; readonly name: 'topdown' | 'bottomup' }
  | {
      readonly kind: 'custom';
      readonly name: string;
      /** Makes the policy for a layout. */
      readonly make: (context: PlacementContext) => PlacementPolicy;
    };

/** Linux's default layout. */
export const TOP_DOWN: PlacementChoice = Object.freeze({ kind: 'topdown', name: 'topdown' });
/** The legacy bottom-up layout. */
export const BOTTOM_UP: PlacementChoice = Object.freeze({ kind: 'bottomup', name: 'bottomup' });

/**
 * The choice a `placement` option names: `'topdown'`, `'bottomup'`, a `PlacementPolicy`, or a factory of one per
 * layout.
 *
 * @throws RangeError or TypeError (from `@pagewright/vma`'s `resolvePlacement`) for anything else
 */
export function resolvePlacementChoice(spec: PlacementSpec): PlacementChoice {
  if (spec === 'topdown') return TOP_DOWN;
  if (spec === 'bottomup') return BOTTOM_UP;
  // Validate now (an unknown name or a class fails at construction, not at the first mmap).
  const probe = resolvePlacement(spec, { taskSize: 2 ** 27, mmapBase: 2 ** 26 });
  const name = typeof probe.name === 'string' && probe.name !== '' ? probe.name : 'custom';
  return Object.freeze({ kind: 'custom', name, make: (context) => resolvePlacement(spec, context) });
}

/** The user policy of `as` for its current layout, made on first use and when `mmap_base` changed. */
function customPolicy(
  as: AddressSpace,
  make: (context: PlacementContext) => PlacementPolicy,
): PlacementPolicy {
  const cached = as.placementPolicy;
  if (cached !== null && cached.mmapBase === as.mmapBase) return cached.policy;
  const policy = make({
    taskSize: as.limits.taskSize / PAGE_SIZE,
    mmapBase: as.mmapBase / PAGE_SIZE,
    mmapMin: Math.ceil(as.limits.mmapMinAddr / PAGE_SIZE),
    unmappedBase: taskUnmappedBase(as.limits.taskSize) / PAGE_SIZE,
  });
  as.placementPolicy = { mmapBase: as.mmapBase, policy };
  return policy;
}

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
  const choice = as.placement;
  if (choice.kind === 'custom') {
    const page = customPolicy(as, choice.make).place(as.vmas.index, {
      length: pages,
      hint: hint / PAGE_SIZE,
    });
    return page < 0 ? -1 : page * PAGE_SIZE;
  }
  const topDown = choice.kind === 'topdown';
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

/** `HPAGE_PMD_SIZE`: a PMD-level huge page (2 MiB with 4 KiB pages on x86-64 and RISC-V). */
export const PMD_SIZE = 2 * 1024 * 1024;

/**
 * Where transparent-huge-page alignment applies to placement (Linux 6.18, `CONFIG_TRANSPARENT_HUGEPAGE=y`; the
 * alignment does not depend on `/sys/kernel/mm/transparent_hugepage/enabled`):
 * - `anonymous`: private anonymous mappings without a hint whose length is a multiple of 2 MiB
 *   (`__get_unmapped_area` → `thp_get_unmapped_area_vmflags`), and private `/dev/zero` mappings (its
 *   `get_unmapped_area_zero` uses `thp_get_unmapped_area`);
 * - `files`: file mappings of a filesystem whose `get_unmapped_area` is `thp_get_unmapped_area` (ext4, xfs, btrfs),
 *   for which at least 2 MiB of the file from a 2 MiB-aligned offset is mapped. The machine's files are tmpfs-like,
 *   and tmpfs mounted without `huge=` (and shared anonymous memory with `shmem_enabled` "never", the default)
 *   aligns nothing, so this is off by default.
 */
export interface ThpPlacement {
  readonly anonymous: boolean;
  readonly files: boolean;
}

/** The kernel's default: anonymous mappings aligned, tmpfs files and shared memory not. */
export const THP_PLACEMENT_DEFAULT: ThpPlacement = Object.freeze({ anonymous: true, files: false });

/** What is being placed: a file (with its page offset) or anonymous memory, shared or private. */
export interface PlacementTarget {
  /** A file mapping (`/dev/zero` counts as `zero`), or null for anonymous memory. */
  readonly file: 'regular' | 'zero' | null;
  /** The page offset in the file (ignored for anonymous memory). */
  readonly pgoff: number;
  /** `MAP_SHARED` (shared memory goes through shmem's placement). */
  readonly shared: boolean;
}

/**
 * `__thp_get_unmapped_area(addr, len, off, PMD_SIZE)`: searches for `len + 2 MiB` and returns the address inside it
 * that is congruent to `off` modulo 2 MiB (top-down: the higher one when the search's start already is), `addr`
 * when the hint held the padded length, or -1 when the rule does not apply or nothing fits (the caller then
 * places `len` as usual).
 */
function thpGetUnmappedArea(as: AddressSpace, hint: number, len: number, off: number): number {
  const offEnd = off + len;
  const offAlign = Math.ceil(off / PMD_SIZE) * PMD_SIZE;
  if (offEnd <= offAlign || offEnd - offAlign < PMD_SIZE) return -1;
  const lenPad = len + PMD_SIZE;
  const ret = getUnmappedArea(as, hint, lenPad);
  if (ret < 0) return -1;
  if (ret === hint) return hint;
  const offSub = (((off - ret) % PMD_SIZE) + PMD_SIZE) % PMD_SIZE;
  if (as.placement.kind !== 'bottomup' && offSub === 0) return ret + PMD_SIZE;
  return ret + offSub;
}

/**
 * `get_unmapped_area` with the file and flags Linux passes it: {@link getUnmappedArea}, first trying the
 * transparent-huge-page alignment where `as.limits.thp` (default {@link THP_PLACEMENT_DEFAULT}) says it applies.
 * Returns the address or -1 (ENOMEM).
 */
export function getUnmappedAreaFor(
  as: AddressSpace,
  hint: number,
  len: number,
  target: PlacementTarget,
): number {
  const thp = as.limits.thp ?? THP_PLACEMENT_DEFAULT;
  let a = -1;
  if (target.file === null) {
    if (thp.anonymous && !target.shared && hint === 0 && len % PMD_SIZE === 0)
      a = thpGetUnmappedArea(as, 0, len, 0);
  } else if (target.file === 'zero') {
    if (thp.anonymous && !target.shared) a = thpGetUnmappedArea(as, hint, len, target.pgoff * PAGE_SIZE);
  } else if (thp.files) a = thpGetUnmappedArea(as, hint, len, target.pgoff * PAGE_SIZE);
  return a >= 0 ? a : getUnmappedArea(as, hint, len);
}
