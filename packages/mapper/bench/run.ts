/**
 * Mapper benchmarks: map+unmap pairs per second, a cursor visit over 1 GiB of 4 KiB mappings, and the page-table
 * half of fork (copy-on-write copy of 65 536 mapped pages). Run with `pnpm --filter @pagewright/mapper bench`
 * (`--json` prints machine-readable results, `--rounds N` sets the number of rounds, default 3).
 *
 * Fairness: both architectures are built first and every case is warmed up on both before anything is measured
 * (the mapper's code is shared, so the first architecture measured would otherwise pay the JIT warm-up for both).
 * Each round is one tinybench run (with its own warm-up) whose tasks interleave Sv39 and Sv48; the order of the
 * architectures alternates between rounds. The reported value is the median over rounds of each task's median.
 *
 * Configuration: the default flusher (an `InactiveFlusher` without context: dispatch only runs deferred frees) and
 * no stale-TLB detector (the detector is on in the tests; it walks every TLB at each flush).
 */

import { PteFlag } from '@pagewright/core';
import { BuddyFrameAllocator, SparsePhysicalMemory } from '@pagewright/frames';
import { Sv39, Sv48 } from '@pagewright/sv39';
import { Bench } from 'tinybench';
import { PageMapper } from '../src/index.js';

const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
const json = process.argv.includes('--json');
const roundsArg = process.argv.indexOf('--rounds');
const ROUNDS = roundsArg >= 0 ? Number(process.argv[roundsArg + 1]) : 3;

/** Pairs per task call (tinybench times each call; a batch keeps the timer's cost out of the result). */
const BATCH = 512;
const GIB = 262_144;
const COW = 65_536;
const BASE = 512 * 512 * 4;
/** A sparse region (fork of a process whose touched pages are scattered): one page in every `SPARSE_STRIDE`. */
const SPARSE_BASE = 512 * 512 * 8;
const SPARSE_STRIDE = 16;
const SPARSE_PAGES = COW / SPARSE_STRIDE;
/** Another sparse region: the first `SPARSE_PAGES / 128` pages of each of 128 leaf tables (front-filled). */
const FRONT_BASE = 512 * 512 * 12;
const FRONT_RUN = SPARSE_PAGES / 128;

interface Setup {
  arch: string;
  pm: PageMapper;
  frame: number;
  child: PageMapper | null;
  memory: SparsePhysicalMemory;
  allocator: BuddyFrameAllocator;
}

function setup(arch: typeof Sv39): Setup {
  const memory = new SparsePhysicalMemory({ size: 2 ** 32 });
  const allocator = new BuddyFrameAllocator({
    firstFrame: memory.baseFrame,
    frameCount: memory.frameCount,
    maxOrder: 18,
  });
  const pm = new PageMapper({ arch, memory, allocator });
  pm.map(0, URW); // keeps the tables of the hot pages alive, as a populated address space does
  const c = pm.cursor(BASE, BASE + GIB);
  if (c.mapPhys(memory.baseFrame, URW) < 0) throw new Error(pm.describeError());
  c.close();
  for (let i = 0; i < SPARSE_PAGES; i++) {
    if (pm.mapPhys(SPARSE_BASE + i * SPARSE_STRIDE, memory.baseFrame + i, URW) < 0)
      throw new Error(pm.describeError());
  }
  for (let t = 0; t < 128; t++) {
    for (let i = 0; i < FRONT_RUN; i++) {
      if (pm.mapPhys(FRONT_BASE + t * 512 + i, memory.baseFrame + i, URW) < 0)
        throw new Error(pm.describeError());
    }
  }
  return { arch: arch.name, pm, frame: memory.baseFrame + 12345, child: null, memory, allocator };
}

const setups = [setup(Sv39), setup(Sv48)];

interface Case {
  name: string;
  /** Operations per call (pairs), or 0 for a case reported in milliseconds per call. */
  ops: number;
  fn: (s: Setup) => void;
  before?: (s: Setup) => void;
  after?: (s: Setup) => void;
}

