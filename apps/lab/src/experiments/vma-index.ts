/**
 * `pnpm lab vma-index`: the gap-augmented VMA tree against the DragonOS-style list, from 10 to 1 M VMAs — lookups,
 * insert+remove pairs and top-down free-area searches.
 *
 * @module
 */

import { createRng, type Rng } from '@pagewright/core';
import { type VmaIndex, VmaList, VmaTree } from '@pagewright/vma';
import type { Row } from '../csv.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { holeVmas, populate, VMA_BASE, type VmaLayout, WIDE_HOLE } from '../vma-fixture.js';

interface Sizes {
  counts: number[];
  /** The list is built only up to here (its insert scans every VMA: building n costs O(n²)). */
  listMax: number;
  /** Time budget per measurement, milliseconds. */
  budgetMs: number;
}

const SIZES: Record<ExperimentContext['size'], Sizes> = {
  tiny: { counts: [10, 100, 1000], listMax: 100, budgetMs: 2 },
  full: { counts: [10, 100, 1_000, 10_000, 100_000, 1_000_000], listMax: 10_000, budgetMs: 150 },
};

const INDEXES: readonly { name: string; create: () => VmaIndex }[] = [
  { name: 'tree', create: () => new VmaTree() },
  { name: 'list', create: () => new VmaList() },
];

/** Runs `op(i)` for i = 0, 1, … until `budgetMs` has passed (at least 8 times); nanoseconds per call. */
function nsPerOp(op: (i: number) => void, budgetMs: number): number {
  // Warm-up: a third of the budget, so the JIT has compiled the operation before it is timed.
  const w0 = performance.now();
  for (let i = 0; performance.now() - w0 < budgetMs / 3 || i < 4; i++) op(i);
  let done = 0;
  let batch = 8;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    for (let i = 0; i < batch; i++) op(done + i);
    done += batch;
    batch *= 2;
    elapsed = performance.now() - t0;
  }
  return (elapsed * 1e6) / done;
}

function measure(layout: VmaLayout, rng: Rng, budgetMs: number): Record<string, number> {
  const { index, n } = layout;
  const probes = new Float64Array(4096);
  for (let i = 0; i < probes.length; i++) probes[i] = VMA_BASE + 2 * rng.nextInt(n);
  const vmas = holeVmas(layout, 256, rng);
  let sink = 0;
  const find = nsPerOp((i) => {
    if (index.find(probes[i & 4095] as number) !== undefined) sink++;
  }, budgetMs);
  const insertRemove = nsPerOp((i) => {
    const v = vmas[i & 255]!;
    index.insert(v);
    index.remove(v);
  }, budgetMs);
  const q = { length: WIDE_HOLE, low: VMA_BASE, high: layout.top, alignMask: 0, alignOffset: 0 };
  const gap = nsPerOp(() => {
    sink += index.findGapTopDown(q);
  }, budgetMs);
  if (n > 8 && index.findGapTopDown(q) !== layout.wideHole) {
    throw new Error(`${index.name}: the gap search missed the wide hole at ${n} VMAs`);
  }
  return { find, 'insert+remove': insertRemove, 'gap search': gap, sink };
}

/** The VMA index experiment. */
export const vmaIndexExperiment: Experiment = {
  name: 'vma-index',
  description: 'VMA tree (gap-augmented, O(log n)) vs list (DragonOS-style) from 10 to 1 M VMAs',
  steps: (size) => SIZES[size].counts.length,
  run({ seed, size, progress }: ExperimentContext): ExperimentResult {
    const sizes = SIZES[size];
    const rows: Row[] = [];
    for (const n of sizes.counts) {
      progress.tick(`${n} VMAs`);
      for (const { name, create } of INDEXES) {
        if (name === 'list' && n > sizes.listMax) continue;
        const rng = createRng(seed);
        const t0 = performance.now();
        const layout = populate(create(), n, rng);
        const buildMs = performance.now() - t0;
        const m = measure(layout, rng, sizes.budgetMs);
        for (const op of ['find', 'insert+remove', 'gap search'] as const) {
          rows.push({ index: name, vmas: n, operation: op, ns_per_op: m[op] as number });
        }
        rows.push({ index: name, vmas: n, operation: 'build (per VMA)', ns_per_op: (buildMs * 1e6) / n });
      }
    }
    const summary: Row[] = sizes.counts.map((n) => {
      const get = (index: string, op: string) =>
        rows.find((r) => r.index === index && r.vmas === n && r.operation === op)?.ns_per_op as
          | number
          | undefined;
      return {
        VMAs: n,
        'tree find ns': get('tree', 'find') ?? null,
        'list find ns': get('list', 'find') ?? null,
        'tree ins+rm ns': get('tree', 'insert+remove') ?? null,
        'list ins+rm ns': get('list', 'insert+remove') ?? null,
        'tree gap ns': get('tree', 'gap search') ?? null,
        'list gap ns': get('list', 'gap search') ?? null,
      };
    });
    return {
      rows,
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `VMA index: time per operation (seed ${seed}; the list stops at ${sizes.listMax} VMAs)`,
        data: { values: rows as Record<string, unknown>[] },
        facet: { column: { field: 'operation', type: 'nominal', title: null } },
        spec: {
          width: 170,
          height: 200,
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'vmas', type: 'quantitative', scale: { type: 'log' }, title: 'VMAs' },
            y: {
              field: 'ns_per_op',
              type: 'quantitative',
              scale: { type: 'log' },
              title: 'ns per operation',
            },
            color: { field: 'index', type: 'nominal' },
          },
        },
      },
      notes: [
        `list measured up to ${sizes.listMax} VMAs: building it is O(n²) (every insert scans for overlaps)`,
      ],
    };
  },
};
