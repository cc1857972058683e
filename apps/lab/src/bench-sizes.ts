/**
 * How big the benchmarks are: the full sizes of `pnpm bench`, and tiny ones for tests (`--quick`).
 *
 * @module
 */

import type { ArchName } from '@pagewright/process-vm';
import { FULL_MEASURE, type MeasureOptions, QUICK_MEASURE } from './measure.js';

/** Sizes of the benchmark workloads. */
export interface BenchSizes {
  /** Bytes touched by `fault/first-touch`, `fork/256MiB` and `cow/break` (256 MiB). */
  bigBytes: number;
  /** VMAs present in `sys/mmap-munmap@64k` (64 000: the kernel's map-count limit is 65 530). */
  vmas64k: number;
  /** VMAs present in `sys/mmap-munmap@1M`. */
  vmas1M: number;
  /** VMAs present in `vma/insert-remove@100k`. */
  vmas100k: number;
  /** Samples and time budget of each measurement. */
  measure: MeasureOptions;
  /** Whether the sizes are the tiny test ones. */
  quick: boolean;
  /**
   * The architecture of the machine the process-vm benchmarks (`sys/*`, `fault/*`, `fork/*`, `cow/*`) run on
   * (`pnpm bench --arch`). The `mmu/*` benchmarks name theirs; the others run on no CPU.
   */
  arch: ArchName;
}

/** The sizes the benchmark names promise. */
export const FULL_SIZES: BenchSizes = {
  bigBytes: 256 * 2 ** 20,
  vmas64k: 64_000,
  vmas1M: 1_000_000,
  vmas100k: 100_000,
  measure: FULL_MEASURE,
  quick: false,
  arch: 'sv39',
};

/** Tiny sizes for tests: every benchmark runs end to end in milliseconds; the numbers mean nothing. */
export const QUICK_SIZES: BenchSizes = {
  bigBytes: 4 * 2 ** 20,
  vmas64k: 2_000,
  vmas1M: 4_000,
  vmas100k: 2_000,
  measure: QUICK_MEASURE,
  quick: true,
  arch: 'sv39',
};
