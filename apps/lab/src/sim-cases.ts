/**
 * The simulator side of every benchmark: each case builds its workload on the real pagewright packages and
 * returns a function that performs `opsPerCall` operations.
 *
 * @module
 */

import { createRng, type FrameAllocator, PteFlag } from '@pagewright/core';
import { BuddyFrameAllocator, SparsePhysicalMemory, StackFrameAllocator } from '@pagewright/frames';
import { PageMapper } from '@pagewright/mapper';
import { NoTlb, SetAssociativeTlb, Sv39 } from '@pagewright/sv39';
import { VmaTree } from '@pagewright/vma';
import type { BenchmarkName } from './bench-format.js';
import type { BenchSizes } from './bench-sizes.js';
import type { MeasureOptions } from './measure.js';
import { createMmuFixture, translateLoop } from './mmu-fixture.js';
import { RV64_CASES } from './rv64-cases.js';
import { PROCESS_CASES } from './sim-process-cases.js';
import { RECLAIM_CASES } from './sim-reclaim-cases.js';
import { holeVmas, populate } from './vma-fixture.js';
import { createX86MmuFixture, x86TranslateLoop } from './x86-mmu-fixture.js';

/** One prepared benchmark. `beforeEach`/`afterEach` run outside the timed window. */
export interface SimCase {
  /** Performs `opsPerCall` operations (timed). */
  run: () => void;
  /** Operations one call of `run` performs. */
  opsPerCall: number;
  /** Untimed set-up before each call. */
  beforeEach?: () => void;
  /** Untimed tear-down after each call. */
  afterEach?: () => void;
  /** Measurement sizes, when the case needs other than the defaults (slow, large calls). */
  measure?: MeasureOptions;
  /** Releases what the case built. */
  dispose?: () => void;
}

/** Builds a case for the given sizes. */
export type SimFactory = (sizes: BenchSizes) => SimCase;

/** First frame of simulated RAM (0x8000_0000, where RISC-V boards put DRAM). */
const RAM_FIRST_FRAME = 0x80000;

/**
 * Single-frame alloc+free pairs: 256 allocations, then 256 frees in reverse order, 40 times per call
 * (10 240 pairs), on a 256 MiB allocator.
 */
function allocFreePairs(create: () => FrameAllocator): SimFactory {
  return () => {
    const a = create();
    const held = new Int32Array(256);
    return {
      opsPerCall: 40 * 256,
      run() {
        for (let r = 0; r < 40; r++) {
          for (let i = 0; i < 256; i++) held[i] = a.alloc();
          for (let i = 255; i >= 0; i--) a.free(held[i] as number, 0);
        }
      },
    };
  };
}

/** Translations through `Hart.translate`, 1 M per call (1 000 with the tiny sizes). */
function translations(tlb: () => SetAssociativeTlb | NoTlb): SimFactory {
  return (sizes) => {
    const hart = createMmuFixture(tlb());
    const batch = sizes.quick ? 1000 : 1_000_000;
    let sink = 0;
    return {
      opsPerCall: batch,
      run() {
        sink ^= translateLoop(hart, batch);
      },
      dispose() {
        if (sink === 0x7fffffff) process.stderr.write('');
      },
    };
  };
}

/** Translations through the x86-64 CPU's `translate` at CPL 3, 1 M per call (1 000 with the tiny sizes). */
function x86Translations(tlb: () => SetAssociativeTlb | NoTlb): SimFactory {
  return (sizes) => {
    const cpu = createX86MmuFixture(tlb());
    const batch = sizes.quick ? 1000 : 1_000_000;
    let sink = 0;
    return {
      opsPerCall: batch,
      run() {
        sink ^= x86TranslateLoop(cpu, batch);
      },
      dispose() {
        if (sink === 0x7fffffff) process.stderr.write('');
      },
    };
  };
}

/** The simulator cases by benchmark name (a missing name has no simulator number). */
export const SIM_CASES: Partial<Record<BenchmarkName, SimFactory>> = {
  ...PROCESS_CASES,
  ...RECLAIM_CASES,
  ...RV64_CASES,
  // Every page of the fixture is in the default 16 × 4 LRU TLB after the first round: all hits.
  'mmu/tlb-hit': translations(() => new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' })),
  // No TLB: every translation is a three-level Sv39 walk reading PTEs from simulated memory.
  'mmu/walk': translations(() => new NoTlb()),
  // The same 64 pages on an x86-64 CPU (PCID 1, CPL 3): all hits in the same 16 × 4 LRU TLB.
  'mmu/x86-tlb-hit': x86Translations(() => new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' })),
  // No TLB: every translation is a four-level walk with the SDM's checks.
  'mmu/x86-walk': x86Translations(() => new NoTlb()),
  // 1 024 insert+remove pairs of one-page VMAs in random holes of a tree holding 100 000 VMAs.
  'vma/insert-remove@100k': (sizes) => {
    const rng = createRng(1);
    const layout = populate(new VmaTree(), sizes.vmas100k, rng);
    const vmas = holeVmas(layout, 1024, rng);
    return {
      opsPerCall: vmas.length,
      run() {
        for (const v of vmas) {
          layout.index.insert(v);
          layout.index.remove(v);
        }
      },
    };
  },
  // Map a page to a fresh zeroed frame and unmap it (the frame freed after the flush), 256 pages per call, then
  // dispatch the queued flush: tables stay populated, as in a live address space.
  'mapper/map-unmap': () => {
    const memory = new SparsePhysicalMemory({ size: 2 ** 30 });
    const allocator = new BuddyFrameAllocator({
      firstFrame: memory.baseFrame,
      frameCount: memory.frameCount,
    });
    const mapper = new PageMapper({ arch: Sv39, memory, allocator });
    const urw = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
    const base = 0x40000;
    if (mapper.map(base + 511, urw) < 0) throw new Error('map failed');
    const release = (pfn: number) => allocator.free(pfn);
    return {
      opsPerCall: 256,
      run() {
        for (let i = 0; i < 256; i++) {
          if (mapper.map(base + i, urw) < 0) throw new Error('map failed');
          if (mapper.unmap(base + i, release) < 0) throw new Error('unmap failed');
        }
        mapper.flush();
      },
    };
  },
  'frames/stack-alloc-free': allocFreePairs(
    () => new StackFrameAllocator({ firstFrame: RAM_FIRST_FRAME, frameCount: 65_536 }),
  ),
  'frames/buddy-alloc-free': allocFreePairs(
    () => new BuddyFrameAllocator({ firstFrame: RAM_FIRST_FRAME, frameCount: 65_536 }),
  ),
};
