import { createRng } from '@pagewright/core';
import { assertContract } from '@pagewright/core/testing';
import { checkPageReplacementPolicy } from '@pagewright/reclaim/testing';
import { describe, expect, it } from 'vitest';
import {
  ArcPolicy,
  FifoPagePolicy,
  OptPolicy,
  PAGE_REPLACEMENT_POLICY_NAMES,
  type PageReplacementPolicy,
  resolvePageReplacementPolicy,
  simulateTrace,
  TwoListLruPolicy,
} from './index.js';

/** The classic trace of Bélády's anomaly. */
const BELADY = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5];

describe('every built-in policy passes the contract kit', () => {
  it.each(PAGE_REPLACEMENT_POLICY_NAMES)('%s', (name) => {
    assertContract(checkPageReplacementPolicy(name));
  });
  it('opt over a reference stream', () => {
    const r = createRng(3);
    const trace = Array.from({ length: 500 }, () => r.nextInt(40));
    assertContract(checkPageReplacementPolicy(() => new OptPolicy(trace), { name: 'opt' }));
  });
});

describe('the kit catches broken policies', () => {
  it('a policy that forgets to stop holding its victim, and one that ignores remove', () => {
    const leaky = () => {
      const p = new FifoPagePolicy();
      const victim = p.victim.bind(p);
      p.victim = (probe) => {
        const v = victim(probe);
        if (v >= 0) p.insert(v); // still held: size does not drop
        return v;
      };
      return p;
    };
    const failed = checkPageReplacementPolicy(leaky).failed.map((f) => f.rule);
    expect(failed).toContain('victim');
    const sticky = () => {
      const p = new FifoPagePolicy();
      p.remove = () => true;
      return p;
    };
    expect(checkPageReplacementPolicy(sticky).failed.map((f) => f.rule)).toContain('remove');
  });
  it('a policy whose victim loops on referenced pages fails victim-bounded', () => {
    const looping = (): PageReplacementPolicy => {
      const p = new FifoPagePolicy();
      const victim = p.victim.bind(p);
      p.victim = (probe) => {
        for (let i = 0; i < 10_000; i++) probe(0);
        return victim(probe);
      };
      return p;
    };
    expect(checkPageReplacementPolicy(looping, { only: ['victim-bounded'] }).failed).toHaveLength(1);
  });
});

describe('replacement decisions', () => {
  it('FIFO shows Bélády’s anomaly: 9 faults with 3 frames, 10 with 4', () => {
    expect(simulateTrace('fifo', BELADY, 3).misses).toBe(9);
    expect(simulateTrace('fifo', BELADY, 4).misses).toBe(10);
  });
  it('OPT gives the minimum: 7 faults with 3 frames and 6 with 4 on the same trace', () => {
    expect(simulateTrace(new OptPolicy(BELADY), BELADY, 3).misses).toBe(7);
    expect(simulateTrace(new OptPolicy(BELADY), BELADY, 4).misses).toBe(6);
  });
  it('OPT never faults more than any other policy on random traces', () => {
    const r = createRng(9);
    for (let t = 0; t < 5; t++) {
      const trace = Array.from({ length: 400 }, () => r.nextInt(12 + t * 4));
      for (const frames of [2, 5, 9]) {
        const opt = simulateTrace(new OptPolicy(trace), trace, frames).misses;
        for (const name of PAGE_REPLACEMENT_POLICY_NAMES)
          expect(simulateTrace(name, trace, frames).misses).toBeGreaterThanOrEqual(opt);
      }
    }
  });
  it('a loop one page larger than memory defeats FIFO and CLOCK (every reference misses); random does better', () => {
    const loop = Array.from({ length: 60 }, (_, i) => i % 6);
    expect(simulateTrace('fifo', loop, 5).misses).toBe(60);
    expect(simulateTrace('clock', loop, 5).misses).toBe(60);
    expect(simulateTrace('random', loop, 5).misses).toBeLessThan(60);
  });
  it('LRU and ARC keep a hot page that FIFO evicts; CLOCK and second chance lose it once', () => {
    // Page 0 is referenced between every two cold pages; 3 frames.
    const trace: number[] = [];
    for (let i = 1; i <= 30; i++) trace.push(0, i);
    const fifo = simulateTrace('fifo', trace, 3).misses;
    for (const name of ['lru', 'arc'] as const) {
      const m = simulateTrace(name, trace, 3).misses;
      expect(m, name).toBe(31); // page 0 misses once, every cold page once
      expect(m, name).toBeLessThan(fifo);
    }
    // CLOCK and second chance: every page's bit is set by its reference; once every bit is set the hand sweeps the
    // whole circle and takes the page under it, page 0, once.
    for (const name of ['clock', 'second-chance'] as const)
      expect(simulateTrace(name, trace, 3).misses).toBe(32);
  });
});

