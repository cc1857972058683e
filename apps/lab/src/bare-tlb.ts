/**
 * The limit the `mmu/*` benchmarks are compared with: a bare, set-associative TLB lookup over typed arrays, with
 * no ASIDs, permission checks, statistics or replacement — what a hit can cost at best in this JavaScript engine.
 *
 * @module
 */

/** A 64-set × 4-way tag/frame array, filled so that every page of `[0, 256)` hits. */
export class BareTlb {
  private readonly tags = new Int32Array(256).fill(-1);
  private readonly frames = new Int32Array(256);

  constructor() {
    for (let vpn = 0; vpn < 256; vpn++) {
      const set = vpn & 63;
      const way = vpn >>> 6;
      this.tags[set * 4 + way] = vpn;
      this.frames[set * 4 + way] = vpn + 0x1000;
    }
  }

  /** The frame of `vpn`, or -1 on a miss. */
  lookup(vpn: number): number {
    const base = (vpn & 63) * 4;
    const tags = this.tags;
    for (let w = 0; w < 4; w++) {
      if (tags[base + w] === vpn) return this.frames[base + w] as number;
    }
    return -1;
  }
}

/**
 * Translates `count` addresses that all hit (a byte address → physical address, like `Hart.translate`) and
 * returns a checksum so the loop cannot be optimised away.
 */
export function bareTlbLoop(tlb: BareTlb, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const va = ((i * 7) & 255) * 4096 + (i & 0xfff);
    const frame = tlb.lookup(Math.floor(va / 4096));
    sum = (sum + frame * 4096 + (va & 0xfff)) | 0;
  }
  return sum;
}
