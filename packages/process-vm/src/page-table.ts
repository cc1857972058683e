/**
 * `PageTable`: one address space's page table as the process layer uses it — a thin adapter over
 * `@pagewright/mapper`'s {@link PageMapper} (every table edit, walk and teardown goes through it) with the
 * address space's {@link MmContext} (ASID bookkeeping) and its TLB flusher.
 *
 * What the adapter adds:
 * - process-layer conventions: {@link PageTable.lookup} answers {@link NOT_MAPPED} and puts the leaf's flags in
 *   {@link PageTable.lastFlags}; {@link PageTable.mapPhys} replaces whatever leaf is there; {@link PageTable.protect}
 *   is a no-op on an absent page;
 * - inaccessible leaves: a page kept by a `PROT_NONE` VMA keeps its frame but must fault on every access. Linux
 *   RISC-V stores it as a PTE with V = 0 and `_PAGE_PROT_NONE` (= `_PAGE_GLOBAL`, bit 5) holding the PPN
 *   (`arch/riscv/include/asm/pgtable-bits.h`); the mapper writes exactly that entry when given flags without
 *   R/W/X (`PagingArch.encodeProtNone`). The hardware faults on it (V = 0), while every query of this adapter
 *   (`lookup`, `visit`, `unmap`, fork copies, moves, teardown) sees it with its frame, as Linux's
 *   `pte_present()` does.
 *
 * TLB discipline: the mapper queues a flush for every change that may leave a stale entry; {@link PageTable.flush}
 * dispatches the queue (frames released by `unmapRange` go back only then) and runs the stale-TLB detector when enabled.
 * Tables are not freed when their last entry goes (`reclaimTables: false`), so replacing a leaf never needs a frame;
 * they are freed as Linux's `free_pgtables` frees them, by {@link PageTable.freeTables} when the VMAs of a range are
 * unmapped (only tables no remaining VMA can use), and all of them by {@link PageTable.destroy}.
 *
 * @module
 */

import type { FrameAllocator, MmuHart, PagingArch, PhysicalMemory, TlbFlusher } from '@pagewright/core';
import {
  type AsidAllocator,
  type FrameRelease,
  MapperError,
  MapperFailure,
  MmContext,
  PageMapper,
  type StaleTlbDetector,
} from '@pagewright/mapper';
import { SwapPtes, type SwapSlotRefs } from './swap-ptes.js';

/** Returned by {@link PageTable.lookup} for a page without a leaf. */
export const NOT_MAPPED = -1;

/** How to build a {@link PageTable}. */
export interface PageTableOptions {
  /** The paging architecture (it must encode inaccessible entries: `encodeProtNone`/`isProtNone`). */
  arch: PagingArch;
  /** Where tables live. */
  memory: PhysicalMemory;
  /** Where table frames come from. */
  allocator: FrameAllocator;
  /** Builds the address space's flusher once its root and context are known. */
  flusher: (mapper: PageMapper, context: MmContext) => TlbFlusher;
  /** Stale-TLB detector run after every flush (null: off). */
  detector: StaleTlbDetector | null;
  /** The swap slots the swap entries name (null or absent: no swap, the space never has swap entries). */
  swapSlots?: SwapSlotRefs | null | undefined;
}

const KEEP_WRITE = { keepWrite: true } as const;
const DROP_WRITE = { keepWrite: false } as const;

/** A visitor of {@link PageTable.visit}. */
export type PageVisitor = (vpn: number, pfn: number, flags: number) => void;

/**
 * A page table for one address space.
 *
 * Invariants: the root frame is allocated for the table's whole life (until {@link PageTable.destroy});
 * {@link PageTable.tableFrames} counts the table frames; a page is a present leaf, an inaccessible entry (flags
 * without R/W/X), or unmapped — all three in the mapper's tables.
 */
export class PageTable {
  /** The page mapper holding the tables. */
  readonly mapper: PageMapper;
  /** ASID bookkeeping of this address space (which harts may cache it, its generation-tagged ASID). */
  readonly context = new MmContext();
  /** The swap entries of pages swapped out (`swap-ptes.ts`), kept through zap, move, fork copy and teardown. */
  readonly swap = new SwapPtes();
  private readonly swapSlots: SwapSlotRefs | null;
  /** Flags of the leaf found by the last successful {@link PageTable.lookup}. */
  lastFlags = 0;

