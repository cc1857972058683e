import { createRng, NO_FRAME } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { BuddyFrameAllocator } from './buddy-allocator.js';
import { FailingAllocator } from './failing-allocator.js';

function make(): FailingAllocator {
  return new FailingAllocator(new BuddyFrameAllocator({ firstFrame: 0x80000, frameCount: 64 }));
}

/** An operation that allocates a few frames and gives all back when any allocation fails. */
function op(a: FailingAllocator): number[] | null {
  const got: number[] = [];
  for (const order of [0, 2, 0, 1]) {
    const p = a.allocContiguous(order);
    if (p === NO_FRAME) {
      got.forEach((q, i) => {
        a.free(q, [0, 2, 0, 1][i]);
      });
      return null;
    }
    got.push(p);
  }
  return got;
}

describe('FailingAllocator', () => {
  it('passes through while unarmed and counts every attempt', () => {
    const a = make();
    expect(a.name).toBe('failing(buddy)');
    expect(a.armed).toBe(false);
    const p = a.alloc();
    expect(p).not.toBe(NO_FRAME);
    expect(a.inner.isAllocated(p)).toBe(true);
    expect(a.allocContiguous(3)).not.toBe(NO_FRAME);
    expect(a.allocContiguous(40)).toBe(NO_FRAME);
    expect(a.allocations).toBe(3);
    expect(a.injectedFailures).toBe(0);
    expect(a.freeFrames).toBe(64 - 9);
  });

  it('fails exactly the n-th attempt after arming, once, without touching the inner allocator', () => {
    const a = make();
    a.alloc();
    a.failOnAllocation(3);
    expect(a.armed).toBe(true);
    expect(a.alloc()).not.toBe(NO_FRAME);
    expect(a.alloc()).not.toBe(NO_FRAME);
    const free = a.freeFrames;
    expect(a.alloc()).toBe(NO_FRAME);
    expect(a.freeFrames).toBe(free);
    expect(a.armed).toBe(false);
    expect(a.alloc()).not.toBe(NO_FRAME);
    expect(a.injectedFailures).toBe(1);
    expect(a.allocations).toBe(5);
  });

  it('supports the dry-run-then-fail-every-k pattern', () => {
    const dry = make();
    expect(op(dry)).not.toBeNull();
    const count = dry.allocations;
    expect(count).toBe(4);
    for (let k = 1; k <= count; k++) {
      const a = make();
      a.failOnAllocation(k);
      expect(op(a)).toBeNull();
      expect(a.freeFrames).toBe(64);
      expect(a.allocations).toBe(k);
    }
    const a = make();
    a.failOnAllocation(count + 1);
    expect(op(a)).not.toBeNull();
    expect(a.armed).toBe(true);
  });

  it('re-arms, disarms and resets counters', () => {
    const a = make();
    a.failOnAllocation(1);
    a.failOnAllocation(2);
    expect(a.alloc()).not.toBe(NO_FRAME);
    expect(a.alloc()).toBe(NO_FRAME);
    a.failOnAllocation(1);
    a.disarm();
    expect(a.alloc()).not.toBe(NO_FRAME);
    a.resetCounters();
    expect(a.allocations).toBe(0);
    expect(a.injectedFailures).toBe(0);
  });

  it('fails with a seeded probability, reproducibly', () => {
    const run = (seed: number) => {
      const a = make();
      a.failWithProbability(0.5, createRng(seed));
      const out: boolean[] = [];
      for (let i = 0; i < 40; i++) {
        const p = a.alloc();
        out.push(p === NO_FRAME);
        if (p !== NO_FRAME) a.free(p);
      }
      return { out, injected: a.injectedFailures };
    };
    const r1 = run(7);
    expect(run(7)).toEqual(r1);
    expect(r1.injected).toBe(r1.out.filter(Boolean).length);
    expect(r1.injected).toBeGreaterThan(5);
    expect(r1.injected).toBeLessThan(35);
    const never = make();
    never.failWithProbability(0, createRng(1));
    expect(never.armed).toBe(false);
    const always = make();
    always.failWithProbability(1, createRng(1));
    for (let i = 0; i < 10; i++) expect(always.alloc()).toBe(NO_FRAME);
    expect(always.freeFrames).toBe(64);
  });

  it('rejects bad arming arguments and passes bad frees through as typed errors', () => {
    const a = make();
    expect(() => a.failOnAllocation(0)).toThrow(RangeError);
    expect(() => a.failOnAllocation(1.5)).toThrow(RangeError);
    expect(() => a.failWithProbability(1.1, createRng(1))).toThrow(RangeError);
    expect(() => a.failWithProbability(Number.NaN, createRng(1))).toThrow(RangeError);
    expect(() => a.free(0x80000)).toThrow(/not-allocated/);
  });
});
