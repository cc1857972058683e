/**
 * The steps of the mapper's range operations over a {@link RangeWalk}: map, unmap (handing back the leaves it
 * removed), protect, visit. One instance of each per mapper, reset by the operation before each walk.
 *
 * @module
 */

import {
  PAGE_SIZE,
  type PagingArch,
  type PhysicalMemory,
  type PteFlags,
  PteKind,
  type U64Pair,
} from '@pagewright/core';
import { AD, type EntryFacts, malformedEntry, PROT_NONE_FLAGS, RWX } from './entry-facts.js';
import { recordError } from './error-record.js';
import { MapperError, type MapperErrorInfo } from './errors.js';
import type { PageTableTransaction } from './page-table-transaction.js';
import { DESCEND, PER_ENTRY, type RangeWalk, SPLIT, type WalkStep } from './range-walk.js';
import type { TableStore } from './table-store.js';
import type { FrameRelease, LeafVisitor } from './types.js';

/** What every step of one mapper shares: its arch, memory, transaction and error record. */
export interface StepContext {
  readonly arch: PagingArch;
  readonly memory: PhysicalMemory;
  readonly store: TableStore;
  readonly tx: PageTableTransaction;
  readonly facts: EntryFacts;
  readonly error: MapperErrorInfo;
  readonly spans: readonly number[];
}

/** Maps `[start, end)` with leaves at `target`: frame = page + `pfnDelta`, or fresh frames when it is NaN. */
export class MapStep implements WalkStep {
  readonly occupiedOnly = false;
  readonly error: MapperErrorInfo;
  target = 0;
  pfnDelta = Number.NaN;
  /** The leaf flags (the mapper's forced flags included). */
  flags = 0;
  /** The frame of the last leaf written. */
  lastPfn = 0;
  private readonly pte: U64Pair = { lo: 0, hi: 0 };

  constructor(private readonly c: StepContext) {
    this.error = c.error;
  }

  leafTable(): number {
    return PER_ENTRY;
  }

  empty(walk: RangeWalk, table: number, index: number, level: number, eStart: number): number {
    const { c } = this;
    if (level !== this.target) {
      const child = c.tx.newTable(table, index, level);
      if (child < 0)
        return recordError(
          this.error,
          MapperError.FrameAllocationFailed,
          eStart,
          level,
          'no frame for a table',
        );
      walk.child = child;
      return DESCEND;
    }
    let pfn: number;
    if (Number.isNaN(this.pfnDelta)) {
      pfn = c.tx.allocData(level);
      if (pfn < 0)
        return recordError(
          this.error,
          MapperError.FrameAllocationFailed,
          eStart,
          level,
          'no frame for the page',
        );
    } else pfn = eStart + this.pfnDelta;
    const pte = this.pte;
    if ((this.flags & RWX) === 0) c.facts.encodeProtNone(pfn, this.flags, pte);
    else c.arch.encodeLeaf(pfn, this.flags, level, pte);
    c.tx.setEntry(table, index, level, pte.lo, pte.hi);
    this.lastPfn = pfn;
    return 0;
  }

  leaf(_table: number, _index: number, level: number, eStart: number, start: number): number {
    if (level === this.target)
      return recordError(this.error, MapperError.PageAlreadyMapped, eStart, level, 'page is already mapped');
    return recordError(
      this.error,
      MapperError.ParentEntryHugePage,
      Math.max(start, eStart),
      level,
      'a huge page covers it',
    );
  }

  table(level: number, eStart: number): number {
    if (level === this.target)
      return recordError(this.error, MapperError.PageAlreadyMapped, eStart, level, 'page is already mapped');
    return DESCEND;
  }

  malformed(level: number, eStart: number): number {
    if (level === this.target)
      return recordError(this.error, MapperError.PageAlreadyMapped, eStart, level, 'page is already mapped');
    throw malformedEntry(level, eStart);
  }
}

/**
 * Unmaps every leaf of `[start, end)`, splitting huge leaves that straddle an edge; counts 4 KiB pages. With
 * `removed` set, hands back each leaf it removed (4 numbers: vpn, pfn, level, flags).
 */
export class UnmapStep implements WalkStep {
  readonly occupiedOnly = false;
  readonly error: MapperErrorInfo;
  release: FrameRelease | undefined = undefined;
  /** Where the removed leaves go (null: nowhere). */
  removed: number[] | null = null;
  /** The frame of the last leaf removed. */
  lastPfn = 0;

  constructor(private readonly c: StepContext) {
    this.error = c.error;
  }

  leafTable(): number {
    return PER_ENTRY;
  }

  empty(): number {
    return 0;
  }

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
  ): number {
    const span = this.c.spans[level] as number;
    if (eStart < start || eStart + span > end) return SPLIT;
    const { arch, tx } = this.c;
    const pfn = arch.ppn(lo, hi, level);
    if (this.removed !== null) {
      const flags = arch.flags(lo, hi);
      this.removed.push(eStart, pfn, level, protNone ? flags & PROT_NONE_FLAGS : flags);
    }
    tx.setKnownEntry(table, index, level, lo, hi, true, 0, 0);
    // One flush per leaf at its first page, as Linux flushes a huge PMD with a PMD_SIZE stride. An inaccessible
    // entry is flushed too: Linux's zap_pte_range treats it as present (pte_present()).
    tx.flushPage(eStart);
    if (this.release) tx.deferFree(pfn, level, this.release);
    this.lastPfn = pfn;
    return span;
  }

  table(): number {
    return DESCEND;
  }

  malformed(level: number, eStart: number): number {
    throw malformedEntry(level, eStart);
  }
}

