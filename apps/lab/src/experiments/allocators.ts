/**
 * `pnpm lab allocators`: the stack, bitmap and buddy frame allocators on the same work — single-frame throughput,
 * fragmentation after a churn workload, and how many contiguous blocks each can still hand out.
 *
 * @module
 */

import { createRng, type FrameAllocator, NO_FRAME, type Rng } from '@pagewright/core';
import { FRAME_ALLOCATORS, isFrameAllocator } from '@pagewright/frames';
import { seriesEncoding } from '../chart.js';
import type { Row } from '../csv.js';
import { type Experiment, type ExperimentContext, type ExperimentResult, timeMs } from '../experiment.js';
import { type LoadedPlugin, makeFromPlugin, pluginName } from '../plugin-module.js';

/** First frame of the simulated RAM (0x8000_0000 / 4096, where RISC-V boards put DRAM). */
const FIRST_FRAME = 0x80000;

/** An allocator under test: its name and a constructor over `frameCount` frames. */
export interface AllocatorCandidate {
  name: string;
  create(frameCount: number): FrameAllocator;
}

/**
 * The built-in allocators (`FRAME_ALLOCATORS` of `@pagewright/frames`, in its order), then the user's plug-ins
 * (`--with FILE`), each a factory over the same range of frames.
 *
 * @throws LabUsageError when a plug-in's factory throws or does not make a `FrameAllocator`
 */
export function allocatorCandidates(plugins: readonly LoadedPlugin[] = []): AllocatorCandidate[] {
  const out: AllocatorCandidate[] = Object.entries(FRAME_ALLOCATORS).map(([name, make]) => ({
    name,
    create: (frameCount: number) => make({ firstFrame: FIRST_FRAME, frameCount }),
  }));
  for (const plugin of plugins) {
    const make = (frameCount: number) =>
      makeFromPlugin(plugin, { firstFrame: FIRST_FRAME, frameCount }, 'FrameAllocator', isFrameAllocator);
    // Made once here, so a broken plug-in is refused before any measurement.
    const name = pluginName(plugin, make(64));
    out.push({
      name: out.some((c) => c.name === name) ? `${name} (${plugin.fileName})` : name,
      create: make,
    });
  }
  return out;
}

/** Sizes of one run. */
interface Sizes {
  frames: number;
  churnSteps: number;
  throughputRounds: number;
}

const SIZES: Record<ExperimentContext['size'], Sizes> = {
  tiny: { frames: 4096, churnSteps: 5_000, throughputRounds: 20 },
  full: { frames: 65_536, churnSteps: 200_000, throughputRounds: 400 },
};

/** The orders probed after the churn. */
const PROBE_ORDERS = [0, 1, 2, 3, 4, 5, 6, 8, 9] as const;

