/**
 * `pnpm lab vma-index`: the gap-augmented VMA tree against the DragonOS-style list, from 10 to 1 M VMAs — lookups,
 * insert+remove pairs and top-down free-area searches.
 *
 * @module
 */

import { createRng, type Rng } from '@pagewright/core';
import { VMA_INDEXES, type VmaIndex } from '@pagewright/vma';
import { seriesEncoding } from '../chart.js';
import type { Row } from '../csv.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { type LoadedPlugin, makeFromPlugin, pluginName } from '../plugin-module.js';
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

/** Linux's stack guard gap in pages (the indexes' default). */
const STACK_GUARD_GAP = 256;

/** True when `x` has the members of a `VmaIndex` (not its behaviour). */
function isVmaIndex(x: unknown): x is VmaIndex {
  const v = x as Record<string, unknown> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    ['find', 'insert', 'remove', 'findGapTopDown'].every((k) => typeof v[k] === 'function')
  );
}

/** An index under test; `quadratic` ones (insert scans every VMA) are built only up to `listMax`. */
interface IndexCandidate {
  name: string;
  create: () => VmaIndex;
  quadratic: boolean;
}

/**
 * The built-in indexes (`VMA_INDEXES` of `@pagewright/vma`: tree, btree, treap, list), then the user's plug-ins,
 * each a factory `(ctx: { stackGuardGap }) => VmaIndex`. A plug-in is measured only up to `listMax` VMAs like the
 * list, since its cost is unknown.
 *
 * @throws LabUsageError when a plug-in's factory throws or does not make a `VmaIndex`
 */
export function indexCandidates(plugins: readonly LoadedPlugin[] = []): IndexCandidate[] {
  const ctx = { stackGuardGap: STACK_GUARD_GAP };
  const out: IndexCandidate[] = Object.entries(VMA_INDEXES).map(([name, make]) => ({
    name,
    create: () => make(ctx),
    quadratic: name === 'list',
  }));
  for (const plugin of plugins) {
    const create = () => makeFromPlugin(plugin, ctx, 'VmaIndex', isVmaIndex);
    const name = pluginName(plugin, create());
    out.push({
      name: out.some((c) => c.name === name) ? `${name} (${plugin.fileName})` : name,
      create,
      quadratic: true,
    });
  }
  return out;
}

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
  description:
    'VMA indexes (gap-augmented tree, B+tree, treap, DragonOS-style list, and --with plug-ins) from 10 to 1 M VMAs',
  plugins: 'a VMA index: (ctx: { stackGuardGap }) => VmaIndex',
  steps: (size) => SIZES[size].counts.length,
  run({ seed, size, progress, plugins = [] }: ExperimentContext): ExperimentResult {
    const sizes = SIZES[size];
    const rows: Row[] = [];
    const candidates = indexCandidates(plugins);
    const names = candidates.map((c) => c.name);
    for (const n of sizes.counts) {
      progress.tick(`${n} VMAs`);
      for (const { name, create, quadratic } of candidates) {
        if (quadratic && n > sizes.listMax) continue;
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
      const row: Record<string, number | null> = { VMAs: n };
      for (const name of names) {
        row[`${name} find ns`] = get(name, 'find') ?? null;
        row[`${name} ins+rm ns`] = get(name, 'insert+remove') ?? null;
        row[`${name} gap ns`] = get(name, 'gap search') ?? null;
      }
      return row;
    });
    return {
      rows,
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `VMA index: time per operation (seed ${seed}; the list stops at ${sizes.listMax} VMAs)`,
        data: { values: rows as Record<string, unknown>[] },
        facet: {
          column: {
            field: 'operation',
            type: 'nominal',
            title: null,
            sort: ['find', 'insert+remove', 'gap search', 'build (per VMA)'],
            header: { labelFontWeight: 'bold' },
          },
        },
        spec: {
          width: 170,
          height: 200,
          mark: { type: 'line', point: { size: 50, filled: true }, strokeWidth: 2 },
          encoding: {
            x: {
              field: 'vmas',
              type: 'quantitative',
              scale: { type: 'log' },
              axis: { title: 'VMAs in the index', values: sizes.counts, format: '~s' },
            },
            y: {
              field: 'ns_per_op',
              type: 'quantitative',
              scale: { type: 'log' },
              axis: { title: 'ns per operation (log)', format: '~s' },
            },
            ...seriesEncoding('index', 'VMA index', names),
          },
        },
      },
      notes: [
        `list${plugins.length > 0 ? ' and plug-ins' : ''} measured up to ${sizes.listMax} VMAs: building the list is O(n²) (every insert scans for overlaps)`,
      ],
    };
  },
};
