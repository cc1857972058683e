// CLOCK (second chance) TLB replacement: each way has a reference bit set on a hit or fill; the hand sweeps the set,
// clearing set bits, and replaces the first way whose bit is clear. It implements @pagewright/tlb's
// ReplacementPolicy.
//
// Use it from the command line:   pnpm -s pagewright demo --tlb-policy ./examples/plugins/clock-policy.mjs
// or from code:                   new Machine({ tlbPolicy: clock })

/** @implements {import('@pagewright/tlb').ReplacementPolicy} */
export class ClockPolicy {
  name = 'clock';
  attach(sets, ways) {
    this.ways = ways;
    this.referenced = new Uint8Array(sets * ways);
    this.hand = new Uint16Array(sets);
  }
  touch(set, way) {
    this.referenced[set * this.ways + way] = 1;
  }
  fill(set, way) {
    this.referenced[set * this.ways + way] = 1;
  }
  /** @returns {number} */
  victim(set) {
    const base = set * this.ways;
    for (;;) {
      const way = this.hand[set];
      this.hand[set] = (way + 1) % this.ways;
      if (this.referenced[base + way] === 0) return way;
      this.referenced[base + way] = 0;
    }
  }
  reset() {
    this.referenced.fill(0);
    this.hand.fill(0);
  }
}

/** The plug-in: a factory called once per TLB. */
export default function clock() {
  return new ClockPolicy();
}
