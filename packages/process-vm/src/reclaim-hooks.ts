/**
 * `MachineReclaim`: a machine under memory pressure — the swap device, the replacement policy and the reclaim loop of
 * `@pagewright/reclaim`, wired to the machine's frames and page tables. Created by the `swap` option of `Machine`;
 * without it nothing here runs and faults cost nothing extra.
 *
 * - **LRU membership**: every data frame the machine hands out (`FrameOwners.alloc`) enters the policy
 *   (`folio_add_lru`) and leaves it when freed. Frames a reclaim pass cannot evict stay with the policy; frames of
 *   `VM_LOCKED` VMAs (mlock, `MAP_LOCKED`, `mlockall`) are parked on the unevictable list.
 * - **Reverse map**: a reclaim call walks every live page table once and keeps frame → (address space, page) for
 *   the call (kept exact as pages are evicted). Linux finds the mappings of an anonymous folio through its
 *   anon_vma's interval tree (`rmap_walk_anon`); the pages found are the same.
 * - **Ageing** (`folio_referenced`): for each mapping, the PTE's accessed bit is tested and cleared (the leaf is
 *   rewritten without A, and the TLB entry flushed, so the next access walks and sets A again).
 * - **Swap-out** (`shrink_folio_list`): a slot is allocated first (nothing changes when none is free), then every
 *   PTE of the frame becomes a swap entry naming the slot (`try_to_unmap`), each address space's TLBs are shot down
 *   (the stale-TLB detector runs there), the contents are written (`pswpout`; a page still in the swap cache, clean,
 *   is not written again), and the frame is freed.
 * - **Swap-in** is in `swap-fault.ts`; the swap cache keeps a swapped-in page (one frame reference) while swap
 *   entries still name its slot, so the processes that shared it before fork share the same frame again.
 * - **When**: a fault that finds free frames below the `low` watermark runs kswapd (to `high`) first; a fault that
 *   runs out of frames runs direct reclaim and retries, up to `MAX_RECLAIM_RETRIES` (16) passes without progress
 *   before the OOM path. `kswapd()` runs the background step on demand.
 *
 * @module
 */

import {
  createRng,
  type FrameAllocator,
  PAGE_SIZE,
  type PhysicalMemory,
  PteFlag,
  VM_LOCKED,
  VM_MAYSHARE,
} from '@pagewright/core';
import {
  checkWatermarks,
  Eviction,
  linuxWatermarks,
  NO_SLOT,
  type PageReplacementPolicy,
  type PageReplacementSpec,
  Reclaimer,
  type ReclaimHost,
  resolvePageReplacementPolicy,
  SwapDevice,
  VM_EVENT,
  type VmEvents,
  type Watermarks,
} from '@pagewright/reclaim';
import type { AddressSpace, FaultResult } from './address-space.js';
import { accountFault } from './fault-stats.js';
import type { FrameLru, FrameOwners } from './frame-owners.js';
import { NOT_MAPPED } from './page-table.js';
import { OOM_KILL } from './signals.js';
import type { SwapSlotRefs } from './swap-ptes.js';

/** Linux `MAX_RECLAIM_RETRIES` (mm/internal.h): reclaim passes without progress before the OOM killer. */
export const MAX_RECLAIM_RETRIES = 16;

/** The `swap` option of `Machine`. */
export interface SwapOptions {
  /** Size of the swap device in bytes (a multiple of 4096; 0 is a device without slots). */
  bytes: number;
  /**
   * The page-replacement policy (default `'lru'`, Linux's two-list LRU): a name of `PAGE_REPLACEMENT_POLICIES`
   * (`lru`, `fifo`, `clock`, `second-chance`, `random`, `arc`), a policy, or a factory given
   * `{ pages, rng }` (page ids are frame indices in RAM).
   */
  policy?: PageReplacementSpec | undefined;
  /** The watermarks in frames (default Linux's for the machine's RAM, `linuxWatermarks`). */
  watermarks?: Watermarks | undefined;
  /**
   * `'inline'` (default): a fault that finds free frames below `low` runs kswapd first; `'manual'`: kswapd runs only
   * when `machine.reclaim.kswapd()` is called (direct reclaim still runs for a failing allocation).
   */
  kswapd?: 'inline' | 'manual' | undefined;
}

/** What reclaim needs of its machine. */
export interface ReclaimMachine {
  readonly memory: PhysicalMemory;
  readonly allocator: FrameAllocator;
  readonly refs: FrameOwners;
  readonly processes: ReadonlyMap<number, { readonly vm: AddressSpace }>;
  readonly seed: number;
  /** The machine's `/proc/vmstat` counters (reclaim adds to them). */
  readonly vmstat: VmEvents;
}

