/**
 * The TLB flush strategies a {@link Machine} offers, all built from `@pagewright/mapper`'s flushers:
 *
 * - `'shootdown'` (default): {@link TlbShootdown} — page flushes are batched per operation and
 *   sent to every hart that runs the address space or may hold its ASID's entries, collapsing to one ASID flush past
 *   {@link FLUSH_CEILING} pages (Linux's `tlb_single_page_flush_ceiling`); IPIs are counted; frames are released only
 *   after every hart flushed.
 * - `'page'`: {@link PageFlush} on every hart — always one `sfence.vma va, asid` per changed page, never collapsed.
 * - `'full'`: {@link PageFlushAll} on every hart — one `sfence.vma x0, asid` per operation that
 *   changed anything.
 * - a factory `(context: FlusherContext) => TlbFlusher` of the user's own flusher, called once per address space.
 *
 * @module
 */

import { type EventSink, isClassConstructor, type TlbFlusher } from '@pagewright/core';
import {
  DEFAULT_FLUSH_THRESHOLD,
  DeferredFrees,
  type MmContext,
  PageFlush,
  PageFlushAll,
  type PageMapper,
  type TlbHart,
  TlbShootdown,
} from '@pagewright/mapper';

/** A built-in flush strategy (see the module comment). */
export type FlushStrategy = 'shootdown' | 'page' | 'full';
/** The built-in flush strategies, in the order reports list them. */
export const FLUSH_STRATEGIES: readonly FlushStrategy[] = Object.freeze(['shootdown', 'page', 'full']);

/** Pages per operation past which a shootdown flushes the whole ASID: the mapper's, Linux's ceiling (33). */
export const FLUSH_CEILING = DEFAULT_FLUSH_THRESHOLD;

/** What a flusher factory receives: the address space's mapper and MM context, and every hart of the machine. */
export interface FlusherContext {
  /** The page mapper whose changes the flusher invalidates. */
  readonly mapper: PageMapper;
  /** The address space's ASID bookkeeping (generation, the harts that may cache its entries). */
  readonly context: MmContext;
  /** Every hart of the machine. */
  readonly harts: readonly TlbHart[];
  /** The hart editing the tables (no IPI to itself). */
  readonly initiator: () => number;
  /** Where events go. */
  readonly sink: EventSink;
}

/** How the `flush` option names the strategy: a built-in name, or a factory of one flusher per address space. */
export type FlushStrategySpec = FlushStrategy | ((context: FlusherContext) => TlbFlusher);

/** The strategy a name stands for, or undefined for an unknown name. */
export function resolveFlushStrategy(name: string): FlushStrategy | undefined {
  return (FLUSH_STRATEGIES as readonly string[]).includes(name) ? (name as FlushStrategy) : undefined;
}

/**
 * Checks a `flush` option: a built-in name or a factory.
 *
 * @throws RangeError for an unknown name or a class (pass `(ctx) => new MyFlusher(…)`)
 */
export function resolveFlushStrategySpec(spec: FlushStrategySpec): FlushStrategySpec {
  if (typeof spec === 'string') {
    if (resolveFlushStrategy(spec) === undefined)
      throw new RangeError(
        `unknown flush strategy "${spec}"; known: ${FLUSH_STRATEGIES.map((n) => `"${n}"`).join(', ')}`,
      );
    return spec;
  }
  if (typeof spec !== 'function' || isClassConstructor(spec))
    throw new RangeError('a flush strategy is "shootdown", "page", "full" or a factory (ctx) => TlbFlusher');
  return spec;
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

/** Builds the flusher of one address space for `strategy` (a built-in name or the user's factory). */
export function createFlusher(
  strategy: FlushStrategySpec,
  mapper: PageMapper,
  context: MmContext,
  targets: FlusherTargets,
): TlbFlusher {
  if (typeof strategy === 'function') return strategy({ mapper, context, ...targets });
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
