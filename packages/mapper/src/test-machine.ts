/**
 * Test-only fixture (not exported): memory, a fault-injecting buddy allocator, harts with TLBs and a stale-TLB
 * detector, for one paging architecture.
 *
 * @module
 */

import { PteFlag } from '@pagewright/core';
import { BuddyFrameAllocator, FailingAllocator, SparsePhysicalMemory } from '@pagewright/frames';
import { Hart, type RiscvPagingArch, SetAssociativeTlb, Sv39, Sv48 } from '@pagewright/sv39';
import { StaleTlbDetector } from './stale-tlb-detector.js';

/** Both architectures, for `describe.each`. */
export const ARCHES: readonly [string, RiscvPagingArch][] = [
  ['sv39', Sv39],
  ['sv48', Sv48],
];

/** User read/write (with A and D so Svade-style harts do not fault). */
export const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
/** User read-only. */
export const UR = PteFlag.Read | PteFlag.User | PteFlag.Accessed;

/** A small machine: 4 GiB of sparse RAM, a buddy allocator behind a FailingAllocator, `hartCount` harts. */
export function makeMachine(arch: RiscvPagingArch, hartCount = 2) {
  const memory = new SparsePhysicalMemory({ size: 2 ** 32 });
  const inner = new BuddyFrameAllocator({
    firstFrame: memory.baseFrame,
    frameCount: memory.frameCount,
    maxOrder: 18,
  });
  const allocator = new FailingAllocator(inner);
  const harts = Array.from(
    { length: hartCount },
    (_, id) =>
      new Hart({ id, memory, arch, tlb: new SetAssociativeTlb({ sets: 16, ways: 4 }), privilege: 0 }),
  );
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
