/**
 * ARC, the adaptive replacement cache (Megiddo and Modha, FAST 2003): resident pages seen once (T1) and more than
 * once (T2), ghost lists of pages recently evicted from each (B1, B2), and a target size `p` of T1 that a miss on a
 * ghost moves — towards recency after a B1 hit, towards frequency after a B2 hit.
 *
 * References come from two sources: `touch` (a hit a trace simulator saw: to the head of T2), and the probe when a
 * victim is chosen (a referenced page found at a list's tail goes to the head of T2 instead of being evicted, as
 * Bansal and Modha's CAR does with reference bits). The cache size `c` is the largest number of pages held so far;
 * ghost lists are trimmed to ARC's bounds (`|T1| + |B1| ≤ c`, all four lists ≤ `2c`). Ghosts are page ids: on a
 * machine, whose ids are frames, a ghost hit is a frame coming back, which is only an approximation of a page
 * coming back.
 *
 * @module
 */

import { NO_PAGE, PageLists } from '../page-lists.js';
import {
  checkPageId,
  type PageReplacementContext,
  type PageReplacementPolicy,
  type ReferenceProbe,
} from '../page-replacement-policy.js';

const T1 = 1;
const T2 = 2;
const B1 = 3;
const B2 = 4;

/** Adaptive replacement (ARC) with reference bits. */
export class ArcPolicy implements PageReplacementPolicy {
  readonly name = 'arc';
  private lists = new PageLists(0, 4);
  private pages = 0;
  /** Target size of T1. */
  private p = 0;
  /** Cache size: the most pages held at once. */
  private c = 0;

  get size(): number {
    return this.lists.size(T1) + this.lists.size(T2);
  }

  /** The current target size of the recency list T1 (ARC's `p`). */
  get target(): number {
    return this.p;
  }

  attach(context: PageReplacementContext): void {
    this.pages = context.pages;
    this.lists = new PageLists(context.pages, 4);
    this.p = 0;
    this.c = 0;
  }

  insert(page: number): void {
    checkPageId(page, this.pages);
    const lists = this.lists;
    const where = lists.listOf(page);
    if (where === T1 || where === T2) throw new RangeError(`page ${page} is already held`);
    if (where === B1) {
      this.p = Math.min(this.c, this.p + Math.max(Math.floor(lists.size(B2) / lists.size(B1)), 1));
      lists.moveToHead(T2, page);
    } else if (where === B2) {
      this.p = Math.max(0, this.p - Math.max(Math.floor(lists.size(B1) / lists.size(B2)), 1));
      lists.moveToHead(T2, page);
    } else lists.pushHead(T1, page);
    if (this.size > this.c) this.c = this.size;
    const c = this.c;
    while (lists.size(T1) + lists.size(B1) > c && lists.size(B1) > 0) lists.remove(lists.tail(B1));
    while (this.size + lists.size(B1) + lists.size(B2) > 2 * c && lists.size(B2) > 0)
      lists.remove(lists.tail(B2));
  }

  remove(page: number): boolean {
    if (!(page >= 0 && page < this.pages)) return false;
    const where = this.lists.listOf(page);
    if (where !== T1 && where !== T2) return false;
    this.lists.remove(page);
    return true;
  }

  touch(page: number): void {
    if (!(page >= 0 && page < this.pages)) return;
    const where = this.lists.listOf(page);
    if (where === T1 || where === T2) this.lists.moveToHead(T2, page);
  }

  victim(probe: ReferenceProbe): number {
    const lists = this.lists;
    let budget = 2 * this.size + 2;
    while (this.size > 0) {
      const t1 = lists.size(T1);
      const from = t1 > 0 && (t1 > this.p || lists.size(T2) === 0) ? T1 : T2;
      const page = lists.tail(from);
      if (probe(page) > 0 && budget-- > 0) {
        lists.moveToHead(T2, page);
        continue;
      }
      lists.moveToHead(from === T1 ? B1 : B2, page);
      return page;
    }
    return NO_PAGE;
  }

  reset(): void {
    this.lists.clear();
    this.p = 0;
    this.c = 0;
  }
}
