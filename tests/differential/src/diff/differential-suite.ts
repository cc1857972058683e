import { checkInvariants } from '@pagewright/process-vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairFor } from '../impl/impl-target.js';
import { COMBOS } from './combos.js';
import { compareProgram, describeDivergence } from './compare.js';
import { knownFinding } from './findings.js';
import { programArb, unlinkProgramFiles } from './program.js';
import { STATS, systemsOf } from './systems.js';

/**
 * Model-based differential testing: random programs run on the implementation and on the reference model; after
 * every step the results, every process's maps and mincore, and the implementation's invariant checker must agree
 * (see compare.ts), with the stale-TLB detector on; after the program every process exits and every frame but the
 * zero page must be back in the allocator (teardown). CI: 60 combinations × 140 programs of up to 20 steps =
 * 8 400 programs. Soak
 * (`PAGEWRIGHT_SOAK=1`): 20× the programs, up to 40 steps each. `PAGEWRIGHT_SEED` shifts every seed.
 */
const SOAK = process.env.PAGEWRIGHT_SOAK === '1';
const RUNS = SOAK ? 2800 : 140;
const STEPS = SOAK ? 40 : 20;
const SEED0 = Number(process.env.PAGEWRIGHT_SEED ?? 20261122);

/** Defines the differential tests for the combinations whose allocator is `allocator` (one file per allocator, so
 * that vitest runs them in parallel). */
export function differentialSuite(allocator: string): void {
  const combos = COMBOS.map((c, k) => [c.label, c.options, k] as const).filter(
    ([, o]) => o.allocator === allocator,
  );
  describe(`differential: implementation vs reference model (${allocator} allocator)`, () => {
    let tlbChecks = 0;
    it.each(combos)(
      '%s',
      (_label, options, k) => {
        let report = '';
        fc.assert(
          fc.property(programArb(STEPS), (steps) => {
            const p = pairFor({ ...options, checkTlb: true });
            // smaps/status after every step for one program in eight, at the end for the others (CI budget)
            const details = STATS.programs++ % 8 === 0 ? 'step' : 'end';
            const d = compareProgram(steps, ...systemsOf(p), { stats: STATS, details });
            // A program that runs into a recorded finding (FINDINGS.md, findings.ts) is set aside, not counted.
            fc.pre(d === undefined || knownFinding(d, steps) === undefined);
            report = d ? describeDivergence(d, steps) : '';
            expect(report).toBe('');
            // Teardown: once every process has exited, only the zero page is still allocated.
            tlbChecks += p.machine.detector.checks;
            for (const proc of [...p.machine.processes.values()]) proc.exit(0);
            unlinkProgramFiles(p.machine); // the files outlive the processes: their pages go with the names
            checkInvariants(p.machine);
            expect(p.machine.framesInUse(), 'frames still allocated after every process exited').toBe(1);
          }),
          { numRuns: RUNS, seed: SEED0 + k, maxSkipsPerRun: 1000 },
        );
      },
      SOAK ? 900_000 : 60_000,
    );
    it('ran the stale-TLB detector on several harts', () => {
      console.log(`${allocator}: ${JSON.stringify(STATS)}`);
      expect(tlbChecks).toBeGreaterThan(0);
      expect(STATS.harts).toBeGreaterThan(1);
    });
  });
}
