/**
 * The `rv64/*` benchmarks: static RISC-V programs of `@pagewright/linux` (packages/linux/fixtures/programs) run
 * from exec to exit on the model with the MMU on (Sv39, a 16 × 4 LRU TLB: every fetch, load and store
 * translated), and the same binaries under `qemu-riscv64` (a JIT) when it is installed.
 *
 * - `rv64/compute`: `compute 4` (integer matrix multiply, sort, hash); ops = guest instructions.
 * - `rv64/memory`: `memory 64` (stores, loads and a random walk over a 64 MiB working set, every page faulted in;
 *   4 MiB with `--quick`); ops = guest instructions.
 * - `rv64/startup`: `hello` (glibc's static start-up, printf, exit); ops = runs.
 *
 * QEMU's instructions per second are the model's instruction count of the same run over QEMU's wall time (the
 * same binary with the same arguments executes the same instructions, up to the few the start-up's auxv changes).
 *
 * @module
 */

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LinuxKernel } from '@pagewright/linux';
import type { BenchSizes } from './bench-sizes.js';
import type { SimCase } from './sim-cases.js';

/** The rv64 benchmark names. */
export const RV64_BENCHMARKS = ['rv64/compute', 'rv64/memory', 'rv64/startup'] as const;
/** One of them. */
export type Rv64BenchmarkName = (typeof RV64_BENCHMARKS)[number];

const PROGRAMS = fileURLToPath(new URL('../../../packages/linux/fixtures/programs/', import.meta.url));

function workload(name: Rv64BenchmarkName, quick: boolean): { program: string; args: string[] } {
  if (name === 'rv64/compute') return { program: 'compute', args: [quick ? '1' : '4'] };
  if (name === 'rv64/memory') return { program: 'memory', args: [quick ? '4' : '64'] };
  return { program: 'hello', args: [] };
}

/** Runs the workload once on a fresh machine; the guest instructions it retired. */
function runOnce(bytes: Uint8Array, program: string, args: readonly string[]): number {
  const k = new LinuxKernel({ machine: { arch: 'sv39', tlb: '16x4:lru', harts: 1 } });
  k.install(`/bin/${program}`, bytes);
  const t = k.start(`/bin/${program}`, [program, ...args]);
  if (typeof t === 'number') throw new Error(`${program}: exec failed (${t})`);
  const r = k.run();
  if (r.status !== 0) throw new Error(`${program}: exit status ${r.status}`);
  return r.instructions;
}

/** The simulator case of `name`. */
export function rv64Case(name: Rv64BenchmarkName): (sizes: BenchSizes) => SimCase {
  return (sizes) => {
    const { program, args } = workload(name, sizes.quick);
    const bytes = new Uint8Array(readFileSync(`${PROGRAMS}${program}`));
    const instructions = runOnce(bytes, program, args);
    return {
      run: () => {
        runOnce(bytes, program, args);
      },
      opsPerCall: name === 'rv64/startup' ? 1 : instructions,
      measure: sizes.quick
        ? sizes.measure
        : {
            timeMs: name === 'rv64/startup' ? 2000 : 1,
            minSamples: name === 'rv64/memory' ? 1 : 3,
            warmupMs: 0,
          },
    };
  };
}

/** The rv64 cases by name. */
export const RV64_CASES: Record<Rv64BenchmarkName, (sizes: BenchSizes) => SimCase> = {
  'rv64/compute': rv64Case('rv64/compute'),
  'rv64/memory': rv64Case('rv64/memory'),
  'rv64/startup': rv64Case('rv64/startup'),
};

/**
 * The same workload under `qemu-riscv64`: ops per second (instructions per second, or runs per second for
 * `rv64/startup`; the median of 3 runs), or `null` when QEMU is not installed or fails.
 */
export function measureQemu(name: Rv64BenchmarkName, quick: boolean): number | null {
  const { program, args } = workload(name, quick);
  const bytes = new Uint8Array(readFileSync(`${PROGRAMS}${program}`));
  const instructions = name === 'rv64/startup' ? 1 : runOnce(bytes, program, args);
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const r = spawnSync('qemu-riscv64', [`${PROGRAMS}${program}`, ...args], { stdio: 'ignore' });
    const ms = performance.now() - t0;
    if (r.error !== undefined || r.status !== 0) return null;
    times.push(ms);
  }
  times.sort((a, b) => a - b);
  return instructions / ((times[1] as number) / 1000);
}