  /** @throws Error when not even the root frame can be allocated */
  constructor(options: PageTableOptions) {
    this.swapSlots = options.swapSlots ?? null;
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

  /**
   * Bytes of page tables below the root (Linux `mm_pgtables_bytes`: the PTE, PMD and PUD tables an address space
   * allocated; the top-level `pgd` is not counted). What `VmPTE` shows.
   */
  get tableBytes(): number {
    const n = this.mapper.tableFrames;
    return n > 0 ? (n - 1) * 4096 : 0;
  }

  /** Frame of the leaf mapping `vpn` (present or inaccessible), or {@link NOT_MAPPED}; flags go to `lastFlags`. */
  lookup(vpn: number): number {
    const pfn = this.mapper.lookup(vpn);
    if (pfn < 0) return NOT_MAPPED;
    this.lastFlags = this.mapper.found.flags;
    return pfn;
  }

  /**
   * Maps `vpn` to frame `pfn` with arch-neutral `flags`, replacing any leaf there (the caller accounts for the old
   * frame; its flush is queued). Flags without R/W/X make an inaccessible leaf. Returns false, changing nothing,
   * when a table frame cannot be allocated (`FrameAllocationFailed`, the one failure the fault handler answers:
   * `OOM_KILL`); any other mapper error is a bug of the caller and throws.
   */
  mapPhys(vpn: number, pfn: number, flags: number): boolean {
    let r = this.mapper.mapPhys(vpn, pfn, flags);
    if (r === MapperError.PageAlreadyMapped) {
      this.mapper.unmap(vpn); // queues the old leaf's flush; the table stays, so the next map cannot fail
      r = this.mapper.mapPhys(vpn, pfn, flags);
    }
    if (r >= 0) return true;
    if (r === MapperError.FrameAllocationFailed) return false;
    return this.bug();
  }

  /**
   * Replaces the rights of the leaf at `vpn`; an absent page is left alone (the mapper's `NotMapped`, expected
   * here). Accessed and Dirty are kept (they can be added, not removed: Linux `pte_modify`). Flags without R/W/X
   * make the leaf inaccessible, and back. Any other mapper error is a bug and throws.
   */
  protect(vpn: number, flags: number): void {
    const r = this.mapper.protect(vpn, flags);
    if (r < 0 && r !== MapperError.NotMapped) this.bug();
  }

  /** {@link PageTable.protect} on every leaf of `[start, end)`, in one range update of the mapper. */
  protectRange(start: number, end: number, flags: number): void {
    if (!(start < end)) return;
    if (this.mapper.protectRange(start, end, flags) < 0) this.bug();
  }

  /** A mapper error no caller of this adapter can cause with a valid space: a broken invariant. */
  private bug(): never {
    throw new MapperFailure(
      this.mapper.error.code || MapperError.InvalidArgument,
      this.mapper.error.vpn,
      this.mapper.describeError(),
    );
  }

  /** Removes the leaf at `vpn` (its flush is queued); returns the frame it mapped, or {@link NOT_MAPPED}. */
  unmap(vpn: number): number {
    const r = this.mapper.unmap(vpn);
    return r >= 0 ? r : NOT_MAPPED;
  }

  /**
   * Removes every leaf of `[start, end)` and hands each frame to `release` once the flush is dispatched (call
   * {@link PageTable.flush}). Linux `zap_page_range`.
   */
  unmapRange(start: number, end: number, release: FrameRelease): void {
    if (start >= end) return;
    if (this.mapper.unmapRange(start, end, release) < 0) this.bug();
    if (this.swapSlots !== null) this.swap.dropRange(start, end, this.swapSlots);
  }

  /**
   * Visits every leaf (present or inaccessible) with `start <= vpn < end`, ascending. The visitor may change the
   * leaf it is given (not others).
   */
  visit(start: number, end: number, visit: PageVisitor): void {
    if (!(start < end)) return;
    if (this.mapper.visit(start, end, (vpn, pfn, _level, flags) => visit(vpn, pfn, flags)) < 0) this.bug();
  }

  /**
   * Fork: copies every leaf (present or inaccessible) of `src` in `[start, end)` into this (empty there) table,
   * write-protecting both sides unless `keepWrite` (the child's entries are made old, Linux `copy_present_pte`),
   * and calls `onShared(vpn, pfn)` for every copied leaf; swap entries are copied too (`copy_nonpresent_pte`). The
   * source's flushes are queued on its flusher. Returns false (nothing copied) when a table frame cannot be
   * allocated.
   */
  copyRangeForCow(
    src: PageTable,
    start: number,
    end: number,
    keepWrite: boolean,
    onShared: (vpn: number, pfn: number) => void,
  ): boolean {
    if (!(start < end)) return true;
    const r = this.mapper.copyRangeForCow(
      src.mapper,
      start,
      end,
      onShared,
      keepWrite ? KEEP_WRITE : DROP_WRITE,
    );
    if (r === MapperError.FrameAllocationFailed) return false;
    if (r < 0) this.bug();
    if (this.swapSlots !== null) this.swap.copyRange(src.swap, start, end, this.swapSlots); // copy_nonpresent_pte
    return true;
  }

  /**
   * mremap: moves the leaves of `[src, src + pages)` to `[dst, dst + pages)` (the data stays in its frames; the
   * old pages' flushes are queued). Returns false, changing nothing, when a table frame cannot be allocated.
   */
  moveRange(src: number, dst: number, pages: number): boolean {
    if (pages <= 0) return true;
    const r = this.mapper.moveRange(src, dst, pages);
    if (r === MapperError.FrameAllocationFailed) return false;
    if (r < 0) this.bug();
    this.swap.moveRange(src, dst, pages);
    return true;
  }

  /**
   * Frees the page tables of `[start, end)` (pages whose leaves were zapped) that lie wholly inside
   * `[floor, ceiling)` — the end of the VMA below and the start of the VMA above (Linux `free_pgd_range`). The
   * frames go back after the whole-space flush that {@link PageTable.flush} dispatches. Never allocates.
   */
  freeTables(start: number, end: number, floor: number, ceiling: number): void {
    if (!(start < end)) return;
    this.mapper.freeTables(start, end, floor, ceiling);
  }

  /**
   * Makes `hart` translate for this table (Linux `switch_mm`): `asids` gives the space an ASID of the current
   * generation and the hart's satp / CR3 is written, unless the hart already translates for it.
   */
  activateOn(hart: MmuHart, asids: AsidAllocator): void {
    if (hart.rootPpn !== this.mapper.rootPpn || !hart.translating)
      asids.activate(hart, this.context, this.mapper);
  }

  /** Dispatches the queued TLB invalidations (and deferred frame releases); runs the stale-TLB detector. */
  flush(): void {
    this.mapper.flush();
  }

  /**
   * Tears the table down: every leaf's frame (present or inaccessible) goes to `release` (after one full flush),
   * then every table frame back to the allocator. The table is unusable after.
   */
  destroy(release: FrameRelease): void {
    this.mapper.destroy(release);
    if (this.swapSlots !== null) this.swap.dropAll(this.swapSlots);
  }
}
