/**
 * `PageTable`: one address space's page table as the process layer uses it — a thin adapter over
 * `@pagewright/mapper`'s {@link PageMapper} (every table edit, walk and teardown goes through it) with the
 * address space's {@link MmContext} (ASID bookkeeping) and its TLB flusher.
 *
 * What the adapter adds:
 * - process-layer conventions: {@link PageTable.lookup} answers {@link NOT_MAPPED} and puts the leaf's flags in
 *   {@link PageTable.lastFlags}; {@link PageTable.map} replaces whatever leaf is there; {@link PageTable.setFlags}
 *   is a no-op on an absent page;
 * - inaccessible leaves: a page kept by a `PROT_NONE` VMA keeps its frame but must fault on every access. Linux
 *   RISC-V stores it as a PTE with V = 0 and `_PAGE_PROT_NONE` (= `_PAGE_GLOBAL`, bit 5) holding the PPN
 *   (`arch/riscv/include/asm/pgtable-bits.h`). The mapper does not encode such leaves (yet), so until it does they are
 *   kept here, beside the tables: the hardware finds no PTE (it faults, as with Linux's encoding), and every query
 *   of this adapter (`lookup`, `forEach`, `unmap`, fork copies, moves) sees them with their frame. This is the one
 *   place to switch when the mapper learns the encoding.
 *
 * TLB discipline: the mapper queues a flush for every change that may leave a stale entry; {@link PageTable.flush}
 * dispatches the queue (frames released by `zap` go back only then) and runs the stale-TLB detector when enabled.
 * Tables are kept until {@link PageTable.destroy} (`reclaimTables: false`), so replacing a leaf never needs a frame.
 *
 * @module
 */

import {
  type FrameAllocator,
  type PagingArch,
  type PhysicalMemory,
  PteFlag,
  type TlbFlusher,
} from '@pagewright/core';
import {
  type FrameRelease,
  MapperError,
  MmContext,
  PageMapper,
  type StaleTlbDetector,
} from '@pagewright/mapper';

/** Returned by {@link PageTable.lookup} for a page without a leaf. */
export const NOT_MAPPED = -1;

const ACCESS_BITS = PteFlag.Read | PteFlag.Write | PteFlag.Exec;
const AD = PteFlag.Accessed | PteFlag.Dirty;
/** Inaccessible leaves are packed as `pfn * FLAG_SPAN + flags` (flags < 256, pfn < 2^44: exact in a double). */
const FLAG_SPAN = 256;

/** How to build a {@link PageTable}. */
export interface PageTableOptions {
  /** The paging architecture. */
  arch: PagingArch;
  /** Where tables live. */
  memory: PhysicalMemory;
  /** Where table frames come from. */
  allocator: FrameAllocator;
  /** Builds the address space's flusher once its root and context are known. */
  flusher: (mapper: PageMapper, context: MmContext) => TlbFlusher;
  /** Stale-TLB detector run after every flush (null: off). */
  detector: StaleTlbDetector | null;
}

/** A visitor of {@link PageTable.forEach}. */
export type PageVisitor = (vpn: number, pfn: number, flags: number) => void;

/**
 * A page table for one address space.
 *
 * Invariants: the root frame is allocated for the table's whole life (until {@link PageTable.destroy});
 * {@link PageTable.tableFrames} counts the table frames; a page is either a present leaf in the mapper, an
 * inaccessible leaf kept here, or unmapped — never two of these.
 */
export class PageTable {
  /** The page mapper holding the tables. */
  readonly mapper: PageMapper;
  /** ASID bookkeeping of this address space (which harts may cache it, its generation-tagged ASID). */
  readonly context = new MmContext();
  /** Flags of the leaf found by the last successful {@link PageTable.lookup}. */
  lastFlags = 0;
  /** Inaccessible (PROT_NONE) leaves: vpn → `pfn * 256 + flags`. */
  private readonly protNone = new Map<number, number>();
  private readonly sorted: number[] = [];

  /** @throws Error when not even the root frame can be allocated */
  constructor(options: PageTableOptions) {
    const context = this.context;
    this.mapper = new PageMapper({
      arch: options.arch,
      memory: options.memory,
      allocator: options.allocator,
      context,
      detector: options.detector,
      reclaimTables: false,
      flusher: (m) => options.flusher(m, context),
    });
  }

