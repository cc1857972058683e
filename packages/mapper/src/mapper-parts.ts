/**
 * `MapperParts`: the parts one {@link PageMapper} is built from, wired once. Each part owns one kind of state:
 *
 * - {@link TableStore}: the owned table frames and their occupied-entry counts;
 * - {@link PageTableTransaction}: the open operation's undo log, queued flushes and deferred frees;
 * - {@link RangeWalk} and its steps (map, unmap, protect, visit): the general path, stateless between operations;
 * - {@link LeafTableCache}: the one-page fast paths and their cached leaf table;
 * - {@link ArgumentChecks}: argument validation (no state);
 * - {@link LeafBufferPool} and the COW table copies: scratch buffers, this mapper's only.
 *
 * @module
 */

import type { FrameAllocator, PagingArch, PhysicalMemory, PteFlags } from '@pagewright/core';
import type { CowSide, LeafTableCopies } from './cow-copy.js';
import { EntryFacts } from './entry-facts.js';
import type { MapperErrorInfo } from './errors.js';
import { LeafBufferPool } from './leaf-buffer-pool.js';
import { LeafTableCache } from './leaf-table-cache.js';
import { PageTableTransaction } from './page-table-transaction.js';
import { RangeWalk } from './range-walk.js';
import { TableStore } from './table-store.js';
import type { TableTree } from './table-tree.js';
import type { FrameRelease, LeafVisitor } from './types.js';
import { ArgumentChecks } from './validation.js';
import { MapStep, ProtectStep, UnmapStep, VisitStep } from './walk-steps.js';

/** The geometry and policy the parts are built for. */
export interface MapperPartsOptions {
  /** Number of pages of the address space. */
  vpnCount: number;
  /** First page of a shared kernel half (not editable), or `Infinity`. */
  sharedFrom: number;
  /** Free tables when their last entry goes. */
  reclaim: boolean;
}

/** The parts of one mapper (never shared between mappers). */
export class MapperParts {
  readonly facts: EntryFacts;
  readonly store: TableStore;
  readonly tx: PageTableTransaction;
  readonly walker: RangeWalk;
  readonly tree: TableTree;
  readonly leafCache: LeafTableCache;
  readonly checks: ArgumentChecks;
  readonly mapStep: MapStep;
  readonly unmapStep: UnmapStep;
  readonly protectStep: ProtectStep;
  readonly visitStep: VisitStep;
  /** Leaf records of copy-on-write copies from this mapper and of its `destroy`. */
  readonly leafBuffers = new LeafBufferPool();
  /** Level-0 table copies of copy-on-write copies from this mapper (made on first use). */
  tableCopies: LeafTableCopies | null = null;
  /** The leaves `moveRange` removed (4 numbers each), reused. */
  readonly moved: number[] = [];

  constructor(
    private readonly arch: PagingArch,
    private readonly memory: PhysicalMemory,
    allocator: FrameAllocator,
    error: MapperErrorInfo,
    o: MapperPartsOptions,
  ) {
    const facts = new EntryFacts(arch);
    const store = new TableStore(arch.entriesPerTable);
    const tx = new PageTableTransaction(arch, memory, allocator, store, facts);
    const walker = new RangeWalk(arch, memory, store, tx, facts);
    const spans = walker.spans;
    this.facts = facts;
    this.store = store;
    this.tx = tx;
    this.walker = walker;
    this.tree = { arch, memory, store, facts, spans, scratch: { lo: 0, hi: 0 } };
    const fastEnd = Math.min(o.vpnCount, o.sharedFrom);
    this.leafCache = new LeafTableCache(arch, memory, allocator, store, facts, error, fastEnd, o.reclaim);
    this.checks = new ArgumentChecks(arch, error, o.vpnCount, o.sharedFrom, facts.protNone);
    const c = { arch, memory, store, tx, facts, error, spans };
    this.mapStep = new MapStep(c);
    this.unmapStep = new UnmapStep(c);
    this.protectStep = new ProtectStep(c);
    this.visitStep = new VisitStep(c);
  }

  // ─────────────── the general path: one walk from `root`, one step per operation ───────────────

  /**
   * Maps `[start, end)` with leaves at `level` (frame = page + `pfnDelta`, or fresh frames when NaN) with `flags`
   * (forced flags included). 0 or an error; the caller commits or rolls back.
   */
  map(root: number, start: number, end: number, level: number, pfnDelta: number, flags: PteFlags): number {
    const step = this.mapStep;
    step.target = level;
    step.pfnDelta = pfnDelta;
    step.flags = flags;
    return this.walker.walk(step, root, this.walker.arch.levels - 1, 0, start, end);
  }

  /** Unmaps `[start, end)`; the removed leaves go to `removed` when given. 4 KiB pages, or an error. */
  unmap(
    root: number,
    start: number,
    end: number,
    release: FrameRelease | undefined,
    removed: number[] | null,
  ): number {
    const step = this.unmapStep;
    step.release = release;
    step.removed = removed;
    const r = this.walker.walk(step, root, this.walker.arch.levels - 1, 0, start, end);
    step.release = undefined;
    step.removed = null;
    return r;
  }

  /** Replaces the rights in `[start, end)`. 4 KiB pages covered, or an error. */
  protect(root: number, start: number, end: number, flags: PteFlags, forced: PteFlags): number {
    this.protectStep.reset(flags, forced);
    return this.walker.walk(this.protectStep, root, this.walker.arch.levels - 1, 0, start, end);
  }

  /** Visits the leaves of `[start, end)`. Visits may nest (a visitor may visit): the outer visitor is restored. */
  visit(root: number, start: number, end: number, visitor: LeafVisitor): number {
    const step = this.visitStep;
    const outer = step.fn;
    step.fn = visitor;
    try {
      return this.walker.walk(step, root, this.walker.arch.levels - 1, 0, start, end);
    } finally {
      step.fn = outer;
    }
  }

  /**
   * mremap's tables: unmaps `[srcVpn, srcVpn + pages)` into the leaves it removed, then maps each at the same
   * distance (a huge leaf stays huge when the distance keeps it aligned). 0 or an error.
   */
  move(root: number, srcVpn: number, dstVpn: number, pages: number, forced: PteFlags): number {
    const { moved } = this;
    const spans = this.walker.spans;
    const delta = dstVpn - srcVpn;
    moved.length = 0;
    let r = this.unmap(root, srcVpn, srcVpn + pages, undefined, moved);
    for (let i = 0; r >= 0 && i < moved.length; i += 4) {
      const vpn = moved[i] as number;
      const pfn = moved[i + 1] as number;
      let level = moved[i + 2] as number;
      const flags = moved[i + 3] as number;
      const span = spans[level] as number;
      while (level > 0 && delta % (spans[level] as number) !== 0) level--;
      const dst = vpn + delta;
      const m = this.map(root, dst, dst + span, level, pfn - dst, flags | forced);
      if (m < 0) r = m;
    }
    moved.length = 0;
    return r;
  }

  /** This mapper as one side of a copy-on-write copy (its root, error record and forced flags given). */
  cowSide(root: number, error: MapperErrorInfo, forced: PteFlags): CowSide {
    const { arch, memory, facts, store, tx, walker, leafBuffers, tableCopies } = this;
    return {
      arch,
      memory,
      facts,
      root,
      store,
      tx,
      walk: walker,
      error,
      forced,
      pool: leafBuffers,
      copies: tableCopies,
    };
  }
}
