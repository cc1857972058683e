/**
 * `PageFlush` and `PageFlushAll`: flushers for an address space that runs on one hart.
 *
 * @module
 */

import type { TlbFlusher } from '@pagewright/core';
import { DeferredFrees } from './deferred-frees.js';
import type { TlbHart } from './hart.js';
import type { MmContext } from './mm-context.js';

/** Options shared by {@link PageFlush} and {@link PageFlushAll}. */
export interface LocalFlushOptions {
  /** The address space's bookkeeping: its ASID is used instead of the hart's current one. */
  context?: MmContext | undefined;
  /**
   * Kernel (global) mappings: flush every tag so global entries go too — `Tlb.flushVa` / `flushAll` (RISC-V
   * `sfence.vma va, x0` / `sfence.vma x0, x0`, the privileged spec's "G anywhere on the path → rs2 = x0"; x86-64
   * INVLPG / INVPCID type 2).
   */
  global?: boolean | undefined;
}

/**
 * Flushes each queued page on one hart (`Tlb.flushVaAsid`: RISC-V `sfence.vma va, asid`, x86-64 INVPCID type 0),
 * DragonOS's `PageFlush`; a queued full flush becomes `flushAsid` (`sfence.vma x0, asid`, INVPCID type 1). For a
 * uniprocessor, or an address space that runs only on `hart`. `hart` is any core `MmuHart` ({@link TlbHart}).
 */
export class PageFlush implements TlbFlusher {
  private readonly pages: number[] = [];
  private all = false;
  private readonly frees = new DeferredFrees();
  private readonly context: MmContext | undefined;
  private readonly global: boolean;
  /** Per-page invalidations performed. */
  pageFlushes = 0;
  /** ASID (or full, when global) invalidations performed. */
  fullFlushes = 0;

  /** @param hart - the hart whose TLB is flushed */
  constructor(
    readonly hart: TlbHart,
    options: LocalFlushOptions = {},
  ) {
    this.context = options.context;
    this.global = options.global ?? false;
  }

  get pending(): number {
    return this.all ? 1 : this.pages.length;
  }

  flushPage(vpn: number): void {
    if (!this.all) this.pages.push(vpn);
  }

  flushAll(): void {
    this.all = true;
    this.pages.length = 0;
  }

  deferFree(pfn: number, release: (pfn: number) => void): void {
    this.frees.push(pfn, release);
  }

  dispatch(): void {
    const tlb = this.hart.tlb;
    const asid = this.context && this.context.id !== 0 ? this.context.asid : this.hart.asid;
    if (this.all) {
      if (this.global) tlb.flushAll();
      else tlb.flushAsid(asid);
      this.fullFlushes++;
    } else {
      const pages = this.pages;
      for (let i = 0; i < pages.length; i++) {
        if (this.global) tlb.flushVa(pages[i] as number);
        else tlb.flushVaAsid(pages[i] as number, asid);
      }
      this.pageFlushes += pages.length;
    }
    this.pages.length = 0;
    this.all = false;
    this.frees.run();
  }
}

/**
 * Flushes the whole address space on one hart at `dispatch` when anything was queued (DragonOS's `PageFlushAll`):
 * `Tlb.flushAsid` (RISC-V `sfence.vma x0, asid`, x86-64 INVPCID type 1), or `flushAll` for global mappings
 * (`sfence.vma x0, x0`, INVPCID type 2).
 */
export class PageFlushAll implements TlbFlusher {
  private queued = 0;
  private readonly frees = new DeferredFrees();
  private readonly context: MmContext | undefined;
  private readonly global: boolean;
  /** Whole-address-space invalidations performed. */
  fullFlushes = 0;

  /** @param hart - the hart whose TLB is flushed */
  constructor(
    readonly hart: TlbHart,
    options: LocalFlushOptions = {},
  ) {
    this.context = options.context;
    this.global = options.global ?? false;
  }

  get pending(): number {
    return this.queued;
  }

  flushPage(_vpn: number): void {
    this.queued++;
  }

  flushAll(): void {
    this.queued++;
  }

  deferFree(pfn: number, release: (pfn: number) => void): void {
    this.frees.push(pfn, release);
  }

  dispatch(): void {
    if (this.queued > 0) {
      const tlb = this.hart.tlb;
      if (this.global) tlb.flushAll();
      else tlb.flushAsid(this.context && this.context.id !== 0 ? this.context.asid : this.hart.asid);
      this.fullFlushes++;
    }
    this.queued = 0;
    this.frees.run();
  }
}
