/**
 * A minimal Sv39 address space for the `mmu/*` benchmarks: 64 user pages mapped by three levels of page tables
 * written directly as PTEs into simulated memory (no mapper involved, so only the MMU is measured).
 *
 * @module
 */

import type { Tlb } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { encodePte, Hart, PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W } from '@pagewright/sv39';

/** Base of RAM (QEMU `virt`). */
const RAM_BASE = 0x8000_0000;
/** First virtual address of the mapped pages. */
export const MMU_FIXTURE_VA = 0x4000_0000;
/** Number of mapped pages. */
export const MMU_FIXTURE_PAGES = 64;

/** A U-mode hart with satp pointing at tables mapping {@link MMU_FIXTURE_PAGES} pages from {@link MMU_FIXTURE_VA}. */
export function createMmuFixture(tlb: Tlb): Hart {
  const memory = new SparsePhysicalMemory({ base: RAM_BASE, size: 16 * 2 ** 20 });
  const firstFrame = RAM_BASE / 4096;
  const root = firstFrame;
  const mid = firstFrame + 1;
  const leafTable = firstFrame + 2;
  const dataFrame = firstFrame + 16;
  const pte = { lo: 0, hi: 0 };
  const put = (table: number, index: number, ppn: number, bits: number) => {
    encodePte({ ppn, bits }, pte);
    memory.write64(table * 4096 + index * 8, pte.lo, pte.hi);
  };
  const vpn = MMU_FIXTURE_VA / 4096;
  put(root, Math.floor(vpn / 2 ** 18) % 512, mid, PTE_V);
  put(mid, Math.floor(vpn / 2 ** 9) % 512, leafTable, PTE_V);
  for (let i = 0; i < MMU_FIXTURE_PAGES; i++) {
    put(leafTable, (vpn + i) % 512, dataFrame + i, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
  }
  const hart = new Hart({ id: 0, memory, tlb, privilege: 0 });
  if (!hart.writeSatp('sv39', 1, root)) throw new Error('satp write refused');
  return hart;
}

/**
 * Translates `count` loads over the mapped pages (page stride 7, so every page is visited) and returns a checksum.
 * Throws if a translation faults (the fixture is broken, not the benchmark).
 */
export function translateLoop(hart: Hart, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const va = MMU_FIXTURE_VA + ((i * 7) & (MMU_FIXTURE_PAGES - 1)) * 4096 + (i & 0xff8);
    const pa = hart.translate(va, 0);
    if (pa < 0) throw new Error(`translate(${va.toString(16)}) faulted with ${pa}`);
    sum = (sum + pa) | 0;
  }
  return sum;
}
