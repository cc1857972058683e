/**
 * `PageTableTransaction`: the undo log of one mapper operation, and what the operation queues for its commit
 * (flushes, deferred frees of data frames and of freed tables). One per mapper, one operation at a time.
 *
 * @module
 */

import {
  type FrameAllocator,
  type FrameResult,
  NO_FRAME,
  PAGE_SIZE,
  type PagingArch,
  type PhysicalMemory,
  type TlbFlusher,
  type U64Pair,
} from '@pagewright/core';
import type { EntryFacts } from './entry-facts.js';
import { PageTableCorruption } from './errors.js';
import type { TableStore } from './table-store.js';
import type { FrameRelease } from './types.js';

/**
 * The open transaction of one mapper's tables. Every entry write of an operation goes through it (and is logged
 * with the words it replaced); every table and data frame the operation takes is recorded; flushes and frees are
 * queued here and reach the flusher only at {@link PageTableTransaction.commit}. {@link PageTableTransaction.rollback}
 * restores every logged entry (newest first), the occupied-entry counts, and gives back every frame taken, so a
 * failed operation leaves the tables, the store, the allocator and the flusher exactly as before.
 *
 * Invariant: outside an operation the transaction is empty (no log, nothing queued).
 */
export class PageTableTransaction {
  /**
   * Undo records, 5 numbers each: table, index, level, old lo, old hi. Written through
   * {@link PageTableTransaction.logEntry}; a loop that logs a whole table (the COW copy's leaf-table pass) may append
   * records here directly, advancing {@link PageTableTransaction.undoLen}.
   * @internal
   */
  readonly undoLog: number[] = [];
  /**
   * Used length of `undoLog` (kept separately: shrinking an array's `length` reallocates it on every operation).
   * @internal
   */
  undoLen = 0;
  /** Tables created by this transaction (freed whole on rollback). */
  private readonly newTables: number[] = [];
  /** Data frames taken by this transaction: pfn, level pairs (freed on rollback). */
  private readonly newData: number[] = [];
  private readonly flushPages: number[] = [];
  private flushLen = 0;
  /** A table was freed: the commit flushes the whole address space instead of pages. */
  private flushEverything = false;
  /** Data frames to release after the flush: pfn, level pairs, with their release functions. */
  private readonly frees: number[] = [];
  private readonly freeFns: FrameRelease[] = [];
  /** Tables whose count reached zero (candidates for reclaiming at commit). */
  private readonly maybeEmpty: number[] = [];
  /** Tables unlinked by this transaction, freed after the flush. */
  private readonly freedTables: number[] = [];
  private readonly old: U64Pair = { lo: 0, hi: 0 };
  private readonly pte: U64Pair = { lo: 0, hi: 0 };
  private readonly pteSize: number;
  private readonly freeTableFn: FrameRelease;

  constructor(
    private readonly arch: PagingArch,
    private readonly memory: PhysicalMemory,
    private readonly allocator: FrameAllocator,
    /** The tables this transaction edits. */
    readonly store: TableStore,
    private readonly facts: EntryFacts,
  ) {
    this.pteSize = arch.pteSize;
    this.freeTableFn = (pfn: number): void => allocator.free(pfn, 0);
  }

  /** Writes an entry, keeping the table's occupied-entry count and the undo log. */
  setEntry(table: number, index: number, level: number, lo: number, hi: number): void {
    const old = this.old;
    this.memory.read64(table * PAGE_SIZE + index * this.pteSize, old);
    const was = this.facts.occupied(old.lo, old.hi, level);
    this.setKnownEntry(table, index, level, old.lo, old.hi, was, lo, hi);
  }

  /**
   * {@link PageTableTransaction.setEntry} when the caller has just read the entry: `(oldLo, oldHi)` are its current
   * words and `was` tells whether they are occupied (no second read, no second `kind` of the old words).
   */
  setKnownEntry(
    table: number,
    index: number,
    level: number,
    oldLo: number,
    oldHi: number,
    was: boolean,
    lo: number,
    hi: number,
  ): void {
    const now = this.facts.occupied(lo, hi, level);
    this.memory.write64(table * PAGE_SIZE + index * this.pteSize, lo, hi);
    this.logEntry(table, index, level, oldLo, oldHi);
    if (was !== now) {
      const info = this.store.get(table);
      if (!info) throw new PageTableCorruption(`table 0x${table.toString(16)} is not owned by this mapper`);
      if (now) info.count++;
      else if (--info.count === 0 && !info.pinned && info.parent >= 0) this.maybeEmpty.push(table);
    }
  }