/**
 * Replaces the rights of every leaf of `[start, end)` (A and D kept), splitting huge leaves that straddle an edge
 * or become inaccessible; counts 4 KiB pages covered.
 */
export class ProtectStep implements WalkStep {
  readonly occupiedOnly = false;
  readonly error: MapperErrorInfo;
  /** The requested flags. */
  private flags = 0;
  /** The rights written: the requested and forced flags without A/D. */
  private rights = 0;
  /** No R/W/X: the leaves become inaccessible (PROT_NONE) entries, which exist only at level 0. */
  private toProtNone = false;
  private readonly pte: U64Pair = { lo: 0, hi: 0 };

  constructor(private readonly c: StepContext) {
    this.error = c.error;
  }

  /** Sets the flags of the next walk. */
  reset(flags: PteFlags, forced: PteFlags): void {
    this.flags = flags;
    this.rights = (flags | forced) & ~AD;
    this.toProtNone = (flags & RWX) === 0;
  }

  leafTable(): number {
    return PER_ENTRY;
  }

  empty(): number {
    return 0;
  }

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
  ): number {
    const { arch, tx, facts } = this.c;
    const pte = this.pte;
    if (protNone) {
      // An inaccessible entry: rewrite it (still inaccessible, or a leaf again). No flush: no TLB can hold an
      // entry the hardware never loads (the flush that removed its rights was queued when it lost them).
      const old = arch.flags(lo, hi) & PROT_NONE_FLAGS;
      const next = this.rights | (old & AD) | (this.flags & AD);
      if (this.toProtNone) {
        if ((next & PROT_NONE_FLAGS) === old) return 1;
        facts.encodeProtNone(arch.ppn(lo, hi), next, pte);
      } else arch.encodeLeaf(arch.ppn(lo, hi), next, 0, pte);
      tx.replaceEntry(table, index, 0, lo, hi, pte.lo, pte.hi);
      return 1;
    }
    const span = this.c.spans[level] as number;
    const old = arch.flags(lo, hi);
    const next = this.rights | (old & AD) | (this.flags & AD);
    if (next === old) return Math.min(end, eStart + span) - Math.max(start, eStart);
    if (eStart < start || eStart + span > end || (level !== 0 && this.toProtNone)) return SPLIT;
    if (this.toProtNone) {
      // A present leaf loses every right: it keeps its frame in an inaccessible entry (count unchanged).
      facts.encodeProtNone(arch.ppn(lo, hi), next, pte);
      tx.replaceEntry(table, index, 0, lo, hi, pte.lo, pte.hi);
    } else {
      arch.withFlags(lo, hi, next, pte);
      tx.setKnownEntry(table, index, level, lo, hi, true, pte.lo, pte.hi);
    }
    tx.flushPage(eStart);
    return span;
  }

  table(): number {
    return DESCEND;
  }

  malformed(level: number, eStart: number): number {
    throw malformedEntry(level, eStart);
  }
}

/** Calls a {@link LeafVisitor} on every leaf of `[start, end)`; counts leaves. Changes nothing itself. */
export class VisitStep implements WalkStep {
  readonly occupiedOnly = true;
  readonly error: MapperErrorInfo;
  fn: LeafVisitor = () => {};
  private readonly scratch: U64Pair = { lo: 0, hi: 0 };

  constructor(private readonly c: StepContext) {
    this.error = c.error;
  }

  /** A level-0 table: one 4 KiB leaf per entry, addresses stepped instead of recomputed. */
  leafTable(table: number, base: number, start: number, end: number): number {
    const { arch, memory, facts } = this.c;
    const fn = this.fn;
    const s = this.scratch;
    const step = arch.pteSize;
    const last = Math.min(end, base + arch.entriesPerTable);
    let n = 0;
    let addr = table * PAGE_SIZE + (start - base) * step;
    // The table's occupied-entry count, taken before the visitor runs (it may unmap the leaf it is given): once
    // that many occupied entries were seen, the rest of the table is empty. Entries before `start` are not seen,
    // so the count only ends the scan early, never too early.
    let left = this.c.store.occupiedCount(table);
    for (let vpn = start; vpn < last && left !== 0; vpn++, addr += step) {
      memory.read64(addr, s);
      const kind = arch.kind(s.lo, s.hi, 0);
      if (kind === PteKind.Leaf) {
        left--;
        n++;
        fn(vpn, arch.ppn(s.lo, s.hi), 0, arch.flags(s.lo, s.hi));
      } else if (kind !== PteKind.Invalid) left--;
      else if (facts.isProtNoneEntry(s.lo, s.hi)) {
        left--;
        n++;
        fn(vpn, arch.ppn(s.lo, s.hi), 0, arch.flags(s.lo, s.hi) & PROT_NONE_FLAGS);
      }
    }
    return n;
  }

  empty(): number {
    return 0;
  }

  leaf(
    _table: number,
    _index: number,
    level: number,
    eStart: number,
    _start: number,
    _end: number,
    lo: number,
    hi: number,
    protNone: boolean,
  ): number {
    const { arch } = this.c;
    const flags = arch.flags(lo, hi);
    this.fn(eStart, arch.ppn(lo, hi, level), level, protNone ? flags & PROT_NONE_FLAGS : flags);
    return 1;
  }

  table(): number {
    return DESCEND;
  }

  malformed(): number {
    return 0;
  }
}
