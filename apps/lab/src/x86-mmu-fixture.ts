/**
 * The x86-64 counterpart of {@link createMmuFixture} for the `mmu/x86-*` benchmarks: the same 64 user pages at
 * 0x4000_0000, mapped by four levels of tables (PML4, PDPT, PD, PT) written directly into simulated memory with the
 * architecture's own codec, translated at CPL 3 by the CPU the machine builds for `x86-64` (CR0.WP, EFER.NXE,
 * CR4.PGE/PCIDE/SMEP/SMAP, as Linux runs it).
 *
 * @module
 */

import { createRng, type MmuHart, NULL_SINK, PteFlag, type Tlb } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { ARCHES } from '@pagewright/process-vm';
import { MMU_FIXTURE_PAGES, MMU_FIXTURE_VA } from './mmu-fixture.js';

/** The PCID the fixture's address space runs with. */
const FIXTURE_PCID = 1;

/** An x86-64 CPU at CPL 3 whose CR3 points at tables mapping {@link MMU_FIXTURE_PAGES} pages from {@link MMU_FIXTURE_VA}. */
export function createX86MmuFixture(tlb: Tlb): MmuHart {
  const entry = ARCHES['x86-64'];
  const arch = entry.arch();
  const memory = new SparsePhysicalMemory({ base: 0, size: 16 * 2 ** 20 });
  const chain = [1, 2, 3, 4]; // PML4, PDPT, PD, PT frames
  const dataFrame = 0x100;
  const pte = { lo: 0, hi: 0 };
  const vpn = MMU_FIXTURE_VA / 4096;
  for (let level = 3; level > 0; level--) {
    arch.encodeTable(chain[4 - level] as number, pte);
    memory.write64((chain[3 - level] as number) * 4096 + arch.indexAt(vpn, level) * 8, pte.lo, pte.hi);
  }
  const urw = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
  for (let i = 0; i < MMU_FIXTURE_PAGES; i++) {
    arch.encodeLeaf(dataFrame + i, urw, 0, pte);
    memory.write64((chain[3] as number) * 4096 + arch.indexAt(vpn + i, 0) * 8, pte.lo, pte.hi);
  }
  const cpu = entry.cpu({
    memory,
    firstFrame: 0,
    frameCount: memory.frameCount,
    arch,
    rng: createRng(1),
    sink: NULL_SINK,
    hartIndex: 0,
    tlb,
    adPolicy: 'hardware',
  });
  if (!cpu.switchAddressSpace(arch, FIXTURE_PCID, chain[0] as number)) throw new Error('CR3 load refused');
  cpu.enterUserMode();
  return cpu;
}

/**
 * Translates `count` loads over the mapped pages, in the order of {@link translateLoop} (page stride 7), and
 * returns a checksum. Its own function, so that V8 sees one CPU class here and one in the RISC-V loop. Throws if a
 * translation faults (the fixture is broken, not the benchmark).
 */
export function x86TranslateLoop(cpu: MmuHart, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const va = MMU_FIXTURE_VA + ((i * 7) & (MMU_FIXTURE_PAGES - 1)) * 4096 + (i & 0xff8);
    const pa = cpu.translate(va, 0);
    if (pa < 0) throw new Error(`translate(${va.toString(16)}) faulted with ${pa}`);
    sum = (sum + pa) | 0;
  }
  return sum;
}
