/**
 * The plug-in combinations the differential tests run on: every allocator × VMA index × TLB replacement policy (and
 * a TLB switched off), each on two of the four architectures (so that every allocator, index and TLB meets every
 * architecture across the set), with placement, flush strategy, A/D policy (Svade on RISC-V only: x86-64 always
 * updates A/D in hardware) and hart count varied across them so that each of those values is covered too.
 *
 * @module
 */

import type { MachineOptions } from '@pagewright/process-vm';

const allocators = ['stack', 'bitmap', 'buddy'] as const;
const arches = ['sv39', 'sv48', 'x86-64', 'x86-64-la57'] as const;
const indexes = ['tree', 'list'] as const;
/** Small TLBs so that entries are evicted and refilled often. */
const tlbs = ['4x2:lru', '2x2:fifo', '4x1:random', '2x4:plru', 'off'] as const;
const placements = ['topdown', 'bottomup'] as const;
/** Batched shootdowns, per-page flushes, whole-ASID flushes. */
const flushes = ['shootdown', 'page', 'full'] as const;
const ads = ['hardware', 'svade'] as const;

/** Every combination, each with a short label. */
export const COMBOS: { label: string; options: MachineOptions }[] = [];
let i = 0;
let k = 0;
for (const allocator of allocators)
  for (const vmaIndex of indexes)
    for (const tlb of tlbs) {
      for (const arch of [arches[k % 4]!, arches[(k + 1) % 4]!]) {
        const riscv = arch === 'sv39' || arch === 'sv48';
        const options: MachineOptions = {
          allocator,
          arch,
          vmaIndex,
          tlb,
          placement: placements[i % 2]!,
          flush: flushes[i % 3]!,
          ad: riscv ? ads[Math.floor(i / 2) % 2]! : 'hardware',
          harts: 1 + (i % 4),
          memoryBytes: 16 * 1024 * 1024,
          seed: 1 + i,
        };
        COMBOS.push({
          label: `${allocator}/${arch}/${vmaIndex}/tlb=${tlb}/${options.placement}/${options.flush}/ad=${options.ad}`,
          options,
        });
        i++;
      }
      k++;
    }
