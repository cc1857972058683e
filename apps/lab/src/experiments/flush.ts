/**
 * `pnpm lab flush`: per-page vs batched vs full TLB flushes after unmapping ranges of a multi-threaded address
 * space running on 1–8 harts — shootdown IPIs, invalidations, and the TLB refills the flush costs afterwards.
 *
 * @module
 */

import { createRng, type MmuHart, NULL_SINK, PteFlag } from '@pagewright/core';
import { BuddyFrameAllocator, SparsePhysicalMemory } from '@pagewright/frames';
import { PageMapper, type TlbHart, TlbShootdown } from '@pagewright/mapper';
import { ARCH_NAMES, ARCHES, type ArchName } from '@pagewright/process-vm';
import { SetAssociativeTlb } from '@pagewright/sv39';
import { countAxis, seriesEncoding } from '../chart.js';
import type { Row } from '../csv.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { hasInvlpg, invlpgHart } from '../invlpg-hart.js';

/** The charted columns and their panel titles. */
const FLUSH_METRICS = {
  ipis_per_unmap: 'IPIs sent',
  invalidations_per_unmap: 'TLB entries invalidated',
  refill_walks_per_unmap: 'page walks to refill the TLBs',
} as const;

/** User read/write, A and D set. */
const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
/** First page of the working set (1 GiB). */
const BASE_VPN = 0x40000;
/** Pages every thread keeps touching, in each of the two address spaces (both fit the 128 × 4 TLB). */
const WORKING_SET = 192;
/** The tag (ASID, PCID) of the address space being unmapped, and of the other process every hart also runs. */
const TAG = 1;
const OTHER_TAG = 2;

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

/** The instruction a per-page invalidation of one address space is on `arch`. */
export function pageFlushInstruction(arch: ArchName): string {
  return arch.startsWith('x86') ? 'invlpg' : 'sfence.vma va, asid';
}

/** One configuration's totals. */
interface Outcome {
  ipis: number;
  invalidations: number;
  shootdowns: number;
  refillWalks: number;
  otherRefillWalks: number;
  flushUs: number;
}

/** The CPUs of one configuration: `count` of the architecture's own model, each with a 128 × 4 LRU TLB. */
function buildCpus(name: ArchName, count: number, memory: SparsePhysicalMemory, seed: number): MmuHart[] {
  const entry = ARCHES[name];
  const arch = entry.arch();
  return Array.from({ length: count }, (_, hartIndex) =>
    entry.cpu({
      memory,
      firstFrame: memory.baseFrame,
      frameCount: memory.frameCount,
      arch,
      rng: createRng(seed + hartIndex),
      sink: NULL_SINK,
      hartIndex,
      tlb: new SetAssociativeTlb({ sets: 128, ways: 4, policy: 'lru' }),
      adPolicy: 'hardware',
    }),
  );
}

