/**
 * `pnpm lab real-tlb`: TLB geometry (entries × ways) and replacement policy on real programs — the static RISC-V
 * test programs of `@pagewright/linux`, every fetch, load and store translated through the hart's TLB.
 *
 * @module
 */

import type { Row } from '../csv.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { type RealProgram, runReal } from './real-programs.js';

interface Sizes {
  programs: RealProgram[];
  geometries: [number, number][];
  policies: string[];
}

const SIZES: Record<ExperimentContext['size'], Sizes> = {
  tiny: {
    programs: [{ label: 'mincore', name: 'mincore', args: [] }],
    geometries: [
      [8, 1],
      [16, 4],
    ],
    policies: ['lru', 'fifo'],
  },
  full: {
    programs: [
      { label: 'compute', name: 'compute', args: ['1'] },
      { label: 'memory 8 MiB', name: 'memory', args: ['8'] },
      { label: 'brk_malloc', name: 'brk_malloc', args: [] },
      { label: 'fork_cow', name: 'fork_cow', args: [] },
    ],
    geometries: [
      [8, 1],
      [16, 1],
      [16, 4],
      [64, 4],
      [1, 64],
      [64, 8],
    ],
    policies: ['lru', 'fifo', 'random', 'plru'],
  },
};

export const realTlbExperiment: Experiment = {
  name: 'real-tlb',
  description: 'TLB sets × ways × replacement policy on real RISC-V programs (miss rate of every access)',
  steps: (size) => {
    const s = SIZES[size];
    return s.programs.length * s.geometries.length * s.policies.length;
  },
  run({ seed, size, progress }: ExperimentContext): ExperimentResult {
    const s = SIZES[size];
    const rows: Row[] = [];
    for (const program of s.programs) {
      let expected: string | null = null;
      for (const [sets, ways] of s.geometries)
        for (const policy of s.policies) {
          const tlb = `${sets}x${ways}:${policy}`;
          progress.tick(`${program.label} ${tlb}`);
          const r = runReal(program, { tlb, seed });
          // The TLB changes timing, never results: every configuration prints the same.
          if (expected === null) expected = r.stdout;
          else if (r.stdout !== expected) throw new Error(`${program.label}: output differs under ${tlb}`);
          const lookups = r.tlbHits + r.tlbMisses;
          rows.push({
            program: program.label,
            tlb,
            entries: sets * ways,
            ways,
            policy,
            instructions: r.instructions,
            lookups,
            misses: r.tlbMisses,
            miss_rate_pct: lookups > 0 ? (100 * r.tlbMisses) / lookups : 0,
            walks: r.walks,
          });
        }
    }
    const summary = rows.map((r) => ({
      program: r.program,
      tlb: r.tlb,
      lookups: r.lookups,
      'miss %': Number((r.miss_rate_pct as number).toFixed(3)),
      walks: r.walks,
    }));
    return {
      rows,
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        data: { values: rows },
        facet: { row: { field: 'program', type: 'nominal' } },
        spec: {
          width: 360,
          height: 120,
          mark: 'bar',
          encoding: {
            x: { field: 'tlb', type: 'nominal', sort: null, title: 'TLB (sets x ways : policy)' },
            y: { field: 'miss_rate_pct', type: 'quantitative', title: 'miss rate (%)' },
            color: { field: 'policy', type: 'nominal' },
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
      notes: [
        'Every instruction fetch, load and store of the program is a TLB lookup (no TLB-free fast path).',
        'Outputs are checked identical across configurations: the TLB only changes how often the walker runs.',
      ],
    };
  },
};
