/**
 * Second chance (FIFO with a reference bit): the oldest page is evicted unless it was referenced since it was last
 * looked at, in which case its bit is cleared and it goes to the back of the queue. A new page enters with its
 * software bit clear (only later references count); the machine's references are the PTE accessed bits the probe
 * reports.
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

/** FIFO that spares referenced pages once. */
export class SecondChancePolicy implements PageReplacementPolicy {
  readonly name = 'second-chance';
  private lists = new PageLists(0, 1);
  private bits = new Uint8Array(0);
  private pages = 0;

  get size(): number {
    return this.lists.size(1);
  }

  attach(context: PageReplacementContext): void {
    this.pages = context.pages;
    this.lists = new PageLists(context.pages, 1);
    this.bits = new Uint8Array(context.pages);
  }

  insert(page: number): void {
    checkPageId(page, this.pages);
    if (this.lists.listOf(page) !== 0) throw new RangeError(`page ${page} is already held`);
    this.bits[page] = 0;
    this.lists.pushHead(1, page);
  }

  remove(page: number): boolean {
    return page >= 0 && page < this.pages && this.lists.remove(page);
  }

  touch(page: number): void {
    if (page >= 0 && page < this.pages && this.lists.listOf(page) !== 0) this.bits[page] = 1;
  }

  victim(probe: ReferenceProbe): number {
    const lists = this.lists;
    let budget = this.size + 1;
    while (lists.size(1) > 0) {
      const p = lists.tail(1);
      const referenced = probe(p) > 0 || this.bits[p] === 1;
      this.bits[p] = 0;
      if (referenced && budget-- > 0) {
        lists.moveToHead(1, p);
        continue;
      }
      lists.remove(p);
      return p;
    }
    return NO_PAGE;
  }

  reset(): void {
    this.lists.clear();
    this.bits.fill(0);
  }
}
