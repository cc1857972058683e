/**
 * `pnpm lab real-alloc`: frame allocator × free-area placement on real programs — peak frames, page-table walks
 * and wall time of the static RISC-V test programs of `@pagewright/linux`.
 *
 * @module
 */

import type { Row } from '../csv.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { type RealProgram, runReal } from './real-programs.js';

const ALLOCATORS = ['stack', 'bitmap', 'buddy'] as const;
const PLACEMENTS = ['topdown', 'bottomup'] as const;

const PROGRAMS: Record<ExperimentContext['size'], RealProgram[]> = {
  tiny: [{ label: 'mlock', name: 'mlock', args: [] }],
  full: [
    { label: 'brk_malloc', name: 'brk_malloc', args: [] },
    { label: 'mmap_anon', name: 'mmap_anon', args: [] },
    { label: 'mremap', name: 'mremap', args: [] },
    { label: 'fork_cow', name: 'fork_cow', args: [] },
    { label: 'memory 8 MiB', name: 'memory', args: ['8'] },
  ],
};

export const realAllocExperiment: Experiment = {
  name: 'real-alloc',
  description: 'frame allocator × placement policy on real RISC-V programs (peak frames, walks, time)',
  steps: (size) => PROGRAMS[size].length * ALLOCATORS.length * PLACEMENTS.length,
  run({ seed, size, progress }: ExperimentContext): ExperimentResult {
    const rows: Row[] = [];
    for (const program of PROGRAMS[size]) {
      const expected = new Map<string, string>();
      let linux: string | null = null;
      for (const allocator of ALLOCATORS)
        for (const placement of PLACEMENTS) {
          progress.tick(`${program.label} ${allocator}/${placement}`);
          const r = runReal(program, { allocator, placement, seed });
          // The frame allocator never changes what a program sees: same output for every allocator.
          const first = expected.get(placement);
          if (first === undefined) expected.set(placement, r.stdout);
          else if (r.stdout !== first)
            throw new Error(`${program.label}: output differs under ${allocator}/${placement}`);
          // The placement may (mremap's moves land elsewhere bottom-up): recorded against Linux's top-down.
          if (placement === 'topdown' && linux === null) linux = r.stdout;
          rows.push({
            program: program.label,
            allocator,
            placement,
            config: `${allocator}/${placement}`,
            instructions: r.instructions,
            frames_peak: r.framesPeak,
            walks: r.walks,
            tlb_misses: r.tlbMisses,
            ms: Number(r.ms.toFixed(1)),
            output_as_topdown: linux === null ? null : r.stdout === linux,
          });
        }
    }
    return {
      rows,
      summary: rows.map((r) => ({
        program: r.program,
        config: r.config,
        'peak frames': r.frames_peak,
        walks: r.walks,
        ms: r.ms,
      })),
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
        data: { values: rows },
        facet: { row: { field: 'program', type: 'nominal' } },
        spec: {
          width: 320,
          height: 110,
          mark: 'bar',
          encoding: {
            x: { field: 'config', type: 'nominal', sort: null, title: 'allocator / placement' },
            y: { field: 'ms', type: 'quantitative', title: 'wall time (ms)' },
            color: { field: 'allocator', type: 'nominal' },
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
      notes: [
        'Peak frames include page tables and the program file in the page cache; they differ by placement only',
        'through how many page tables the layout needs. Outputs are checked identical across allocators;',
        'output_as_topdown says whether a placement changed what the program printed (Linux is top-down).',
      ],
    };
  },
};
