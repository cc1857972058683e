/**
 * Benchmarks of the two VmaIndex implementations: find, insert+remove pairs and free-area search at 1 k, 100 k
 * and 1 M VMAs (the list only up to 10 k / 100 k where its O(n) cost stays bearable).
 *
 * Layout: N one-page VMAs at even pages (a one-page hole after each), plus one 8-page hole at the bottom, so a
 * top-down search for 4 pages below the last VMA must find that single hole (the worst case for a scan).
 *
 * Run: `pnpm --filter @pagewright/vma bench` (or `npx tsx bench/run.ts [--json] [--quick]`). Each case runs 5 times;
 * the median is reported.
 */

import { VM_READ, VM_WRITE } from '@pagewright/core';
import { type GapQuery, Vma, VmaBTree, type VmaIndex, VmaList, VmaTree } from '../src/index.js';

const FLAGS = VM_READ | VM_WRITE;
const BASE = 0x100;
const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const REPS = 5;

interface Row {
  index: string;
  vmas: number;
  op: string;
  opsPerSec: number;
  nsPerOp: number;
}

/** A tiny seeded generator (xorshift32) for the workloads. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function build(make: () => VmaIndex, n: number): VmaIndex {
  const idx = make();
  // One 8-page hole at the bottom, then VMAs at even offsets.
  for (let i = 0; i < n; i++) {
    const s = BASE + 8 + 2 * i;
    idx.insert(new Vma({ start: s, end: s + 1, flags: FLAGS }));
  }
  return idx;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function time(ops: number, body: () => void): number {
  const samples: number[] = [];
  body(); // warm-up
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    body();
    samples.push(performance.now() - t0);
  }
  return (median(samples) * 1e6) / ops; // ns per op
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
  const next = rng(n + 17);
  // find: random pages over the whole layout (half hit a VMA, half a hole).
  const findOps = Math.max(1000, Math.floor(200_000 * opsScale));
  const probes = Array.from({ length: findOps }, () => BASE + 8 + Math.floor(next() * 2 * n));
  let sink = 0;
  record(
    name,
    n,
    'find',
    time(findOps, () => {
      for (const p of probes) if (idx.find(p) !== undefined) sink++;
    }),
  );
  // insert+remove: fill a random one-page hole and take it out again.
  const pairOps = Math.max(1000, Math.floor(200_000 * opsScale));
  const holes = Array.from({ length: pairOps }, () => {
    const s = BASE + 9 + 2 * Math.floor(next() * (n - 1));
    return new Vma({ start: s, end: s + 1, flags: FLAGS });
  });
  record(
    name,
    n,
    'insert+remove',
    time(pairOps, () => {
      for (const v of holes) {
        idx.insert(v);
        idx.remove(v);
      }
    }),
  );
  // free-area search: 4 pages top-down below the last VMA -> the bottom hole.
  const last = idx.last() as Vma;
  const q: GapQuery = { length: 4, low: 0x10, high: last.end, alignMask: 0, alignOffset: 0 };
  const searchOps = Math.max(10, Math.floor(100_000 * opsScale));
  record(
    name,
    n,
    'free-area top-down',
    time(searchOps, () => {
      for (let i = 0; i < searchOps; i++)
        if (idx.findGapTopDown(q) !== BASE + 4) throw new Error('wrong gap');
    }),
  );
  if (sink < 0) console.log(sink);
}

const tree = () => new VmaTree();
const list = () => new VmaList();
const sizes = quick ? [1_000, 100_000] : [1_000, 100_000, 1_000_000];
for (const n of sizes) bench('tree', tree, n, 1);
for (const n of sizes) bench('btree', () => new VmaBTree(), n, 1);
for (const n of quick ? [1_000] : [1_000, 10_000]) bench('list', list, n, n >= 10_000 ? 0.005 : 0.05);
if (json)
  console.log(JSON.stringify({ package: '@pagewright/vma', date: new Date().toISOString(), rows }, null, 2));
