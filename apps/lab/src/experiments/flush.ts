/**
 * `pnpm lab flush`: per-page vs batched vs full TLB flushes after unmapping ranges of a multi-threaded address
 * space running on 1–8 harts — shootdown IPIs, invalidations, and the TLB refills the flush costs afterwards.
 *
 * @module
 */

import { createRng, PteFlag } from '@pagewright/core';
import { BuddyFrameAllocator, SparsePhysicalMemory } from '@pagewright/frames';
import { PageMapper, TlbShootdown } from '@pagewright/mapper';
import { Hart, SetAssociativeTlb, Sv39 } from '@pagewright/sv39';
import { countAxis, seriesEncoding } from '../chart.js';
import type { Row } from '../csv.js';

/** The charted columns and their panel titles. */
const FLUSH_METRICS = {
  ipis_per_unmap: 'IPIs sent',
  invalidations_per_unmap: 'TLB entries invalidated',
  refill_walks_per_unmap: 'page walks to refill the TLBs',
} as const;

import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';

/** User read/write, A and D set. */
const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
/** First page of the working set (1 GiB). */
const BASE_VPN = 0x40000;
/** Pages every thread keeps touching (fits the 64 × 4 TLB). */
const WORKING_SET = 192;

/** A flush strategy: how the unmapping of a range reaches the TLBs. */
interface Strategy {
  name: string;
  /** Queued pages past which the shootdown collapses into one ASID flush. */
  threshold: number;
  /** One unmap + dispatch per page instead of one for the range. */
  perPage: boolean;
}

const STRATEGIES: readonly Strategy[] = [
  { name: 'per-page', threshold: Number.POSITIVE_INFINITY, perPage: true },
  { name: 'batched', threshold: Number.POSITIVE_INFINITY, perPage: false },
  { name: 'batched (full past 32)', threshold: 32, perPage: false },
  { name: 'full', threshold: 0, perPage: false },
];

interface Sizes {
  harts: number[];
  pages: number[];
  rounds: number;
}

const SIZES: Record<ExperimentContext['size'], Sizes> = {
  tiny: { harts: [1, 2], pages: [1, 8], rounds: 4 },
  full: { harts: [1, 2, 4, 8], pages: [1, 8, 32, 128], rounds: 150 },
};

/** One configuration's totals. */
interface Outcome {
  ipis: number;
  invalidations: number;
  shootdowns: number;
  refillWalks: number;
  flushUs: number;
}

function runConfig(
  hartCount: number,
  pages: number,
  strategy: Strategy,
  rounds: number,
  seed: number,
): Outcome {
  const memory = new SparsePhysicalMemory({ size: 2 ** 28 });
  const allocator = new BuddyFrameAllocator({ firstFrame: memory.baseFrame, frameCount: memory.frameCount });
  const harts = Array.from(
    { length: hartCount },
    (_, id) => new Hart({ id, memory, tlb: new SetAssociativeTlb({ sets: 64, ways: 4 }), privilege: 0 }),
  );
  const mapper = new PageMapper({ arch: Sv39, memory, allocator });
  const flusher = new TlbShootdown({ harts, rootPpn: mapper.rootPpn, threshold: strategy.threshold });
  for (const h of harts) {
    if (!h.writeSatp('sv39', 1, mapper.rootPpn)) throw new Error('satp refused');
  }
  if (mapper.mapRange(BASE_VPN, BASE_VPN + WORKING_SET, URW) < 0) throw new Error('mapRange failed');
  const release = (pfn: number) => allocator.free(pfn);
  const touchAll = () => {
    for (const h of harts) {
      for (let p = 0; p < WORKING_SET; p++) {
        if (h.translate((BASE_VPN + p) * 4096, 0) < 0) throw new Error('working-set page faulted');
      }
    }
  };
  touchAll();
  const rng = createRng(seed);
  let refillWalks = 0;
  let flushMs = 0;
  for (let r = 0; r < rounds; r++) {
    const start = BASE_VPN + rng.nextInt(WORKING_SET - pages + 1);
    const t0 = performance.now();
    if (strategy.perPage) {
      for (let v = start; v < start + pages; v++) {
        if (mapper.unmapRange(v, v + 1, release, flusher) < 0) throw new Error('unmap failed');
        mapper.flush(flusher);
      }
    } else {
      if (mapper.unmapRange(start, start + pages, release, flusher) < 0) throw new Error('unmap failed');
      mapper.flush(flusher);
    }
    flushMs += performance.now() - t0;
    if (mapper.mapRange(start, start + pages, URW, 0, -1, flusher) < 0) throw new Error('remap failed');
    mapper.flush(flusher);
    const walksBefore = harts.reduce((s, h) => s + h.walks, 0);
    touchAll();
    refillWalks += harts.reduce((s, h) => s + h.walks, 0) - walksBefore;
  }
  return {
    ipis: flusher.ipis,
    invalidations: flusher.pageFlushes + flusher.asidFlushes + flusher.fullFlushes,
    shootdowns: flusher.shootdowns,
    refillWalks,
    flushUs: flushMs * 1000,
  };
}

