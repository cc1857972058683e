/**
 * The simulator side of every benchmark: each case builds its workload on the real pagewright packages and
 * returns a function that performs `opsPerCall` operations.
 *
 * @module
 */

import type { BenchmarkName } from './bench-format.js';
import type { BenchSizes } from './bench-sizes.js';
import type { MeasureOptions } from './measure.js';

/** One prepared benchmark. `beforeEach`/`afterEach` run outside the timed window. */
export interface SimCase {
  /** Performs `opsPerCall` operations (timed). */
  run: () => void;
  /** Operations one call of `run` performs. */
  opsPerCall: number;
  /** Untimed set-up before each call. */
  beforeEach?: () => void;
  /** Untimed tear-down after each call. */
  afterEach?: () => void;
  /** Measurement sizes, when the case needs other than the defaults (slow, large calls). */
  measure?: MeasureOptions;
  /** Releases what the case built. */
  dispose?: () => void;
}

/** Builds a case for the given sizes. */
export type SimFactory = (sizes: BenchSizes) => SimCase;

/** The simulator cases by benchmark name (a missing name has no simulator number). */
export const SIM_CASES: Partial<Record<BenchmarkName, SimFactory>> = {};
