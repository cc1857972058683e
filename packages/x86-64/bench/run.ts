/**
 * @pagewright/x86-64 benchmarks, shaped like the lab's `mmu/*` ones: 64 user pages at 0x40000000 mapped by 4-level
 * tables written directly into simulated memory, translated at CPL 3 with page stride 7 (every page visited).
 *
 *   npx tsx bench/run.ts          (from packages/x86-64; `--json` for machine-readable rows)
 *
 * - `mmu/x86-tlb-hit`: `X86Cpu.translate` with a 16 × 4 LRU `SetAssociativeTlb` (all hits after the first round);
 * - `mmu/x86-walk`: the same with a `NoTlb` (every translation is a 4-level walk with the SDM's checks);
 * - `walkX86()` called directly, and a bare typed-array 16 × 4 lookup loop (the limit a TLB hit can approach).
 *
 * Each throughput is the median of 7 timed repetitions after a warm-up (wall clock and process CPU time).
 */
import type { PhysicalMemory, Tlb } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { NoTlb, SetAssociativeTlb } from '@pagewright/tlb';
import {
  createX86WalkResult,
  SDM_WALK_OPTIONS,
  walkX86,
  X86_64,
  X86_A,
  X86_D,
  X86_RW,
  X86_US,
  X86Cpu,
  X86Ctl,
  type X86WalkResult,
} from '../src/index.js';

interface Row {
  name: string;
  value: number;
  unit: string;
  cpu?: number | undefined;
}

const rows: Row[] = [];
const VA = 0x4000_0000;
const PAGES = 64;
const N = 1 << 16;
let sink = 0;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] as number;
}

function measure(pass: () => number, ops: number, minMs = 150): { wall: number; cpu: number } {
  for (let i = 0; i < 20; i++) sink += pass();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < 7; r++) {
    let reps = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    let t1 = t0;
    while (t1 - t0 < minMs) {
      sink += pass();
      reps++;
      t1 = performance.now();
    }
    const c = process.cpuUsage(c0);
    wall.push((reps * ops) / ((t1 - t0) / 1000));
    cpu.push((reps * ops) / (Math.max(1, c.user + c.system) / 1e6));
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function throughput(name: string, rate: { wall: number; cpu: number }): void {
  rows.push({ name, value: rate.wall, unit: 'ops/s', cpu: rate.cpu });
}

/** Writes 4-level tables mapping PAGES user pages from VA; returns the root frame. */
function buildTables(memory: PhysicalMemory): number {
  const root = 1;
  const chain = [root, 2, 3, 4]; // PML4, PDPT, PD, PT
  const vpn = VA / 4096;
  const put = (table: number, index: number, frame: number, bits: number) =>
    memory.write64(table * 4096 + index * 8, (frame * 4096 + bits) >>> 0, 0);
  for (let l = 3; l > 0; l--) {
    put(chain[3 - l] as number, Math.floor(vpn / 512 ** l) % 512, chain[4 - l] as number, 0x27);
  }
  for (let i = 0; i < PAGES; i++) put(4, (vpn + i) % 512, 0x100 + i, 0x1 | X86_RW | X86_US | X86_A | X86_D);
  return root;
}

const memory = new SparsePhysicalMemory({ base: 0, size: 16 * 2 ** 20 });
const root = buildTables(memory);
const vas = new Float64Array(N);
for (let i = 0; i < N; i++) vas[i] = VA + ((i * 7) & (PAGES - 1)) * 4096 + (i & 0xff8);

function cpuWith(tlb: Tlb): X86Cpu {
  const cpu = new X86Cpu({ id: 0, memory, tlb, pcide: true, pge: true, smep: true, smap: true });
  if (!cpu.loadCr3(root, 1)) throw new Error('CR3 load refused');
  cpu.cpl = 3;
  return cpu;
}

function translations(cpu: X86Cpu, vas: Float64Array): number {
  let acc = 0;
  for (let i = 0; i < vas.length; i++) {
    const pa = cpu.translate(vas[i] as number, 0);
    if (pa < 0) throw new Error(`translate faulted: ${pa}`);
    acc = (acc + pa) | 0;
  }
  return acc;
}

function directWalks(vas: Float64Array, out: X86WalkResult): number {
  let acc = 0;
  const ctl = X86Ctl.User | X86Ctl.Wp | X86Ctl.Nxe | X86Ctl.Smep | X86Ctl.Pge;
  for (let i = 0; i < vas.length; i++) {
    const va = vas[i] as number;
    acc += walkX86(X86_64, memory, root, va >>> 12, va & 0xfff, 0, ctl, 0, SDM_WALK_OPTIONS, out);
  }
  return acc;
}

function bareLookups(vas: Float64Array, tags: Float64Array, ppns: Float64Array): number {
  let acc = 0;
  for (let i = 0; i < vas.length; i++) {
    const va = vas[i] as number;
    const off = va & 0xfff;
    const vpn = (va - off) / 4096;
    const base = (vpn & 15) * 4;
    for (let w = 0; w < 4; w++) {
      if (tags[base + w] === vpn) {
        acc += (ppns[base + w] as number) * 4096 + off;
        break;
      }
    }
  }
  return acc;
}

{
  const tags = new Float64Array(64).fill(-1);
  const ppns = new Float64Array(64);
  for (let p = 0; p < PAGES; p++) {
    const vpn = VA / 4096 + p;
    for (let w = 0; w < 4; w++) {
      const s = (vpn & 15) * 4 + w;
      if (tags[s] === -1) {
        tags[s] = vpn;
        ppns[s] = 0x100 + p;
        break;
      }
    }
  }
  const bare = measure(() => bareLookups(vas, tags, ppns), N);
  throughput('bare typed-array TLB lookup (16x4)', bare);
  const hitCpu = cpuWith(new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' }));
  const hit = measure(() => translations(hitCpu, vas), N);
  throughput('mmu/x86-tlb-hit: X86Cpu.translate, TLB hit (16x4 lru)', hit);
  rows.push({ name: 'x86-tlb-hit / bare lookup (cpu)', value: hit.cpu / bare.cpu, unit: 'ratio' });
  const st = hitCpu.tlb.stats;
  rows.push({ name: 'TLB hit rate in that run', value: st.hits / (st.hits + st.misses), unit: 'ratio' });
  const walkCpu = cpuWith(new NoTlb());
  throughput(
    'mmu/x86-walk: X86Cpu.translate, TLB off (4-level walk)',
    measure(() => translations(walkCpu, vas), N),
  );
  const out = createX86WalkResult();
  throughput(
    'walkX86() direct (4-level, 4 KiB leaf)',
    measure(() => directWalks(vas, out), N),
  );
}

if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else {
  const w = Math.max(...rows.map((r) => r.name.length));
  for (const r of rows) {
    const v =
      r.unit === 'ops/s'
        ? `${`${(r.value / 1e6).toFixed(1)} M/s`.padStart(10)}  (${((r.cpu ?? 0) / 1e6).toFixed(1)} M/s of CPU time)`
        : r.value.toFixed(3).padStart(10);
    console.log(`${r.name.padEnd(w)}  ${v}`);
  }
}
if (sink === 0.123) console.log('');
