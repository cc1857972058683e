/**
 * `TlbShootdown`: a batched, multi-hart flusher that counts the IPIs it would send.
 *
 * @module
 */

import { type EventSink, NULL_SINK, type TlbFlusher } from '@pagewright/core';
import { DeferredFrees } from './deferred-frees.js';
import type { TlbHart } from './hart.js';
import type { MmContext } from './mm-context.js';

/**
 * Linux's `tlb_single_page_flush_ceiling` (`arch/x86/mm/tlb.c`, 33): a flush of more pages than this flushes the
 * whole space instead (`flush_tlb_mm_range` → `flush_tlb_func`). Asterinas's `FLUSH_ALL_PAGES_THRESHOLD` is the
 * same idea with 32.
 */
export const DEFAULT_FLUSH_THRESHOLD = 33;

/** How to build a {@link TlbShootdown}. */
export interface TlbShootdownOptions {
  /** Every hart of the machine (any core `MmuHart`s: RISC-V harts, x86-64 CPUs). */
  harts: readonly TlbHart[];
  /** The address space's root table: it is active on a hart whose `rootPpn` equals it. Ignored when `global`. */
  rootPpn?: number | undefined;
  /**
   * The address space's bookkeeping. With ASIDs, harts in `context.cpumask` that run something else now still
   * hold entries tagged with its ASID and are flushed too (Linux sends the IPI to all of `mm_cpumask`).
   */
  context?: MmContext | undefined;
  /** The hart that edits the tables (flushing it needs no IPI); a number or a getter. Default hart 0. */
  initiator?: number | (() => number) | undefined;
  /** Queued pages past which the whole ASID (or TLB) is flushed instead. Default {@link DEFAULT_FLUSH_THRESHOLD} (33). */
  threshold?: number | undefined;
  /**
   * True when the harts run with ASIDs (x86-64: PCIDs): a collapsed flush is `Tlb.flushAsid` (`sfence.vma x0,
   * asid`, INVPCID type 1). False: `flushAll` (Linux's `local_flush_tlb_all` without ASIDs). Default true.
   */
  asids?: boolean | undefined;
  /** Kernel (global) mappings: flush every hart in every tag, global entries included (RISC-V `rs2 = x0`). */
  global?: boolean | undefined;
  /** Receives a `tlb.shootdown` event per dispatch that flushed something. */
  sink?: EventSink | undefined;
}

/**
 * Flushes every hart on which the address space is active (or, with ASIDs, may hold entries), counting one
 * inter-processor interrupt per remote hart; batches page flushes and collapses them to one ASID flush (full
 * flush without ASIDs) past the threshold; releases deferred frames only after every hart has flushed
 * (Asterinas's `TlbFlusher`, DragonOS's `MmuGather`, Linux's `flush_tlb_mm_range` with `tlb_flush_ceiling`).
 *
 * @example
 * ```ts
 * import { Access, PteFlag } from '@pagewright/core';
 * import { BuddyFrameAllocator, SparsePhysicalMemory } from '@pagewright/frames';
 * import { AsidAllocator, MmContext, PageMapper, TlbShootdown } from '@pagewright/mapper';
 * import { Hart, Sv39 } from '@pagewright/sv39';
 *
 * const memory = new SparsePhysicalMemory({ size: 16 * 2 ** 20 });
 * const allocator = new BuddyFrameAllocator({ firstFrame: memory.baseFrame, frameCount: memory.frameCount });
 * const harts = [0, 1].map((id) => new Hart({ id, memory, arch: Sv39, privilege: 0 }));
 * const context = new MmContext();
 * const mapper = new PageMapper({ arch: Sv39, memory, allocator, context });
 * mapper.flusher = new TlbShootdown({ harts, rootPpn: mapper.rootPpn, context });
 * const asids = new AsidAllocator({ arch: Sv39, hartCount: 2 });
 * for (const h of harts) asids.activate(h, context, mapper);
 *
 * const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
 * mapper.map(0x10, URW);
 * harts[1].translate(0x10 * 4096, Access.Store); // hart 1 caches the translation
 * mapper.protect(0x10, URW & ~PteFlag.Write);
 * mapper.flush(); // shoots down hart 1's stale entry
 * console.log(harts[1].translate(0x10 * 4096, Access.Store) < 0); // true: a store page fault now
 * ```
 */
