/**
 * The `pnpm lab <name> [--seed N]` command.
 *
 * @module
 */

import { availableParallelism } from 'node:os';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCH_NAMES, type ArchName } from '@pagewright/process-vm';
import { Command, InvalidArgumentError } from 'commander';
import { type Experiment, RESULTS_DIR, writeResults } from './experiment.js';
import { EXPERIMENTS } from './experiments/index.js';
import { DEMO_TRACE } from './experiments/tlb.js';
import { LabUsageError, type LoadedPlugin, loadLabPlugin } from './plugin-module.js';
import { createProgress } from './progress.js';
import { recordDemoTrace } from './record-trace.js';
import { emitSlurm, mergeSweep, runSlurmTask } from './sweep.js';
import { renderTable } from './table.js';
import { writeTrace } from './trace.js';

function parseSeed(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError('the seed must be a non-negative integer');
  return n;
}

/** Parses `--arch a,b`: built-in architecture names (`sv39`, `sv48`, `x86-64`, `x86-64-la57`), no repeats. */
export function parseArches(value: string): ArchName[] {
  const names = value.split(',').map((s) => s.trim());
  for (const n of names) {
    if (!(ARCH_NAMES as readonly string[]).includes(n))
      throw new InvalidArgumentError(`unknown architecture "${n}" (known: ${ARCH_NAMES.join(', ')})`);
  }
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('an architecture is named twice');
  return names as ArchName[];
}

function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('the thread count must be a positive integer');
  return n;
}

/** The repository's root (`apps/lab/src/` and `apps/lab/dist/` are two levels below it). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The exit code for an error that ended `pnpm lab`: 2 for bad input ({@link LabUsageError}), else 1. */
export function labExitCode(error: unknown): number {
  return error instanceof LabUsageError ? 2 : 1;
}

/** Runs one experiment, writes its files, and returns the text to print. */
export async function runExperiment(
  experiment: Experiment,
  options: {
    seed: number;
    size: 'tiny' | 'full';
    out?: string | undefined;
    progress?: boolean | undefined;
    plugins?: readonly LoadedPlugin[] | undefined;
    /** The architectures compared (experiments with {@link Experiment.comparesArches}; default all). */
    arches?: readonly ArchName[] | undefined;
    /** Worker threads of a sweep (default 1). */
    threads?: number | undefined;
  },
): Promise<{ text: string; csv: string; svg: string }> {
  const plugins = options.plugins ?? [];
  if (plugins.length > 0 && experiment.plugins === undefined)
    throw new LabUsageError(`the ${experiment.name} experiment takes no --with plug-in`);
  if (options.arches !== undefined && !experiment.comparesArches)
    throw new LabUsageError(`the ${experiment.name} experiment takes no --arch (it runs on no CPU)`);
  const arches = options.arches ?? ARCH_NAMES;
  const progress = createProgress(
    experiment.name,
    experiment.steps(options.size, plugins, arches),
    options.progress ?? true,
  );
  let result: Awaited<ReturnType<Experiment['run']>>;
  try {
    result = await experiment.run({
      seed: options.seed,
      size: options.size,
      progress,
      plugins,
      arches,
      threads: options.threads,
    });
  } finally {
    progress.stop();
  }
  return report(experiment, options.seed, result, options.out);
}

/** Writes a result's files and returns the text to print. */
async function report(
  experiment: Experiment,
  seed: number,
  result: Awaited<ReturnType<Experiment['run']>>,
  out: string | undefined,
): Promise<{ text: string; csv: string; svg: string }> {
  const files = await writeResults(experiment.name, result, out ?? RESULTS_DIR);
  const lines = [
    `${experiment.name} (seed ${seed}): ${experiment.description}`,
    renderTable(result.summary),
    ...(result.notes ?? []),
    `wrote ${relative(process.cwd(), files.csv)} and ${relative(process.cwd(), files.svg)}`,
  ];
  return { text: `${lines.join('\n')}\n`, ...files };
}