let sink = 0;
const cases: Case[] = [
  {
    name: 'mapPhys+unmap pairs',
    ops: BATCH,
    fn: ({ pm, frame }) => {
      for (let i = 0; i < BATCH; i++) {
        const v = 1 + (i & 255);
        pm.mapPhys(v, frame, URW);
        pm.unmap(v);
      }
      pm.flush();
    },
  },
  {
    name: 'map+unmap pairs (alloc + zero + free)',
    ops: BATCH,
    fn: ({ pm }) => {
      for (let i = 0; i < BATCH; i++) {
        const v = 1 + (i & 255);
        pm.map(v, URW);
        pm.unmap(v, pm.freeDataFrame);
      }
      pm.flush();
    },
  },
  {
    name: 'cursor visit of 1 GiB (262 144 leaves)',
    ops: 0,
    fn: ({ pm }) => {
      let sum = 0;
      const n = pm.visit(BASE, BASE + GIB, (_v, p) => {
        sum += p;
      });
      if (n !== GIB || sum === 0) throw new Error('visit saw the wrong leaves');
      sink += sum;
    },
  },
  {
    name: 'COW copy of 65 536 pages',
    ops: 0,
    before: (s) => {
      s.child = new PageMapper({ arch: s.pm.arch, memory: s.memory, allocator: s.allocator });
    },
    fn: (s) => {
      const n = (s.child as PageMapper).copyRangeForCow(s.pm, BASE, BASE + COW);
      if (n !== COW) throw new Error(`COW copied ${n}`);
    },
    after: (s) => {
      s.pm.flush();
      s.pm.protectRange(BASE, BASE + COW, URW);
      s.pm.flush();
      s.child?.destroy();
      s.child = null;
    },
  },
  {
    name: `COW copy, ${SPARSE_PAGES} pages 1 in ${SPARSE_STRIDE}`,
    ops: 0,
    before: (s) => {
      s.child = new PageMapper({ arch: s.pm.arch, memory: s.memory, allocator: s.allocator });
    },
    fn: (s) => {
      const n = (s.child as PageMapper).copyRangeForCow(s.pm, SPARSE_BASE, SPARSE_BASE + COW);
      if (n !== SPARSE_PAGES) throw new Error(`COW copied ${n}`);
    },
    after: (s) => {
      s.pm.flush();
      s.pm.protectRange(SPARSE_BASE, SPARSE_BASE + COW, URW);
      s.pm.flush();
      s.child?.destroy();
      s.child = null;
    },
  },
  {
    name: `visit, ${SPARSE_PAGES} pages 1 in ${SPARSE_STRIDE}`,
    ops: 0,
    fn: ({ pm }) => {
      const n = pm.visit(SPARSE_BASE, SPARSE_BASE + COW, () => {});
      if (n !== SPARSE_PAGES) throw new Error('visit saw the wrong leaves');
    },
  },
  {
    name: `COW copy, ${SPARSE_PAGES} pages front-filled`,
    ops: 0,
    before: (s) => {
      s.child = new PageMapper({ arch: s.pm.arch, memory: s.memory, allocator: s.allocator });
    },
    fn: (s) => {
      const n = (s.child as PageMapper).copyRangeForCow(s.pm, FRONT_BASE, FRONT_BASE + COW);
      if (n !== SPARSE_PAGES) throw new Error(`COW copied ${n}`);
    },
    after: (s) => {
      s.pm.flush();
      s.pm.protectRange(FRONT_BASE, FRONT_BASE + COW, URW);
      s.pm.flush();
      s.child?.destroy();
      s.child = null;
    },
  },
];

/** Global warm-up: every case on both architectures, before any measurement. */
for (let k = 0; k < 3; k++) {
  for (const c of cases) {
    for (const s of setups) {
      c.before?.(s);
      c.fn(s);
      c.after?.(s);
    }
  }
}

const samples = new Map<string, number[]>();
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? setups : [...setups].reverse();
  for (const c of cases) {
    const slow = c.ops === 0;
    const bench = new Bench({
      time: slow ? 200 : 300,
      iterations: slow ? 6 : 64,
      warmupTime: slow ? 0 : 100,
      warmupIterations: slow ? 1 : 16,
      throws: true,
    });
    for (const s of order) {
      const { before, after } = c;
      bench.add(`${s.arch}\t${c.name}`, () => c.fn(s), {
        ...(before ? { beforeEach: () => before(s) } : {}),
        ...(after ? { afterEach: () => after(s) } : {}),
      });
    }
    await bench.run();
    for (const t of bench.tasks) {
      const r = t.result as { latency?: { p50: number } } | undefined;
      const ms = r?.latency?.p50 ?? Number.NaN;
      const list = samples.get(t.name) ?? [];
      list.push(slow ? ms : (c.ops / ms) * 1e3);
      samples.set(t.name, list);
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

const results: { name: string; arch: string; value: number; unit: string; rounds: number[] }[] = [];
for (const c of cases) {
  for (const s of setups) {
    const xs = samples.get(`${s.arch}\t${c.name}`) ?? [];
    results.push({
      name: c.name,
      arch: s.arch,
      value: median(xs),
      unit: c.ops === 0 ? 'ms' : 'pairs/s',
      rounds: xs,
    });
  }
}

if (json) console.log(JSON.stringify(results, null, 2));
else {
  for (const r of results) {
    const fmt = (v: number) => (r.unit === 'ms' ? v.toFixed(1) : `${(v / 1e6).toFixed(2)} M`);
    console.log(
      `${r.arch}  ${r.name.padEnd(40)} ${fmt(r.value).padStart(9)} ${r.unit === 'ms' ? 'ms' : 'pairs/s'}   (rounds: ${r.rounds.map(fmt).join(', ')})`,
    );
  }
}
if (sink === 0) console.log('');
