/**
 * `pnpm lab tlb`: TLB size × associativity × replacement policy × ASIDs on/off, over synthetic access patterns and
 * a trace recorded from a process-vm run.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { createRng, PteFlag, TLB_MISS, type Tlb } from '@pagewright/core';
import { ARCH_NAMES, type ArchName, Machine } from '@pagewright/process-vm';
import {
  isReplacementPolicy,
  REPLACEMENT_POLICY_NAMES,
  type ReplacementPolicy,
  type ReplacementPolicySpec,
  SetAssociativeTlb,
} from '@pagewright/sv39';
import { countAxis, seriesEncoding } from '../chart.js';
import type { Row } from '../csv.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { type LoadedPlugin, makeFromPlugin, pluginName } from '../plugin-module.js';
import { runDemoWorkload } from '../record-trace.js';
import { type AccessTrace, readTrace, TRACES_DIR } from '../trace.js';
import { generatePattern, PATTERN_NAMES } from './access-patterns.js';

/** The recorded trace the experiment replays (see `pnpm lab record-trace`). */
export const DEMO_TRACE = `${TRACES_DIR}demo.trace`;

/** Associativity: ways per set, or `full` (one set). */
type Assoc = 1 | 4 | 'full';

interface Sizes {
  entries: number[];
  assocs: Assoc[];
  accesses: number;
  /** Scale of the live demo workload (1 = the recorded trace's ~23 000 lookups). */
  liveScale: number;
}

const SIZES: Record<ExperimentContext['size'], Sizes> = {
  tiny: { entries: [16, 64], assocs: [1, 'full'], accesses: 4_000, liveScale: 0.1 },
  full: { entries: [16, 32, 64, 128, 256, 512], assocs: [1, 4, 'full'], accesses: 100_000, liveScale: 1 },
};

/** The pattern name of the live runs. */
export const LIVE_PATTERN = 'demo (live)';

/** What one live run of the demo workload measured on one CPU. */
export interface LiveResult {
  lookups: number;
  misses: number;
  /** Per-page invalidations in one tag (`sfence.vma va, asid`; INVPCID type 0, and x86's own #PF invalidation). */
  pageFlushes: number;
  /** Per-page invalidations in every tag (`sfence.vma va, x0`; INVLPG). */
  pageFlushesAllTags: number;
  /** Whole-tag flushes (`sfence.vma x0, asid`; INVPCID type 1, a CR3 write without the no-flush bit). */
  tagFlushes: number;
  /** Whole-TLB flushes. */
  fullFlushes: number;
  /** Entries those flushes invalidated. */
  invalidated: number;
}

/**
 * Runs the demo workload (the one `pnpm lab record-trace` records) on a one-CPU machine of `arch` whose TLB is
 * `entries / 4` sets × 4 ways, LRU, and reads that TLB's counters: the kernel's flushes and the CPU's own.
 */
export function runLive(arch: ArchName, entries: number, seed: number, scale: number): LiveResult {
  const machine = new Machine({ arch, harts: 1, seed, tlb: `${entries / 4}x4:lru` });
  runDemoWorkload(machine, seed, scale);
  const s = (machine.harts[0] as (typeof machine.harts)[number]).tlb.stats;
  return {
    lookups: s.hits + s.misses,
    misses: s.misses,
    pageFlushes: s.flushVaAsid,
    pageFlushesAllTags: s.flushVa,
    tagFlushes: s.flushAsid,
    fullFlushes: s.flushAll,
    invalidated: s.invalidated,
  };
}

/** What one replay measured. */
export interface ReplayResult {
  misses: number;
  accesses: number;
  flushes: number;
}

/**
 * Replays `trace` on `tlb` as a hart would: look up; on a miss insert a 4 KiB translation. With `asids` false the
 * trace's ASIDs are ignored (everything runs as ASID 0) and the TLB is flushed on every change of process, as an
 * OS without ASIDs must on a context switch.
 */
