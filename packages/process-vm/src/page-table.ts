/**
 * `PageTable`: one address space's radix page table in simulated physical memory, as the process layer uses it —
 * map / unmap / look up / change one 4 KiB leaf, visit the present leaves of a range, flush the harts' TLBs, and
 * free every table frame at teardown.
 *
 * It is a thin adapter over any {@link PagingArch} (Sv39, Sv48): PTEs are encoded by the arch and stored in
 * {@link PhysicalMemory}, so the harts' walkers read exactly what this writes. Table frames come from the machine's
 * {@link FrameAllocator} and are zeroed before use; an empty table is kept until {@link PageTable.destroy}.
 *
 * Inaccessible leaves: a page kept by a `PROT_NONE` VMA has a leaf without R, W or X, which Sv39 would read as a
 * pointer to a table. Such a leaf is stored, as Linux's `_PAGE_PROT_NONE` does, with the valid bit (bit 0) clear and
 * software bit 8 ({@link PROT_NONE_MARK}) set: the hardware faults on it, this table still knows its frame.
 *
 * TLB discipline: every change to a present leaf queues the page; {@link PageTable.flush} issues `sfence.vma` for
 * each queued page (or one ASID-wide flush past {@link FLUSH_ALL_THRESHOLD} pages) on every hart that may cache
 * this address space. Callers flush before a frame that was reachable is reused or freed.
 *
 * @module
 */

import {
  type FrameAllocator,
  NO_FRAME,
  type PagingArch,
  type PhysicalMemory,
  PteKind,
  type U64Pair,
} from '@pagewright/core';

/** The hart interface the page table needs to invalidate TLB entries. */
export interface FlushTarget {
  /** RISC-V `sfence.vma`: one page of one ASID, or the whole ASID when `vpn` is undefined. */
  sfenceVma(vpn?: number, asid?: number): void;
}

/** Past this many queued pages, {@link PageTable.flush} flushes the whole ASID instead (Linux's ceiling is 33). */
export const FLUSH_ALL_THRESHOLD = 33;

/** Software PTE bit marking an inaccessible (PROT_NONE) leaf whose valid bit is clear. */
export const PROT_NONE_MARK = 0x100;
const ACCESS_BITS = 0x7; // PteFlag.Read | Write | Exec

/** Returned by {@link PageTable.lookup} for a page without a present leaf. */
export const NOT_MAPPED = -1;

/**
 * A page table for one address space.
 *
 * Invariants: the root frame is allocated for the table's whole life; every table frame is reachable from the root;
 * `tableFrames` counts them (root included).
 */
export class PageTable {
  /** The root table's frame (satp.PPN). */
  readonly root: number;
  /** Flags of the leaf found by the last successful {@link PageTable.lookup}. */
  lastFlags = 0;
  private frames = 1;
  private readonly pte: U64Pair = { lo: 0, hi: 0 };
  private readonly queued: number[] = [];
  private flushEverything = false;
  /** Queued pages beyond which {@link PageTable.flush} flushes the whole ASID (default {@link FLUSH_ALL_THRESHOLD}). */
  flushThreshold = FLUSH_ALL_THRESHOLD;

  /**
   * @param arch - the paging architecture
   * @param memory - where tables live
   * @param allocator - where table frames come from
   * @param asid - the ASID the harts tag this space's TLB entries with
   * @param harts - the harts that may cache translations of this space
   * @throws Error when not even the root frame can be allocated
   */
  constructor(
    readonly arch: PagingArch,
    private readonly memory: PhysicalMemory,
    private readonly allocator: FrameAllocator,
    readonly asid: number,
    private readonly harts: readonly FlushTarget[],
  ) {
    const root = this.newTable();
    if (root === NO_FRAME) throw new Error('out of memory: no frame for the root page table');
    this.root = root;
  }

  /** Number of page-table frames in use (root included). */
  get tableFrames(): number {
    return this.frames;
  }

  /** Frame of the leaf mapping `vpn`, or {@link NOT_MAPPED}; its flags go to {@link PageTable.lastFlags}. */
  lookup(vpn: number): number {
    const slot = this.leafSlot(vpn, false);
    if (slot < 0) return NOT_MAPPED;
    this.memory.read64(slot, this.pte);
    return this.decode(this.pte.lo, this.pte.hi);
  }

  /** The frame of a leaf PTE (present or PROT_NONE) or NOT_MAPPED; its flags go to `lastFlags`. */
  private decode(lo: number, hi: number): number {
    if ((lo & 1) === 0) {
      if ((lo & PROT_NONE_MARK) === 0) return NOT_MAPPED;
      const real = (lo | 1) & ~PROT_NONE_MARK;
      this.lastFlags = this.arch.flags(real, hi) & ~ACCESS_BITS;
      return this.arch.ppn(real, hi);
    }
    if (this.arch.kind(lo, hi, 0) !== PteKind.Leaf) return NOT_MAPPED;
    this.lastFlags = this.arch.flags(lo, hi);
    return this.arch.ppn(lo, hi);
  }

  /** Encodes a leaf into `this.pte` (PROT_NONE leaves with V clear and the mark set). */
  private encode(pfn: number, flags: number): void {
    if ((flags & ACCESS_BITS) === 0) {
      this.arch.encodeLeaf(pfn, flags | 1, this.pte);
      this.pte.lo = ((this.pte.lo & ~1) | PROT_NONE_MARK) >>> 0;
    } else this.arch.encodeLeaf(pfn, flags, this.pte);
  }

