/**
 * Runs every benchmark — the native program once, then each simulator case — and returns one record per name.
 *
 * @module
 */

import { BareTlb, bareTlbLoop } from './bare-tlb.js';
import {
  BENCHMARK_NAMES,
  type BenchmarkName,
  type BenchRecord,
  LIMIT_BENCHMARKS,
  makeRecord,
  NATIVE_BENCHMARKS,
  QEMU_BENCHMARKS,
} from './bench-format.js';
import type { BenchSizes } from './bench-sizes.js';
import { measureOps } from './measure.js';
import { type NativeOutcome, runNative } from './native.js';
import { type Progress, silentProgress } from './progress.js';
import { measureQemu, type Rv64BenchmarkName } from './rv64-cases.js';
import { SIM_CASES } from './sim-cases.js';

/** Options of {@link runBenchmarks}. */
export interface RunOptions {
  /** Workload sizes. */
  sizes: BenchSizes;
  /** Run only these benchmarks (default: all). */
  only?: readonly BenchmarkName[] | undefined;
  /** Skip the native program (its numbers become null). */
  native?: boolean | undefined;
  /** Progress reporter (one tick per benchmark, plus one for the native run). */
  progress?: Progress | undefined;
  /** Where diagnostics go (default: stderr). */
  log?: ((message: string) => void) | undefined;
  /**
   * Measures one simulator benchmark (default {@link measureSim}, in this process). The CLI runs each in a fresh
   * Node process instead, so that one benchmark's heap and JIT type feedback cannot slow the next.
   */
  measure?: ((name: BenchmarkName, sizes: BenchSizes) => number) | undefined;
}

/** Everything one run produced. */
export interface RunResult {
  /** One record per benchmark, in {@link BENCHMARK_NAMES} order. */
  records: BenchRecord[];
  /** The native run's outcome (or why it did not run). */
  native: NativeOutcome;
  /** Bare typed-array TLB lookups per second (the limit of `mmu/*`), if measured. */
  limitOpsPerSecond: number | null;
  /** Why a simulator benchmark has no number (name → reason). */
  skipped: Partial<Record<BenchmarkName, string>>;
}

/** Measures the bare typed-array TLB loop. */
export function measureBareTlb(sizes: BenchSizes): number {
  const tlb = new BareTlb();
  const batch = sizes.quick ? 1000 : 1_000_000;
  let sink = 0;
  const ops = measureOps(
    () => {
      sink ^= bareTlbLoop(tlb, batch);
    },
    batch,
    sizes.measure,
  );
  if (sink === 0x7fffffff) console.error('');
  return ops;
}

/** Measures the simulator side of `name` in this process: ops/s. Throws when it has no case or it fails. */
export function measureSim(name: BenchmarkName, sizes: BenchSizes): number {
  const factory = SIM_CASES[name];
  if (!factory) throw new Error('no simulator case');
  const c = factory(sizes);
  try {
    return measureOps(c.run, c.opsPerCall, c.measure ?? sizes.measure, {
      ...(c.beforeEach ? { beforeEach: c.beforeEach } : {}),
      ...(c.afterEach ? { afterEach: c.afterEach } : {}),
    });
  } finally {
    c.dispose?.();
  }
}

/** Runs the benchmarks. Never throws for one failing benchmark: its number is null and the reason in `skipped`. */
export function runBenchmarks(options: RunOptions): RunResult {
  const names = options.only ?? BENCHMARK_NAMES;
  const progress = options.progress ?? silentProgress;
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const needNative =
    options.native !== false && names.some((n) => (NATIVE_BENCHMARKS as readonly string[]).includes(n));
  let native: NativeOutcome = { ok: false, reason: 'not requested' };
  if (needNative) {
    progress.tick('native (cc -O2)');
    native = runNative({ quick: options.sizes.quick });
    if (!native.ok) log(`pagewright bench: native numbers are null: ${native.reason}`);
  }
  const limit = names.some((n) => LIMIT_BENCHMARKS.includes(n)) ? measureBareTlb(options.sizes) : null;
  const skipped: Partial<Record<BenchmarkName, string>> = {};
  const records: BenchRecord[] = [];
  for (const name of BENCHMARK_NAMES) {
    if (!names.includes(name)) continue;
    progress.tick(name);
    let sim: number | null = null;
    try {
      sim = (options.measure ?? measureSim)(name, options.sizes);
    } catch (error) {
      skipped[name] = (error as Error).message;
      log(`pagewright bench: ${name}: no simulator number: ${(error as Error).message}`);
    }
    const nativeOps = (QEMU_BENCHMARKS as readonly string[]).includes(name)
      ? options.native === false
        ? null
        : measureQemu(name as Rv64BenchmarkName, options.sizes.quick)
      : native.ok
        ? (native.results.opsPerSecond[name] ?? null)
        : null;
    records.push(makeRecord(name, sim, nativeOps, LIMIT_BENCHMARKS.includes(name) ? limit : null));
  }
  return { records, native, limitOpsPerSecond: limit, skipped };
}
