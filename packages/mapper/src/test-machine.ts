/**
 * Test-only fixture (not exported): memory, a fault-injecting buddy allocator, CPUs with TLBs and a stale-TLB
 * detector, for one paging architecture — RISC-V harts for Sv39/Sv48, x86-64 CPUs (PCIDs, SMEP/SMAP, PGE, as Linux
 * runs them) for x86-64. The mapper's tests see them only as core `MmuHart`s.
 *
 * @module
 */

import { type MmuHart, type PagingArch, PteFlag } from '@pagewright/core';
import { BuddyFrameAllocator, FailingAllocator, SparsePhysicalMemory } from '@pagewright/frames';
import { Hart, SetAssociativeTlb, Sv39, Sv48 } from '@pagewright/sv39';
import { createX86Cpu, X86_64, X86_64_LA57, X86Cpu, X86PagingArch } from '@pagewright/x86-64';
import { StaleTlbDetector } from './stale-tlb-detector.js';

/** Every architecture the mapper is tested on, for `describe.each`. */
export const ARCHES: readonly [string, PagingArch][] = [
  ['sv39', Sv39],
  ['sv48', Sv48],
  ['x86-64', X86_64],
  ['x86-64-la57', X86_64_LA57],
];

/** True for an x86-64 architecture. */
export function isX86(arch: PagingArch): arch is X86PagingArch {
  return arch instanceof X86PagingArch;
}

/** User read/write (with A and D so Svade-style harts do not fault). */
export const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
/** User read-only. */
export const UR = PteFlag.Read | PteFlag.User | PteFlag.Accessed;

/** One CPU of `arch` in user mode, with its own TLB. */
export function makeCpu(arch: PagingArch, id: number, memory: SparsePhysicalMemory): MmuHart {
  const tlb = new SetAssociativeTlb({ sets: 16, ways: 4 });
  if (isX86(arch)) {
    const cpu = createX86Cpu(memory, tlb, id, { arch });
    cpu.enterUserMode();
    return cpu;
  }
  return new Hart({ id, memory, arch, tlb, privilege: 0 });
}

/** Puts a CPU made by {@link makeCpu} in supervisor mode (RISC-V S, x86 CPL 0). */
export function enterSupervisor(cpu: MmuHart): void {
  if (cpu instanceof X86Cpu) cpu.cpl = 0;
  else (cpu as Hart).privilege = 1;
}

/** A small machine: 4 GiB of sparse RAM, a buddy allocator behind a FailingAllocator, `hartCount` CPUs. */
export function makeMachine(arch: PagingArch, hartCount = 2) {
  const memory = new SparsePhysicalMemory({ size: 2 ** 32 });
  const inner = new BuddyFrameAllocator({
    firstFrame: memory.baseFrame,
    frameCount: memory.frameCount,
    maxOrder: 18,
  });
  const allocator = new FailingAllocator(inner);
  const harts = Array.from({ length: hartCount }, (_, id) => makeCpu(arch, id, memory));
  const detector = new StaleTlbDetector(harts);
  return { memory, allocator, harts, detector };
}

/** Every leaf of `[start, end)` as `vpn:pfn:level:flags` strings (a snapshot to compare before/after). */
export function snapshot(mapper: {
  visit(s: number, e: number, f: (v: number, p: number, l: number, fl: number) => void): number;
  vpnCount: number;
}): string[] {
  const out: string[] = [];
  mapper.visit(0, mapper.vpnCount, (v, p, l, f) => out.push(`${v}:${p}:${l}:${f}`));
  return out;
}
