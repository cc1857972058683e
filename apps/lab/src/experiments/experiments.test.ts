import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExperiment } from '../lab-cli.js';
import { EXPERIMENTS } from './index.js';

describe.each(EXPERIMENTS.map((e) => [e.name, e] as const))('experiment %s', (_name, experiment) => {
  it('runs on a tiny size and writes a CSV, an SVG and a summary', async () => {
    const out = mkdtempSync(join(tmpdir(), `lab-${experiment.name}-`));
    const { text, csv, svg } = await runExperiment(experiment, {
      seed: 7,
      size: 'tiny',
      out,
      progress: false,
    });
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    // Fields: plain, or double-quoted with "" inside (RFC 4180).
    const fields = (line: string) => {
      let n = 1;
      let quoted = false;
      for (const c of line) {
        if (c === '"') quoted = !quoted;
        else if (c === ',' && !quoted) n++;
      }
      return n;
    };
    const width = fields(lines[0] ?? '');
    expect(lines.every((l) => fields(l) === width)).toBe(true);
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
    expect(text).toContain(experiment.name);
  });
});
