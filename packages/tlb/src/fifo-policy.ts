/**
 * {@link FifoPolicy}: first-in, first-out replacement.
 *
 * @module
 */

import { oldestStamp } from './oldest-stamp.js';
import type { ReplacementPolicy } from './replacement-policy.js';

/** First in, first out: stamps only fills; hits do not matter. */
export class FifoPolicy implements ReplacementPolicy {
  readonly name = 'fifo';
  private ways = 1;
  private stamps = new Float64Array(1);
  private clock = 0;

  attach(sets: number, ways: number): void {
    this.ways = ways;
    this.stamps = new Float64Array(sets * ways);
    this.clock = 0;
  }
  touch(_set: number, _way: number): void {}
  fill(set: number, way: number): void {
    this.stamps[set * this.ways + way] = ++this.clock;
  }
  victim(set: number): number {
    return oldestStamp(this.stamps, set * this.ways, this.ways);
  }
  reset(): void {
    this.stamps.fill(0);
    this.clock = 0;
  }
}
