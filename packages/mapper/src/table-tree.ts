/**
 * Whole-tree operations on one mapper's tables, below the range walk: adopting an existing tree into the
 * {@link TableStore}, sharing a kernel template's upper half, listing the owned tables, and Linux's
 * `free_pgd_range` (freeing empty tables inside a floor/ceiling window), pinning kernel tables, and the one-page
 * lookup.
 *
 * @module
 */

import {
  type FrameAllocator,
  NO_FRAME,
  PAGE_SIZE,
  type PagingArch,
  type PhysicalMemory,
  PteKind,
  type U64Pair,
} from '@pagewright/core';
import { type EntryFacts, PROT_NONE_FLAGS } from './entry-facts.js';
import { MapperError, MapperFailure, PageTableCorruption } from './errors.js';
import type { PageTableTransaction } from './page-table-transaction.js';
import type { TableInfo, TableStore } from './table-store.js';
import type { LeafInfo } from './types.js';

/** The tables of one mapper, as the tree operations see them. */
export interface TableTree {
  readonly arch: PagingArch;
  readonly memory: PhysicalMemory;
  readonly store: TableStore;
  readonly facts: EntryFacts;
  readonly spans: readonly number[];
  /** A scratch pair for the one-page lookup (owned by the mapper). */
  readonly scratch: U64Pair;
}

/**
 * Records `table` (at `level`) and every table below it in the store, counting occupied entries. With
 * `sharesKernel`, the root's upper-half entries are the kernel's: counted, not adopted.
 */
export function adoptTables(
  t: TableTree,
  table: number,
  level: number,
  parent: number,
  index: number,
  sharesKernel: boolean,
): void {
  const { arch, memory, facts } = t;
  const s: U64Pair = { lo: 0, hi: 0 };
  const entries = arch.entriesPerTable;
  const info = t.store.add(table, 0, parent, index, level, parent < 0);
  for (let i = 0; i < entries; i++) {
    memory.read64(table * PAGE_SIZE + i * arch.pteSize, s);
    const kind = arch.kind(s.lo, s.hi, level);
    if (kind === PteKind.Invalid) {
      if (level === 0 && facts.isProtNoneEntry(s.lo, s.hi)) info.count++;
      continue;
    }
    info.count++;
    const borrowed = parent < 0 && sharesKernel && i >= entries / 2;
    if (kind === PteKind.Table && !borrowed)
      adoptTables(t, arch.ppn(s.lo, s.hi, level), level - 1, table, i, sharesKernel);
  }
}

/**
 * The root table of a new mapper: `adopt` with its subtree (a frame from the mapper's allocator), or a fresh zeroed
 * frame; with `kernelRoot`, the kernel template's upper-half entries copied in. Returns the root's frame.
 * @throws {@link MapperFailure} with code `FrameAllocationFailed` when there is no frame for a fresh root.
 */
export function setUpRoot(
  t: TableTree,
  allocator: FrameAllocator,
  adopt: number | undefined,
  kernelRoot: number | undefined,
): number {
  const top = t.arch.levels - 1;
  let root: number;
  if (adopt !== undefined) {
    root = adopt;
    adoptTables(t, root, top, -1, 0, kernelRoot !== undefined);
  } else {
    root = allocator.alloc();
    if (root === NO_FRAME)
      throw new MapperFailure(
        MapperError.FrameAllocationFailed,
        0,
        'PageMapper: no frame for the root table',
      );
    t.memory.zeroFrame(root);
    t.store.add(root, 0, -1, 0, top, true);
  }
  if (kernelRoot !== undefined) shareKernelHalf(t, root, kernelRoot);
  return root;
}

/** Copies the kernel template's valid upper-half root entries (`kernelRoot`) into `root`. */
export function shareKernelHalf(t: TableTree, root: number, kernelRoot: number): void {
  const { arch, memory } = t;
  const s: U64Pair = { lo: 0, hi: 0 };
  const old: U64Pair = { lo: 0, hi: 0 };
  const top = arch.levels - 1;
  const entries = arch.entriesPerTable;
  const info = t.store.get(root) as TableInfo;
  for (let i = entries / 2; i < entries; i++) {
    memory.read64(kernelRoot * PAGE_SIZE + i * arch.pteSize, s);
    if (arch.kind(s.lo, s.hi, top) === PteKind.Invalid) continue;
    const at = root * PAGE_SIZE + i * arch.pteSize;
    memory.read64(at, old);
    if (arch.kind(old.lo, old.hi, top) === PteKind.Invalid) info.count++;
    memory.write64(at, s.lo, s.hi);
  }
}

