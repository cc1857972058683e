/**
 * `InactiveFlusher`: for an address space that runs on no hart.
 *
 * @module
 */

import type { TlbFlusher } from '@pagewright/core';
import { DeferredFrees } from './deferred-frees.js';
import type { MmContext } from './mm-context.js';

/**
 * A flusher for an address space active on no hart (DragonOS's `InactiveFlusher`): no TLB can be using its
 * translations now, so `dispatch` invalidates nothing and releases the deferred frames at once. With ASIDs,
 * harts it ran on may still hold entries tagged with its ASID: `dispatch` records them in
 * `context.deferredFlush`, and the {@link AsidAllocator} flushes that ASID on each of them before the address
 * space runs there again.
 *
 * Precondition: the address space is not active on any hart (the stale-TLB detector reports it otherwise).
 */
export class InactiveFlusher implements TlbFlusher {
  private queued = 0;
  private readonly frees = new DeferredFrees();
  /** Dispatches that recorded a deferred flush. */
  deferred = 0;

  /** @param context - the address space's bookkeeping (absent: nothing is recorded) */
  constructor(readonly context?: MmContext | undefined) {}

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
    const ctx = this.context;
    if (this.queued > 0 && ctx) {
      for (const h of ctx.cpumask) ctx.deferredFlush.add(h);
      this.deferred++;
    }
    this.queued = 0;
    this.frees.run();
  }
}