  /** The root table's frame (satp.PPN); -1 after {@link PageTable.destroy}. */
  get root(): number {
    return this.mapper.rootPpn;
  }

  /** The ASID the harts tag this space's entries with (0 before its first activation). */
  get asid(): number {
    return this.context.asid;
  }

  /** Number of page-table frames in use (root included). */
  get tableFrames(): number {
    return this.mapper.tableFrames;
  }

  /** Frame of the leaf mapping `vpn` (present or inaccessible), or {@link NOT_MAPPED}; flags go to `lastFlags`. */
  lookup(vpn: number): number {
    const pfn = this.mapper.lookup(vpn);
    if (pfn >= 0) {
      this.lastFlags = this.mapper.found.flags;
      return pfn;
    }
    if (this.protNone.size !== 0) {
      const e = this.protNone.get(vpn);
      if (e !== undefined) {
        this.lastFlags = e % FLAG_SPAN;
        return Math.floor(e / FLAG_SPAN);
      }
    }
    return NOT_MAPPED;
  }

  /**
   * Maps `vpn` to frame `pfn` with arch-neutral `flags`, replacing any leaf there (the caller accounts for the old
   * frame; its flush is queued). Flags without R/W/X make an inaccessible leaf. Returns false, changing nothing,
   * when a table frame cannot be allocated.
   */
  map(vpn: number, pfn: number, flags: number): boolean {
    if ((flags & ACCESS_BITS) === 0) {
      this.mapper.unmap(vpn);
      this.protNone.set(vpn, pfn * FLAG_SPAN + flags);
      return true;
    }
    let r = this.mapper.mapPhys(vpn, pfn, flags);
    if (r === MapperError.PageAlreadyMapped) {
      this.mapper.unmap(vpn); // queues the old leaf's flush; the table stays, so the next map cannot fail
      r = this.mapper.mapPhys(vpn, pfn, flags);
    }
    if (r < 0) return false;
    if (this.protNone.size !== 0) this.protNone.delete(vpn);
    return true;
  }

  /**
   * Replaces the rights of the leaf at `vpn` (no-op when absent). Accessed and Dirty are kept (they can be added,
   * not removed: Linux `pte_modify`). Flags without R/W/X make the leaf inaccessible, and back.
   */
  setFlags(vpn: number, flags: number): void {
    if (this.protNone.size !== 0) {
      const e = this.protNone.get(vpn);
      if (e !== undefined) {
        const pfn = Math.floor(e / FLAG_SPAN);
        const ad = (e % FLAG_SPAN) & AD;
        if ((flags & ACCESS_BITS) === 0) this.protNone.set(vpn, pfn * FLAG_SPAN + (flags | ad));
        else if (this.mapper.mapPhys(vpn, pfn, flags | ad) >= 0) this.protNone.delete(vpn);
        return;
      }
    }
    if ((flags & ACCESS_BITS) === 0) {
      const pfn = this.mapper.lookup(vpn);
      if (pfn < 0) return;
      const old = this.mapper.found.flags;
      this.mapper.unmap(vpn);
      this.protNone.set(vpn, pfn * FLAG_SPAN + (flags | (old & AD)));
      return;
    }
    this.mapper.protect(vpn, flags);
  }

  /**
   * {@link PageTable.setFlags} on every leaf of `[start, end)` (one range update in the mapper when no inaccessible
   * leaf is involved).
   */
  protectRange(start: number, end: number, flags: number): void {
    if (!(start < end)) return;
    if (this.protNone.size === 0 && (flags & ACCESS_BITS) !== 0) {
      this.mapper.protectRange(start, end, flags);
      return;
    }
    this.forEach(start, end, (vpn) => this.setFlags(vpn, flags));
  }

  /** Removes the leaf at `vpn` (its flush is queued); returns the frame it mapped, or {@link NOT_MAPPED}. */
  unmap(vpn: number): number {
    const r = this.mapper.unmap(vpn);
    if (r >= 0) return r;
    if (this.protNone.size !== 0) {
      const e = this.protNone.get(vpn);
      if (e !== undefined) {
        this.protNone.delete(vpn);
        return Math.floor(e / FLAG_SPAN);
      }
    }
    return NOT_MAPPED;
  }

