/**
 * `CowCopyStep`: fork's page-table half as a {@link WalkStep} over the *source* mapper's tables. It works over two
 * explicit transactions: the source's (write-protects, splits of straddling huge leaves, their flushes) and the
 * destination's (the tables and entries it creates), so a failure rolls both back and a success commits each on
 * its own flusher.
 *
 * @module
 */

import {
  PAGE_SIZE,
  type PagingArch,
  type PhysicalMemory,
  PteFlag,
  PteKind,
  type U64Pair,
} from '@pagewright/core';
import { type EntryFacts, malformedEntry, PROT_NONE_FLAGS } from './entry-facts.js';
import { recordError } from './error-record.js';
import { MapperError, type MapperErrorInfo, PageTableCorruption } from './errors.js';
import { growLeafBuffer, type LeafBufferPool, NO_LEAVES } from './leaf-buffer-pool.js';
import type { PageTableTransaction } from './page-table-transaction.js';
import { DESCEND, PER_ENTRY, type RangeWalk, SPLIT, type WalkStep } from './range-walk.js';
import type { TableStore } from './table-store.js';
import type { CowCopyOptions, LeafVisitor } from './types.js';

/** True when the host stores a `Uint32Array` element little-endian, as the simulated memory stores words. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One side of the copy: a mapper's tables, its transaction, its walk, and what it owns for copies. */
export interface CowSide {
  readonly arch: PagingArch;
  readonly memory: PhysicalMemory;
  readonly facts: EntryFacts;
  readonly root: number;
  readonly store: TableStore;
  readonly tx: PageTableTransaction;
  readonly walk: RangeWalk;
  /** The mapper's error record. */
  readonly error: MapperErrorInfo;
  /** Flags every leaf of the mapper gets. */
  readonly forced: number;
  /** The mapper's leaf buffers. */
  readonly pool: LeafBufferPool;
  /** The mapper's level-0 table copies (made by the copy when absent). */
  readonly copies: LeafTableCopies | null;
}

/**
 * Copies the leaves of `src` in `[start, end)` into `dst` (see `PageMapper.copyRangeForCow`): walks the source
 * with a {@link CowCopyStep}; on failure rolls back both transactions, else calls `commit` (which commits both),
 * then reports every copied leaf to `onShared`. The buffers used are the source's (a parent forked many times
 * reuses them). Returns the number of leaves copied or the error.
 */
export function copyForCow(
  src: CowSide,
  dst: CowSide,
  start: number,
  end: number,
  options: CowCopyOptions,
  onShared: LeafVisitor | undefined,
  commit: () => void,
): number {
  const step = new CowCopyStep(src, dst, options, onShared !== undefined);
  if (onShared) step.leaves = src.pool.take();
  try {
    const r = src.walk.walk(step, src.root, src.arch.levels - 1, 0, start, end);
    if (r < 0) {
      src.tx.rollback();
      dst.tx.rollback();
      return r;
    }
    commit();
    const n = step.copied;
    if (onShared) {
      const out = step.leaves;
      for (let i = 0; i < 4 * n; i += 4) {
        onShared(out[i] as number, out[i + 1] as number, out[i + 2] as number, out[i + 3] as number);
      }
    }
    return n;
  } finally {
    if (onShared) src.pool.give(step.leaves);
  }
}

/** Copies of one source / destination level-0 table (8-byte entries), owned by the mapper that copies from. */
export class LeafTableCopies {
  readonly src = new Uint8Array(PAGE_SIZE);
  readonly srcWords = new Uint32Array(this.src.buffer);
  readonly dst = new Uint8Array(PAGE_SIZE);
  readonly dstWords = new Uint32Array(this.dst.buffer);
}

/**
 * Copies every leaf the source walk meets into the destination at the same page, Write removed on both sides
 * (unless `keepWrite`), the child's Accessed cleared (`clearAccessed`) or, with `keepWrite`, its Dirty.
 * Records each copied leaf in {@link CowCopyStep.leaves} when `collect` is set.
 */
export class CowCopyStep implements WalkStep {
  readonly occupiedOnly = true;
  /** Leaves copied so far. */
  copied = 0;
  /** The copied leaves (4 numbers each: vpn, pfn, level, flags) when collecting; else empty. */
  leaves: Float64Array = NO_LEAVES;
  private readonly pte: U64Pair = { lo: 0, hi: 0 };
  private readonly old: U64Pair = { lo: 0, hi: 0 };
  private readonly wholeTables: boolean;

