import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelMachine, X86_64_SCENARIO_CONFIG } from '../model/machine.js';
import { modelTarget } from './model-target.js';
import { runScenarioOn } from './run.js';

const dir = join(import.meta.dirname, '../../../../packages/process-vm/conformance');
const scenarios = [
  ...readdirSync(dir).filter((f) => f.endsWith('.scn')),
  ...readdirSync(join(dir, 'files'))
    .filter((f) => f.endsWith('.scn'))
    .map((f) => `files/${f}`),
];

describe('the reference model reproduces the Linux oracle on every public scenario', () => {
  it('finds the public scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(14 + 25);
  });
  for (const file of scenarios) {
    it(file, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const expected = readFileSync(join(dir, file.replace(/\.scn$/, '.expected.jsonl')), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l));
      const m = new ModelMachine(X86_64_SCENARIO_CONFIG);
      const got = runScenarioOn(text, modelTarget(m, m.spawn()));
      expect(got).toEqual(expected);
    });
  }
});
