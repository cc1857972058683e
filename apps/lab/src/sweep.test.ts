import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS } from './experiments/index.js';
import { pageReplacementExperiment } from './experiments/page-replacement.js';
import { labProgram } from './lab-cli.js';
import { emitSlurm, mergeSweep, runSlurmTask, runSweep } from './sweep.js';

const context = { seed: 3, size: 'tiny' as const };

describe('sweeps', () => {
  it('worker threads give exactly the rows of a run in this thread', async () => {
    const here = await runSweep(pageReplacementExperiment, context, 1);
    const threads = await runSweep(pageReplacementExperiment, context, 2);
    expect(threads.rows.length).toBeGreaterThan(20);
    expect(threads.rows).toEqual(here.rows);
    expect(threads.summary).toEqual(here.summary);
  });

  it('a Slurm job array: one task per configuration, merged as a local run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-slurm-'));
    try {
      const { script, tasks } = emitSlurm(pageReplacementExperiment, context, dir, '/repo');
      const configs = pageReplacementExperiment.sweep?.configs(context) ?? [];
      expect(tasks).toBe(configs.length);
      const sbatch = readFileSync(script, 'utf8');
      expect(sbatch).toContain(`#SBATCH --array=0-${tasks - 1}`);
      expect(sbatch).toContain('lab task');
      expect(sbatch).toContain('"$SLURM_ARRAY_TASK_ID"');
      expect(() => mergeSweep(EXPERIMENTS, dir)).toThrow(/tasks have no result yet \(first: task 0\)/);
      for (let i = 0; i < tasks; i++) runSlurmTask(EXPERIMENTS, dir, i);
      expect(() => runSlurmTask(EXPERIMENTS, dir, tasks)).toThrow(/not in/);
      const merged = mergeSweep(EXPERIMENTS, dir);
      expect(merged.experiment).toBe(pageReplacementExperiment);
      expect(merged.result.rows).toEqual((await runSweep(pageReplacementExperiment, context, 1)).rows);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI: --emit-slurm, task and merge', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-slurm-cli-'));
    const out = mkdtempSync(join(tmpdir(), 'lab-slurm-out-'));
    try {
      let text = '';
      const run = (args: string[]) =>
        labProgram((t) => {
          text += t;
        })
          .exitOverride()
          .parseAsync(['node', 'lab', ...args]);
      await run(['page-replacement', '--tiny', '--seed', '3', '--emit-slurm', dir]);
      expect(text).toMatch(/job\.sbatch: \d+ tasks/);
      const tasks = (JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as { configs: unknown[] })
        .configs.length;
      for (let i = 0; i < tasks; i++) await run(['task', dir, String(i)]);
      await run(['merge', dir, '--out', out]);
      expect(text).toContain('page-replacement (seed 3)');
      expect(readFileSync(join(out, 'page-replacement.csv'), 'utf8').split('\n').length).toBeGreaterThan(20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });
});
