/**
 * SparsePhysicalMemory: host bytes per written and per never-written frame, and load/store throughput.
 */
import { SparsePhysicalMemory } from '../src/index.js';
import { type Case, gc, hostBytes, opsPerSecond, type Row } from './harness.js';

const GiB = 2 ** 30;

/** Host bytes per frame: a 64 GiB RAM never written, then 20 000 frames written one byte each. */
export function benchHostBytes(): Row[] {
  gc();
  const before = hostBytes();
  const mem = new SparsePhysicalMemory({ size: 64 * GiB });
  gc();
  const empty = hostBytes();
  const N = 20_000;
  // Spread the writes over RAM so that every directory chunk involved is paid for.
  const stride = Math.floor(mem.frameCount / N);
  for (let i = 0; i < N; i++) mem.write8(mem.base + i * stride * 4096 + (i & 0xfff), 1);
  gc();
  const written = hostBytes();
  if (mem.residentFrames !== N) throw new Error('unexpected resident count');
  // Reads of never-written memory allocate nothing.
  let sum = 0;
  for (let i = 0; i < N; i++) sum += mem.read8(mem.base + (i * stride + 1) * 4096);
  gc();
  const afterReads = hostBytes();
  return [
    {
      name: 'host bytes per never-written frame (64 GiB RAM)',
      value: (empty - before) / mem.frameCount,
      unit: 'B',
    },
    { name: 'host bytes per written frame (spread)', value: (written - empty) / N, unit: 'B' },
    {
      name: 'host bytes added by reading never-written frames',
      value: Math.max(0, afterReads - written) + sum,
      unit: 'B',
    },
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
