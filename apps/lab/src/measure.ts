/**
 * Throughput measurement with tinybench: a warm-up, then samples for a time budget; the median sample wins.
 *
 * @module
 */

import { Bench } from 'tinybench';

/** How long to measure. */
export interface MeasureOptions {
  /** Time budget of the timed phase, in milliseconds. */
  timeMs: number;
  /** Minimum number of samples. */
  minSamples: number;
  /** Warm-up time in milliseconds. */
  warmupMs: number;
}

/** Sizes for a normal `pnpm bench` run. */
export const FULL_MEASURE: MeasureOptions = { timeMs: 500, minSamples: 7, warmupMs: 700 };
/** Sizes for tests: a few samples, a few milliseconds. */
export const QUICK_MEASURE: MeasureOptions = { timeMs: 2, minSamples: 3, warmupMs: 1 };

/**
 * Measures `run`, which performs `opsPerCall` operations per call, and returns the median throughput in operations
 * per second. `beforeEach`/`afterEach` run outside the timed window (for set-up and tear-down a call needs).
 */
export function measureOps(
  run: () => void,
  opsPerCall: number,
  options: MeasureOptions,
  hooks: { beforeEach?: () => void; afterEach?: () => void } = {},
): number {
  const bench = new Bench({
    time: options.timeMs,
    iterations: options.minSamples,
    warmupTime: options.warmupMs,
    warmupIterations: 1,
    throws: true,
  });
  bench.add('task', run, {
    ...(hooks.beforeEach ? { beforeEach: hooks.beforeEach } : {}),
    ...(hooks.afterEach ? { afterEach: hooks.afterEach } : {}),
  });
  bench.runSync();
  const result = bench.tasks[0]?.result;
  if (!result || (result.state !== 'completed' && result.state !== 'aborted-with-statistics')) {
    throw new Error(`benchmark did not complete (${result?.state})`);
  }
  const medianMs = result.latency.p50;
  return medianMs > 0 ? opsPerCall / (medianMs / 1000) : Number.POSITIVE_INFINITY;
}
