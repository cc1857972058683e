/**
 * `pnpm lab page-replacement`: the page-fault rate against the number of page frames for every page-replacement
 * policy of `@pagewright/reclaim` (Linux's two-list LRU, FIFO, CLOCK, second chance, random, ARC) and OPT, on the
 * recorded demo trace and on synthetic access patterns — the chart of OSTEP's paging-policy chapter.
 *
 * A trace's references are collapsed to its page-reference string (consecutive references to one page count once:
 * the repeats always hit) and each (ASID, page) pair is one page. Memory sizes are fractions of the trace's distinct
 * pages; a miss with memory full evicts the policy's victim (`simulateTrace`).
 *
 * @module
 */

import { createRng } from '@pagewright/core';
import { OptPolicy, PAGE_REPLACEMENT_POLICY_NAMES, simulateTrace } from '@pagewright/reclaim';
import { seriesEncoding } from '../chart.js';
import type { Row } from '../csv.js';
import type { Experiment, ExperimentContext, ExperimentResult } from '../experiment.js';
import { type ExperimentSweep, runSweep, type SweepConfig, type SweepContext } from '../sweep.js';
import { type AccessTrace, readTrace, TRACES_DIR } from '../trace.js';
import { generatePattern, PATTERN_NAMES } from './access-patterns.js';

/** Memory sizes, as fractions of a trace's distinct pages. */
const FRACTIONS = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1];

const SIZES: Record<ExperimentContext['size'], { accesses: number; demoReferences: number }> = {
  tiny: { accesses: 3000, demoReferences: 2000 },
  full: { accesses: 60_000, demoReferences: Number.POSITIVE_INFINITY },
};

/** Every policy compared, OPT last. */
const POLICIES = [...PAGE_REPLACEMENT_POLICY_NAMES, 'opt'] as const;

/** A page-reference string: dense page ids, consecutive repeats collapsed. */
interface ReferenceString {
  name: string;
  pages: Int32Array;
  distinct: number;
}

/** Collapses `trace` to its page-reference string, at most `limit` references. */
export function referenceString(trace: AccessTrace, limit = Number.POSITIVE_INFINITY): ReferenceString {
  const ids = new Map<string, number>();
  const out: number[] = [];
  let last = -1;
  for (let i = 0; i < trace.vpns.length && out.length < limit; i++) {
    const key = `${trace.asids[i]}:${trace.vpns[i]}`;
    let id = ids.get(key);
    if (id === undefined) {
      id = ids.size;
      ids.set(key, id);
    }
    if (id !== last) out.push(id);
    last = id;
  }
  const pages = Int32Array.from(out);
  let distinct = 0;
  for (const p of pages) distinct = Math.max(distinct, p + 1);
  return { name: trace.name, pages, distinct };
}

function traces(seed: number, size: ExperimentContext['size']): ReferenceString[] {
  const { accesses, demoReferences } = SIZES[size];
  const out = [referenceString(readTrace(`${TRACES_DIR}demo.trace`), demoReferences)];
  for (const p of PATTERN_NAMES)
    out.push(referenceString(generatePattern(p, { accesses, processes: 2, quantum: 500 }, createRng(seed))));
  return out;
}

/** A trace's reference string for a sweep context (the demo trace is read once per process). */
const cache = new Map<string, ReferenceString[]>();
function tracesFor(context: SweepContext): ReferenceString[] {
  const key = `${context.seed}:${context.size}`;
  let t = cache.get(key);
  if (t === undefined) {
    t = traces(context.seed, context.size);
    cache.set(key, t);
  }
  return t;
}

/** One configuration: a trace and a policy, over every memory size. */
function runConfig(config: SweepConfig, context: SweepContext): Row[] {
  const t = tracesFor(context)[config.trace as number] as ReferenceString;
  const policy = config.policy as (typeof POLICIES)[number];
  const rows: Row[] = [];
  const sizes = [...new Set(FRACTIONS.map((f) => Math.max(1, Math.round(f * t.distinct))))];
  for (const frames of sizes) {
    const spec = policy === 'opt' ? new OptPolicy(t.pages) : policy;
    const r = simulateTrace(spec, t.pages, frames, { pages: t.distinct, seed: context.seed });
    rows.push({
      trace: t.name,
      distinct_pages: t.distinct,
      references: r.references,
      frames,
      memory_fraction: frames / t.distinct,
      policy,
      misses: r.misses,
      evictions: r.evictions,
      fault_rate: r.misses / r.references,
    });
  }
  return rows;
}

function finish(rows: Row[], { seed }: SweepContext): ExperimentResult {
  // Summary: each trace at a fifth of its pages, policies side by side.
  const summary: Row[] = [];
  for (const name of new Set(rows.map((r) => r.trace as string))) {
    const at = rows.filter((r) => r.trace === name);
    const target = Math.max(1, Math.round(0.2 * (at[0]?.distinct_pages as number)));
    const line: Record<string, string | number> = { trace: name, frames: target };
    for (const r of at)
      if (r.frames === target) line[`${r.policy as string} %`] = (100 * (r.fault_rate as number)).toFixed(1);
    summary.push(line);
  }
  const notes = [
    'OPT is the lower bound on every trace and memory size; a loop larger than memory defeats the recency',
    'policies (demo, strided), where random does better; on a working set every policy is close to OPT.',
  ];
  return {
    rows,
    summary,
    notes,
    chart: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: `Page-fault rate against memory size per replacement policy (seed ${seed})`,
      data: { values: rows },
      facet: {
        column: { field: 'trace', type: 'nominal', title: null, header: { labelFontWeight: 'bold' } },
      },
      resolve: { scale: { x: 'independent' } },
      spec: {
        width: 220,
        height: 200,
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'frames', type: 'quantitative', title: 'page frames' },
          y: {
            field: 'fault_rate',
            type: 'quantitative',
            title: 'page faults per reference',
            scale: { domain: [0, 1] },
          },
          ...seriesEncoding('policy', 'policy', POLICIES),
        },
      },
    },
  };
}

const sweep: ExperimentSweep = {
  configs: () =>
    Array.from({ length: 1 + PATTERN_NAMES.length }, (_, trace) =>
      POLICIES.map((policy) => ({ trace, policy })),
    ).flat(),
  run: runConfig,
  finish,
};

/** The page-replacement experiment (a sweep: one configuration per trace and policy). */
export const pageReplacementExperiment: Experiment = {
  name: 'page-replacement',
  description:
    'page-fault rate against memory size for Linux two-list LRU, FIFO, CLOCK, second chance, random, ARC and OPT',
  steps: () => (1 + PATTERN_NAMES.length) * POLICIES.length,
  sweep,
  run: ({ seed, size, progress, threads }: ExperimentContext) =>
    runSweep(pageReplacementExperiment, { seed, size }, threads ?? 1, (c) =>
      progress.tick(`${String(c.trace)} ${String(c.policy)}`),
    ),
};