/**
 * Reclaim and swap of one machine.
 *
 * Invariants (checked by `checkInvariants`): every swap entry lies in a VMA of its space over an empty PTE; each
 * slot's count equals the swap entries naming it; a frame in the swap cache holds one reference for the cache and
 * its slot is still named.
 */
export class MachineReclaim implements ReclaimHost, SwapSlotRefs, FrameLru {
  /** The swap device. */
  readonly swap: SwapDevice;
  /** `/proc/vmstat` counters of faults, reclaim and swap (the machine's `vmstat`). */
  readonly events: VmEvents;
  /** The replacement policy (attached to the machine's frames). */
  readonly policy: PageReplacementPolicy;
  /** The watermarks, in frames. */
  readonly watermarks: Watermarks;
  /** The reclaim loop. */
  readonly reclaimer: Reclaimer;
  /** Whether a fault below `low` runs kswapd first. */
  readonly inlineKswapd: boolean;
  private readonly firstFrame: number;
  /** Per frame (index in RAM): the swap slot of the swap-cache page it holds, or -1. */
  private readonly cacheSlots: Int32Array;
  private rmap: Map<number, number[]> | null = null;
  /** kswapd runs in a row that reclaimed nothing (Linux `pgdat->kswapd_failures`): from 16 on it sleeps. */
  private kswapdFailures = 0;
  private spaces: AddressSpace[] = [];

  /** @throws RangeError for a bad option, naming it */
  constructor(
    private readonly m: ReclaimMachine,
    options: SwapOptions,
  ) {
    const bytes = options.bytes;
    if (!(Number.isInteger(bytes) && bytes >= 0 && bytes % PAGE_SIZE === 0 && bytes / PAGE_SIZE < 2 ** 31))
      throw new RangeError(`swap.bytes must be a non-negative multiple of 4096, got ${String(bytes)}`);
    const frames = m.allocator.totalFrames;
    this.firstFrame = m.allocator.firstFrame;
    this.events = m.vmstat;
    this.swap = new SwapDevice({ slots: bytes / PAGE_SIZE });
    this.watermarks = checkWatermarks(options.watermarks ?? linuxWatermarks(frames), frames);
    const kswapd = options.kswapd ?? 'inline';
    if (kswapd !== 'inline' && kswapd !== 'manual')
      throw new RangeError(`swap.kswapd must be "inline" or "manual", got ${String(kswapd)}`);
    this.inlineKswapd = kswapd === 'inline';
    this.policy = resolvePageReplacementPolicy(options.policy ?? 'lru', {
      pages: frames,
      rng: createRng(m.seed ^ 0x3c3c3c3c),
    });
    this.cacheSlots = new Int32Array(frames).fill(-1);
    this.reclaimer = new Reclaimer(this.policy, this.watermarks, this.events, this, frames);
  }

  /** Frames in the swap cache (`SwapCached`). */
  get swapCachePages(): number {
    let n = 0;
    for (let i = 0; i < this.cacheSlots.length; i++) if ((this.cacheSlots[i] as number) >= 0) n++;
    return n;
  }

  // ---- FrameLru: the frame pool's hooks ---------------------------------------------------------------------------

  /** A data frame was handed out. @internal */
  added(pfn: number): void {
    this.reclaimer.pageAdded(pfn - this.firstFrame);
  }

  /** A data frame was freed. @internal */
  freed(pfn: number): void {
    this.reclaimer.pageFreed(pfn - this.firstFrame);
  }

  // ---- SwapSlotRefs: the page tables' hooks -----------------------------------------------------------------------

  /** A fork copied a swap entry. @internal */
  dup(slot: number): void {
    this.swap.dup(slot);
  }

  /** A swap entry was dropped (zap, exit); the last one frees the slot and its swap-cache page. @internal */
  put(slot: number): void {
    if (this.swap.put(slot) === 0) {
      const pfn = this.swap.cacheFrame(slot);
      if (pfn !== NO_SLOT) this.dropCache(slot, pfn);
    }
  }

  // ---- the swap cache (swap-fault.ts) -----------------------------------------------------------------------------

  /** The swap-cache frame of `slot`, or -1. @internal */
  cachedFrame(slot: number): number {
    return this.swap.cacheFrame(slot);
  }

  /** Frame `pfn` (whose one reference becomes the cache's) now holds `slot`'s page. @internal */
  addToCache(slot: number, pfn: number): void {
    this.swap.setCache(slot, pfn);
    this.cacheSlots[pfn - this.firstFrame] = slot;
  }

