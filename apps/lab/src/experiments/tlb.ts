/**
 * `pnpm lab tlb`: TLB size × associativity × replacement policy × ASIDs on/off, over synthetic access patterns and
 * a trace recorded from a process-vm run.
 *
 * @module
 */

import { existsSync } from 'node:fs';
import { createRng, PteFlag, TLB_MISS, type Tlb } from '@pagewright/core';
import {
  isReplacementPolicy,
  REPLACEMENT_POLICY_NAMES,
  type ReplacementPolicy,
  type ReplacementPolicySpec,
  SetAssociativeTlb,
} from '@pagewright/sv39';
import type { Row } from '../csv.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { type LoadedPlugin, makeFromPlugin, pluginName } from '../plugin-module.js';
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
}

const SIZES: Record<ExperimentContext['size'], Sizes> = {
  tiny: { entries: [16, 64], assocs: [1, 'full'], accesses: 4_000 },
  full: { entries: [16, 32, 64, 128, 256, 512], assocs: [1, 4, 'full'], accesses: 100_000 },
};

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
  steps: (size) => (PATTERN_NAMES.length + (existsSync(DEMO_TRACE) ? 1 : 0)) * SIZES[size].entries.length,
  run({ seed, size, progress, plugins = [] }: ExperimentContext): ExperimentResult {
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
                pattern: trace.name,
                entries,
                associativity: assoc === 'full' ? 'full' : `${assoc}-way`,
                policy,
                asids: asids ? 'on' : 'off',
                accesses: r.accesses,
                misses: r.misses,
                miss_rate: r.accesses ? r.misses / r.accesses : 0,
                flushes: r.flushes,
              });
            }
          }
        }
      }
    }
    const policies = candidates.map((c) => c.name);
    const summary: Row[] = [];
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
      const mid = sizes.entries.includes(256) ? 256 : (sizes.entries[0] as number);
      summary.push({
        pattern: trace.name,
        accesses: trace.vpns.length,
        [`${mid} LRU, ASIDs on`]: pct(pick(mid, 'on')),
        [`${mid} LRU, ASIDs off`]: pct(pick(mid, 'off')),
        'best config': `${best.entries} ${best.associativity} ${best.policy} asids ${best.asids}`,
        'best miss rate': pct(best.miss_rate as number),
      });
    }
    return {
      rows,
      summary,
      chart: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        title: `TLB miss rate (seed ${seed}; 4 processes, context switch every 500 accesses)`,
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
      },
      notes: existsSync(DEMO_TRACE)
        ? [`recorded = ${DEMO_TRACE.split('/apps/lab/').pop()} (see README)`]
        : ['no recorded trace found (run `pnpm lab record-trace`); synthetic patterns only'],
    };
  },
};

function pct(x: number | undefined): string {
  return x === undefined ? '—' : `${(100 * x).toFixed(2)} %`;
}
