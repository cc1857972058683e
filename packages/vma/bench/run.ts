/**
 * Benchmarks of the VmaIndex implementations: find, insert+remove pairs and free-area search at 1 k, 100 k and
 * 1 M VMAs (the list only up to 10 k, where its O(n) cost stays bearable).
 *
 * Layout: N one-page VMAs at even pages (a one-page hole after each), plus one 8-page hole at the bottom, so a
 * top-down search for 4 pages below the last VMA must find that single hole (the worst case for a scan).
 *
 * Fairness: every random page and every VMA to insert is generated before timing (pages in a typed array, from a
 * seeded xorshift); each case first runs warm-up rounds so the JIT has optimised it; each timed round does the
 * same work, and the median of 7 rounds is reported; results are folded into a sink that is printed, so nothing
 * can be eliminated as dead code. Times are CPU time per operation (see `time`).
 *
 * Run: `pnpm --filter @pagewright/vma bench` (or `npx tsx bench/run.ts [--json] [--quick] [--only=tree,btree,treap,list]`).
 * `VMA_BENCH_SRC=/path/to/src` benchmarks another copy of the sources (before/after comparisons).
 */

import { VM_READ, VM_WRITE } from '@pagewright/core';
import type * as Api from '../src/index.js';

type VmaIndex = Api.VmaIndex;
type Vma = Api.Vma;

const src = process.env.VMA_BENCH_SRC;
const api: typeof Api = src ? await import(`${src}/index.ts`) : await import('../src/index.js');

const FLAGS = VM_READ | VM_WRITE;
const BASE = 0x100;
const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const onlyArg = process.argv.find((a) => a.startsWith('--only='));
const only = onlyArg ? onlyArg.slice('--only='.length).split(',') : null;
const REPS = 7;
const WARMUP = 3;
/** Pre-generated inputs per case (a power of two; reused cyclically). */
const POOL = 1 << 16;

interface Row {
  index: string;
  vmas: number;
  op: string;
  opsPerSec: number;
  nsPerOp: number;
}

/** xorshift32 filling `n` integers in `[0, bound)`. */
function randomInts(seed: number, n: number, bound: number): Float64Array {
  const out = new Float64Array(n);
  let x = seed | 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = Math.floor(((x >>> 0) / 2 ** 32) * bound);
  }
  return out;
}

function build(make: () => VmaIndex, n: number): VmaIndex {
  const idx = make();
  for (let i = 0; i < n; i++) {
    const s = BASE + 8 + 2 * i;
    idx.insert(new api.Vma({ start: s, end: s + 1, flags: FLAGS }));
  }
  return idx;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

let sink = 0;

/**
 * ns per op of `body(ops)`: warm-up rounds, then the median of REPS timed rounds. Time is this process's CPU time
 * (user + system, `process.cpuUsage`), not wall time: on a shared machine wall time mostly measures how long the
 * process waited for a core.
 */
function time(ops: number, body: (ops: number) => number): number {
  for (let r = 0; r < WARMUP; r++) sink += body(ops);
  const samples: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = process.cpuUsage();
    sink += body(ops);
    const t = process.cpuUsage(t0);
    samples.push(t.user + t.system);
  }
  return (median(samples) * 1e3) / ops;
}

const rows: Row[] = [];
function record(index: string, vmas: number, op: string, nsPerOp: number): void {
  rows.push({ index, vmas, op, nsPerOp: Math.round(nsPerOp), opsPerSec: Math.round(1e9 / nsPerOp) });
  if (!json)
    console.log(
      `${index.padEnd(5)} ${String(vmas).padStart(8)} VMAs  ${op.padEnd(18)} ${(1e9 / nsPerOp).toFixed(0).padStart(11)} ops/s  ${nsPerOp.toFixed(0).padStart(8)} ns/op`,
    );
}

function bench(name: string, make: () => VmaIndex, n: number, opsScale: number): void {
  const idx = build(make, n);
  const mask = POOL - 1;
  // find: random pages over the whole layout (half hit a VMA, half a hole).
  const probes = randomInts(n + 17, POOL, 2 * n);
  for (let i = 0; i < POOL; i++) probes[i] = BASE + 8 + (probes[i] as number);
  const findOps = Math.max(1000, Math.floor(200_000 * opsScale));
  record(
    name,
    n,
    'find',
    time(findOps, (ops) => {
      let s = 0;
      for (let i = 0; i < ops; i++) {
        const v = idx.find(probes[i & mask] as number);
        if (v !== undefined) s += v.start;
      }
      return s;
    }),
  );
  // insert+remove: fill a random one-page hole and take it out again (the VMAs are built beforehand).
  const holePages = randomInts(n + 29, POOL, n - 1);
  const holes: Vma[] = [];
  for (let i = 0; i < POOL; i++) {
    const s = BASE + 9 + 2 * (holePages[i] as number);
    holes.push(new api.Vma({ start: s, end: s + 1, flags: FLAGS }));
  }
  const pairOps = Math.max(1000, Math.floor(200_000 * opsScale));
  record(
    name,
    n,
    'insert+remove',
    time(pairOps, (ops) => {
      for (let i = 0; i < ops; i++) {
        const v = holes[i & mask] as Vma;
        idx.insert(v);
        idx.remove(v);
      }
      return idx.size;
    }),
  );
  // free-area search: 4 pages top-down below the last VMA -> the bottom hole.
  const last = idx.last() as Vma;
  const q: Api.GapQuery = { length: 4, low: 0x10, high: last.end, alignMask: 0, alignOffset: 0 };
  const searchOps = Math.max(10, Math.floor(100_000 * opsScale));
  record(
    name,
    n,
    'free-area top-down',
    time(searchOps, (ops) => {
      let s = 0;
      for (let i = 0; i < ops; i++) s += idx.findGapTopDown(q);
      if (s !== ops * (BASE + 4)) throw new Error('wrong gap');
      return s;
    }),
  );
}

const want = (name: string) => only === null || only.includes(name);
const sizes = quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000];
if (want('tree')) for (const n of sizes) bench('tree', () => new api.VmaTree(), n, 1);
if (want('btree')) for (const n of sizes) bench('btree', () => new api.VmaBTree(), n, 1);
const Treap = (api as { VmaTreap?: typeof Api.VmaTreap }).VmaTreap; // absent in sources before 0.2
if (want('treap') && Treap !== undefined) for (const n of sizes) bench('treap', () => new Treap(), n, 1);
if (want('list'))
  for (const n of quick ? [1_000] : [1_000, 10_000])
    bench('list', () => new api.VmaList(), n, n >= 10_000 ? 0.005 : 0.05);
if (json)
  console.log(
    JSON.stringify({ package: '@pagewright/vma', date: new Date().toISOString(), rows, sink }, null, 2),
  );
else console.log(`(sink ${sink})`);
