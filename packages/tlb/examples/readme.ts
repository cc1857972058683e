/** The README example, run by `node --import tsx examples/readme.ts` (and typechecked). */
import { createRng, PteFlag } from '@pagewright/core';
import { parseTlbSpec, type ReplacementPolicy, SetAssociativeTlb, servableFlags } from '@pagewright/tlb';

// A TLB by spec, and one with a custom policy given as a factory (always evicts way 0).
const tlb = parseTlbSpec('16x4:plru');
const wayZero: ReplacementPolicy = {
  name: 'evict-way-0',
  attach() {},
  touch() {},
  fill() {},
  victim: () => 0,
  reset() {},
};
const custom = new SetAssociativeTlb({ sets: 4, ways: 2, policy: () => wayZero, rng: createRng(7) });

// Page 0x42 of ASID 3 maps to frame 0x80010, read-only, accessed.
const flags = PteFlag.Read | PteFlag.Accessed;
custom.insert(0x42, 3, 0, 0x80010, flags, false);

// The CPU's hit test: loads may be served from entries with R and A.
const loads = servableFlags((f) => (f & PteFlag.Read) !== 0 && (f & PteFlag.Accessed) !== 0);
const stores = servableFlags((f) => (f & PteFlag.Write) !== 0 && (f & PteFlag.Dirty) !== 0);
console.log(custom.lookupPpn(0x42, 3, loads).toString(16)); // 80010
console.log(custom.lookupPpn(0x42, 3, stores)); // -1: a store walks
console.log(custom.lookupPpn(0x42, 4, loads)); // -1: another ASID
custom.flushVaAsid(0x42, 3);
console.log(custom.stats.hits, custom.stats.misses, custom.stats.invalidated, tlb.capacity); // 2 1 1 64