  private readonly arch: PagingArch;
  private readonly memory: PhysicalMemory;
  private readonly facts: EntryFacts;
  private readonly copies: LeafTableCopies;
  private readonly keepWrite: boolean;
  private readonly clearAccessed: boolean;
  /** Flags every destination leaf gets (Global for a kernel space). */
  private readonly forced: number;
  /** Every failure of the copy is reported in the destination's error record. */
  readonly error: MapperErrorInfo;

  constructor(
    private readonly src: CowSide,
    private readonly dst: CowSide,
    options: CowCopyOptions,
    private readonly collect: boolean,
  ) {
    const arch = src.arch;
    this.arch = arch;
    this.memory = src.memory;
    this.facts = src.facts;
    this.copies = src.copies ?? new LeafTableCopies();
    this.keepWrite = options.keepWrite ?? false;
    this.clearAccessed = options.clearAccessed ?? true;
    this.forced = dst.forced;
    this.error = dst.error;
    this.wholeTables = arch.pteSize === 8 && arch.entriesPerTable * 8 === PAGE_SIZE && HOST_LITTLE_ENDIAN;
  }

  empty(): number {
    return 0;
  }

  table(): number {
    return DESCEND;
  }

  malformed(level: number, eStart: number): number {
    throw malformedEntry(level, eStart);
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
    const span = this.dst.walk.spans[level] as number;
    if (eStart < start || eStart + span > end) return SPLIT;
    const { arch, memory, pte } = this;
    const pfn = arch.ppn(lo, hi, level);
    const flags = protNone ? arch.flags(lo, hi) & PROT_NONE_FLAGS : arch.flags(lo, hi);
    const srcFlags = this.writeProtect(table, index, level, eStart, lo, hi, flags);
    const childFlags = this.childFlags(srcFlags);
    const dstTable = this.dst.walk.ensureTable(this.dst.root, eStart, level, this.error);
    if (dstTable < 0) return dstTable;
    if (protNone) this.facts.encodeProtNone(pfn, childFlags, pte);
    else arch.encodeLeaf(pfn, childFlags | this.forced, level, pte);
    memory.read64(dstTable * PAGE_SIZE + index * arch.pteSize, this.old);
    if (this.facts.occupied(this.old.lo, this.old.hi, level)) {
      return recordError(
        this.error,
        MapperError.PageAlreadyMapped,
        eStart,
        level,
        'destination page is already mapped',
      );
    }
    this.dst.tx.setEntry(dstTable, index, level, pte.lo, pte.hi);
    this.record(eStart, pfn, level, childFlags);
    return 0;
  }