export function replay(tlb: Tlb, trace: AccessTrace, asids: boolean): ReplayResult {
  const n = trace.vpns.length;
  let misses = 0;
  let flushes = 0;
  let current = n > 0 ? (trace.asids[0] as number) : 0;
  const flags = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
  for (let i = 0; i < n; i++) {
    const vpn = trace.vpns[i] as number;
    const proc = trace.asids[i] as number;
    if (proc !== current) {
      current = proc;
      if (!asids) {
        tlb.flushAll();
        flushes++;
      }
    }
    const asid = asids ? proc : 0;
    if (tlb.lookup(vpn, asid) === TLB_MISS) {
      misses++;
      // Identity-ish frame: the frame number does not influence hits.
      tlb.insert(vpn, asid, 0, vpn, flags, false);
    }
  }
  return { misses, accesses: n, flushes };
}

function traces(seed: number, accesses: number): AccessTrace[] {
  const out = PATTERN_NAMES.map((p) =>
    generatePattern(p, { accesses, processes: 4, quantum: 500 }, createRng(seed)),
  );
  if (existsSync(DEMO_TRACE)) {
    const t = readTrace(DEMO_TRACE);
    // The tiny size replays only the start of the recording.
    const n = Math.min(t.vpns.length, accesses < 10_000 ? accesses : t.vpns.length);
    out.push({ name: 'recorded', vpns: t.vpns.subarray(0, n), asids: t.asids.subarray(0, n) });
  }
  return out;
}

/**
 * The policies compared: the built-ins (`BUILTIN_REPLACEMENT_POLICIES` of `@pagewright/tlb`, by name), then the
 * user's plug-ins, each a factory `(ctx: { sets, ways, rng }) => ReplacementPolicy` called once per TLB.
 *
 * @throws LabUsageError when a plug-in's factory throws or does not make a `ReplacementPolicy`
 */
export function policyCandidates(
  plugins: readonly LoadedPlugin[],
  seed: number,
): { name: string; spec: ReplacementPolicySpec }[] {
  const out: { name: string; spec: ReplacementPolicySpec }[] = REPLACEMENT_POLICY_NAMES.map((name) => ({
    name,
    spec: name,
  }));
  for (const plugin of plugins) {
    const make = (ctx: unknown): ReplacementPolicy =>
      makeFromPlugin(plugin, ctx, 'ReplacementPolicy', isReplacementPolicy);
    const name = pluginName(plugin, make({ sets: 1, ways: 4, rng: createRng(seed) }));
    out.push({ name: out.some((c) => c.name === name) ? `${name} (${plugin.fileName})` : name, spec: make });
  }
  return out;
}

function geometry(entries: number, assoc: Assoc): { sets: number; ways: number } {
  const ways = assoc === 'full' ? entries : assoc;
  return { sets: entries / ways, ways };
}

