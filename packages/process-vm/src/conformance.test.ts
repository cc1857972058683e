import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { runScenario } from './scenario.js';

const root = join(import.meta.dirname, '..', 'conformance');
// The anonymous-memory scenarios, then the file-mapping ones (in `files/`: they need a filesystem).
const scenarios = [
  ...readdirSync(root)
    .filter((f) => f.endsWith('.scn'))
    .sort(),
  ...readdirSync(join(root, 'files'))
    .filter((f) => f.endsWith('.scn'))
    .sort()
    .map((f) => join('files', f)),
];
const dir = root;

describe('public Linux conformance scenarios', () => {
  it('finds the scenarios', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(26);
    expect(scenarios.filter((f) => f.startsWith('files')).length).toBeGreaterThanOrEqual(12);
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

// The same answers on every architecture with a 47-bit user space (Sv39's is 38 bits), with x86-64's TASK_SIZE.
describe.each(['x86-64-la57', 'sv48'] as const)('public Linux conformance scenarios on %s', (arch) => {
  for (const f of scenarios) {
    it(f, () => {
      const text = readFileSync(join(dir, f), 'utf8');
      const expected = readFileSync(join(dir, f.replace(/\.scn$/, '.expected.jsonl')), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      const machine = {
        arch,
        memoryBytes: 512 * 1024 * 1024,
        checkTlb: true,
        limits: { taskSize: 2 ** 47 - 4096 },
      };
      const got = runScenario(text, { machine, afterEach: (p) => checkInvariants(p) });
      expect(got.map((l) => JSON.parse(l))).toEqual(expected.map((l) => JSON.parse(l)));
    });
  }
});
