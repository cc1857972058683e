/**
 * The simulator benchmarks of memory pressure (simulator only: the kernel's numbers for these need a swap device
 * and root, which the native program does not assume): a swap-out + swap-in cycle per page, and one reclaim scan
 * (accessed bits tested and cleared through the reverse map) per page.
 *
 * @module
 */

import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { Machine, type MachineReclaim, type Process } from '@pagewright/process-vm';
import type { BenchmarkName } from './bench-format.js';
import type { BenchSizes } from './bench-sizes.js';
import type { SimFactory } from './sim-cases.js';

const PAGE = 4096;

/** A machine with swap and one process with `pages` pages written (each page's first word is its index). */
function swapMachine(
  sizes: BenchSizes,
  pages: number,
): { p: Process; reclaim: MachineReclaim; base: number } {
  const machine = new Machine({
    arch: sizes.arch,
    memoryBytes: 2 * pages * PAGE + (8 << 20),
    harts: 1,
    swap: { bytes: 2 * pages * PAGE, kswapd: 'manual' },
  });
  const p = machine.spawn();
  const base = p.mmap(0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  if (base < 0) throw new Error(`mmap failed: ${base}`);
  for (let i = 0; i < pages; i++) if (p.store32(base + i * PAGE, i) !== 0) throw new Error('store failed');
  return { p, reclaim: machine.reclaim as MachineReclaim, base };
}

/** The cases by benchmark name. */
export const RECLAIM_CASES: Partial<Record<BenchmarkName, SimFactory>> = {
  // Every page swapped out (reclaimAll: ageing, unmap into swap entries, shootdown, write, free), then read back
  // (a major fault each): ops = pages per cycle.
  'swap/out-in-cycle': (sizes) => {
    const pages = sizes.quick ? 64 : 4096;
    const { p, reclaim, base } = swapMachine(sizes, pages);
    return {
      opsPerCall: pages,
      run() {
        if (reclaim.reclaimAll() < pages) throw new Error('not every page was swapped out');
        for (let i = 0; i < pages; i++) if (p.load32(base + i * PAGE) !== i) throw new Error('contents lost');
      },
    };
  },
  // One ageing pass over resident pages whose PTEs were all referenced: the reverse map is built and every PTE's
  // accessed bit tested and cleared (the leaf rewritten, the TLB entry flushed); ops = pages scanned.
  'reclaim/scan': (sizes) => {
    const pages = sizes.quick ? 64 : 4096;
    const { p, reclaim, base } = swapMachine(sizes, pages);
    return {
      opsPerCall: pages,
      beforeEach() {
        for (let i = 0; i < pages; i++) p.load32(base + i * PAGE); // sets every accessed bit again
      },
      run() {
        if (reclaim.age() < pages) throw new Error('a page was not referenced');
      },
    };
  },
};
