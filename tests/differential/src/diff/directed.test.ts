import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairFor } from '../impl/impl-target.js';
import { COMBOS } from './combos.js';
import { compareProgram, describeDivergence } from './compare.js';
import { anonVmaProgramArb, errnoProgramArb } from './directed.js';
import { knownFinding } from './findings.js';
import type { Step } from './program.js';
import { systemsOf } from './systems.js';

/**
 * The directed generators (directed.ts) on a few combinations: anon_vma merge rules and populate's errno mappings.
 * CI: 4 combinations × 60 programs each per generator; soak 20×.
 */
const SOAK = process.env.PAGEWRIGHT_SOAK === '1';
const RUNS = SOAK ? 1200 : 60;
const SEED0 = Number(process.env.PAGEWRIGHT_SEED ?? 20261204);
const combos = [COMBOS[0]!, COMBOS[7]!, COMBOS[26]!, COMBOS[45]!];

function run(arb: fc.Arbitrary<Step[]>, k: number, options: (typeof COMBOS)[number]['options']) {
  fc.assert(
    fc.property(arb, (steps) => {
      const p = pairFor({ ...options, checkTlb: true });
      const d = compareProgram(steps, ...systemsOf(p), { details: 'end' });
      fc.pre(d === undefined || knownFinding(d, steps) === undefined);
      expect(d ? describeDivergence(d, steps) : '').toBe('');
      for (const proc of [...p.machine.processes.values()]) proc.exit(0);
      expect(p.machine.framesInUse()).toBe(1);
    }),
    { numRuns: RUNS, seed: SEED0 + k, maxSkipsPerRun: 1000 },
  );
}

describe('directed: anon_vma merge rules', () => {
  it.each(combos.map((c, k) => [c.label, c.options, k] as const))(
    '%s',
    (_l, options, k) => {
      run(anonVmaProgramArb(16), k, options);
    },
    SOAK ? 900_000 : 60_000,
  );
});

describe('directed: populate errno mappings (mlock, MADV_POPULATE, SIGBUS past a shared object)', () => {
  it.each(combos.map((c, k) => [c.label, c.options, k] as const))(
    '%s',
    (_l, options, k) => {
      run(errnoProgramArb(14), 100 + k, options);
    },
    SOAK ? 900_000 : 60_000,
  );
});
