/**
 * `RangeWalk`: the one descent of the mapper's range operations. It walks the tables of one mapper over a page
 * range, entry by entry, and hands each entry to a {@link WalkStep} (map, unmap, protect, visit, copy-on-write
 * copy), which decides what to do with it; the walk descends, creates nothing and splits nothing on its own.
 *
 * @module
 */

import { PAGE_SIZE, type PagingArch, type PhysicalMemory, PteKind, type U64Pair } from '@pagewright/core';
import type { EntryFacts } from './entry-facts.js';
import { malformedEntry } from './entry-facts.js';
import { recordError } from './error-record.js';
import { MapperError, type MapperErrorInfo } from './errors.js';
import type { PageTableTransaction } from './page-table-transaction.js';
import type { TableStore } from './table-store.js';

/** A step result: descend into the table the entry points to (or, from `empty`, into {@link RangeWalk.child}). */
export const DESCEND = -101;
/** A step result: split the huge leaf at this entry (in the walked mapper's transaction) and descend. */
export const SPLIT = -102;
/** A {@link WalkStep.leafTable} result: walk this level-0 table entry by entry instead. */
export const PER_ENTRY = -103;

/**
 * What a range operation does with each entry the walk meets. Every method gets the entry's table, index, level,
 * and the first page `eStart` the entry covers; the range `[start, end)` is clipped to the entry's parent. A result
 * `≥ 0` is added to the walk's count; a negative {@link MapperError} ends the walk (the caller rolls back);
 * {@link DESCEND} and {@link SPLIT} steer the walk.
 */
export interface WalkStep {
  /** Where the walk records its own failures (a split without a frame). */
  readonly error: MapperErrorInfo;
  /**
   * Only occupied entries matter: the walk stops in a table once it has seen as many occupied entries as the table
   * had when the walk entered it (entries before the range are not seen, so this never stops too early).
   */
  readonly occupiedOnly: boolean;
  /** A whole level-0 table at once (its own loop), or {@link PER_ENTRY}. */
  leafTable(table: number, base: number, start: number, end: number): number;
  /** An empty entry. May return {@link DESCEND} after setting {@link RangeWalk.child} (a table it created). */
  empty(walk: RangeWalk, table: number, index: number, level: number, eStart: number, start: number): number;
  /**
   * A leaf, or (`protNone`) an inaccessible level-0 entry, with its words `(lo, hi)`; `covered` when the range
   * holds all of it. May return {@link SPLIT}.
   */
  leaf(
    table: number,
    index: number,
    level: number,
    eStart: number,
    start: number,
    end: number,
    lo: number,
    hi: number,
    protNone: boolean,
  ): number;
  /** A pointer to a lower table: {@link DESCEND}, or an error. */
  table(level: number, eStart: number): number;
  /** An entry the arch calls malformed: a count (skip it) or a throw. */
  malformed(level: number, eStart: number): number;
}

/** The range walk of one mapper's tables (one per mapper). */
export class RangeWalk {
  /** Set by a step's `empty` before it returns {@link DESCEND}: the table to descend into. */
  child = -1;
  /** Set by {@link RangeWalk.ensureTable}: the table it returned was created by that call (all zero). */
  ensuredFresh = false;
  /** `512^level` for every level. */
  readonly spans: readonly number[];
  private readonly entries: number;
  private readonly pteSize: number;
  private readonly scratch: U64Pair = { lo: 0, hi: 0 };

  constructor(
    readonly arch: PagingArch,
    readonly memory: PhysicalMemory,
    readonly store: TableStore,
    readonly tx: PageTableTransaction,
    readonly facts: EntryFacts,
  ) {
    this.entries = arch.entriesPerTable;
    this.pteSize = arch.pteSize;
    const spans: number[] = [];
    for (let l = 0; l < arch.levels; l++) spans.push(arch.entriesPerTable ** l);
    this.spans = spans;
  }

  /**
   * Walks `table` (at `level`, covering pages from `base`) over `[start, end)` with `step`. Returns the sum of the
   * step's counts, or the first error.
   */
  walk(step: WalkStep, table: number, level: number, base: number, start: number, end: number): number {
    if (level === 0) {
      const r = step.leafTable(table, base, start, end);
      if (r !== PER_ENTRY) return r;
    }
    const { arch, memory, facts } = this;
    const s = this.scratch;
    const span = this.spans[level] as number;
    let n = 0;
    // Occupied entries not yet seen (see WalkStep.occupiedOnly); -1 counts down forever.
    let left = step.occupiedOnly ? this.store.occupiedCount(table) : -1;
    for (let i = Math.floor((start - base) / span); i < this.entries && left !== 0; i++) {
      const eStart = base + i * span;
      if (eStart >= end) break;
      memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
      const lo = s.lo;
      const hi = s.hi;
      const kind = arch.kind(lo, hi, level);
      let r: number;
      let child = -1;
      if (kind === PteKind.Invalid) {
        if (level === 0 && facts.isProtNoneEntry(lo, hi)) {
          left--;
          r = step.leaf(table, i, 0, eStart, start, end, lo, hi, true);
        } else {
          r = step.empty(this, table, i, level, eStart, start);
          if (r === DESCEND) child = this.child;
        }
      } else if (kind === PteKind.Leaf) {
        left--;
        r = step.leaf(table, i, level, eStart, start, end, lo, hi, false);
      } else if (kind === PteKind.Table && level > 0) {
        left--;
        r = step.table(level, eStart);
        if (r === DESCEND) child = arch.ppn(lo, hi, level);
      } else {
        left--;
        r = step.malformed(level, eStart);
      }
      if (r === SPLIT) {
        child = this.tx.splitLeaf(table, i, level, lo, hi);
        if (child < 0)
          return recordError(
            step.error,
            MapperError.FrameAllocationFailed,
            eStart,
            level,
            'no frame to split',
          );
        r = DESCEND;
      }
      if (r === DESCEND) {
        r = this.walk(step, child, level - 1, eStart, Math.max(start, eStart), Math.min(end, eStart + span));
      }
      if (r < 0) return r;
      n += r;
    }
    return n;
  }

  /**
   * The table at `level` holding page `vpn`'s entry below `root`, creating missing tables in this mapper's
   * transaction; or a negative error recorded in `error`. Sets {@link RangeWalk.ensuredFresh}.
   */
  ensureTable(root: number, vpn: number, level: number, error: MapperErrorInfo): number {
    const { arch, memory } = this;
    const s = this.scratch;
    let table = root;
    this.ensuredFresh = false;
    for (let l = arch.levels - 1; l > level; l--) {
      const idx = arch.indexAt(vpn, l);
      memory.read64(table * PAGE_SIZE + idx * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, l);
      if (kind === PteKind.Table) table = arch.ppn(s.lo, s.hi, l);
      else if (kind === PteKind.Invalid) {
        const t = this.tx.newTable(table, idx, l);
        if (t < 0)
          return recordError(error, MapperError.FrameAllocationFailed, vpn, l, 'no frame for a table');
        table = t;
        // Every table below a new one is new too, so the returned table is fresh exactly when this happened.
        this.ensuredFresh = true;
      } else if (kind === PteKind.Leaf) {
        return recordError(error, MapperError.ParentEntryHugePage, vpn, l, 'a huge page covers it');
      } else throw malformedEntry(l, vpn);
    }
    return table;
  }
}
