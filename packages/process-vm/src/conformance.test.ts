import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { runScenario } from './scenario.js';

const dir = join(import.meta.dirname, '..', 'conformance');
const scenarios = readdirSync(dir)
  .filter((f) => f.endsWith('.scn'))
  .sort();

describe('public Linux conformance scenarios', () => {
  it('finds the scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(14);
  });
  for (const f of scenarios) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const expected = readFileSync(join(dir, f.replace(/\.scn$/, '.expected.jsonl')), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l));
      const got = runScenario(text, { checkTlb: true, afterEach: (p) => checkInvariants(p) }).map((l) =>
        JSON.parse(l),
      );
      expect(got).toEqual(expected);
    });
  }
});
