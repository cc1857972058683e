/**
 * @pagewright/sv39 benchmarks: TLB-hit translations through `Hart.translate` next to a bare typed-array lookup
 * loop, page walks per second with the TLB off, and the hit rate of each replacement policy on synthetic patterns.
 *
 *   npx tsx bench/run.ts          (from packages/sv39; `--json` for machine-readable rows)
 *
 * Each throughput is the median of 7 timed repetitions after a warm-up, measured with `performance.now()`.
 */
import { Access, createRng, type PhysicalMemory } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import {
  createWalkResult,
  Hart,
  NoTlb,
  PTE_A,
  PTE_D,
  PTE_R,
  PTE_V,
  PTE_W,
  REPLACEMENT_POLICY_NAMES,
  SetAssociativeTlb,
  SPEC_WALK_OPTIONS,
  Sv39,
  walk,
} from '../src/index.js';

interface Row {
  name: string;
  value: number;
  unit: string;
}

const rows: Row[] = [];
const BASE = 0x8000_0000;
const PAGES = 32; // working set of the hit benchmarks: fits a 16×4 TLB
const N = 1 << 16; // VAs per pass

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

/** Runs `pass` (which performs `ops` operations) repeatedly; returns the median operations per second. */
function measure(pass: () => number, ops: number, minMs = 150): number {
  let sink = 0;
  for (let i = 0; i < 20; i++) sink += pass(); // warm-up / JIT
  const rates: number[] = [];
  for (let r = 0; r < 7; r++) {
    let reps = 0;
    const t0 = performance.now();
    let t1 = t0;
    while (t1 - t0 < minMs) {
      sink += pass();
      reps++;
      t1 = performance.now();
    }
    rates.push((reps * ops) / ((t1 - t0) / 1000));
  }
  if (sink === 0.123) console.log(''); // keep results alive
  return median(rates);
}

/** Builds an Sv39 page table mapping `pages` 4 KiB pages at VA 0x10000000 and returns its root frame. */
function buildTable(memory: PhysicalMemory, pages: number): number {
  let next = BASE / 4096 + 1;
  const root = next++;
  const word = { lo: 0, hi: 0 };
  const ptr = (f: number) => ((f * 1024) | PTE_V) >>> 0;
  for (let p = 0; p < pages; p++) {
    const va = 0x1000_0000 + p * 4096;
    let table = root;
    for (let level = 2; level > 0; level--) {
      const addr = table * 4096 + (Math.floor(va / 2 ** (12 + 9 * level)) % 512) * 8;
      memory.read64(addr, word);
      if ((word.lo & PTE_V) === 0) {
        const t = next++;
        memory.write64(addr, ptr(t), 0);
        table = t;
      } else table = word.lo >>> 10;
    }
    const frame = BASE / 4096 + 0x1000 + p;
    memory.write64(
      table * 4096 + (Math.floor(va / 4096) % 512) * 8,
      ((frame * 1024) | PTE_V | PTE_R | PTE_W | PTE_A | PTE_D) >>> 0,
      0,
    );
  }
  return root;
}

const memory = new SparsePhysicalMemory({ base: BASE, size: 256 * 1024 * 1024 });
const root = buildTable(memory, 256);
const rng = createRng(2026);
const vas = new Float64Array(N);
for (let i = 0; i < N; i++) vas[i] = 0x1000_0000 + rng.nextInt(PAGES) * 4096 + (rng.nextInt(512) << 3);

