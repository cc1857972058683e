/**
 * Fault injection for frame allocation: {@link FailingAllocator}.
 *
 * @module
 */

import { type FrameAllocator, NO_FRAME, type Rng } from '@pagewright/core';

/**
 * Wraps any {@link FrameAllocator} and makes chosen allocations fail (return {@link NO_FRAME}) although frames are
 * free, to test that every caller survives exhaustion at every point.
 *
 * Two modes, one at a time (arming one disarms the other):
 * - {@link failOnAllocation}`(n)`: the n-th allocation attempt after arming fails (1 = the very next), once; then the
 *   wrapper is disarmed. The whole-stack pattern: run an operation once unarmed and read how many allocations it
 *   made from {@link allocations}, then for every `k` in `1..count` rebuild, arm `failOnAllocation(k)` and check the
 *   operation fails cleanly (right errno, no leaked frame, state unchanged).
 * - {@link failWithProbability}`(p, rng)`: every attempt fails with probability `p`, drawn from a seeded {@link Rng}
 *   so a run is reproducible.
 *
 * `alloc` and `allocContiguous` both count as allocation attempts, whether they succeed, fail by injection or fail
 * because the inner allocator is exhausted. `free` and `isAllocated` pass straight through (frees are never
 * injected: a caller cannot recover from a failed free). An injected failure leaves the inner allocator untouched.
 */
export class FailingAllocator implements FrameAllocator {
  readonly name: string;
  /** The wrapped allocator. */
  readonly inner: FrameAllocator;

  private attempts = 0;
  private injected = 0;
  /** Attempts left before the armed failure (1 = the next attempt fails); 0 when not armed that way. */
  private countdown = 0;
  private probability = 0;
  private rng: Rng | undefined;

  /** @param inner - the allocator that really hands out frames */
  constructor(inner: FrameAllocator) {
    this.inner = inner;
    this.name = `failing(${inner.name})`;
  }

  get firstFrame(): number {
    return this.inner.firstFrame;
  }
  get totalFrames(): number {
    return this.inner.totalFrames;
  }
  get freeFrames(): number {
    return this.inner.freeFrames;
  }
  get maxOrder(): number {
    return this.inner.maxOrder;
  }

  /** Allocation attempts (`alloc` + `allocContiguous`) since construction or the last {@link resetCounters}. */
  get allocations(): number {
    return this.attempts;
  }

  /** Attempts that failed by injection since construction or the last {@link resetCounters}. */
  get injectedFailures(): number {
    return this.injected;
  }

  /** True while a failure is armed (a pending `failOnAllocation` or a non-zero probability). */
  get armed(): boolean {
    return this.countdown > 0 || this.probability > 0;
  }

  /**
   * Makes the `n`-th allocation attempt from now fail, once (`n` ≥ 1). Re-arming replaces the previous setting.
   * @throws RangeError unless `n` is a positive integer
   */
  failOnAllocation(n: number): void {
    if (!(Number.isSafeInteger(n) && n >= 1)) {
      throw new RangeError(`FailingAllocator.failOnAllocation: n must be a positive integer, got ${n}`);
    }
    this.disarm();
    this.countdown = n;
  }

  /**
   * Makes every allocation attempt fail with probability `p` (0 ≤ p ≤ 1), drawn from `rng`, until disarmed.
   * @throws RangeError unless `p` is in [0, 1]
   */
  failWithProbability(p: number, rng: Rng): void {
    if (!(p >= 0 && p <= 1)) {
      throw new RangeError(`FailingAllocator.failWithProbability: p must be in [0, 1], got ${p}`);
    }
    this.disarm();
    this.probability = p;
    this.rng = rng;
  }

  /** Stops injecting failures. Counters are kept. */
  disarm(): void {
    this.countdown = 0;
    this.probability = 0;
    this.rng = undefined;
  }

  /** Sets {@link allocations} and {@link injectedFailures} back to 0 (does not disarm). */
  resetCounters(): void {
    this.attempts = 0;
    this.injected = 0;
  }

  alloc(): number {
    if (this.shouldFail()) return NO_FRAME;
    return this.inner.alloc();
  }

  allocContiguous(order: number): number {
    if (this.shouldFail()) return NO_FRAME;
    return this.inner.allocContiguous(order);
  }

  free(pfn: number, order = 0): void {
    this.inner.free(pfn, order);
  }

  isAllocated(pfn: number): boolean {
    return this.inner.isAllocated(pfn);
  }

  private shouldFail(): boolean {
    this.attempts++;
    if (this.countdown > 0) {
      if (--this.countdown === 0) {
        this.injected++;
        return true;
      }
      return false;
    }
    if (this.probability > 0 && (this.rng as Rng).nextFloat() < this.probability) {
      this.injected++;
      return true;
    }
    return false;
  }
}