function runConfig(
  archName: ArchName,
  hartCount: number,
  pages: number,
  strategy: Strategy,
  rounds: number,
  seed: number,
): Outcome {
  const memory = new SparsePhysicalMemory({ size: 2 ** 28 });
  const allocator = new BuddyFrameAllocator({ firstFrame: memory.baseFrame, frameCount: memory.frameCount });
  const arch = ARCHES[archName].arch();
  const cpus = buildCpus(archName, hartCount, memory, seed);
  const mapper = new PageMapper({ arch, memory, allocator });
  // Another process with the same layout (a sibling of the same program), which every hart also runs.
  const other = new PageMapper({ arch, memory, allocator });
  // The harts the kernel flushes: the CPUs themselves, or on x86 views whose per-page flush is INVLPG.
  const targets: TlbHart[] = cpus.map((c) => (hasInvlpg(c) ? invlpgHart(c) : c));
  const flusher = new TlbShootdown({
    harts: targets,
    rootPpn: mapper.rootPpn,
    threshold: strategy.threshold,
  });
  for (const c of cpus) {
    if (!c.switchAddressSpace(arch, TAG, mapper.rootPpn)) throw new Error('address-space switch refused');
    c.enterUserMode();
  }
  if (mapper.mapRange(BASE_VPN, BASE_VPN + WORKING_SET, URW) < 0) throw new Error('mapRange failed');
  if (other.mapRange(BASE_VPN, BASE_VPN + WORKING_SET, URW) < 0) throw new Error('mapRange failed');
  const release = (pfn: number) => allocator.free(pfn);
  const misses = () => cpus.reduce((s, c) => s + c.tlb.stats.misses, 0);
  const touch = () => {
    for (const c of cpus) {
      for (let p = 0; p < WORKING_SET; p++) {
        if (c.translate((BASE_VPN + p) * 4096, 0) < 0) throw new Error('working-set page faulted');
      }
    }
  };
  // Every hart runs the other process for a while, then comes back: its entries stay, tagged OTHER_TAG.
  const touchOther = () => {
    for (const c of cpus) {
      if (!c.switchAddressSpace(arch, OTHER_TAG, other.rootPpn)) throw new Error('switch refused');
      for (let p = 0; p < WORKING_SET; p++) {
        if (c.translate((BASE_VPN + p) * 4096, 0) < 0) throw new Error('other page faulted');
      }
      if (!c.switchAddressSpace(arch, TAG, mapper.rootPpn)) throw new Error('switch refused');
    }
  };
  touch();
  touchOther();
  const rng = createRng(seed);
  let refillWalks = 0;
  let otherRefillWalks = 0;
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
    let before = misses();
    touch();
    refillWalks += misses() - before;
    before = misses();
    touchOther();
    otherRefillWalks += misses() - before;
  }
  return {
    ipis: flusher.ipis,
    invalidations: flusher.pageFlushes + flusher.asidFlushes + flusher.fullFlushes,
    shootdowns: flusher.shootdowns,
    refillWalks,
    otherRefillWalks,
    flushUs: flushMs * 1000,
  };
}

