/**
 * {@link LruPolicy}: least-recently-used replacement.
 *
 * @module
 */

import { oldestStamp } from './oldest-stamp.js';
import type { ReplacementPolicy } from './replacement-policy.js';

/**
 * Least recently used: a global counter stamps every hit and fill; the victim has the oldest stamp.
 * A hit on the way its set stamped last is skipped (its stamp is already the newest of the set, so the order, and
 * every victim, stay the same): repeated hits on one page cost one compare.
 */
export class LruPolicy implements ReplacementPolicy {
  readonly name = 'lru';
  private ways = 1;
  private stamps = new Float64Array(1);
  /** Per set, the way stamped last (the most recently used), or -1. */
  private newest = new Int32Array(1);
  private clock = 0;

  attach(sets: number, ways: number): void {
    this.ways = ways;
    this.stamps = new Float64Array(sets * ways);
    this.newest = new Int32Array(sets).fill(-1);
    this.clock = 0;
  }
  touch(set: number, way: number): void {
    if (this.newest[set] === way) return;
    this.newest[set] = way;
    this.stamps[set * this.ways + way] = ++this.clock;
  }
  fill(set: number, way: number): void {
    this.newest[set] = way;
    this.stamps[set * this.ways + way] = ++this.clock;
  }
  victim(set: number): number {
    return oldestStamp(this.stamps, set * this.ways, this.ways);
  }
  reset(): void {
    this.stamps.fill(0);
    this.newest.fill(-1);
    this.clock = 0;
  }
}