/** Builds the `lab` command; `write` receives stdout text. */
export function labProgram(write: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const names = EXPERIMENTS.map((e) => e.name);
  return new Command('lab')
    .description('pagewright lab: compare plug-ins on the same work')
    .argument(
      '<name>',
      `experiment: ${names.join(', ')}; or record-trace (re-record traces/demo.trace); or task DIR INDEX / merge DIR (a Slurm sweep)`,
    )
    .argument(
      '[args...]',
      'for task: the sweep directory and the array index; for merge: the sweep directory',
    )
    .option('--seed <n>', 'seed of every random choice', parseSeed, 1)
    .option('--tiny', 'tiny sizes (for tests; the numbers mean little)')
    .option(
      '--arch <names>',
      `architectures, comma-separated (${ARCH_NAMES.join(', ')}): the ones tlb and flush compare (default all), the one record-trace records on (default sv39)`,
      parseArches,
    )
    .option('--out <dir>', 'where to write the CSV and SVG (default apps/lab/results/)')
    .option('--threads <n>', 'worker threads of a sweep (default: every core)', parseThreads)
    .option('--emit-slurm <dir>', 'write the sweep as a Slurm job array into DIR instead of running it')
    .option(
      '--with <module>',
      `a plug-in module to compare against the built-ins (repeatable); its default export is a factory: ${EXPERIMENTS.filter(
        (e) => e.plugins,
      )
        .map((e) => `${e.name}: ${e.plugins}`)
        .join('; ')}`,
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .action(
      async (
        name: string,
        args: string[],
        opts: {
          seed: number;
          tiny?: boolean;
          out?: string;
          with?: string[];
          arch?: ArchName[];
          threads?: number;
          emitSlurm?: string;
        },
      ) => {
        if (name === 'task') {
          const [dir, index] = args;
          if (dir === undefined || index === undefined || !/^\d+$/.test(index))
            throw new LabUsageError('usage: pnpm lab task DIR INDEX');
          write(`wrote ${relative(process.cwd(), runSlurmTask(EXPERIMENTS, dir, Number(index)))}\n`);
          return;
        }
        if (name === 'merge') {
          const [dir] = args;
          if (dir === undefined) throw new LabUsageError('usage: pnpm lab merge DIR');
          const merged = mergeSweep(EXPERIMENTS, dir);
          write((await report(merged.experiment, merged.context.seed, merged.result, opts.out)).text);
          return;
        }
        if (args.length > 0) throw new LabUsageError(`unexpected arguments: ${args.join(' ')}`);
        if (name === 'record-trace') {
          if ((opts.arch?.length ?? 1) !== 1)
            throw new LabUsageError('record-trace records on one architecture: --arch NAME');
          const arch = opts.arch?.[0] ?? 'sv39';
          const trace = recordDemoTrace(opts.seed, 1, arch);
          const path = opts.out ? `${opts.out}/demo.trace` : DEMO_TRACE;
          writeTrace(path, trace, [
            `pagewright lab record-trace --seed ${opts.seed}${arch === 'sv39' ? '' : ` --arch ${arch}`}: every TLB lookup of a demo-like process-vm workload`,
            'format: ASID VPN-IN-HEX COUNT (COUNT consecutive lookups of that page)',
          ]);
          write(`recorded ${trace.vpns.length} accesses into ${relative(process.cwd(), path)}\n`);
          return;
        }
        const experiment = EXPERIMENTS.find((e) => e.name === name);
        if (!experiment) throw new LabUsageError(`unknown experiment "${name}" (known: ${names.join(', ')})`);
        if ((opts.with ?? []).length > 0 && experiment.plugins === undefined)
          throw new LabUsageError(`the ${experiment.name} experiment takes no --with plug-in`);
        const plugins: LoadedPlugin[] = [];
        for (const path of opts.with ?? []) plugins.push(await loadLabPlugin(path));
        if (opts.emitSlurm !== undefined) {
          if (experiment.sweep === undefined)
            throw new LabUsageError(
              `the ${experiment.name} experiment is not a sweep: it cannot be a job array`,
            );
          const context = { seed: opts.seed, size: opts.tiny ? ('tiny' as const) : ('full' as const) };
          const { script, tasks } = emitSlurm(experiment, context, opts.emitSlurm, REPO_ROOT);
          write(
            `wrote ${relative(process.cwd(), script)}: ${tasks} tasks; sbatch it, then pnpm lab merge ${opts.emitSlurm}\n`,
          );
          return;
        }
        const { text } = await runExperiment(experiment, {
          seed: opts.seed,
          size: opts.tiny ? 'tiny' : 'full',
          out: opts.out,
          plugins,
          arches: opts.arch,
          threads: opts.threads ?? availableParallelism(),
        });
        write(text);
      },
    );
}