/** The flush experiment. */
export const flushExperiment: Experiment = {
  name: 'flush',
  comparesArches: true,
  description:
    'per-page vs batched vs full TLB flushes with shootdown IPIs counted on 1–8 harts, RISC-V ASIDs vs x86-64 PCIDs',
  steps: (size, _plugins, arches = ARCH_NAMES) =>
    arches.length * SIZES[size].harts.length * SIZES[size].pages.length,
  run({ seed, size, progress, arches = ARCH_NAMES }: ExperimentContext): ExperimentResult {
    const sizes = SIZES[size];
    const rows: Row[] = [];
    for (const arch of arches) {
      for (const harts of sizes.harts) {
        for (const pages of sizes.pages) {
          progress.tick(`${arch}: ${harts} harts, ${pages} pages`);
          for (const strategy of STRATEGIES) {
            const o = runConfig(arch, harts, pages, strategy, sizes.rounds, seed);
            rows.push({
              arch,
              page_flush: pageFlushInstruction(arch),
              harts,
              pages_per_unmap: pages,
              strategy: strategy.name,
              unmaps: sizes.rounds,
              ipis_per_unmap: o.ipis / sizes.rounds,
              shootdowns_per_unmap: o.shootdowns / sizes.rounds,
              invalidations_per_unmap: o.invalidations / sizes.rounds,
              refill_walks_per_unmap: o.refillWalks / sizes.rounds,
              other_asid_refill_walks_per_unmap: o.otherRefillWalks / sizes.rounds,
              us_per_unmap: o.flushUs / sizes.rounds,
            });
          }
        }
      }
    }
    const maxHarts = Math.max(...sizes.harts);
    const first = arches[0] as ArchName;
    const at = (arch: string, pages: unknown, strategy: unknown) =>
      rows.find(
        (x) =>
          x.arch === arch && x.harts === maxHarts && x.pages_per_unmap === pages && x.strategy === strategy,
      );
    const summary: Row[] = rows
      .filter((r) => r.harts === maxHarts && r.arch === first)
      .map((r) => ({
        harts: r.harts,
        pages: r.pages_per_unmap,
        strategy: r.strategy,
        'IPIs / unmap': r.ipis_per_unmap,
        'invalidations / unmap': r.invalidations_per_unmap,
        'refill walks / unmap': r.refill_walks_per_unmap,
        ...Object.fromEntries(
          arches.map((a) => [
            `other-${a.startsWith('x86') ? 'PCID' : 'ASID'} refills, ${a}`,
            at(a, r.pages_per_unmap, r.strategy)?.other_asid_refill_walks_per_unmap,
          ]),
        ),
        'µs / unmap': r.us_per_unmap,
      }));
    // The counts every architecture shares (the flusher is the same code): charted once, checked equal.
    const shared = ['ipis_per_unmap', 'invalidations_per_unmap', 'refill_walks_per_unmap'] as const;
    const sameEverywhere = rows.every((r) => {
      const ref = rows.find(
        (x) =>
          x.arch === first &&
          x.harts === r.harts &&
          x.pages_per_unmap === r.pages_per_unmap &&
          x.strategy === r.strategy,
      );
      return ref !== undefined && shared.every((m) => ref[m] === r[m]);
    });
    const long = rows
      .filter((r) => r.arch === first)
      .flatMap((r) =>
        shared.map((m) => ({
          harts: r.harts,
          pages: `${r.pages_per_unmap} ${r.pages_per_unmap === 1 ? 'page' : 'pages'} per munmap`,
          pagesN: r.pages_per_unmap,
          strategy: r.strategy,
          metric: FLUSH_METRICS[m],
          value: r[m],
        })),
      );
    const others = rows
      .filter((r) => r.harts === maxHarts)
      .map((r) => ({
        series: `${r.arch} (${r.page_flush})`,
        strategy: r.strategy,
        pages_per_unmap: r.pages_per_unmap,
        value: r.other_asid_refill_walks_per_unmap,
      }));
    const seriesNames = [...new Set(others.map((o) => o.series))];
    const strategyNames = STRATEGIES.map((x) => x.name);
    return {
      rows,
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `TLB shootdowns: unmapping N pages of a ${WORKING_SET}-page working set shared by every hart (seed ${seed})`,
        vconcat: [
          {
            title: sameEverywhere
              ? `${arches.join(', ')}: the same counts on every architecture`
              : `${first} (the counts differ per architecture: see the CSV)`,
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
                ...seriesEncoding('strategy', 'flush strategy', strategyNames),
              },
            },
            resolve: { scale: { y: 'independent' } },
          },
          {
            title: `The other process's entries (same pages, another ASID/PCID) refilled after each munmap, ${maxHarts} harts`,
            data: { values: others },
            facet: {
              column: {
                field: 'strategy',
                type: 'nominal',
                title: null,
                sort: strategyNames,
                header: { labelFontWeight: 'bold' },
              },
            },
            spec: {
              width: 150,
              height: 130,
              mark: { type: 'line', point: { size: 50, filled: true }, strokeWidth: 2 },
              encoding: {
                x: {
                  field: 'pages_per_unmap',
                  type: 'quantitative',
                  scale: { type: 'log', base: 2 },
                  axis: { title: 'pages per munmap', values: sizes.pages, format: 'd' },
                },
                y: {
                  field: 'value',
                  type: 'quantitative',
                  axis: countAxis('page walks per munmap'),
                  scale: { domain: { unionWith: [0, 1] } },
                },
                ...seriesEncoding('series', 'architecture (per-page flush)', seriesNames),
              },
            },
          },
        ],
        resolve: {
          scale: { color: 'independent', shape: 'independent', strokeDash: 'independent', y: 'independent' },
          legend: { color: 'independent', shape: 'independent', strokeDash: 'independent' },
        },
      } as never,
      notes: [
        'refill walks = page walks the harts need to touch their working set again after the flush (the full',
        'flush throws away the entries of pages that did not change). Every hart also runs another process with',
        'the same layout under another ASID/PCID: RISC-V `sfence.vma va, asid` keeps its entries, x86 INVLPG (what',
        'Linux x86 uses for the running mm) drops the page in every PCID, so that process refills them.',
        ...(sameEverywhere ? [] : ['the IPI/invalidation/refill counts differ between architectures']),
      ],
    };
  },
};
