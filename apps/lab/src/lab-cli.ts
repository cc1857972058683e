/**
 * The `pnpm lab <name> [--seed N]` command.
 *
 * @module
 */

import { relative } from 'node:path';
import { ARCH_NAMES, type ArchName } from '@pagewright/process-vm';
import { Command, InvalidArgumentError } from 'commander';
import { type Experiment, RESULTS_DIR, writeResults } from './experiment.js';
import { EXPERIMENTS } from './experiments/index.js';
import { DEMO_TRACE } from './experiments/tlb.js';
import { LabUsageError, type LoadedPlugin, loadLabPlugin } from './plugin-module.js';
import { createProgress } from './progress.js';
import { recordDemoTrace } from './record-trace.js';
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
    result = await experiment.run({ seed: options.seed, size: options.size, progress, plugins, arches });
  } finally {
    progress.stop();
  }
  const files = await writeResults(experiment.name, result, options.out ?? RESULTS_DIR);
  const lines = [
    `${experiment.name} (seed ${options.seed}): ${experiment.description}`,
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
    .argument('<name>', `experiment: ${names.join(', ')}; or record-trace (re-record traces/demo.trace)`)
    .option('--seed <n>', 'seed of every random choice', parseSeed, 1)
    .option('--tiny', 'tiny sizes (for tests; the numbers mean little)')
    .option(
      '--arch <names>',
      `architectures, comma-separated (${ARCH_NAMES.join(', ')}): the ones tlb and flush compare (default all), the one record-trace records on (default sv39)`,
      parseArches,
    )
    .option('--out <dir>', 'where to write the CSV and SVG (default apps/lab/results/)')
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
        opts: { seed: number; tiny?: boolean; out?: string; with?: string[]; arch?: ArchName[] },
      ) => {
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
        const { text } = await runExperiment(experiment, {
          seed: opts.seed,
          size: opts.tiny ? 'tiny' : 'full',
          out: opts.out,
          plugins,
          arches: opts.arch,
        });
        write(text);
      },
    );
}