  /** `slot` leaves the swap cache and its frame loses the cache's reference. @internal */
  dropCache(slot: number, pfn: number): void {
    this.cacheSlots[pfn - this.firstFrame] = -1;
    this.swap.uncache(slot);
    this.m.refs.put(pfn);
  }

  // ---- entry points -------------------------------------------------------------------------------------------------

  /**
   * kswapd's step: when free frames are below `low`, reclaims until `high`. Returns the pages reclaimed. After 16
   * runs in a row that reclaimed nothing, the faults stop waking it until some reclaim succeeds again (Linux
   * `kswapd_failures` against `MAX_RECLAIM_RETRIES`); a direct call always runs.
   */
  kswapd(): number {
    const n = this.withReverseMap(() => this.reclaimer.kswapd());
    if (n > 0) this.kswapdFailures = 0;
    else if (this.m.allocator.freeFrames < this.watermarks.low) this.kswapdFailures++;
    return n;
  }

  /**
   * Evicts every page that can be evicted (passes until one evicts nothing; referenced pages go on a later pass
   * once their accessed bits were cleared), as writing to a cgroup's `memory.reclaim` does. Returns the pages
   * reclaimed.
   */
  reclaimAll(): number {
    return this.withReverseMap(() => {
      let total = 0;
      for (let n = -1; n !== 0; total += n) n = this.reclaimer.shrink(this.policy.size, false);
      return total;
    });
  }

  /**
   * Ages every resident data page once: tests and clears the accessed bits of all its PTEs through the reverse map
   * (`folio_referenced`, what one scan of the whole LRU does). Returns the pages that had been referenced.
   */
  age(): number {
    return this.withReverseMap(() => {
      let young = 0;
      for (const pfn of [...(this.rmap as Map<number, number[]>).keys()])
        if (this.referenced(pfn - this.firstFrame) > 0) young++;
      return young;
    });
  }

  /** Direct reclaim (one batch); returns the pages reclaimed. */
  directReclaim(): number {
    const n = this.withReverseMap(() => this.reclaimer.direct());
    if (n > 0) this.kswapdFailures = 0;
    return n;
  }

  /**
   * The fault path with reclaim (`handle_mm_fault` counting `pgfault`, the allocator's slow path): kswapd below
   * `low`, then the fault; a fault out of frames is retried after direct reclaim while reclaim makes progress.
   * @internal
   */
  fault(as: AddressSpace, vpn: number, access: number): FaultResult {
    const majors = this.events.counts[VM_EVENT.pgmajfault] as number;
    if (
      this.inlineKswapd &&
      this.kswapdFailures < MAX_RECLAIM_RETRIES &&
      this.m.allocator.freeFrames < this.watermarks.low
    )
      this.kswapd();
    let r = as.faultPageOnce(vpn, access);
    for (let retry = 0; r === OOM_KILL && retry < MAX_RECLAIM_RETRIES; retry++) {
      if (this.directReclaim() === 0) break;
      r = as.faultPageOnce(vpn, access);
    }
    accountFault(this.events, as.faults, r, (this.events.counts[VM_EVENT.pgmajfault] as number) > majors);
    return r;
  }

  // ---- ReclaimHost --------------------------------------------------------------------------------------------------

  /** @internal */
  freeFrames(): number {
    return this.m.allocator.freeFrames;
  }

  /** `folio_referenced`: tests and clears the accessed bit of every PTE mapping the page. @internal */
  referenced(page: number): number {
    const pfn = this.firstFrame + page;
    const list = this.rmap?.get(pfn);
    if (list === undefined) return 0;
    let young = 0;
    for (let i = 0; i < list.length; i += 2) {
      const pt = (this.spaces[list[i] as number] as AddressSpace).pageTable;
      const vpn = list[i + 1] as number;
      if (pt.lookup(vpn) !== pfn) continue;
      const flags = pt.lastFlags;
      if ((flags & PteFlag.Accessed) === 0) continue;
      pt.mapPhys(vpn, pfn, flags & ~PteFlag.Accessed); // ptep_clear_flush_young: the leaf without A, flushed
      pt.flush();
      young++;
    }
    return young;
  }

