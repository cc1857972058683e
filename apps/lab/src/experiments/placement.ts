/**
 * `pnpm lab placement`: top-down (Linux's default) vs bottom-up (Linux legacy, DragonOS) free-area search on a
 * fragmenting workload in a 4 GiB address space — random mmaps and munmaps while the heap (brk) grows.
 *
 * @module
 */

import { createRng } from '@pagewright/core';
import { BottomUpPlacement, type PlacementPolicy, TopDownPlacement, Vma, VmaTree } from '@pagewright/vma';
import { countAxis, seriesEncoding } from '../chart.js';
import type { Row } from '../csv.js';

/** The charted columns and their panel titles (with units). */
const PLACEMENT_METRICS = {
  largest_gap_pages: { title: 'largest free gap', unit: 'pages' },
  free_gaps: { title: 'free gaps', unit: 'gaps (count)' },
  heap_pages: { title: 'heap size', unit: 'pages' },
  brk_failures: { title: 'brk failures so far', unit: 'failed calls (count)' },
  mmap_failures: { title: 'mmap failures so far', unit: 'failed calls (count)' },
} as const;

import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { VMA_FLAGS } from '../vma-fixture.js';

/** The address space: 2^20 pages (4 GiB, a 32-bit process). */
const TASK_SIZE = 2 ** 20;
/** The stack: the top 2 048 pages (8 MiB), with Linux's 256-page guard gap below it left free for the mmap base. */
const STACK_PAGES = 2048;
const MMAP_BASE = TASK_SIZE - STACK_PAGES - 256;
/** The heap starts after a 256 MiB "program image", as `mm->start_brk`. */
const HEAP_START = TASK_SIZE / 16;
/** Linux legacy `TASK_UNMAPPED_BASE`: a third of the address space. */
const LEGACY_MMAP_BASE = Math.floor(TASK_SIZE / 3);
/** The mmaps aim at this fraction of the address space. */
const TARGET_OCCUPANCY = 0.4;

interface Sizes {
  steps: number;
  samples: number;
}

const SIZES: Record<ExperimentContext['size'], Sizes> = {
  tiny: { steps: 3_000, samples: 6 },
  full: { steps: 200_000, samples: 40 },
};

const POLICIES: readonly (() => PlacementPolicy)[] = [
  () => new TopDownPlacement({ mmapBase: MMAP_BASE, taskSize: TASK_SIZE, fallbackBase: HEAP_START }),
  () => new BottomUpPlacement({ base: LEGACY_MMAP_BASE, taskSize: TASK_SIZE }),
];

/** A request size: 80 % 1–16 pages, 15 % 17–256, 5 % 257–4096. */
function requestPages(r: number, u: number): number {
  if (r < 0.8) return 1 + Math.floor(u * 16);
  if (r < 0.95) return 17 + Math.floor(u * 240);
  return 257 + Math.floor(u * 3840);
}

/** Free gaps of the index inside `[1, TASK_SIZE)`: how many, and the widest. */
function gaps(index: VmaTree): { count: number; largest: number } {
  let count = 0;
  let largest = 0;
  let prevEnd = 1;
  const note = (g: number) => {
    if (g > 0) {
      count++;
      if (g > largest) largest = g;
    }
  };
  for (const v of index) {
    note(v.start - prevEnd);
    prevEnd = v.end;
  }
  note(TASK_SIZE - prevEnd);
  return { count, largest };
}

