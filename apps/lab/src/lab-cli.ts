/**
 * The `pnpm lab <name> [--seed N]` command.
 *
 * @module
 */

import { relative } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { type Experiment, RESULTS_DIR, writeResults } from './experiment.js';
import { EXPERIMENTS } from './experiments/index.js';
import { DEMO_TRACE } from './experiments/tlb.js';
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

/** Runs one experiment, writes its files, and returns the text to print. */
export async function runExperiment(
  experiment: Experiment,
  options: { seed: number; size: 'tiny' | 'full'; out?: string | undefined; progress?: boolean | undefined },
): Promise<{ text: string; csv: string; svg: string }> {
  const progress = createProgress(experiment.name, experiment.steps(options.size), options.progress ?? true);
  let result: Awaited<ReturnType<Experiment['run']>>;
  try {
    result = await experiment.run({ seed: options.seed, size: options.size, progress });
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
    .option('--out <dir>', 'where to write the CSV and SVG (default apps/lab/results/)')
    .action(async (name: string, opts: { seed: number; tiny?: boolean; out?: string }) => {
      if (name === 'record-trace') {
        const trace = recordDemoTrace(opts.seed);
        const path = opts.out ? `${opts.out}/demo.trace` : DEMO_TRACE;
        writeTrace(path, trace, [
          `pagewright lab record-trace --seed ${opts.seed}: every TLB lookup of a demo-like process-vm workload`,
          'format: ASID VPN-IN-HEX COUNT (COUNT consecutive lookups of that page)',
        ]);
        write(`recorded ${trace.vpns.length} accesses into ${relative(process.cwd(), path)}\n`);
        return;
      }
      const experiment = EXPERIMENTS.find((e) => e.name === name);
      if (!experiment)
        throw new InvalidArgumentError(`unknown experiment "${name}" (known: ${names.join(', ')})`);
      const { text } = await runExperiment(experiment, {
        seed: opts.seed,
        size: opts.tiny ? 'tiny' : 'full',
        out: opts.out,
      });
      write(text);
    });
}
