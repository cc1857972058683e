/**
 * The TLB flush strategies a {@link Machine} offers, all built from `@pagewright/mapper`'s flushers:
 *
 * - `'shootdown'` (default; alias `'batched'`): {@link TlbShootdown} — page flushes are batched per operation and
 *   sent to every hart that runs the address space or may hold its ASID's entries, collapsing to one ASID flush past
 *   {@link FLUSH_CEILING} pages (Linux's `tlb_single_page_flush_ceiling`); IPIs are counted; frames are released only
 *   after every hart flushed.
 * - `'page'`: {@link PageFlush} on every hart — always one `sfence.vma va, asid` per changed page, never collapsed.
 * - `'full'` (alias `'asid'`): {@link PageFlushAll} on every hart — one `sfence.vma x0, asid` per operation that
 *   changed anything.
 *
 * @module
 */

import type { EventSink, TlbFlusher } from '@pagewright/core';
import {
  DeferredFrees,
  type MmContext,
  PageFlush,
  PageFlushAll,
  type PageMapper,
  type TlbHart,
  TlbShootdown,
} from '@pagewright/mapper';

/** A flush strategy name (see the module comment). */
export type FlushStrategy = 'shootdown' | 'page' | 'full';
/** Accepted names: the strategies and their former aliases (`'batched'` = shootdown, `'asid'` = full). */
export type FlushStrategyName = FlushStrategy | 'batched' | 'asid';

/** Pages per operation past which a shootdown flushes the whole ASID (Linux's ceiling, 33). */
export const FLUSH_CEILING = 33;

/** The strategy a name stands for, or undefined for an unknown name. */
export function resolveFlushStrategy(name: string): FlushStrategy | undefined {
  switch (name) {
    case 'shootdown':
    case 'batched':
      return 'shootdown';
    case 'page':
      return 'page';
    case 'full':
    case 'asid':
      return 'full';
    default:
      return undefined;
  }
}

/**
 * Sends every request to one single-hart flusher per hart; the deferred releases run once, after every hart
 * flushed.
 */
class EveryHartFlusher implements TlbFlusher {
  private readonly frees = new DeferredFrees();

  constructor(private readonly flushers: readonly TlbFlusher[]) {}

  get pending(): number {
    return (this.flushers[0] as TlbFlusher).pending;
  }

  flushPage(vpn: number): void {
    for (const f of this.flushers) f.flushPage(vpn);
  }

  flushAll(): void {
    for (const f of this.flushers) f.flushAll();
  }

  deferFree(pfn: number, release: (pfn: number) => void): void {
    this.frees.push(pfn, release);
  }

  dispatch(): void {
    for (const f of this.flushers) f.dispatch();
    this.frees.run();
  }
}

/** Where a flusher's shootdowns come from and go to. */
export interface FlusherTargets {
  /** Every hart of the machine. */
  harts: readonly TlbHart[];
  /** The hart editing the tables (no IPI to itself). */
  initiator: () => number;
  /** Receives `tlb.shootdown` events. */
  sink: EventSink;
}

/** Builds the flusher of one address space for `strategy`. */
export function createFlusher(
  strategy: FlushStrategy,
  mapper: PageMapper,
  context: MmContext,
  targets: FlusherTargets,
): TlbFlusher {
  if (strategy === 'shootdown') {
    return new TlbShootdown({
      harts: targets.harts,
      rootPpn: mapper.rootPpn,
      context,
      initiator: targets.initiator,
      threshold: FLUSH_CEILING,
      sink: targets.sink,
    });
  }
  const each = targets.harts.map((h) =>
    strategy === 'page' ? new PageFlush(h, { context }) : new PageFlushAll(h, { context }),
  );
  return each.length === 1 ? (each[0] as TlbFlusher) : new EveryHartFlusher(each);
}
