/**
 * The `pnpm bench` command: runs every benchmark and prints a table, or one JSON object per line with `--json`.
 *
 * @module
 */

import { execFileSync } from 'node:child_process';
import { ARCH_NAMES, type ArchName } from '@pagewright/process-vm';
import { Command, InvalidArgumentError, Option } from 'commander';
import pc from 'picocolors';
import {
  BENCHMARK_NAMES,
  type BenchmarkName,
  type BenchRecord,
  meetsTarget,
  toJsonLine,
} from './bench-format.js';
import { measureSim, runBenchmarks } from './bench-run.js';
import { type BenchSizes, FULL_SIZES, QUICK_SIZES } from './bench-sizes.js';
import { createProgress } from './progress.js';
import { renderTable } from './table.js';

function parseNames(value: string, previous: BenchmarkName[] = []): BenchmarkName[] {
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(BENCHMARK_NAMES as readonly string[]).includes(n)) {
      throw new InvalidArgumentError(`unknown benchmark "${n}" (known: ${BENCHMARK_NAMES.join(', ')})`);
    }
  }
  return [...previous, ...(names as BenchmarkName[])];
}

function parseArch(value: string): ArchName {
  if (!(ARCH_NAMES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`unknown architecture "${value}" (known: ${ARCH_NAMES.join(', ')})`);
  return value as ArchName;
}

/**
 * Measures one benchmark in a fresh Node process running this same script with `--worker NAME`; it prints
 * `{"ops_per_s": N}` or `{"error": "..."}`.
 */
export function measureInWorker(script: string): (name: BenchmarkName, sizes: BenchSizes) => number {
  return (name, sizes) => {
    const out = execFileSync(
      process.execPath,
      [script, '--worker', name, '--arch', sizes.arch, ...(sizes.quick ? ['--quick'] : [])],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      },
    );
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { ops_per_s?: number; error?: string };
    if (typeof result.ops_per_s !== 'number') throw new Error(result.error ?? 'the worker printed no number');
    return result.ops_per_s;
  };
}

/** Renders the records as the human summary table. */
export function benchTable(records: readonly BenchRecord[]): string {
  return renderTable(
    records.map((r) => {
      const ok = meetsTarget(r, records);
      return {
        benchmark: r.name,
        'sim ops/s': r.ops_per_s,
        'native ops/s': r.native_ops_per_s,
        ratio: r.ratio,
        'limit fraction': r.limit_fraction,
        target: ok === null ? '' : ok ? pc.green('met') : pc.red('missed'),
      };
    }),
  );
}

/** Builds the `bench` command; `write` receives stdout text. */
export function benchProgram(write: (text: string) => void = (t) => process.stdout.write(t)): Command {
  return new Command('bench')
    .description('pagewright benchmarks: the simulator against the native kernel')
    .option(
      '--json',
      'one JSON object per line: {"name","ops_per_s","native_ops_per_s","ratio","limit_fraction"}',
    )
    .option('--quick', 'tiny sizes and iteration counts (for tests; the numbers mean nothing)')
    .option('--only <names>', 'comma-separated benchmark names', parseNames)
    .option('--no-native', 'skip the native program (native numbers are null)')
    .option(
      '--arch <name>',
      `the architecture of the process-vm benchmarks' machine: ${ARCH_NAMES.join(', ')} (mmu/* name theirs)`,
      parseArch,
      'sv39' as ArchName,
    )
    .option('--no-isolate', 'measure every benchmark in this process instead of one fresh process each')
    .addOption(
      new Option('--worker <name>', 'internal: measure one benchmark, print its ops/s as JSON').hideHelp(),
    )
    .action(
      (opts: {
        json?: boolean;
        quick?: boolean;
        only?: BenchmarkName[];
        native: boolean;
        isolate: boolean;
        worker?: string;
        arch: ArchName;
      }) => {
        const sizes: BenchSizes = { ...(opts.quick ? QUICK_SIZES : FULL_SIZES), arch: opts.arch };
        if (opts.worker !== undefined) {
          try {
            write(`${JSON.stringify({ ops_per_s: measureSim(opts.worker as BenchmarkName, sizes) })}\n`);
          } catch (error) {
            write(`${JSON.stringify({ error: (error as Error).message })}\n`);
          }
          return;
        }
        const script = process.argv[1];
        const isolate = opts.isolate && script !== undefined && /bench\.(js|ts)$/.test(script);
        const total = (opts.only ?? BENCHMARK_NAMES).length + 1;
        const progress = createProgress('bench', total, !opts.json || process.stderr.isTTY);
        const started = Date.now();
        const result = runBenchmarks({
          sizes,
          only: opts.only,
          native: opts.native,
          progress,
          measure: isolate && script ? measureInWorker(script) : measureSim,
        });
        progress.stop();
        if (opts.json) {
          for (const r of result.records) write(`${toJsonLine(r)}\n`);
          return;
        }
        write(`${benchTable(result.records)}\n`);
        if (result.native.ok) write(`native: ${result.native.results.kernel}, compiled with cc -O2\n`);
        else write(`native: ${result.native.reason}\n`);
        if (result.limitOpsPerSecond) {
          write(
            `bare typed-array TLB loop: ${Math.round(result.limitOpsPerSecond).toLocaleString('en-US')} lookups/s\n`,
          );
        }
        for (const [name, why] of Object.entries(result.skipped))
          write(`${name}: no simulator number: ${why}\n`);
        write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      },
    );
}