  /**
   * A whole level-0 table (8-byte entries, little-endian host): the same result as entry by entry, computed on
   * copies of the tables. The source table is read once, write-protected in the copy and written back whole; a
   * destination table created by this copy is built in a copy and written once. A destination table that already
   * existed is written entry by entry, checked. Every changed source entry is still in the source's undo log.
   */
  leafTable(table: number, base: number, start: number, end: number): number {
    if (!this.wholeTables) return PER_ENTRY;
    const { arch, memory, facts, pte, copies } = this;
    const srcWords = copies.srcWords;
    if (!memory.readBytes(table * PAGE_SIZE, copies.src)) {
      throw new PageTableCorruption(`table 0x${table.toString(16)} is outside memory`);
    }
    const zeroInvalid = facts.zeroIsInvalid;
    const forced = this.forced;
    const srcTx = this.src.tx;
    const undo = srcTx.undoLog;
    const dst = this.dst;
    let dstTable = -1;
    /** The destination table was created by this copy: entries go to the copy, written at the end. */
    let fresh = false;
    let freshCount = 0;
    let srcChanged = false;
    let left = this.src.store.occupiedCount(table);
    const last = Math.min(arch.entriesPerTable, end - base);
    const keepWrite = this.keepWrite;
    /** Flags the child loses: Accessed (`clearAccessed`), and Dirty for a shared mapping (`keepWrite`). */
    const childClear = (this.clearAccessed ? PteFlag.Accessed : 0) | (keepWrite ? PteFlag.Dirty : 0);
    const collect = this.collect;
    const dstWords = copies.dstWords;
    for (let i = start - base; i < last && left !== 0; i++) {
      const lo = srcWords[2 * i] as number;
      const hi = srcWords[2 * i + 1] as number;
      if (lo === 0 && hi === 0 && zeroInvalid) continue;
      const kind = arch.kind(lo, hi, 0);
      let pn = false;
      if (kind !== PteKind.Leaf) {
        if (kind === PteKind.Invalid) {
          if (!facts.isProtNoneEntry(lo, hi)) continue;
          pn = true;
        } else {
          throw malformedEntry(0, base + i);
        }
      }
      left--;
      const vpn = base + i;
      const pfn = arch.ppn(lo, hi);
      const flags = pn ? arch.flags(lo, hi) & PROT_NONE_FLAGS : arch.flags(lo, hi);
      let srcFlags = flags;
      if (!keepWrite && flags & PteFlag.Write) {
        srcFlags = flags & ~PteFlag.Write;
        arch.withFlags(lo, hi, srcFlags, pte);
        srcWords[2 * i] = pte.lo;
        srcWords[2 * i + 1] = pte.hi;
        srcChanged = true;
        // The source transaction's undo record, appended inline (the write itself happens with the whole table
        // below): this loop runs once per copied page.
        const u = srcTx.undoLen;
        undo[u] = table;
        undo[u + 1] = i;
        undo[u + 2] = 0;
        undo[u + 3] = lo;
        undo[u + 4] = hi;
        srcTx.undoLen = u + 5;
        srcTx.flushPage(vpn);
      }
      const childFlags = srcFlags & ~childClear;
      if (dstTable < 0) {
        dstTable = dst.walk.ensureTable(dst.root, vpn, 0, this.error);
        if (dstTable < 0) return dstTable;
        fresh = dst.walk.ensuredFresh;
        if (fresh) copies.dst.fill(0);
      }
      if (pn) facts.encodeProtNone(pfn, childFlags, pte);
      else arch.encodeLeaf(pfn, childFlags | forced, 0, pte);
      if (fresh) {
        dstWords[2 * i] = pte.lo;
        dstWords[2 * i + 1] = pte.hi;
        freshCount++;
      } else {
        memory.read64(dstTable * PAGE_SIZE + i * 8, this.old);
        if (facts.occupied(this.old.lo, this.old.hi, 0)) {
          return recordError(
            this.error,
            MapperError.PageAlreadyMapped,
            vpn,
            0,
            'destination page is already mapped',
          );
        }
        dst.tx.setEntry(dstTable, i, 0, pte.lo, pte.hi);
      }
      if (collect) this.record(vpn, pfn, 0, childFlags);
      else this.copied++;
    }
    if (srcChanged) memory.writeBytes(table * PAGE_SIZE, copies.src);
    if (freshCount > 0) {
      memory.writeBytes(dstTable * PAGE_SIZE, copies.dst);
      const info = dst.store.get(dstTable);
      if (info) info.count += freshCount;
    }
    return 0;
  }

  /** Removes Write from the source leaf (in the source's transaction, flush queued) unless `keepWrite`. */
  private writeProtect(
    table: number,
    index: number,
    level: number,
    eStart: number,
    lo: number,
    hi: number,
    flags: number,
  ): number {
    if (this.keepWrite || (flags & PteFlag.Write) === 0) return flags;
    const srcFlags = flags & ~PteFlag.Write;
    this.arch.withFlags(lo, hi, srcFlags, this.pte);
    // A valid leaf stays a valid leaf: no count change, and the old words are the ones just read.
    this.src.tx.replaceEntry(table, index, level, lo, hi, this.pte.lo, this.pte.hi);
    this.src.tx.flushPage(eStart);
    return srcFlags;
  }

  private childFlags(srcFlags: number): number {
    let f = srcFlags;
    if (this.clearAccessed) f &= ~PteFlag.Accessed;
    if (this.keepWrite) f &= ~PteFlag.Dirty;
    return f;
  }

  private record(vpn: number, pfn: number, level: number, flags: number): void {
    if (this.collect) {
      const at4 = 4 * this.copied;
      if (at4 === this.leaves.length) this.leaves = growLeafBuffer(this.leaves);
      const out = this.leaves;
      out[at4] = vpn;
      out[at4 + 1] = pfn;
      out[at4 + 2] = level;
      out[at4 + 3] = flags;
    }
    this.copied++;
  }
}