/** Single-frame alloc+free pairs per second: allocate 1024 frames, free them in a shuffled order. */
function pairsPerSecond(a: FrameAllocator, rounds: number, rng: Rng): number {
  const batch = 1024;
  const held = new Int32Array(batch);
  const order = new Int32Array(batch).map((_, i) => i);
  for (let i = batch - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  const round = () => {
    for (let i = 0; i < batch; i++) held[i] = a.alloc();
    for (let i = 0; i < batch; i++) a.free(held[order[i] as number] as number, 0);
  };
  for (let r = 0; r < Math.min(rounds, 20); r++) round(); // warm-up
  const ms = timeMs(() => {
    for (let r = 0; r < rounds; r++) round();
  });
  return (rounds * batch) / (ms / 1000);
}

/** What the churn left behind and how its contiguous requests fared. */
interface ChurnOutcome {
  attempts: number[];
  successes: number[];
}

/**
 * Churn: a random mix of allocations (order 0 with probability 0.85, orders 1–4 otherwise) and frees of random live
 * blocks, steering the occupancy towards 75 %. Deterministic for a seed.
 */
function churn(a: FrameAllocator, steps: number, rng: Rng): ChurnOutcome {
  const livePfn: number[] = [];
  const liveOrder: number[] = [];
  let used = 0;
  const attempts = [0, 0, 0, 0, 0];
  const successes = [0, 0, 0, 0, 0];
  const target = 0.75 * a.totalFrames;
  for (let s = 0; s < steps; s++) {
    const allocate = livePfn.length === 0 || rng.nextFloat() < (used < target ? 0.6 : 0.4);
    if (allocate) {
      const order = rng.nextFloat() < 0.85 ? 0 : 1 + rng.nextInt(4);
      attempts[order] = (attempts[order] as number) + 1;
      const pfn = order === 0 ? a.alloc() : a.allocContiguous(order);
      if (pfn !== NO_FRAME) {
        successes[order] = (successes[order] as number) + 1;
        livePfn.push(pfn);
        liveOrder.push(order);
        used += 2 ** order;
      }
    } else {
      const i = rng.nextInt(livePfn.length);
      const pfn = livePfn[i] as number;
      const order = liveOrder[i] as number;
      livePfn[i] = livePfn[livePfn.length - 1] as number;
      liveOrder[i] = liveOrder[liveOrder.length - 1] as number;
      livePfn.pop();
      liveOrder.pop();
      a.free(pfn, order);
      used -= 2 ** order;
    }
  }
  return { attempts, successes };
}

/** Free runs of frames (maximal, as `isAllocated` sees them): count and the longest. */
function freeRuns(a: FrameAllocator): { runs: number; longest: number } {
  let runs = 0;
  let longest = 0;
  let current = 0;
  for (let i = 0; i < a.totalFrames; i++) {
    if (a.isAllocated(a.firstFrame + i)) {
      current = 0;
    } else {
      if (current === 0) runs++;
      current++;
      if (current > longest) longest = current;
    }
  }
  return { runs, longest };
}

/** How many blocks of `order` can still be allocated, as a fraction of what the free frames would allow. */
function contiguousYield(a: FrameAllocator, order: number): number {
  const ideal = Math.floor(a.freeFrames / 2 ** order);
  if (ideal === 0) return 0;
  let got = 0;
  while (got < ideal && a.allocContiguous(order) !== NO_FRAME) got++;
  return got / ideal;
}

/** The allocators experiment. */
export const allocatorsExperiment: Experiment = {
  name: 'allocators',
  description:
    'stack vs bitmap vs buddy frame allocators (and --with plug-ins): throughput, fragmentation after churn, contiguous success',
  plugins: 'a frame allocator: (ctx: { firstFrame, frameCount }) => FrameAllocator',
  steps: (_size, plugins = []) =>
    (Object.keys(FRAME_ALLOCATORS).length + plugins.length) * (2 + PROBE_ORDERS.length),
  run({ seed, size, progress, plugins = [] }: ExperimentContext): ExperimentResult {
    const sizes = SIZES[size];
    const rows: Row[] = [];
    const summary: Row[] = [];
    const candidates = allocatorCandidates(plugins);
    const names = candidates.map((c) => c.name);
    for (const candidate of candidates) {
      progress.tick(`${candidate.name}: throughput`);
      const pairs = pairsPerSecond(candidate.create(sizes.frames), sizes.throughputRounds, createRng(seed));
      rows.push({ allocator: candidate.name, metric: 'alloc-free pairs/s', order: 0, value: pairs });

      progress.tick(`${candidate.name}: churn`);
      const a = candidate.create(sizes.frames);
      const outcome = churn(a, sizes.churnSteps, createRng(seed));
      const runs = freeRuns(a);
      rows.push({
        allocator: candidate.name,
        metric: 'free frames after churn',
        order: null,
        value: a.freeFrames,
      });
      rows.push({
        allocator: candidate.name,
        metric: 'free runs after churn',
        order: null,
        value: runs.runs,
      });
      rows.push({ allocator: candidate.name, metric: 'longest free run', order: null, value: runs.longest });
      for (let order = 1; order < outcome.attempts.length; order++) {
        const tries = outcome.attempts[order] as number;
        rows.push({
          allocator: candidate.name,
          metric: 'churn contiguous success',
          order,
          value: tries ? (outcome.successes[order] as number) / tries : null,
        });
      }
      const yields: number[] = [];
      for (const order of PROBE_ORDERS) {
        progress.tick(`${candidate.name}: order ${order}`);
        // Each probe replays the same churn on a fresh allocator, then takes blocks of one order until it fails.
        const fresh = candidate.create(sizes.frames);
        churn(fresh, sizes.churnSteps, createRng(seed));
        const y = contiguousYield(fresh, order);
        yields.push(y);
        rows.push({ allocator: candidate.name, metric: 'contiguous yield after churn', order, value: y });
      }
      const attemptsAbove0 = outcome.attempts.slice(1).reduce((s, x) => s + x, 0);
      const successesAbove0 = outcome.successes.slice(1).reduce((s, x) => s + x, 0);
      summary.push({
        allocator: candidate.name,
        'pairs/s': Math.round(pairs),
        'free after churn': a.freeFrames,
        'free runs': runs.runs,
        'longest run': runs.longest,
        'churn order 1-4 ok': attemptsAbove0
          ? `${((100 * successesAbove0) / attemptsAbove0).toFixed(1)} %`
          : '—',
        'order-4 yield': `${(100 * (yields[PROBE_ORDERS.indexOf(4)] ?? 0)).toFixed(1)} %`,
        'order-9 yield': `${(100 * (yields[PROBE_ORDERS.indexOf(9)] ?? 0)).toFixed(1)} %`,
      });
    }
    return {
      rows,
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `Frame allocators: ${sizes.frames} frames, ${sizes.churnSteps} churn steps (seed ${seed})`,
        data: { values: rows as Row[] as Record<string, unknown>[] },
        hconcat: [
          {
            title: 'single-frame alloc+free pairs per second',
            transform: [{ filter: "datum.metric === 'alloc-free pairs/s'" }],
            width: 70 * names.length,
            mark: 'bar',
            encoding: {
              x: {
                field: 'allocator',
                type: 'nominal',
                sort: names,
                title: 'allocator',
                axis: { labelAngle: 0 },
              },
              y: {
                field: 'value',
                type: 'quantitative',
                title: 'alloc+free pairs / s',
                axis: { format: '~s' },
              },
              color: {
                field: 'allocator',
                type: 'nominal',
                title: 'allocator',
                scale: { domain: names },
                legend: { title: 'allocator', labelLimit: 400 },
              },
            },
          },
          {
            title: 'blocks of 2^order frames still obtainable after the churn',
            transform: [{ filter: "datum.metric === 'contiguous yield after churn'" }],
            width: 320,
            mark: { type: 'line', point: { size: 60, filled: true }, strokeWidth: 2 },
            encoding: {
              x: {
                field: 'order',
                type: 'quantitative',
                title: 'order (block of 2^order frames)',
                axis: { values: [...PROBE_ORDERS], format: 'd' },
              },
              y: {
                field: 'value',
                type: 'quantitative',
                title: 'yield (% of free frames / 2^order)',
                axis: { format: '%' },
              },
              ...seriesEncoding('allocator', 'allocator', names),
            },
          },
        ],
        resolve: { legend: { color: 'shared' } },
      },
      notes: [
        'yield = blocks of that order the allocator could still hand out after the churn ÷ the free frames / 2^order.',
      ],
    };
  },
};