/** The placement experiment. */
export const placementExperiment: Experiment = {
  name: 'placement',
  description:
    'top-down vs bottom-up free-area search on a fragmenting mmap/munmap/brk workload (4 GiB space)',
  steps: (size) => POLICIES.length * SIZES[size].samples,
  run({ seed, size, progress }: ExperimentContext): ExperimentResult {
    const sizes = SIZES[size];
    const rows: Row[] = [];
    const summary: Row[] = [];
    for (const makePolicy of POLICIES) {
      const policy = makePolicy();
      const rng = createRng(seed);
      const index = new VmaTree();
      index.insert(new Vma({ start: TASK_SIZE - STACK_PAGES, end: TASK_SIZE, flags: VMA_FLAGS }));
      let heap = new Vma({ start: HEAP_START, end: HEAP_START + 1, flags: VMA_FLAGS });
      index.insert(heap);
      const live: Vma[] = [];
      let mapped = 0;
      let mmapFailures = 0;
      let brkFailures = 0;
      let placements = 0;
      let placeMs = 0;
      const every = Math.floor(sizes.steps / sizes.samples);
      for (let step = 1; step <= sizes.steps; step++) {
        const r = rng.nextFloat();
        if (r < 0.03) {
          // brk: grow the heap by 1–128 pages if nothing is in the way (Linux's check_brk_limits/find_vma).
          const grow = 1 + rng.nextInt(128);
          if (index.conflicts(heap.end, heap.end + grow)) brkFailures++;
          else {
            index.remove(heap);
            heap = new Vma({ start: HEAP_START, end: heap.end + grow, flags: VMA_FLAGS });
            index.insert(heap);
          }
        } else if (live.length > 0 && (r < 0.5 || mapped > TARGET_OCCUPANCY * TASK_SIZE)) {
          const i = rng.nextInt(live.length);
          const v = live[i] as Vma;
          live[i] = live[live.length - 1] as Vma;
          live.pop();
          index.remove(v);
          mapped -= v.end - v.start;
        } else {
          const length = requestPages(rng.nextFloat(), rng.nextFloat());
          const t0 = performance.now();
          const start = policy.place(index, { length });
          placeMs += performance.now() - t0;
          placements++;
          if (start < 0) mmapFailures++;
          else {
            const v = new Vma({ start, end: start + length, flags: VMA_FLAGS });
            index.insert(v);
            live.push(v);
            mapped += length;
          }
        }
        if (step % every === 0) {
          progress.tick(`${policy.name} step ${step}`);
          const g = gaps(index);
          rows.push({
            policy: policy.name,
            step,
            vmas: index.size,
            mapped_pages: mapped,
            heap_pages: heap.end - heap.start,
            free_gaps: g.count,
            largest_gap_pages: g.largest,
            mmap_failures: mmapFailures,
            brk_failures: brkFailures,
          });
        }
      }
      const g = gaps(index);
      summary.push({
        policy: policy.name,
        VMAs: index.size,
        'free gaps': g.count,
        'largest gap (pages)': g.largest,
        'heap (pages)': heap.end - heap.start,
        'mmap failures': mmapFailures,
        'brk failures': brkFailures,
        'ns / placement': placements ? (placeMs * 1e6) / placements : null,
      });
    }
    const long = rows.flatMap((r) =>
      (Object.keys(PLACEMENT_METRICS) as (keyof typeof PLACEMENT_METRICS)[]).map((m) => ({
        policy: r.policy,
        step: r.step,
        metric: PLACEMENT_METRICS[m].title,
        value: r[m],
      })),
    );
    const policies = [...new Set(rows.map((r) => r.policy as string))];
    return {
      rows,
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `Free-area placement on a fragmenting workload (seed ${seed})`,
        data: { values: long },
        hconcat: Object.entries(PLACEMENT_METRICS).map(([, m]) => ({
          title: m.title,
          transform: [{ filter: { field: 'metric', equal: m.title } }],
          width: 170,
          height: 160,
          mark: { type: 'line', strokeWidth: 2 },
          encoding: {
            x: { field: 'step', type: 'quantitative', axis: countAxis('workload step') },
            y: {
              field: 'value',
              type: 'quantitative',
              axis: countAxis(m.unit),
              // unionWith [0, 1]: an all-zero panel (no failures) still gets the integer ticks 0 and 1.
              scale: { domain: { unionWith: [0, 1] } },
            },
            ...seriesEncoding('policy', 'placement policy', policies),
          },
        })),
        resolve: { scale: { y: 'independent' } },
      },
      notes: [
        `top-down: below ${MMAP_BASE} (under the stack), falling back bottom-up from the heap start; bottom-up: from ` +
          `${LEGACY_MMAP_BASE} (TASK_SIZE/3, Linux legacy). The heap grows from ${HEAP_START}.`,
      ],
    };
  },
};
