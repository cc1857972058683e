/**
 * CLOCK: the resident pages on a circle with a hand; the hand skips (and clears) referenced pages and evicts the
 * first unreferenced one. As in OSTEP's paging-policy simulator, a page's use bit is set when it is brought in and on
 * every reference the caller reports; the machine's references are the PTE accessed bits the probe reports. A new
 * page goes just behind the hand (the last place it reaches).
 *
 * @module
 */

import { NO_PAGE } from '../page-lists.js';
import {
  checkPageId,
  type PageReplacementContext,
  type PageReplacementPolicy,
  type ReferenceProbe,
} from '../page-replacement-policy.js';

/** The clock algorithm with a use bit per page. */
export class ClockPolicy implements PageReplacementPolicy {
  readonly name = 'clock';
  private next = new Int32Array(0);
  private prev = new Int32Array(0);
  private held = new Uint8Array(0);
  private use = new Uint8Array(0);
  private hand = NO_PAGE;
  private count = 0;
  private pages = 0;

  get size(): number {
    return this.count;
  }

  attach(context: PageReplacementContext): void {
    this.pages = context.pages;
    this.next = new Int32Array(context.pages);
    this.prev = new Int32Array(context.pages);
    this.held = new Uint8Array(context.pages);
    this.use = new Uint8Array(context.pages);
    this.hand = NO_PAGE;
    this.count = 0;
  }

  insert(page: number): void {
    checkPageId(page, this.pages);
    if (this.held[page] === 1) throw new RangeError(`page ${page} is already held`);
    this.held[page] = 1;
    this.use[page] = 1;
    this.count++;
    if (this.hand === NO_PAGE) {
      this.next[page] = this.prev[page] = page;
      this.hand = page;
      return;
    }
    // Just behind the hand: prev(hand) ↔ page ↔ hand.
    const h = this.hand;
    const p = this.prev[h] as number;
    this.next[p] = page;
    this.prev[page] = p;
    this.next[page] = h;
    this.prev[h] = page;
  }

  remove(page: number): boolean {
    if (!(page >= 0 && page < this.pages) || this.held[page] !== 1) return false;
    this.unlink(page);
    return true;
  }

  touch(page: number): void {
    if (page >= 0 && page < this.pages && this.held[page] === 1) this.use[page] = 1;
  }

  victim(probe: ReferenceProbe): number {
    let budget = 2 * this.count + 1;
    while (this.count > 0) {
      const p = this.hand;
      const referenced = probe(p) > 0 || this.use[p] === 1;
      this.use[p] = 0;
      if (referenced && budget-- > 0) {
        this.hand = this.next[p] as number;
        continue;
      }
      this.unlink(p);
      return p;
    }
    return NO_PAGE;
  }

  reset(): void {
    this.held.fill(0);
    this.use.fill(0);
    this.hand = NO_PAGE;
    this.count = 0;
  }

  private unlink(page: number): void {
    this.held[page] = 0;
    this.count--;
    if (this.count === 0) {
      this.hand = NO_PAGE;
      return;
    }
    const p = this.prev[page] as number;
    const n = this.next[page] as number;
    this.next[p] = n;
    this.prev[n] = p;
    if (this.hand === page) this.hand = n;
  }
}
