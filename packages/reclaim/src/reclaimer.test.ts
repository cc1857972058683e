import { createRng } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import {
  Eviction,
  Reclaimer,
  type ReclaimHost,
  resolvePageReplacementPolicy,
  SWAP_CLUSTER_MAX,
  VmEvents,
} from './index.js';

/** A host of `pages` pages with free-frame accounting and a per-page eviction answer. */
function host(pages: number, free: number) {
  const state = {
    free,
    answer: new Map<number, number>(),
    referenced: new Set<number>(),
    evicted: [] as number[],
  };
  const h: ReclaimHost = {
    freeFrames: () => state.free,
    referenced: (p) => (state.referenced.delete(p) ? 1 : 0),
    evict(p) {
      const a = state.answer.get(p) ?? Eviction.Evicted;
      if (a === Eviction.Evicted) {
        state.evicted.push(p);
        state.free++;
      }
      return a;
    },
  };
  const events = new VmEvents();
  const policy = resolvePageReplacementPolicy('lru', { pages, rng: createRng(1) });
  const r = new Reclaimer(policy, { min: 10, low: 20, high: 30 }, events, h, pages);
  for (let p = 0; p < pages; p++) r.pageAdded(p);
  return { r, state, events, policy };
}

describe('Reclaimer', () => {
  it('kswapd does nothing above low, and reclaims to high below it', () => {
    const { r, state, events } = host(100, 25);
    expect(r.kswapd()).toBe(0);
    expect(events.get('kswapd_low_wmark_hit_quickly')).toBe(1);
    state.free = 5;
    expect(r.kswapd()).toBe(SWAP_CLUSTER_MAX); // one pass of at least a cluster reaches high (30)
    expect(state.free).toBeGreaterThanOrEqual(30);
    expect(events.get('pgsteal_kswapd')).toBe(SWAP_CLUSTER_MAX);
    expect(events.get('pgscan_kswapd')).toBeGreaterThanOrEqual(SWAP_CLUSTER_MAX);
  });

  it('direct reclaim takes one cluster and counts an allocation stall', () => {
    const { r, events } = host(100, 0);
    expect(r.direct()).toBe(SWAP_CLUSTER_MAX);
    expect(events.get('allocstall_normal')).toBe(1);
    expect(events.get('pgsteal_direct')).toBe(SWAP_CLUSTER_MAX);
  });

  it('unevictable pages are parked, then given back when a pass falls short; kept pages go back at once', () => {
    const { r, state, policy, events } = host(4, 0);
    state.answer.set(0, Eviction.Unevictable);
    state.answer.set(1, Eviction.Keep);
    expect(r.shrink(4, false)).toBe(2); // pages 2 and 3
    expect(events.get('unevictable_pgs_culled')).toBe(1);
    expect(events.get('unevictable_pgs_rescued')).toBe(1); // the pass fell short: page 0 is back
    expect(policy.size).toBe(2);
    expect(r.unevictablePages).toBe(0);
    state.answer.delete(0); // munlocked
    expect(r.shrink(4, false)).toBe(1);
    expect(state.evicted).toEqual([2, 3, 0]);
  });

  it('a full swap device stops the pass and keeps the page', () => {
    const { r, state, policy } = host(8, 0);
    state.answer.set(7, Eviction.NoSwap);
    state.answer.set(0, Eviction.NoSwap);
    const before = policy.size;
    const n = r.shrink(8, true);
    expect(policy.size).toBe(before - n);
    expect(n).toBeLessThan(8);
  });

  it('a page freed while parked or held leaves the reclaimer', () => {
    const { r, state, policy } = host(4, 0);
    state.answer.set(0, Eviction.Unevictable);
    state.answer.set(1, Eviction.Unevictable);
    state.answer.set(2, Eviction.Unevictable);
    state.answer.set(3, Eviction.Unevictable);
    r.shrink(1, false); // all four culled, then rescued
    r.pageFreed(2);
    expect(policy.size).toBe(3);
    expect(r.isUnevictable(2)).toBe(false);
  });
});