describe('two-list LRU (Linux folio_check_references, inactive_is_low)', () => {
  it('a page referenced once gets another trip round the inactive list; twice it is activated', () => {
    const lru = resolvePageReplacementPolicy('lru', { pages: 8, rng: createRng(1) }) as TwoListLruPolicy;
    lru.insert(0);
    lru.insert(1); // inactive: 1 0 (tail)
    const refs = new Map([[0, 1]]);
    const probe = (p: number) => {
      const n = refs.get(p) ?? 0;
      refs.delete(p);
      return n;
    };
    expect(lru.victim(probe)).toBe(1); // 0 was referenced: kept (PG_referenced), 1 is the next tail
    expect(lru.active).toBe(0);
    lru.insert(2); // inactive: 2 0 (tail)
    refs.set(0, 1);
    expect(lru.victim(probe)).toBe(2); // 0 referenced again with PG_referenced: activated
    expect(lru.active).toBe(1);
    expect(lru.victim(probe)).toBe(0); // only 0 left: the active list is deactivated first
  });
  it('two PTE references at once activate at the first look', () => {
    const lru = new TwoListLruPolicy();
    lru.attach({ pages: 4, rng: createRng(1) });
    lru.insert(0);
    lru.insert(1);
    expect(lru.victim((p) => (p === 0 ? 2 : 0))).toBe(1);
    expect(lru.active).toBe(1);
  });
  it('the inactive list is refilled from the active tail when it is smaller', () => {
    const lru = new TwoListLruPolicy();
    lru.attach({ pages: 16, rng: createRng(1) });
    for (let p = 0; p < 10; p++) {
      lru.insert(p);
      lru.touch(p);
      lru.touch(p); // folio_mark_accessed twice: activated
    }
    expect(lru.active).toBe(10);
    expect(lru.victim(() => 0)).toBe(0); // deactivated oldest first, then reclaimed
    expect(lru.inactive + lru.active).toBe(9);
  });
});

describe('ARC adapts its target', () => {
  it('a ghost hit in B1 grows the recency target', () => {
    const arc = new ArcPolicy();
    arc.attach({ pages: 16, rng: createRng(1) });
    for (let p = 0; p < 4; p++) arc.insert(p);
    expect(arc.victim(() => 0)).toBe(0); // evicted from T1 into B1
    expect(arc.target).toBe(0);
    arc.insert(0); // a miss on a page in B1
    expect(arc.target).toBe(1);
  });
});

describe('resolvePageReplacementPolicy', () => {
  const ctx = { pages: 4, rng: createRng(1) };
  it('refuses unknown names, classes and non-policies', () => {
    expect(() => resolvePageReplacementPolicy('opt', ctx)).toThrow(/opt needs a reference stream/);
    expect(() => resolvePageReplacementPolicy(ArcPolicy as never, ctx)).toThrow(/class is not a factory/);
    expect(() => resolvePageReplacementPolicy((() => ({ name: 'x' })) as never, ctx)).toThrow(
      /PageReplacementPolicy factory/,
    );
    expect(() => resolvePageReplacementPolicy(42 as never, ctx)).toThrow(RangeError);
  });
  it('attaches an instance and a factory’s product', () => {
    const p = new FifoPagePolicy();
    expect(resolvePageReplacementPolicy(p, ctx)).toBe(p);
    p.insert(3);
    expect(resolvePageReplacementPolicy(() => new ArcPolicy(), ctx).name).toBe('arc');
  });
});