/** The flush experiment. */
export const flushExperiment: Experiment = {
  name: 'flush',
  description: 'per-page vs batched vs full TLB flushes with shootdown IPIs counted on 1–8 harts',
  steps: (size) => SIZES[size].harts.length * SIZES[size].pages.length,
  run({ seed, size, progress }: ExperimentContext): ExperimentResult {
    const sizes = SIZES[size];
    const rows: Row[] = [];
    for (const harts of sizes.harts) {
      for (const pages of sizes.pages) {
        progress.tick(`${harts} harts, ${pages} pages`);
        for (const strategy of STRATEGIES) {
          const o = runConfig(harts, pages, strategy, sizes.rounds, seed);
          rows.push({
            harts,
            pages_per_unmap: pages,
            strategy: strategy.name,
            unmaps: sizes.rounds,
            ipis_per_unmap: o.ipis / sizes.rounds,
            shootdowns_per_unmap: o.shootdowns / sizes.rounds,
            invalidations_per_unmap: o.invalidations / sizes.rounds,
            refill_walks_per_unmap: o.refillWalks / sizes.rounds,
            us_per_unmap: o.flushUs / sizes.rounds,
          });
        }
      }
    }
    const maxHarts = Math.max(...sizes.harts);
    const summary: Row[] = rows
      .filter((r) => r.harts === maxHarts)
      .map((r) => ({
        harts: r.harts,
        pages: r.pages_per_unmap,
        strategy: r.strategy,
        'IPIs / unmap': r.ipis_per_unmap,
        'invalidations / unmap': r.invalidations_per_unmap,
        'refill walks / unmap': r.refill_walks_per_unmap,
        'µs / unmap': r.us_per_unmap,
      }));
    const long = rows.flatMap((r) =>
      (['ipis_per_unmap', 'invalidations_per_unmap', 'refill_walks_per_unmap'] as const).map((m) => ({
        harts: r.harts,
        pages: `${r.pages_per_unmap} ${r.pages_per_unmap === 1 ? 'page' : 'pages'} per munmap`,
        pagesN: r.pages_per_unmap,
        strategy: r.strategy,
        metric: FLUSH_METRICS[m],
        value: r[m],
      })),
    );
    return {
      rows,
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `TLB shootdowns: unmapping N pages of a ${WORKING_SET}-page working set shared by every hart (seed ${seed})`,
        data: { values: long },
        facet: {
          row: {
            field: 'metric',
            type: 'nominal',
            title: null,
            sort: Object.values(FLUSH_METRICS),
            // On the right, so the row's name does not run into the y-axis title.
            header: { labelFontWeight: 'bold', labelLimit: 300, labelOrient: 'right', labelAngle: 90 },
          },
          column: {
            field: 'pages',
            type: 'ordinal',
            title: null,
            sort: { field: 'pagesN' },
            header: { labelFontWeight: 'bold' },
          },
        },
        spec: {
          width: 150,
          height: 110,
          mark: { type: 'line', point: { size: 50, filled: true }, strokeWidth: 2 },
          encoding: {
            x: {
              field: 'harts',
              type: 'quantitative',
              scale: { type: 'log', base: 2 },
              axis: { title: 'harts', values: sizes.harts, format: 'd' },
            },
            y: {
              field: 'value',
              type: 'quantitative',
              axis: countAxis('count per munmap'),
              scale: { domain: { unionWith: [0, 1] } },
            },
            ...seriesEncoding('strategy', 'flush strategy', [
              ...new Set(rows.map((r) => r.strategy as string)),
            ]),
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
      notes: [
        'refill walks = page walks the harts need to touch their working set again after the flush (the full',
        'flush throws away the entries of pages that did not change).',
      ],
    };
  },
};