  /** `shrink_folio_list` for one page: unmap it everywhere into swap entries, write it, free it. @internal */
  evict(page: number): number {
    const pfn = this.firstFrame + page;
    const refs = this.m.refs;
    const list = this.rmap?.get(pfn) ?? [];
    const cached = this.cacheSlots[page] as number;
    const holders = list.length / 2 + (cached >= 0 ? 1 : 0);
    if (holders === 0 || refs.count(pfn) !== holders) return Eviction.Keep; // a shared object or the kernel holds it
    const spaces: AddressSpace[] = [];
    for (let i = 0; i < list.length; i += 2) {
      const as = this.spaces[list[i] as number] as AddressSpace;
      const vpn = list[i + 1] as number;
      const vma = as.vmas.find(vpn);
      if (vma === undefined || as.pageTable.lookup(vpn) !== pfn) return Eviction.Keep;
      if (vma.flags & VM_LOCKED) return Eviction.Unevictable;
      if (vma.flags & VM_MAYSHARE) return Eviction.Keep;
      if (!spaces.includes(as)) spaces.push(as);
    }
    let slot = cached;
    if (slot < 0) {
      slot = this.swap.alloc(pfn);
      if (slot === NO_SLOT) return Eviction.NoSwap;
    }
    // try_to_unmap: every PTE becomes a swap entry naming the slot; then the TLBs of every space, before the frame
    // can be reused.
    for (let i = 0; i < list.length; i += 2) {
      const as = this.spaces[list[i] as number] as AddressSpace;
      const vpn = list[i + 1] as number;
      as.pageTable.unmap(vpn);
      as.pageTable.swap.set(vpn, slot);
      this.swap.dup(slot);
    }
    for (const as of spaces) as.pageTable.flush();
    if (cached < 0) {
      this.swap.write(slot, this.m.memory, pfn); // pageout
      this.events.add('pswpout');
    }
    // __remove_mapping: the page leaves the swap cache; the PTEs' references (and the cache's) go.
    this.cacheSlots[page] = -1;
    this.swap.uncache(slot);
    this.m.memory.zeroFrame(pfn); // its host bytes go now
    for (let k = 0; k < holders; k++) refs.put(pfn);
    this.rmap?.delete(pfn);
    return Eviction.Evicted;
  }

  // ---- checks -------------------------------------------------------------------------------------------------------

  /**
   * Adds the swap cache's references to `expected` (frame → owners) and returns what is wrong with the swap
   * entries, the slots' counts and the swap cache. @internal
   */
  violations(expected: Map<number, number>): string[] {
    const out: string[] = [];
    for (let page = 0; page < this.cacheSlots.length; page++) {
      const slot = this.cacheSlots[page] as number;
      if (slot < 0) continue;
      const pfn = this.firstFrame + page;
      expected.set(pfn, (expected.get(pfn) ?? 0) + 1);
      if (this.swap.cacheFrame(slot) !== pfn)
        out.push(`frame ${pfn} is in the swap cache of slot ${slot}, which names another`);
      if (this.swap.count(slot) === 0) out.push(`swap-cache slot ${slot} is named by no swap entry`);
    }
    const named = new Map<number, number>();
    for (const p of this.m.processes.values()) {
      const as = p.vm;
      for (const [vpn, slot] of as.pageTable.swap.all()) {
        named.set(slot, (named.get(slot) ?? 0) + 1);
        if (as.vmas.find(vpn) === undefined)
          out.push(`swap entry of page 0x${vpn.toString(16)} outside every VMA`);
        if (as.pageTable.lookup(vpn) !== NOT_MAPPED)
          out.push(`page 0x${vpn.toString(16)} has both a PTE and a swap entry`);
      }
    }
    for (const [slot, n] of named)
      if (this.swap.count(slot) !== n)
        out.push(`swap slot ${slot}: count ${this.swap.count(slot)}, ${n} swap entries`);
    if (this.swap.used !== named.size) out.push(`${this.swap.used} swap slots in use, ${named.size} named`);
    return out;
  }

  /** Runs `f` with the reverse map of every live page table (built once for the call). */
  private withReverseMap(f: () => number): number {
    if (this.rmap !== null) return 0; // reclaim does not recurse
    const rmap = new Map<number, number[]>();
    const spaces: AddressSpace[] = [];
    const refs = this.m.refs;
    for (const p of this.m.processes.values()) {
      const as = p.vm;
      if (as.destroyed || spaces.includes(as)) continue;
      const k = spaces.length;
      spaces.push(as);
      as.pageTable.visit(0, as.limits.taskSize / PAGE_SIZE, (vpn, pfn) => {
        if (pfn === refs.zeroPfn || refs.count(pfn) === 0) return; // the zero page, page-cache pages
        const list = rmap.get(pfn);
        if (list === undefined) rmap.set(pfn, [k, vpn]);
        else list.push(k, vpn);
      });
    }
    this.rmap = rmap;
    this.spaces = spaces;
    try {
      return f();
    } finally {
      this.rmap = null;
      this.spaces = [];
    }
  }
}