/** Calls `visitor` for every owned table below `root`, parents first (see `PageMapper.visitTables`). */
export function visitOwnedTables(
  t: TableTree,
  root: number,
  visitor: (pfn: number, level: number, startVpn: number, pages: number) => void,
): void {
  const { arch, memory, store } = t;
  const s: U64Pair = { lo: 0, hi: 0 };
  const walk = (table: number, level: number, base: number): void => {
    if (level === 0) return;
    const span = t.spans[level] as number;
    for (let i = 0; i < arch.entriesPerTable; i++) {
      memory.read64(table * PAGE_SIZE + i * arch.pteSize, s);
      if (arch.kind(s.lo, s.hi, level) !== PteKind.Table) continue;
      const child = arch.ppn(s.lo, s.hi, level);
      if (!store.has(child)) continue;
      const start = base + i * span;
      visitor(child, level - 1, start, span);
      walk(child, level - 1, start);
    }
  };
  walk(root, arch.levels - 1, 0);
}

/**
 * `free_pgd_range` below `table` (at `level`, covering pages from `base`): unlinks, in `tx`, every empty owned
 * child table whose span meets `[start, end)` and lies inside `[floor, ceiling)`, deepest first (never a pinned
 * one). Returns the count.
 */
export function freeEmptyTables(
  t: TableTree,
  tx: PageTableTransaction,
  table: number,
  level: number,
  base: number,
  start: number,
  end: number,
  floor: number,
  ceiling: number,
): number {
  if (level === 0) return 0;
  const { arch, memory, store } = t;
  const s: U64Pair = { lo: 0, hi: 0 };
  const span = t.spans[level] as number;
  let n = 0;
  for (let i = Math.floor((start - base) / span); i < arch.entriesPerTable; i++) {
    const eStart = base + i * span;
    if (eStart >= end) break;
    memory.read64(table * PAGE_SIZE + i * arch.pteSize, s);
    if (arch.kind(s.lo, s.hi, level) !== PteKind.Table) continue;
    const lo = s.lo;
    const hi = s.hi;
    const child = arch.ppn(lo, hi, level);
    n += freeEmptyTables(
      t,
      tx,
      child,
      level - 1,
      eStart,
      Math.max(start, eStart),
      Math.min(end, eStart + span),
      floor,
      ceiling,
    );
    const info = store.get(child);
    if (info === undefined || info.pinned || info.count !== 0) continue;
    if (eStart < floor || eStart + span > ceiling) continue;
    tx.unlinkTable(table, i, level, lo, hi, child);
    n++;
  }
  return n;
}

/**
 * The frame page `vpn` maps to below `root` (the leaf's details in `found`), or `NotMapped`. An inaccessible
 * (PROT_NONE) entry is reported as a level-0 leaf whose flags lack R/W/X. Never allocates or throws.
 */
export function findLeaf(t: TableTree, root: number, vpn: number, found: LeafInfo): number {
  const { arch, memory } = t;
  const s = t.scratch;
  let table = root;
  for (let level = arch.levels - 1; level >= 0; level--) {
    memory.read64(table * PAGE_SIZE + arch.indexAt(vpn, level) * arch.pteSize, s);
    const kind = arch.kind(s.lo, s.hi, level);
    if (kind === PteKind.Table) {
      table = arch.ppn(s.lo, s.hi, level);
      continue;
    }
    if (kind !== PteKind.Leaf) {
      if (level !== 0 || !t.facts.isProtNoneEntry(s.lo, s.hi)) return MapperError.NotMapped;
      found.vpn = vpn;
      found.pfn = arch.ppn(s.lo, s.hi);
      found.level = 0;
      found.flags = arch.flags(s.lo, s.hi) & PROT_NONE_FLAGS;
      return found.pfn;
    }
    const span = t.spans[level] as number;
    found.vpn = vpn - (vpn % span);
    found.pfn = arch.ppn(s.lo, s.hi, level);
    found.level = level;
    found.flags = arch.flags(s.lo, s.hi);
    return found.pfn + (vpn - found.vpn);
  }
  return MapperError.NotMapped;
}

/**
 * Pins the table under root entry `index`, creating it zeroed (kept at once, in `tx`) when the entry is empty.
 * @throws when the entry is a leaf or there is no frame.
 */
export function pinTopLevelTable(t: TableTree, tx: PageTableTransaction, root: number, index: number): void {
  const { arch, memory } = t;
  const s = t.scratch;
  const top = arch.levels - 1;
  memory.read64(root * PAGE_SIZE + index * arch.pteSize, s);
  const kind = arch.kind(s.lo, s.hi, top);
  if (kind === PteKind.Table) {
    const info = t.store.get(arch.ppn(s.lo, s.hi, top));
    if (info) info.pinned = true;
    return;
  }
  if (kind !== PteKind.Invalid)
    throw new PageTableCorruption(`root entry ${index} is a leaf; cannot pin a table`);
  const table = tx.newTable(root, index, top);
  tx.keep();
  if (table === NO_FRAME)
    throw new MapperFailure(
      MapperError.FrameAllocationFailed,
      0,
      `no frame for the kernel table of root entry ${index}`,
    );
  const info = t.store.get(table);
  if (info) info.pinned = true;
}
