/**
 * The benchmark names and the one-JSON-object-per-line output format of `pnpm -s bench --json`.
 *
 * @module
 */

/** Benchmarks measured against the native kernel (`ratio` = simulator ops/s ÷ native ops/s, same run). */
export const NATIVE_BENCHMARKS = [
  'sys/mmap-munmap',
  'sys/mmap-touch-munmap',
  'fault/first-touch',
  'fork/256MiB',
  'cow/break',
  'sys/mprotect-split-merge',
  'sys/mmap-munmap@1k',
  'sys/mmap-munmap@64k',
  'sys/mremap-grow',
  'sys/brk-grow-shrink',
] as const;

/** Benchmarks of the simulator alone (`mmu/*` carry a `limit_fraction` against a bare typed-array TLB loop). */
export const SIM_ONLY_BENCHMARKS = [
  'sys/mmap-munmap@1M',
  'mmu/tlb-hit',
  'mmu/walk',
  'mmu/x86-tlb-hit',
  'mmu/x86-walk',
  'frames/stack-alloc-free',
  'frames/buddy-alloc-free',
  'mapper/map-unmap',
  'vma/insert-remove@100k',
  'swap/out-in-cycle',
  'reclaim/scan',
] as const;

/** Real RISC-V programs on the model; their native counterpart is the same binary under qemu-riscv64. */
export const QEMU_BENCHMARKS = ['rv64/compute', 'rv64/memory', 'rv64/startup'] as const;

/** Every benchmark, in the order they run and print. */
export const BENCHMARK_NAMES = [...NATIVE_BENCHMARKS, ...SIM_ONLY_BENCHMARKS, ...QEMU_BENCHMARKS] as const;

/** A benchmark's name. */
export type BenchmarkName = (typeof BENCHMARK_NAMES)[number];

/** The benchmarks whose `limit_fraction` is measured against the bare TLB loop. */
export const LIMIT_BENCHMARKS: readonly BenchmarkName[] = [
  'mmu/tlb-hit',
  'mmu/walk',
  'mmu/x86-tlb-hit',
  'mmu/x86-walk',
];

/** One line of `--json` output. Every field is present; `null` where it does not apply or was not measured. */
export interface BenchRecord {
  name: BenchmarkName;
  ops_per_s: number | null;
  native_ops_per_s: number | null;
  ratio: number | null;
  limit_fraction: number | null;
}

/** The targets of issue #9, for the table and the README. */
export const TARGETS = {
  /** Every native `ratio` at least this. */
  ratio: 2,
  /** `sys/mmap-munmap@1M` at least this fraction of `@1k`. */
  scaling1M: 0.5,
  /** `mmu/tlb-hit` and `mmu/x86-tlb-hit` ops/s. */
  tlbHit: 150e6,
  /** `mmu/walk` and `mmu/x86-walk` ops/s. */
  walk: 20e6,
  /** `rv64/compute` guest instructions/s. */
  rv64Compute: 100e6,
  /** `rv64/compute` at least this fraction of qemu-riscv64's instructions/s. */
  rv64QemuRatio: 0.1,
} as const;

function finite(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : null;
}

/**
 * Builds a record: `ratio` = sim ÷ native when both are known, `limit_fraction` = sim ÷ limit when both are known.
 */
export function makeRecord(
  name: BenchmarkName,
  simOps: number | null,
  nativeOps: number | null,
  limitOps: number | null,
): BenchRecord {
  const sim = finite(simOps);
  const native = finite(nativeOps);
  const limit = finite(limitOps);
  return {
    name,
    ops_per_s: sim,
    native_ops_per_s: native,
    ratio: sim !== null && native !== null ? sim / native : null,
    limit_fraction: sim !== null && limit !== null ? sim / limit : null,
  };
}

function round(x: number | null, digits: number): number | null {
  return x === null ? null : Number(x.toPrecision(digits));
}

/** One JSON line with the fields in a fixed order (numbers to 6 significant digits, ratios to 4). */
export function toJsonLine(record: BenchRecord): string {
  return JSON.stringify({
    name: record.name,
    ops_per_s: round(record.ops_per_s, 6),
    native_ops_per_s: round(record.native_ops_per_s, 6),
    ratio: round(record.ratio, 4),
    limit_fraction: round(record.limit_fraction, 4),
  });
}

/** Whether a record meets its target (`null` when it has none or was not measured). */
export function meetsTarget(record: BenchRecord, all: readonly BenchRecord[]): boolean | null {
  if ((NATIVE_BENCHMARKS as readonly string[]).includes(record.name)) {
    return record.ratio === null ? null : record.ratio >= TARGETS.ratio;
  }
  if (record.ops_per_s === null) return null;
  // rv64/compute: at least 100 M guest instructions/s with the MMU on, and a tenth of qemu-riscv64's speed.
  if (record.name === 'rv64/compute')
    return (
      record.ops_per_s >= TARGETS.rv64Compute &&
      (record.ratio === null || record.ratio >= TARGETS.rv64QemuRatio)
    );
  if (record.name === 'mmu/tlb-hit' || record.name === 'mmu/x86-tlb-hit')
    return record.ops_per_s >= TARGETS.tlbHit;
  if (record.name === 'mmu/walk' || record.name === 'mmu/x86-walk') return record.ops_per_s >= TARGETS.walk;
  if (record.name === 'sys/mmap-munmap@1M') {
    const k1 = all.find((r) => r.name === 'sys/mmap-munmap@1k')?.ops_per_s;
    return k1 ? record.ops_per_s >= TARGETS.scaling1M * k1 : null;
  }
  return null;
}