  /**
   * Replaces an occupied entry whose current words `(oldLo, oldHi)` the caller has just read with another occupied
   * one (`withFlags` of a leaf, or a leaf ↔ inaccessible entry): no read back, no count change.
   */
  replaceEntry(
    table: number,
    index: number,
    level: number,
    oldLo: number,
    oldHi: number,
    lo: number,
    hi: number,
  ): void {
    this.memory.write64(table * PAGE_SIZE + index * this.pteSize, lo, hi);
    this.logEntry(table, index, level, oldLo, oldHi);
  }

  /**
   * Logs that entry `index` of `table` held `(oldLo, oldHi)` before this transaction replaced it with another
   * occupied entry, when the caller writes the table itself (the COW copy writes a whole leaf table at once).
   */
  logEntry(table: number, index: number, level: number, oldLo: number, oldHi: number): void {
    const log = this.undoLog;
    const u = this.undoLen;
    log[u] = table;
    log[u + 1] = index;
    log[u + 2] = level;
    log[u + 3] = oldLo;
    log[u + 4] = oldHi;
    this.undoLen = u + 5;
  }

  /** Queues a flush of the leaf whose first page is `vpn`. */
  flushPage(vpn: number): void {
    this.flushPages[this.flushLen++] = vpn;
  }

  /** Queues `release(pfn, level)` to run after the commit's flush. */
  deferFree(pfn: number, level: number, release: FrameRelease): void {
    this.frees.push(pfn, level);
    this.freeFns.push(release);
  }

  /** Allocates a zeroed table, links it at entry `index` of `parent` (at `parentLevel`). Its frame, or `NO_FRAME`. */
  newTable(parent: number, index: number, parentLevel: number): FrameResult {
    const t = this.allocator.alloc();
    if (t === NO_FRAME) return NO_FRAME;
    this.memory.zeroFrame(t);
    this.store.add(t, 0, parent, index, parentLevel - 1, false);
    this.newTables.push(t);
    const pte = this.pte;
    this.arch.encodeTable(t, pte);
    this.setEntry(parent, index, parentLevel, pte.lo, pte.hi);
    return t;
  }

  /**
   * Replaces the huge leaf `(lo, hi)` at entry `index` of `table` (at `level`) by a table of 512 leaves one level
   * down with the same translations (no flush needed). The new table's frame, or `NO_FRAME` when there is no frame.
   */
  splitLeaf(table: number, index: number, level: number, lo: number, hi: number): FrameResult {
    const { arch, memory } = this;
    const pfn = arch.ppn(lo, hi, level);
    const flags = arch.flags(lo, hi);
    const child = this.allocator.alloc();
    if (child === NO_FRAME) return NO_FRAME;
    memory.zeroFrame(child);
    this.newTables.push(child);
    const entries = this.store.entries;
    const sub = entries ** (level - 1);
    const pte = this.pte;
    for (let j = 0; j < entries; j++) {
      arch.encodeLeaf(pfn + j * sub, flags, level - 1, pte);
      memory.write64(child * PAGE_SIZE + j * this.pteSize, pte.lo, pte.hi);
    }
    this.store.add(child, entries, table, index, level - 1, false);
    arch.encodeTable(child, pte);
    this.setEntry(table, index, level, pte.lo, pte.hi);
    return child;
  }

  /** Allocates a zeroed data frame (a `512^level`-frame block) for a leaf at `level`. Its frame, or `NO_FRAME`. */
  allocData(level: number): FrameResult {
    const { allocator, memory } = this;
    const pfn = level === 0 ? allocator.alloc() : allocator.allocContiguous(this.arch.bitsPerLevel * level);
    if (pfn === NO_FRAME) return NO_FRAME;
    const n = this.store.entries ** level;
    for (let j = 0; j < n; j++) memory.zeroFrame(pfn + j);
    this.newData.push(pfn, level);
    return pfn;
  }

