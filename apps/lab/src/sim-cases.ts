/**
 * The simulator side of every benchmark: each case builds its workload on the real pagewright packages and
 * returns a function that performs `opsPerCall` operations.
 *
 * @module
 */

import type { FrameAllocator } from '@pagewright/core';
import { BuddyFrameAllocator, StackFrameAllocator } from '@pagewright/frames';
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

/** First frame of simulated RAM (0x8000_0000, where RISC-V boards put DRAM). */
const RAM_FIRST_FRAME = 0x80000;

/**
 * Single-frame alloc+free pairs: 256 allocations, then 256 frees in reverse order, 40 times per call
 * (10 240 pairs), on a 256 MiB allocator.
 */
function allocFreePairs(create: () => FrameAllocator): SimFactory {
  return () => {
    const a = create();
    const held = new Int32Array(256);
    return {
      opsPerCall: 40 * 256,
      run() {
        for (let r = 0; r < 40; r++) {
          for (let i = 0; i < 256; i++) held[i] = a.alloc();
          for (let i = 255; i >= 0; i--) a.free(held[i] as number, 0);
        }
      },
    };
  };
}

/** The simulator cases by benchmark name (a missing name has no simulator number). */
export const SIM_CASES: Partial<Record<BenchmarkName, SimFactory>> = {
  'frames/stack-alloc-free': allocFreePairs(
    () => new StackFrameAllocator({ firstFrame: RAM_FIRST_FRAME, frameCount: 65_536 }),
  ),
  'frames/buddy-alloc-free': allocFreePairs(
    () => new BuddyFrameAllocator({ firstFrame: RAM_FIRST_FRAME, frameCount: 65_536 }),
  ),
};