/** The TLB experiment. */
export const tlbExperiment: Experiment = {
  name: 'tlb',
  description:
    'TLB size × associativity × replacement policy (and --with plug-ins) × ASIDs on/off over synthetic and recorded traces',
  plugins: 'a TLB replacement policy: (ctx: { sets, ways, rng }) => ReplacementPolicy',
  comparesArches: true,
  steps: (size, _plugins, arches = ARCH_NAMES) =>
    (PATTERN_NAMES.length + (existsSync(DEMO_TRACE) ? 1 : 0) + arches.length) * SIZES[size].entries.length,
  run({ seed, size, progress, plugins = [], arches = ARCH_NAMES }: ExperimentContext): ExperimentResult {
    const sizes = SIZES[size];
    const rows: Row[] = [];
    const candidates = policyCandidates(plugins, seed);
    const all = traces(seed, sizes.accesses);
    for (const trace of all) {
      for (const entries of sizes.entries) {
        progress.tick(`${trace.name} × ${entries} entries`);
        for (const assoc of sizes.assocs) {
          const { sets, ways } = geometry(entries, assoc);
          for (const { name: policy, spec } of candidates) {
            for (const asids of [true, false]) {
              const tlb = new SetAssociativeTlb({ sets, ways, policy: spec, rng: createRng(seed) });
              const r = replay(tlb, trace, asids);
              rows.push({
                arch: 'any (TLB alone)',
                pattern: trace.name,
                entries,
                associativity: assoc === 'full' ? 'full' : `${assoc}-way`,
                policy,
                asids: asids ? 'on' : 'off',
                accesses: r.accesses,
                misses: r.misses,
                miss_rate: r.accesses ? r.misses / r.accesses : 0,
                flushes: r.flushes,
                page_flushes: null,
                page_flushes_all_tags: null,
                tag_flushes: null,
                invalidated: null,
              });
            }
          }
        }
      }
    }
    // The demo workload live on each architecture's CPU: the kernel tags every process (ASIDs, PCIDs).
    const live: Row[] = [];
    for (const arch of arches) {
      for (const entries of sizes.entries) {
        progress.tick(`${LIVE_PATTERN} on ${arch} × ${entries} entries`);
        const r = runLive(arch, entries, seed, sizes.liveScale);
        live.push({
          arch,
          pattern: LIVE_PATTERN,
          entries,
          associativity: '4-way',
          policy: 'lru',
          asids: 'on',
          accesses: r.lookups,
          misses: r.misses,
          miss_rate: r.lookups ? r.misses / r.lookups : 0,
          flushes: r.pageFlushes + r.pageFlushesAllTags + r.tagFlushes + r.fullFlushes,
          page_flushes: r.pageFlushes,
          page_flushes_all_tags: r.pageFlushesAllTags,
          tag_flushes: r.tagFlushes,
          invalidated: r.invalidated,
        });
      }
    }
    const policies = candidates.map((c) => c.name);
    const summary: Row[] = [];
    const mid = sizes.entries.includes(256) ? 256 : (sizes.entries[0] as number);
    for (const trace of all) {
      const mine = rows.filter((r) => r.pattern === trace.name);
      const pick = (entries: number, asids: string) =>
        mine.find(
          (r) =>
            r.entries === entries &&
            r.associativity === (sizes.assocs.includes(4) ? '4-way' : 'full') &&
            r.policy === 'lru' &&
            r.asids === asids,
        )?.miss_rate as number | undefined;
      const best = mine.reduce((b, r) => ((r.miss_rate as number) < (b.miss_rate as number) ? r : b));
      summary.push({
        pattern: trace.name,
        accesses: trace.vpns.length,
        [`${mid} LRU, ASIDs on`]: pct(pick(mid, 'on')),
        [`${mid} LRU, ASIDs off`]: pct(pick(mid, 'off')),
        'best config': `${best.entries} ${best.associativity} ${best.policy} asids ${best.asids}`,
        'best miss rate': pct(best.miss_rate as number),
      });
    }
    const liveMid = mid;
    for (const arch of arches) {
      const at = live.find((r) => r.arch === arch && r.entries === liveMid);
      const mine = live.filter((r) => r.arch === arch);
      const best = mine.reduce((b, r) => ((r.miss_rate as number) < (b.miss_rate as number) ? r : b));
      summary.push({
        pattern: `${LIVE_PATTERN}, ${arch}`,
        accesses: at?.accesses,
        [`${mid} LRU, ASIDs on`]: `${pct(at?.miss_rate as number | undefined)} (${liveMid} 4-way; ${at?.flushes} flushes)`,
        [`${mid} LRU, ASIDs off`]: '—',
        'best config': `${best.entries} 4-way lru asids on`,
        'best miss rate': pct(best.miss_rate as number),
      });
    }
    const archSeries = [...arches];
    const liveChart = (field: string, axis: Record<string, unknown>, title: string) => ({
      title,
      width: 220,
      height: 150,
      mark: { type: 'line', point: { size: 50, filled: true }, strokeWidth: 2 },
      encoding: {
        x: {
          field: 'entries',
          type: 'quantitative',
          scale: { type: 'log', base: 2 },
          axis: { title: 'TLB entries (4-way, LRU)', values: sizes.entries, format: 'd', labelFlush: false },
        },
        y: { field, type: 'quantitative', axis, scale: { domain: { unionWith: [0] } } },
        ...seriesEncoding('arch', 'architecture', archSeries),
      },
    });
    const replayChart = {
      title: `TLB alone: miss rate (seed ${seed}; 4 processes, context switch every 500 accesses)`,
      data: { values: rows as Record<string, unknown>[] },
      facet: {
        column: {
          field: 'pattern',
          type: 'nominal',
          title: 'access pattern',
          header: { labelFontWeight: 'bold' },
        },
        row: {
          field: 'associativity',
          type: 'nominal',
          title: 'associativity',
          header: { labelFontWeight: 'bold' },
        },
      },
      spec: {
        width: 150,
        height: 120,
        mark: { type: 'line', point: { size: 40, filled: true }, strokeWidth: 1.5 },
        encoding: {
          x: {
            field: 'entries',
            type: 'quantitative',
            scale: { type: 'log', base: 2 },
            axis: {
              title: 'TLB entries',
              values: sizes.entries,
              format: 'd',
              labelAngle: 0,
              labelOverlap: false,
              labelFlush: false,
            },
          },
          y: {
            field: 'miss_rate',
            type: 'quantitative',
            title: 'miss rate (%)',
            axis: { format: '%' },
          },
          color: {
            field: 'policy',
            type: 'nominal',
            title: 'replacement policy',
            scale: { domain: policies },
          },
          shape: {
            field: 'policy',
            type: 'nominal',
            title: 'replacement policy',
            scale: {
              domain: policies,
              range: ['circle', 'square', 'triangle-up', 'diamond', 'cross'].slice(0, policies.length),
            },
          },
          // `encode` is vega's legend option (vega-lite passes it through; its types do not list it).
          ...({
            strokeDash: {
              field: 'asids',
              type: 'nominal',
              title: 'ASIDs',
              scale: {
                domain: ['on', 'off'],
                range: [
                  [1, 0],
                  [5, 3],
                ],
              },
              legend: {
                symbolType: 'stroke',
                symbolStrokeWidth: 2,
                symbolSize: 300,
                // vega-lite leaves a strokeDash legend's symbols without a stroke colour when colour encodes
                // another field; draw the dashes in grey.
                encode: { symbols: { update: { stroke: { value: '#444' } } } },
              },
            },
          } as Record<string, unknown>),
        },
      },
      resolve: { scale: { y: 'independent' } },
    };
    return {
      rows: [...rows, ...live],
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `TLB miss rates (seed ${seed})`,
        vconcat: [
          replayChart,
          {
            title: `The demo workload live on each CPU (one process, then a fork; ASIDs/PCIDs on)`,
            data: { values: live as Record<string, unknown>[] },
            hconcat: [
              liveChart('miss_rate', { title: 'miss rate (%)', format: '%' }, 'TLB miss rate'),
              liveChart('flushes', countAxis('flushes (count)'), 'TLB flush operations'),
            ],
          },
        ],
        resolve: {
          scale: { color: 'independent', shape: 'independent', strokeDash: 'independent', y: 'independent' },
          legend: { color: 'independent', shape: 'independent', strokeDash: 'independent' },
        },
      } as never,
      notes: [
        ...(existsSync(DEMO_TRACE)
          ? [`recorded = ${DEMO_TRACE.split('/apps/lab/').pop()} (see README)`]
          : ['no recorded trace found (run `pnpm lab record-trace`); synthetic patterns only']),
        `${LIVE_PATTERN} = the same workload run on each architecture's machine (its flushes included); x86-64`,
        'also invalidates the faulting page in the current PCID on every #PF (SDM §4.10.4.1), RISC-V does not.',
      ],
    };
  },
};

function pct(x: number | undefined): string {
  return x === undefined ? '—' : `${(100 * x).toFixed(2)} %`;
}
