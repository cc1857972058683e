/**
 * `AsidAllocator`: address-space tags (RISC-V ASIDs, x86-64 PCIDs) with generations and rollover, as Linux's
 * `arch/riscv/mm/context.c` assigns ASIDs.
 *
 * @module
 */

import type { PagingArch } from '@pagewright/core';
import type { SwitchableHart } from './hart.js';
import type { MmContext } from './mm-context.js';

/** `findFree`'s answer when every ASID of the generation is in use (time for a rollover). */
const NO_FREE_ASID = -1;

/** How to build an {@link AsidAllocator}: give `arch`, `asidBits`, or both. */
export interface AsidAllocatorOptions {
  /**
   * The paging architecture: its `asidBits` is the tag width (16 for RISC-V ASIDs, 12 for x86-64 PCIDs) unless
   * `asidBits` narrows it.
   */
  arch?: Pick<PagingArch, 'name' | 'asidBits'> | undefined;
  /**
   * Implemented tag bits, 0..16 and at most `arch.asidBits` (RISC-V `satp.ASID` is WARL: a hart may implement fewer;
   * 0 on an x86 CPU without CR4.PCIDE). Default `arch.asidBits`.
   */
  asidBits?: number | undefined;
  /** Number of harts (ids `0 .. hartCount - 1`). */
  hartCount: number;
}

/** Anything with a root table and a paging architecture (a {@link PageMapper}). */
export interface AddressSpaceRoot {
  /** The root table's frame. */
  readonly rootPpn: number;
  /** The paging architecture the hart is switched to (RISC-V: the `satp.MODE` it names; x86-64: 4- or 5-level). */
  readonly arch: PagingArch;
}

/**
 * Assigns ASIDs to address spaces on activation, Linux-style (`arch/riscv/mm/context.c`), for any architecture with
 * address-space tags: the ASIDs are RISC-V `satp.ASID` values or x86-64 PCIDs, and a switch is
 * `MmuHart.switchAddressSpace` (a `satp` write, a CR3 load with the no-flush bit). (Linux x86 instead caches
 * six dynamic PCIDs per CPU, `arch/x86/mm/tlb.c`; the global-generation scheme here is RISC-V's, run over PCIDs.)
 *
 * - A context id is `generation + asid` where the generation is a multiple of `numAsids`. A context whose
 *   generation is current keeps its ASID; activation is then only a `satp` write (`set_mm_asid` fast path).
 * - When no ASID is free, a new generation starts (rollover, `__flush_context`): the bitmap is cleared except the
 *   ASIDs running on a hart now (kept as "reserved") and ASID 0; every hart must flush its whole TLB before its
 *   next activation (`context_tlb_flush_pending`); contexts of the old generation get an ASID again lazily, keeping
 *   their old number when it is free (`__new_context`).
 * - ASIDs are used only when there are more than twice as many as harts (Linux `asids_init`); otherwise every
 *   activation writes ASID 0 and flushes the local TLB (`set_mm_noasid`).
 *
 * Also maintains {@link MmContext.cpumask} (with ASIDs a hart stays in it after switching away; without, it leaves)
 * and performs the flushes recorded in {@link MmContext.deferredFlush} by an {@link InactiveFlusher}.
 */
export class AsidAllocator {
  /** The tag bits in use. */
  readonly asidBits: number;
  /** Number of ASIDs (`2^asidBits`). */
  readonly numAsids: number;
  /** True when ASIDs are in use (see the class comment). */
  readonly useAsids: boolean;
  /** Generations started after the first (ASID rollovers). */
  rollovers = 0;
  /** Whole-TLB flushes performed on activation (after rollovers, or without ASIDs). */
  localFullFlushes = 0;
  /** ASID flushes performed on activation for {@link MmContext.deferredFlush}. */
  deferredFlushes = 0;

  private generation: number;
  private readonly used: Uint8Array;
  private nextIndex = 1;
  private readonly active: number[];
  private readonly reserved: number[];
  private readonly flushPending: boolean[];
  private readonly current: (MmContext | null)[];
  private readonly isFlushPending = (hartId: number): boolean => this.flushPending[hartId] === true;

  /**
   * @throws RangeError when neither `arch` nor `asidBits` is given, `asidBits` is not an integer in 0..16 or exceeds
   *   `arch.asidBits`, or `hartCount` is not a positive integer
   */
  constructor(options: AsidAllocatorOptions) {
    const { arch, hartCount } = options;
    const asidBits = options.asidBits ?? arch?.asidBits;
    if (asidBits === undefined) throw new RangeError('AsidAllocator needs arch or asidBits');
    if (!Number.isInteger(asidBits) || asidBits < 0 || asidBits > 16)
      throw new RangeError(`asidBits must be 0..16, got ${asidBits}`);
    if (arch !== undefined && asidBits > arch.asidBits)
      throw new RangeError(`asidBits ${asidBits} exceeds the ${arch.asidBits} bits of ${arch.name}`);
    if (!Number.isInteger(hartCount) || hartCount < 1) throw new RangeError('hartCount must be ≥ 1');
    this.asidBits = asidBits;
    this.numAsids = 2 ** asidBits;
    this.useAsids = this.numAsids > 2 * hartCount;
    this.generation = this.numAsids;
    this.used = new Uint8Array(this.numAsids);
    this.used[0] = 1; // ASID 0 is used at boot (Linux reserves it)
    this.active = new Array<number>(hartCount).fill(0);
    this.reserved = new Array<number>(hartCount).fill(0);
    this.flushPending = new Array<boolean>(hartCount).fill(false);
    this.current = new Array<MmContext | null>(hartCount).fill(null);
  }