export class TlbShootdown implements TlbFlusher {
  /** Inter-processor interrupts that would have been sent. */
  ipis = 0;
  /** Per-page invalidations executed (summed over harts). */
  pageFlushes = 0;
  /** Per-ASID invalidations executed (summed over harts). */
  asidFlushes = 0;
  /** Whole-TLB invalidations executed (summed over harts). */
  fullFlushes = 0;
  /** Dispatches that flushed at least one hart. */
  shootdowns = 0;

  private readonly harts: readonly TlbHart[];
  private readonly context: MmContext | undefined;
  private readonly initiator: number | (() => number);
  private readonly threshold: number;
  private readonly asids: boolean;
  private readonly global: boolean;
  private readonly sink: EventSink;
  private readonly pages: number[] = [];
  private all = false;
  private readonly frees = new DeferredFrees();
  /** The address space's root table. */
  rootPpn: number;

  constructor(options: TlbShootdownOptions) {
    this.harts = options.harts;
    this.rootPpn = options.rootPpn ?? -1;
    this.context = options.context;
    this.initiator = options.initiator ?? 0;
    this.threshold = options.threshold ?? DEFAULT_FLUSH_THRESHOLD;
    this.asids = options.asids ?? true;
    this.global = options.global ?? false;
    this.sink = options.sink ?? NULL_SINK;
  }

  get pending(): number {
    return this.all ? 1 : this.pages.length;
  }

  flushPage(vpn: number): void {
    if (this.all) return;
    if (this.pages.length >= this.threshold) {
      this.all = true;
      this.pages.length = 0;
    } else this.pages.push(vpn);
  }

  flushAll(): void {
    this.all = true;
    this.pages.length = 0;
  }

  deferFree(pfn: number, release: (pfn: number) => void): void {
    this.frees.push(pfn, release);
  }

  dispatch(): void {
    const pageCount = this.pages.length;
    if (this.all || pageCount > 0) {
      const me = typeof this.initiator === 'number' ? this.initiator : this.initiator();
      const ctx = this.context;
      let targets = 0;
      let ipis = 0;
      let asidSeen = -1;
      for (const hart of this.harts) {
        let asid: number;
        if (this.global) asid = -1;
        else if (hart.rootPpn === this.rootPpn) asid = hart.asid;
        else if (this.asids && ctx && ctx.id !== 0 && ctx.mayHoldLiveEntries(hart.id)) asid = ctx.asid;
        else continue;
        targets++;
        if (hart.id !== me) ipis++;
        asidSeen = asid;
        this.flushHart(hart, asid);
      }
      this.ipis += ipis;
      if (targets > 0) this.shootdowns++;
      if (this.sink.enabled && targets > 0) {
        this.sink.emit('tlb.shootdown', {
          asid: asidSeen,
          harts: targets,
          ipis,
          pages: pageCount,
          full: this.all,
        });
      }
    }
    this.pages.length = 0;
    this.all = false;
    // Every target has flushed: only now may the frames be reused.
    this.frees.run();
  }

  private flushHart(hart: TlbHart, asid: number): void {
    const tlb = hart.tlb;
    if (this.all) {
      if (this.global || !this.asids) {
        tlb.flushAll();
        this.fullFlushes++;
      } else {
        tlb.flushAsid(asid);
        this.asidFlushes++;
      }
      return;
    }
    const pages = this.pages;
    const byAsid = this.asids && !this.global;
    for (let i = 0; i < pages.length; i++) {
      if (byAsid) tlb.flushVaAsid(pages[i] as number, asid);
      else tlb.flushVa(pages[i] as number);
    }
    this.pageFlushes += pages.length;
  }
}
