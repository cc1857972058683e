/**
 * Mapper benchmarks: map+unmap pairs per second, a cursor visit over 1 GiB of 4 KiB mappings, and the page-table
 * half of fork (copy-on-write copy of 65 536 mapped pages). Run with `pnpm --filter @pagewright/mapper bench`
 * (`--json` prints machine-readable results).
 */

import { PteFlag } from '@pagewright/core';
import { BuddyFrameAllocator, SparsePhysicalMemory } from '@pagewright/frames';
import { Sv39, Sv48 } from '@pagewright/sv39';
import { PageMapper } from '../src/index.js';

const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
const json = process.argv.includes('--json');
const results: { name: string; arch: string; value: number; unit: string }[] = [];

function machine() {
  const memory = new SparsePhysicalMemory({ size: 2 ** 32 });
  const allocator = new BuddyFrameAllocator({
    firstFrame: memory.baseFrame,
    frameCount: memory.frameCount,
    maxOrder: 18,
  });
  return { memory, allocator };
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

for (const arch of [Sv39, Sv48]) {
  const { memory, allocator } = machine();
  const pm = new PageMapper({ arch, memory, allocator });
  pm.map(0, URW); // keeps the tables of the hot page alive, as a populated address space does
  const frame = memory.baseFrame + 12345;

  // 1. mapPhys + unmap pairs (one page, tables present), and map (allocating a zeroed frame) + unmap + free.
  const N = 500_000;
  const phys: number[] = [];
  const alloc: number[] = [];
  for (let r = 0; r < 5; r++) {
    phys.push(
      N /
        time(() => {
          for (let i = 0; i < N; i++) {
            pm.mapPhys(1 + (i & 255), frame, URW);
            pm.unmap(1 + (i & 255));
          }
          pm.flush();
        }),
    );
    alloc.push(
      N /
        time(() => {
          for (let i = 0; i < N; i++) {
            pm.map(1 + (i & 255), URW);
            pm.unmap(1 + (i & 255), pm.freeDataFrame);
          }
          pm.flush();
        }),
    );
  }
  results.push({ name: 'mapPhys+unmap pairs', arch: arch.name, value: median(phys), unit: 'pairs/s' });
  results.push({
    name: 'map+unmap pairs (alloc + zero + free)',
    arch: arch.name,
    value: median(alloc),
    unit: 'pairs/s',
  });

  // 2. A cursor visit over 1 GiB of 4 KiB mappings (262 144 leaves).
  const GIB = 262_144;
  const base = 512 * 512 * 4;
  const c = pm.cursor(base, base + GIB);
  c.mapPhys(memory.baseFrame, URW);
  c.close();
  const visits: number[] = [];
  for (let r = 0; r < 5; r++) {
    let sum = 0;
    visits.push(
      time(() => {
        pm.visit(base, base + GIB, (_v, p) => {
          sum += p;
        });
      }) * 1e3,
    );
    if (sum === 0) throw new Error('visit saw nothing');
  }
  results.push({
    name: 'cursor visit of 1 GiB (262 144 leaves)',
    arch: arch.name,
    value: median(visits),
    unit: 'ms',
  });

  // 3. COW copy of 65 536 mapped pages (the page-table half of fork).
  const COW = 65_536;
  const copies: number[] = [];
  for (let r = 0; r < 5; r++) {
    const child = new PageMapper({ arch, memory, allocator });
    copies.push(time(() => child.copyRangeForCow(pm, base, base + COW)) * 1e3);
    pm.flush();
    pm.protectRange(base, base + COW, URW);
    pm.flush();
    child.destroy();
  }
  results.push({ name: 'COW copy of 65 536 pages', arch: arch.name, value: median(copies), unit: 'ms' });
}

if (json) console.log(JSON.stringify(results, null, 2));
else
  for (const r of results)
    console.log(
      `${r.arch}  ${r.name.padEnd(40)} ${r.value.toFixed(r.unit === 'ms' ? 1 : 0).padStart(12)} ${r.unit}`,
    );
