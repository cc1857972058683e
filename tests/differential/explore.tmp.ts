import fc from 'fast-check';
import { checkInvariants } from '../../packages/process-vm/src/index.ts';
import { compareProgram, describeDivergence } from './src/diff/compare.ts';
import { knownFinding } from './src/diff/findings.ts';
import { programArb } from './src/diff/program.ts';
import { implTarget, pairFor } from './src/impl/impl-target.ts';
import { modelTarget } from './src/scenario/model-target.ts';

const opts = JSON.parse(process.argv[2] ?? '{}');
const runs = Number(process.argv[3] ?? 200);
const seed = Number(process.argv[4] ?? 1);
let last = '';
const r = fc.check(
  fc.property(programArb(Number(process.env.STEPS ?? 20)), (steps) => {
    const p = pairFor(opts);
    const d = compareProgram(
      steps,
      { root: modelTarget(p.model, p.modelPid), check: () => {} },
      { root: implTarget(p.process), check: () => checkInvariants(p.machine) },
    );
    if (d && knownFinding(d, steps)) {
      fc.pre(false);
    }
    if (d) {
      last = describeDivergence(d, steps);
      return false;
    }
    return true;
  }),
  { numRuns: runs, seed },
);
console.log(r.failed ? `FAILED after ${r.numRuns}\n${last}` : `ok ${r.numRuns}`);