// 1. A bare typed-array "TLB": the same 16×4 geometry, tags in a Float64Array, no classes, no policy.
{
  const sets = 16;
  const ways = 4;
  const tags = new Float64Array(sets * ways).fill(-1);
  const ppns = new Float64Array(sets * ways);
  for (let p = 0; p < PAGES; p++) {
    const vpn = 0x10000 + p;
    const set = vpn & (sets - 1);
    for (let w = 0; w < ways; w++) {
      const s = set * ways + w;
      if (tags[s] === -1) {
        tags[s] = vpn;
        ppns[s] = 0x81000 + p;
        break;
      }
    }
  }
  const bare = measure(() => {
    let acc = 0;
    for (let i = 0; i < N; i++) {
      const va = vas[i] as number;
      const off = va & 0xfff;
      const vpn = (va - off) / 4096;
      const base = (vpn & (sets - 1)) * ways;
      for (let w = 0; w < ways; w++) {
        if (tags[base + w] === vpn) {
          acc += (ppns[base + w] as number) * 4096 + off;
          break;
        }
      }
    }
    return acc;
  }, N);
  rows.push({ name: 'bare typed-array TLB lookup (16x4)', value: bare, unit: 'ops/s' });

  // 2. The same lookups through Hart.translate with a 16×4 LRU SetAssociativeTlb (all hits after the warm-up).
  const hart = new Hart({ id: 0, memory, tlb: new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' }) });
  hart.writeSatp('sv39', 1, root);
  const hit = measure(() => {
    let acc = 0;
    for (let i = 0; i < N; i++) acc += hart.translate(vas[i] as number, Access.Load);
    return acc;
  }, N);
  rows.push({ name: 'Hart.translate, TLB hit (16x4 lru)', value: hit, unit: 'ops/s' });
  rows.push({ name: 'Hart.translate hit / bare lookup', value: hit / bare, unit: 'ratio' });
  rows.push({
    name: 'TLB hit rate in that run',
    value: hart.tlb.stats.hits / (hart.tlb.stats.hits + hart.tlb.stats.misses),
    unit: 'ratio',
  });

  const fifo = new Hart({ id: 1, memory, tlb: new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'fifo' }) });
  fifo.writeSatp('sv39', 1, root);
  const hitFifo = measure(() => {
    let acc = 0;
    for (let i = 0; i < N; i++) acc += fifo.translate(vas[i] as number, Access.Load);
    return acc;
  }, N);
  rows.push({ name: 'Hart.translate, TLB hit (16x4 fifo)', value: hitFifo, unit: 'ops/s' });
}

// 3. Page walks with the TLB off: Hart.translate over a NoTlb, and walk() called directly.
{
  const hart = new Hart({ id: 2, memory, tlb: new NoTlb() });
  hart.writeSatp('sv39', 1, root);
  const walks = measure(() => {
    let acc = 0;
    for (let i = 0; i < N; i++) acc += hart.translate(vas[i] as number, Access.Load);
    return acc;
  }, N);
  rows.push({ name: 'Hart.translate, TLB off (3-level walk)', value: walks, unit: 'ops/s' });
  const out = createWalkResult();
  const ctx = { privilege: 1, sum: false, mxr: false };
  const direct = measure(() => {
    let acc = 0;
    for (let i = 0; i < N; i++)
      acc += walk(Sv39, memory, root, vas[i] as number, Access.Load, ctx, SPEC_WALK_OPTIONS, out);
    return acc;
  }, N);
  rows.push({ name: 'walk() direct (3-level, 4 KiB leaf)', value: direct, unit: 'ops/s' });
}

// 4. Hit rate of each replacement policy (16×4 = 64 entries) on synthetic page streams.
{
  const LEN = 200_000;
  const patterns: [string, (i: number, r: ReturnType<typeof createRng>) => number][] = [
    ['loop over 48 pages', (i) => i % 48],
    ['loop over 80 pages (> capacity)', (i) => i % 80],
    ['uniform over 128 pages', (_i, r) => r.nextInt(128)],
    [
      '80% on 16 hot pages, 20% on 1024',
      (_i, r) => (r.nextInt(10) < 8 ? r.nextInt(16) : 16 + r.nextInt(1024)),
    ],
    ['stride 16 pages over 64 (set conflicts)', (i) => (i % 64) * 16],
  ];
  for (const [pname, gen] of patterns) {
    for (const policy of REPLACEMENT_POLICY_NAMES) {
      const tlb = new SetAssociativeTlb({ sets: 16, ways: 4, policy, rng: createRng(9) });
      const r = createRng(77);
      for (let i = 0; i < LEN; i++) {
        const vpn = gen(i, r);
        if (tlb.lookup(vpn, 0) < 0) tlb.insert(vpn, 0, 0, vpn, 0x7f, false);
      }
      rows.push({
        name: `hit rate ${policy.padEnd(6)} ${pname}`,
        value: tlb.stats.hits / LEN,
        unit: 'ratio',
      });
    }
  }
}

if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else {
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const v = r.unit === 'ops/s' ? `${(r.value / 1e6).toFixed(1)} M/s` : r.value.toFixed(3);
    console.log(`${r.name.padEnd(w)}  ${v}`);
  }
}
