/**
 * SparsePhysicalMemory: host bytes per written and per never-written frame, and load/store throughput.
 */
import { SparsePhysicalMemory } from '../src/index.js';
import { type Case, gc, hostBytes, opsPerSecond, type Row } from './harness.js';

const GiB = 2 ** 30;

/** Host bytes added while `fill` runs on a fresh 64 GiB RAM, per written frame, and the RAM itself. */
function probe(fill: (mem: SparsePhysicalMemory) => number): {
  perFrame: number;
  empty: number;
  frames: number;
} {
  gc();
  const before = hostBytes();
  const mem = new SparsePhysicalMemory({ size: 64 * GiB });
  gc();
  const empty = hostBytes();
  const n = fill(mem);
  gc();
  const written = hostBytes();
  if (mem.residentFrames !== n) throw new Error('unexpected resident count');
  return {
    perFrame: (written - empty) / n,
    empty: (empty - before) / mem.frameCount,
    frames: mem.frameCount,
  };
}

/** Host bytes per frame: never written, written in allocation order, and written scattered over 64 GiB. */
export function benchHostBytes(): Row[] {
  const N = 20_000;
  const dense = probe((mem) => {
    for (let i = 0; i < N; i++) mem.write8(mem.base + i * 4096 + (i & 0xfff), 1);
    return N;
  });
  const spread = probe((mem) => {
    const stride = Math.floor(mem.frameCount / N);
    for (let i = 0; i < N; i++) mem.write8(mem.base + i * stride * 4096 + (i & 0xfff), 1);
    return N;
  });
  // A million reads of never-written memory: whatever the heap does meanwhile is noise, not per-frame cost.
  const mem = new SparsePhysicalMemory({ size: 64 * GiB });
  gc();
  const before = hostBytes();
  let sum = 0;
  for (let i = 0; i < 1_000_000; i++) sum += mem.read8(mem.base + (i % mem.frameCount) * 4096 * 16);
  gc();
  const reads = hostBytes() - before + sum;
  return [
    { name: 'host bytes per never-written frame (64 GiB RAM)', value: dense.empty, unit: 'B' },
    { name: 'host bytes per written frame (consecutive frames)', value: dense.perFrame, unit: 'B' },
    { name: 'host bytes per written frame (scattered, 1 per 3 MiB)', value: spread.perFrame, unit: 'B' },
    { name: 'host bytes added by 1 M reads of never-written frames', value: Math.max(0, reads), unit: 'B' },
  ];
}

/** Load/store throughput on resident and never-written frames. */
export async function benchAccess(): Promise<Row[]> {
  const mem = new SparsePhysicalMemory({ size: 1 * GiB });
  const N = 1000;
  for (let i = 0; i < 256; i++) mem.write8(mem.base + i * 4096, 1);
  const out = { lo: 0, hi: 0 };
  const cases: Case[] = [
    {
      name: 'read64 (resident frames)',
      opsPerCall: N,
      fn: () => {
        for (let i = 0; i < N; i++) mem.read64(mem.base + (i & 255) * 4096 + ((i * 8) & 0xff8), out);
      },
    },
    {
      name: 'write64 (resident frames)',
      opsPerCall: N,
      fn: () => {
        for (let i = 0; i < N; i++) mem.write64(mem.base + (i & 255) * 4096 + ((i * 8) & 0xff8), i, 1);
      },
    },
    {
      name: 'read32 (never-written frames)',
      opsPerCall: N,
      fn: () => {
        for (let i = 0; i < N; i++) mem.read32(mem.base + (1000 + i) * 4096);
      },
    },
    {
      name: 'zeroFrame + first write (drop and re-back a frame)',
      opsPerCall: N,
      fn: () => {
        for (let i = 0; i < N; i++) {
          const f = mem.baseFrame + 300 + (i & 63);
          mem.zeroFrame(f);
          mem.write8(f * 4096, 1);
        }
      },
    },
  ];
  return opsPerSecond(cases);
}
