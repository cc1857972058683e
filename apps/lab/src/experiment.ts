/**
 * What an experiment is, and the shared way its results are written: a CSV, an SVG chart and a summary table.
 *
 * @module
 */

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArchName } from '@pagewright/process-vm';
import { type TopLevelSpec, writeSvg } from './chart.js';
import { type Row, writeCsv } from './csv.js';
import type { LoadedPlugin } from './plugin-module.js';
import type { Progress } from './progress.js';
import type { ExperimentSweep } from './sweep.js';

/** `apps/lab/results/` (both `src/` and `dist/` sit one level below the lab's root). */
export const RESULTS_DIR = fileURLToPath(new URL('../results/', import.meta.url));

/** How an experiment is run. */
export interface ExperimentContext {
  /** Seed of every random choice. */
  seed: number;
  /** `tiny` sizes for tests, `full` for the committed results. */
  size: 'tiny' | 'full';
  /** Progress reporter. */
  progress: Progress;
  /** The user's plug-ins (`--with FILE`), compared against the built-ins (only where {@link Experiment.plugins}). */
  plugins?: readonly LoadedPlugin[] | undefined;
  /**
   * The architectures an experiment that compares them runs on (`--arch`; default every built-in: `sv39`, `sv48`,
   * `x86-64`, `x86-64-la57`). Experiments that do not compare architectures ignore it.
   */
  arches?: readonly ArchName[] | undefined;
  /** Worker threads a sweep runs its configurations on (`--threads`; default 1: in this thread). */
  threads?: number | undefined;
}

/** What an experiment produced. */
export interface ExperimentResult {
  /** Every measurement, one row each (written as the CSV). */
  rows: Row[];
  /** The chart (vega-lite) of the rows. */
  chart: TopLevelSpec;
  /** The condensed rows for the terminal table. */
  summary: Row[];
  /** A few lines on what the numbers show. */
  notes?: string[];
}

/** A named experiment. */
export interface Experiment {
  /** Name used on the command line and for the result files. */
  name: string;
  /** One line on what it compares. */
  description: string;
  /** What a `--with FILE` module's default export must be here; absent when the experiment takes no plug-in. */
  plugins?: string | undefined;
  /** True when the experiment compares architectures (it takes `--arch`). */
  comparesArches?: boolean | undefined;
  /** The number of progress steps a run of this size (with these plug-ins) takes. */
  steps(
    size: ExperimentContext['size'],
    plugins?: readonly LoadedPlugin[],
    arches?: readonly ArchName[],
  ): number;
  /** Runs it. */
  run(context: ExperimentContext): Promise<ExperimentResult> | ExperimentResult;
  /**
   * Present when the experiment is a sweep of independent configurations (`sweep.ts`): they can run on worker
   * threads (`--threads`) or as a Slurm job array (`--emit-slurm DIR`, then `pnpm lab merge DIR`).
   */
  sweep?: ExperimentSweep | undefined;
}

/** Writes `<dir>/<name>.csv` and `<dir>/<name>.svg`; returns their paths. */
export async function writeResults(
  name: string,
  result: ExperimentResult,
  dir: string = RESULTS_DIR,
): Promise<{ csv: string; svg: string }> {
  const csv = join(dir, `${name}.csv`);
  const svg = join(dir, `${name}.svg`);
  writeCsv(csv, result.rows);
  await writeSvg(svg, result.chart);
  return { csv, svg };
}

/** Milliseconds of wall time `fn` takes (`performance.now`). */
export function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}
