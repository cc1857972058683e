/**
 * Sweeps: an experiment made of independent configurations runs them on every core through worker threads, or
 * writes them as a Slurm job array (`pnpm lab NAME --emit-slurm DIR`: one configuration per array task, each task
 * `pnpm lab task DIR INDEX` writing its rows, and `pnpm lab merge DIR` assembling the results exactly as a local run
 * would). Rows are merged in configuration order, so every way of running gives the same CSV.
 *
 * @module
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Row } from './csv.js';
import type { Experiment, ExperimentResult } from './experiment.js';

/** What a sweep's configurations are made from. */
export interface SweepContext {
  seed: number;
  size: 'tiny' | 'full';
}

/** One configuration: plain JSON (it crosses threads and files). */
export type SweepConfig = Readonly<Record<string, string | number | boolean>>;

/** An experiment that splits into independent configurations. */
export interface ExperimentSweep {
  /** The configurations, in the order their rows are merged. */
  configs(context: SweepContext): SweepConfig[];
  /** The rows of one configuration (deterministic for the context). */
  run(config: SweepConfig, context: SweepContext): Row[];
  /** The result (chart, summary, notes) from every configuration's rows, in configuration order. */
  finish(rows: Row[], context: SweepContext): ExperimentResult;
}

/** What a sweep directory's `sweep.json` holds. */
interface SweepFile {
  experiment: string;
  context: SweepContext;
  configs: SweepConfig[];
}

function sweepOf(experiment: Experiment): ExperimentSweep {
  if (experiment.sweep === undefined) throw new Error(`the ${experiment.name} experiment is not a sweep`);
  return experiment.sweep;
}

/**
 * A worker running `sweep-worker` next to this module: the built `.js`, or (running from the TypeScript sources, as
 * the tests do) the `.ts` through tsx's loader, registered in the worker first.
 */
function startWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./sweep-worker.js', import.meta.url), { workerData });
  const script = new URL('./sweep-worker.ts', import.meta.url).href;
  const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * Runs every configuration of `experiment` on `threads` worker threads (default: every core; 1 runs them in this
 * thread) and finishes the result.
 */
export async function runSweep(
  experiment: Experiment,
  context: SweepContext,
  threads = availableParallelism(),
  onDone: (config: SweepConfig) => void = () => {},
): Promise<ExperimentResult> {
  const sweep = sweepOf(experiment);
  const configs = sweep.configs(context);
  const results: Row[][] = new Array(configs.length);
  const n = Math.max(1, Math.min(threads, configs.length));
  if (n === 1) {
    configs.forEach((c, i) => {
      results[i] = sweep.run(c, context);
      onDone(c);
    });
  } else {
    await Promise.all(
      Array.from({ length: n }, (_, w) => {
        const mine = configs.map((c, i) => [i, c] as const).filter(([i]) => i % n === w);
        return new Promise<void>((done, fail) => {
          const worker = startWorker({ experiment: experiment.name, context, configs: mine });
          worker.on('message', (m: { index: number; rows: Row[] }) => {
            results[m.index] = m.rows;
            onDone(configs[m.index] as SweepConfig);
          });
          worker.on('error', fail);
          worker.on('exit', (code) =>
            code === 0 ? done() : fail(new Error(`sweep worker exited with ${code}`)),
          );
        });
      }),
    );
  }
  return sweep.finish(results.flat(), context);
}

/**
 * Writes `experiment`'s sweep as a Slurm job array in `dir`: `sweep.json` (the configurations) and `job.sbatch`
 * (array `0…N-1`, each task `pnpm lab task DIR $SLURM_ARRAY_TASK_ID` run from `repoRoot`). Returns the script's path
 * and the number of tasks.
 */
export function emitSlurm(
  experiment: Experiment,
  context: SweepContext,
  dir: string,
  repoRoot: string,
): { script: string; tasks: number } {
  const configs = sweepOf(experiment).configs(context);
  const abs = resolve(dir);
  mkdirSync(join(abs, 'results'), { recursive: true });
  mkdirSync(join(abs, 'logs'), { recursive: true });
  const file: SweepFile = { experiment: experiment.name, context, configs };
  writeFileSync(join(abs, 'sweep.json'), `${JSON.stringify(file, null, 2)}\n`);
  const script = join(abs, 'job.sbatch');
  writeFileSync(
    script,
    [
      '#!/bin/bash',
      `#SBATCH --job-name=pagewright-${experiment.name}`,
      `#SBATCH --array=0-${configs.length - 1}`,
      '#SBATCH --ntasks=1',
      '#SBATCH --cpus-per-task=1',
      `#SBATCH --output=${join(abs, 'logs', '%a.out')}`,
      `# ${experiment.name} (seed ${context.seed}, ${context.size}): ${configs.length} configurations; afterwards:`,
      `#   pnpm lab merge ${abs}`,
      'set -euo pipefail',
      `cd ${JSON.stringify(resolve(repoRoot))}`,
      `pnpm -s lab task ${JSON.stringify(abs)} "$SLURM_ARRAY_TASK_ID"`,
      '',
    ].join('\n'),
  );
  return { script, tasks: configs.length };
}

function readSweep(dir: string): SweepFile {
  const path = join(dir, 'sweep.json');
  if (!existsSync(path)) throw new Error(`${path} does not exist: write it with --emit-slurm ${dir}`);
  return JSON.parse(readFileSync(path, 'utf8')) as SweepFile;
}

function resultPath(dir: string, index: number): string {
  return join(dir, 'results', `${String(index).padStart(5, '0')}.json`);
}

/** One array task: runs configuration `index` of the sweep in `dir` and writes its rows. */
export function runSlurmTask(experiments: readonly Experiment[], dir: string, index: number): string {
  const file = readSweep(dir);
  const experiment = experiments.find((e) => e.name === file.experiment);
  if (experiment === undefined)
    throw new Error(`unknown experiment "${file.experiment}" in ${dir}/sweep.json`);
  const config = file.configs[index];
  if (!Number.isInteger(index) || config === undefined)
    throw new Error(`task ${index} is not in 0…${file.configs.length - 1}`);
  const rows = sweepOf(experiment).run(config, file.context);
  const path = resultPath(dir, index);
  writeFileSync(path, `${JSON.stringify(rows)}\n`);
  return path;
}

/** Merges the tasks' rows of the sweep in `dir` into the experiment's result (every task must have run). */
export function mergeSweep(
  experiments: readonly Experiment[],
  dir: string,
): { experiment: Experiment; context: SweepContext; result: ExperimentResult } {
  const file = readSweep(dir);
  const experiment = experiments.find((e) => e.name === file.experiment);
  if (experiment === undefined)
    throw new Error(`unknown experiment "${file.experiment}" in ${dir}/sweep.json`);
  const missing = file.configs.map((_, i) => i).filter((i) => !existsSync(resultPath(dir, i)));
  if (missing.length > 0)
    throw new Error(
      `${missing.length} of ${file.configs.length} tasks have no result yet (first: task ${missing[0]})`,
    );
  const rows = file.configs.flatMap((_, i) => JSON.parse(readFileSync(resultPath(dir, i), 'utf8')) as Row[]);
  return { experiment, context: file.context, result: sweepOf(experiment).finish(rows, file.context) };
}
