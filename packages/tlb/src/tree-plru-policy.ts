/**
 * {@link TreePlruPolicy}: tree pseudo-LRU replacement.
 *
 * @module
 */

import type { ReplacementPolicy } from './replacement-policy.js';

/**
 * Tree pseudo-LRU (as in many L1 TLBs): a binary tree of `ways - 1` bits per set; each hit or fill points the bits
 * on its path away from the way, the victim follows the bits. Needs a power-of-two number of ways.
 */
export class TreePlruPolicy implements ReplacementPolicy {
  readonly name = 'plru';
  private ways = 1;
  private depth = 0;
  /** Per set, nodes 1..ways-1 of a heap-ordered tree; bit = side (0 left, 1 right) holding the next victim. */
  private bits = new Uint8Array(1);

  attach(sets: number, ways: number): void {
    if ((ways & (ways - 1)) !== 0)
      throw new RangeError(`tree-PLRU needs a power-of-two number of ways, got ${ways}`);
    this.ways = ways;
    this.depth = Math.log2(ways);
    this.bits = new Uint8Array(sets * ways);
  }
  touch(set: number, way: number): void {
    this.point(set, way);
  }
  fill(set: number, way: number): void {
    this.point(set, way);
  }
  private point(set: number, way: number): void {
    const base = set * this.ways;
    let node = 1;
    for (let k = this.depth - 1; k >= 0; k--) {
      const bit = (way >>> k) & 1;
      this.bits[base + node] = bit ^ 1;
      node = node * 2 + bit;
    }
  }
  victim(set: number): number {
    const base = set * this.ways;
    let node = 1;
    let way = 0;
    for (let k = 0; k < this.depth; k++) {
      const bit = this.bits[base + node] as number;
      way = way * 2 + bit;
      node = node * 2 + bit;
    }
    return way;
  }
  reset(): void {
    this.bits.fill(0);
  }
}
