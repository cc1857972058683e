import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairFor } from '../impl/impl-target.js';
import { COMBOS } from './combos.js';
import { compareProgram, describeDivergence } from './compare.js';
import { knownFinding } from './findings.js';
import { largeProgramArb, unlinkProgramFiles } from './program.js';
import { STATS, systemsOf } from './systems.js';

/**
 * Large programs: phases that map hundreds (soak: thousands) of small VMAs with holes in a 256 MiB region and then
 * unmap, protect, advise, lock, remap and fault across them, with forks and hart changes, on 24 machines (every
 * allocator × architecture × VMA index, with two TLBs, 1–4 harts), half of them with so little memory (640 KiB)
 * that faults and system calls run out of frames. Compared as the small programs are (maps, mincore after every
 * step; smaps and status at the end). CI: 24 × 8 programs of up to 8 phases of up to 400 VMAs per rep; soak:
 * 24 × 40 programs of up to 12 phases of up to 8000 VMAs per rep (each program is ~80× larger than in CI).
 */
const SOAK = process.env.PAGEWRIGHT_SOAK === '1';
const RUNS = SOAK ? 40 : 8;
const PHASES = SOAK ? 12 : 8;
const MAX_COUNT = SOAK ? 8000 : 400;
const SEED0 = Number(process.env.PAGEWRIGHT_SEED ?? 20261204);

const combos = COMBOS.filter((c) => c.options.tlb === '4x2:lru' || c.options.tlb === '2x4:plru').map(
  (c, k) => ({
    label: `${c.label}/mem=${k % 2 ? '640KiB' : '16MiB'}/harts=${c.options.harts}`,
    options: { ...c.options, memoryBytes: k % 2 ? 640 * 1024 : 16 << 20, harts: 1 + (k % 4) },
    k,
  }),
);

describe('differential: large programs (many VMAs, wide ranges, OOM, harts)', () => {
  it.each(combos.map((c) => [c.label, c] as const))(
    '%s',
    (_label, c) => {
      fc.assert(
        fc.property(largeProgramArb(PHASES, MAX_COUNT), (steps) => {
          const p = pairFor({ ...c.options, checkTlb: true });
          const d = compareProgram(steps, ...systemsOf(p), { details: 'end', stats: STATS });
          fc.pre(d === undefined || knownFinding(d, steps) === undefined);
          expect(d ? describeDivergence(d, steps) : '').toBe('');
          STATS.programs++;
          for (const proc of [...p.machine.processes.values()]) proc.exit(0);
          unlinkProgramFiles(p.machine); // the files outlive the processes: their pages go with the names
          expect(p.machine.framesInUse(), 'frames still allocated after every process exited').toBe(1);
        }),
        { numRuns: RUNS, seed: SEED0 + c.k, maxSkipsPerRun: 1000 },
      );
    },
    SOAK ? 900_000 : 60_000,
  );
  it('reached many VMAs, several harts and out-of-memory', () => {
    // What the generators reached (printed for the README's figures).
    console.log(`large programs: ${JSON.stringify(STATS)}`);
    expect(STATS.maxVmas).toBeGreaterThan(64);
    expect(STATS.harts).toBeGreaterThan(1);
    expect(STATS.oomKills + STATS.oomStops).toBeGreaterThan(0);
  });
});