  /**
   * Unlinks the empty owned table `child` from entry `index` of `table` (whose words the caller read as
   * `(lo, hi)`); its frame is freed after the commit's whole-space flush.
   */
  unlinkTable(table: number, index: number, level: number, lo: number, hi: number, child: number): void {
    this.setKnownEntry(table, index, level, lo, hi, true, 0, 0);
    this.store.remove(child);
    this.freedTables.push(child);
    // A freed table needs a whole-space flush before its frame is reused (see reclaimEmptyTables).
    this.flushEverything = true;
  }

  /**
   * Ends the operation successfully: reclaims tables it emptied (when `reclaim`), queues its flushes and frees on
   * `flusher`. Returns true when something was queued on `flusher`.
   */
  commit(flusher: TlbFlusher, reclaim: boolean): boolean {
    if (reclaim) this.reclaimEmptyTables();
    const pages = this.flushPages;
    const frees = this.frees;
    const changed = this.flushLen > 0 || this.flushEverything;
    if (this.flushEverything) flusher.flushAll();
    else for (let k = 0; k < this.flushLen; k++) flusher.flushPage(pages[k] as number);
    for (let k = 0; k < frees.length; k += 2) {
      const pfn = frees[k] as number;
      const level = frees[k + 1] as number;
      const release = this.freeFns[k >> 1] as FrameRelease;
      if (level === 0) flusher.deferFree(pfn, release);
      else flusher.deferFree(pfn, (p) => release(p, level));
    }
    for (const t of this.freedTables) flusher.deferFree(t, this.freeTableFn);
    this.clear();
    return changed;
  }

  /** Keeps what the operation did without queueing anything (a table created for a kernel template). */
  keep(): void {
    this.clear();
  }

  /** Undoes the operation: every logged entry restored (newest first), every frame it took given back. */
  rollback(): void {
    const log = this.undoLog;
    const { memory, facts, store } = this;
    const old = this.old;
    for (let k = this.undoLen - 5; k >= 0; k -= 5) {
      const table = log[k] as number;
      const index = log[k + 1] as number;
      const level = log[k + 2] as number;
      const lo = log[k + 3] as number;
      const hi = log[k + 4] as number;
      const addr = table * PAGE_SIZE + index * this.pteSize;
      memory.read64(addr, old);
      const was = facts.occupied(old.lo, old.hi, level);
      const now = facts.occupied(lo, hi, level);
      memory.write64(addr, lo, hi);
      if (was !== now) {
        const info = store.get(table);
        if (info) info.count += now ? 1 : -1;
      }
    }
    this.undoLen = 0;
    for (const t of this.newTables) {
      store.remove(t);
      this.allocator.free(t, 0);
    }
    const data = this.newData;
    for (let k = 0; k < data.length; k += 2) {
      this.allocator.free(data[k] as number, this.arch.bitsPerLevel * (data[k + 1] as number));
    }
    this.clear();
  }

  private reclaimEmptyTables(): void {
    const list = this.maybeEmpty;
    for (let k = 0; k < list.length; k++) {
      const t = list[k] as number;
      const info = this.store.get(t);
      if (info === undefined || info.count !== 0 || info.pinned || info.parent < 0) continue;
      this.setEntry(info.parent, info.index, info.level + 1, 0, 0);
      this.store.remove(t);
      this.freedTables.push(t);
      // A table was freed: flush the whole address space, as Linux's RISC-V tlb_flush() does when
      // mmu_gather.freed_tables is set (arch/riscv/include/asm/tlb.h); the spec asks rs1 = x0 for non-leaf changes.
      this.flushEverything = true;
    }
  }

  private clear(): void {
    // Only touch `length` when needed: setting it costs more than the rest of a one-page operation.
    if (this.newTables.length !== 0) this.newTables.length = 0;
    if (this.newData.length !== 0) this.newData.length = 0;
    this.flushLen = 0;
    this.flushEverything = false;
    if (this.frees.length !== 0) {
      this.frees.length = 0;
      this.freeFns.length = 0;
    }
    if (this.maybeEmpty.length !== 0) this.maybeEmpty.length = 0;
    if (this.freedTables.length !== 0) this.freedTables.length = 0;
    this.undoLen = 0;
  }
}