  /**
   * Removes every leaf of `[start, end)` and hands each frame to `release` once the flush is dispatched (call
   * {@link PageTable.flush}). Linux `zap_page_range`.
   */
  zap(start: number, end: number, release: FrameRelease): void {
    if (start >= end) return;
    this.mapper.unmapRange(start, end, release);
    if (this.protNone.size !== 0) {
      for (const [vpn, e] of this.protNone) {
        if (vpn >= start && vpn < end) {
          this.protNone.delete(vpn);
          release(Math.floor(e / FLAG_SPAN));
        }
      }
    }
  }

  /**
   * Visits every leaf (present or inaccessible) with `start <= vpn < end`, ascending. The visitor may change the
   * leaf it is given (not others).
   */
  forEach(start: number, end: number, visit: PageVisitor): void {
    if (!(start < end)) return;
    if (this.protNone.size === 0) {
      this.mapper.visit(start, end, (vpn, pfn, _level, flags) => visit(vpn, pfn, flags));
      return;
    }
    // Merge the mapper's leaves with the inaccessible ones, in address order (cold: PROT_NONE pages exist).
    const all: number[] = [];
    this.mapper.visit(start, end, (vpn, pfn, _level, flags) => {
      all.push(vpn, pfn, flags);
    });
    for (const [vpn, e] of this.protNone) {
      if (vpn >= start && vpn < end) all.push(vpn, Math.floor(e / FLAG_SPAN), e % FLAG_SPAN);
    }
    const order = this.sorted;
    order.length = 0;
    for (let i = 0; i < all.length; i += 3) order.push(i);
    order.sort((a, b) => (all[a] as number) - (all[b] as number));
    for (const i of order) visit(all[i] as number, all[i + 1] as number, all[i + 2] as number);
    order.length = 0;
  }

  /**
   * Fork: copies every leaf of `src` in `[start, end)` into this (empty there) table, write-protecting both sides
   * unless `keepWrite` (the child's entries are made old, Linux `copy_present_pte`), and calls `onShared(pfn)` for
   * every copied leaf. The source's flushes are queued on its flusher. Returns false (nothing copied) when a table
   * frame cannot be allocated.
   */
  copyFrom(
    src: PageTable,
    start: number,
    end: number,
    keepWrite: boolean,
    onShared: (pfn: number) => void,
  ): boolean {
    if (!(start < end)) return true;
    const r = this.mapper.copyRangeForCow(src.mapper, start, end, (_vpn, pfn) => onShared(pfn), {
      keepWrite,
    });
    if (r < 0) return false;
    if (src.protNone.size !== 0) {
      for (const [vpn, e] of src.protNone) {
        if (vpn >= start && vpn < end) {
          this.protNone.set(vpn, e);
          onShared(Math.floor(e / FLAG_SPAN));
        }
      }
    }
    return true;
  }

  /**
   * mremap: moves the leaves of `[src, src + pages)` to `[dst, dst + pages)` (the data stays in its frames; the
   * old pages' flushes are queued). Returns false, changing nothing, when a table frame cannot be allocated.
   */
  move(src: number, dst: number, pages: number): boolean {
    if (pages <= 0) return true;
    if (this.mapper.moveRange(src, dst, pages) < 0) return false;
    if (this.protNone.size !== 0) {
      const moved: number[] = [];
      for (const [vpn, e] of this.protNone) if (vpn >= src && vpn < src + pages) moved.push(vpn, e);
      for (let i = 0; i < moved.length; i += 2) this.protNone.delete(moved[i] as number);
      for (let i = 0; i < moved.length; i += 2)
        this.protNone.set(dst + ((moved[i] as number) - src), moved[i + 1] as number);
    }
    return true;
  }

  /** Dispatches the queued TLB invalidations (and deferred frame releases); runs the stale-TLB detector. */
  flush(): void {
    this.mapper.flush();
  }

  /**
   * Tears the table down: every leaf's frame goes to `release` (after one full flush), then every table frame back
   * to the allocator. The table is unusable after.
   */
  destroy(release: FrameRelease): void {
    for (const e of this.protNone.values()) release(Math.floor(e / FLAG_SPAN));
    this.protNone.clear();
    this.mapper.destroy(release);
  }
}