  /**
   * Maps `vpn` to frame `pfn` with arch-neutral `flags` (replacing any leaf there; the caller accounts for the old
   * frame). Returns false, changing nothing visible, when a table frame cannot be allocated.
   */
  map(vpn: number, pfn: number, flags: number): boolean {
    const slot = this.leafSlot(vpn, true);
    if (slot < 0) return false;
    this.memory.read64(slot, this.pte);
    const wasPresent = this.arch.kind(this.pte.lo, this.pte.hi, 0) === PteKind.Leaf;
    this.encode(pfn, flags);
    this.memory.write64(slot, this.pte.lo, this.pte.hi);
    if (wasPresent) this.queue(vpn);
    return true;
  }

  /** Replaces the flags of the present leaf at `vpn` (no-op when absent). */
  setFlags(vpn: number, flags: number): void {
    const slot = this.leafSlot(vpn, false);
    if (slot < 0) return;
    this.memory.read64(slot, this.pte);
    const pfn = this.decode(this.pte.lo, this.pte.hi);
    if (pfn === NOT_MAPPED) return;
    this.encode(pfn, flags);
    this.memory.write64(slot, this.pte.lo, this.pte.hi);
    this.queue(vpn);
  }

  /** Removes the leaf at `vpn`; returns the frame it mapped, or {@link NOT_MAPPED}. */
  unmap(vpn: number): number {
    const slot = this.leafSlot(vpn, false);
    if (slot < 0) return NOT_MAPPED;
    this.memory.read64(slot, this.pte);
    const pfn = this.decode(this.pte.lo, this.pte.hi);
    if (pfn === NOT_MAPPED) return NOT_MAPPED;
    this.memory.write64(slot, 0, 0);
    this.queue(vpn);
    return pfn;
  }

  /** Visits every present leaf with `start <= vpn < end`, ascending. The visitor may change that leaf. */
  forEach(start: number, end: number, visit: (vpn: number, pfn: number, flags: number) => void): void {
    if (start >= end) return;
    this.visitTable(this.root, this.arch.levels - 1, 0, start, end, visit);
  }

  /** Performs the queued TLB invalidations on every hart. */
  flush(): void {
    if (!this.flushEverything && this.queued.length === 0) return;
    for (const h of this.harts) {
      if (this.flushEverything) h.sfenceVma(undefined, this.asid);
      else for (const vpn of this.queued) h.sfenceVma(vpn, this.asid);
    }
    this.queued.length = 0;
    this.flushEverything = false;
  }

  /** Frees every table frame (leaves must have been unmapped and their frames accounted for by the caller). */
  destroy(): void {
    this.flush();
    this.freeTable(this.root, this.arch.levels - 1);
    this.frames = 0;
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  private queue(vpn: number): void {
    if (this.flushEverything) return;
    if (this.queued.length >= this.flushThreshold) {
      this.flushEverything = true;
      this.queued.length = 0;
      return;
    }
    this.queued.push(vpn);
  }

  private newTable(): number {
    const pfn = this.allocator.alloc();
    if (pfn === NO_FRAME) return NO_FRAME;
    this.memory.zeroFrame(pfn);
    return pfn;
  }

  /** Physical address of the level-0 PTE of `vpn`, creating tables when `create`; -1 when absent or OOM. */
  private leafSlot(vpn: number, create: boolean): number {
    const arch = this.arch;
    let table = this.root;
    for (let level = arch.levels - 1; level > 0; level--) {
      const slot = table * 4096 + arch.indexAt(vpn, level) * arch.pteSize;
      this.memory.read64(slot, this.pte);
      const kind = arch.kind(this.pte.lo, this.pte.hi, level);
      if (kind === PteKind.Table) {
        table = arch.ppn(this.pte.lo, this.pte.hi);
        continue;
      }
      if (kind !== PteKind.Invalid || !create) return -1;
      const next = this.newTable();
      if (next === NO_FRAME) return -1;
      this.frames++;
      arch.encodeTable(next, this.pte);
      this.memory.write64(slot, this.pte.lo, this.pte.hi);
      table = next;
    }
    return table * 4096 + arch.indexAt(vpn, 0) * arch.pteSize;
  }

  private visitTable(
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    visit: (vpn: number, pfn: number, flags: number) => void,
  ): void {
    const arch = this.arch;
    const span = arch.pageSizeAt(level) / 4096;
    const first = Math.max(0, Math.floor((start - base) / span));
    const last = Math.min(arch.entriesPerTable - 1, Math.floor((end - 1 - base) / span));
    const pte: U64Pair = { lo: 0, hi: 0 };
    for (let i = first; i <= last; i++) {
      this.memory.read64(table * 4096 + i * arch.pteSize, pte);
      const kind = arch.kind(pte.lo, pte.hi, level);
      const vpn = base + i * span;
      if (level === 0) {
        const pfn = this.decode(pte.lo, pte.hi);
        if (pfn !== NOT_MAPPED) visit(vpn, pfn, this.lastFlags);
      } else if (kind === PteKind.Table) {
        this.visitTable(arch.ppn(pte.lo, pte.hi), level - 1, vpn, start, end, visit);
      }
    }
  }

  private freeTable(table: number, level: number): void {
    const arch = this.arch;
    if (level > 0) {
      const pte: U64Pair = { lo: 0, hi: 0 };
      for (let i = 0; i < arch.entriesPerTable; i++) {
        this.memory.read64(table * 4096 + i * arch.pteSize, pte);
        if (arch.kind(pte.lo, pte.hi, level) === PteKind.Table)
          this.freeTable(arch.ppn(pte.lo, pte.hi), level - 1);
      }
    }
    this.memory.zeroFrame(table);
    this.allocator.free(table);
  }
}