  /** The current generation (a multiple of `numAsids`). */
  get currentGeneration(): number {
    return this.generation;
  }

  /**
   * Switches `hart` to `space` (Linux `switch_mm` → `set_mm`): gives `ctx` a valid ASID, switches with
   * `hart.switchAddressSpace(space.arch, asid, space.rootPpn)` (which never flushes), then flushes what must be
   * flushed (after a rollover, without ASIDs, or a deferred flush recorded for this hart).
   * @throws RangeError for a hart id outside `0 .. hartCount - 1`, or when the hart refuses the switch (an
   *   architecture it does not run, a tag or root out of its range): the hart's bookkeeping is then unchanged, and
   *   `ctx` may have been given an ASID of the current generation
   */
  activate(hart: SwitchableHart, ctx: MmContext, space: AddressSpaceRoot): void {
    const h = hart.id;
    if (!(Number.isInteger(h) && h >= 0 && h < this.active.length))
      throw new RangeError(`hart id ${h} outside 0..${this.active.length - 1}`);
    ctx.flushPendingOn = this.isFlushPending;
    ctx.numAsids = this.numAsids;
    if (!this.useAsids) {
      ctx.id = 0;
      this.switchHart(hart, space, 0);
      const prev = this.current[h] ?? null;
      if (prev && prev !== ctx) prev.cpumask.delete(h);
      this.current[h] = ctx;
      ctx.cpumask.add(h);
      ctx.deferredFlush.delete(h);
      hart.tlb.flushAll(); // set_mm_noasid: local_flush_tlb_all()
      this.localFullFlushes++;
      return;
    }
    let id = ctx.id;
    const fast = this.active[h] !== 0 && this.generationOf(id) === this.generation;
    if (!fast && this.generationOf(id) !== this.generation) {
      id = this.newContext(ctx);
      ctx.id = id;
    }
    const asid = id % this.numAsids;
    this.switchHart(hart, space, asid);
    // The hart runs `ctx` now: only from here on is its bookkeeping changed.
    const needFlush = !fast && this.flushPending[h] === true;
    if (needFlush) this.flushPending[h] = false;
    this.active[h] = id;
    this.current[h] = ctx;
    ctx.cpumask.add(h);
    if (needFlush) {
      hart.tlb.flushAll();
      this.localFullFlushes++;
      ctx.deferredFlush.delete(h);
    } else if (ctx.deferredFlush.delete(h)) {
      hart.tlb.flushAsid(asid);
      this.deferredFlushes++;
    }
  }

  private generationOf(id: number): number {
    return id - (id % this.numAsids);
  }

  /** Linux `__new_context`. */
  private newContext(ctx: MmContext): number {
    const old = ctx.id;
    const n = this.numAsids;
    if (old !== 0) {
      const asid = old % n;
      const next = this.generation + asid;
      // If the ASID was running somewhere at rollover, it was reserved: keep it.
      let hit = false;
      for (let i = 0; i < this.reserved.length; i++) {
        if (this.reserved[i] === old) {
          this.reserved[i] = next;
          hit = true;
        }
      }
      if (hit) return next;
      // Keep the old number when it is still free in the new generation.
      if (this.used[asid] === 0) {
        this.used[asid] = 1;
        return next;
      }
    }
    let asid = this.findFree(this.nextIndex);
    if (asid === NO_FREE_ASID) {
      this.generation += n;
      this.rollovers++;
      this.flushContext();
      asid = this.findFree(1);
    }
    this.used[asid] = 1;
    this.nextIndex = asid;
    return this.generation + asid;
  }

  /** Linux `__flush_context`. */
  private flushContext(): void {
    this.used.fill(0);
    for (let i = 0; i < this.active.length; i++) {
      let id = this.active[i] as number;
      this.active[i] = 0;
      // A hart that switched after the previous rollover has active 0: keep what it runs (its reserved id).
      if (id === 0) id = this.reserved[i] as number;
      this.used[id % this.numAsids] = 1;
      this.reserved[i] = id;
    }
    this.used[0] = 1;
    this.flushPending.fill(true);
  }

  /** The first free ASID from `from` on, or {@link NO_FREE_ASID}. */
  private findFree(from: number): number {
    for (let a = from; a < this.numAsids; a++) if (this.used[a] === 0) return a;
    return NO_FREE_ASID;
  }

  /** `switch_mm`'s register write through `MmuHart.switchAddressSpace`. @throws RangeError when refused */
  private switchHart(hart: SwitchableHart, space: AddressSpaceRoot, asid: number): void {
    if (!hart.switchAddressSpace(space.arch, asid, space.rootPpn)) {
      throw new RangeError(
        `hart ${hart.id} refused to switch to ${space.arch.name} (asid ${asid}, root 0x${space.rootPpn.toString(16)})`,
      );
    }
  }
}
