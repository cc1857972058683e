/**
 * FIFO replacement: the page resident longest is evicted; references are never looked at (Bélády's anomaly
 * included).
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

/** First in, first out. */
export class FifoPagePolicy implements PageReplacementPolicy {
  readonly name = 'fifo';
  private lists = new PageLists(0, 1);
  private pages = 0;

  get size(): number {
    return this.lists.size(1);
  }

  attach(context: PageReplacementContext): void {
    this.pages = context.pages;
    this.lists = new PageLists(context.pages, 1);
  }

  insert(page: number): void {
    checkPageId(page, this.pages);
    if (this.lists.listOf(page) !== 0) throw new RangeError(`page ${page} is already held`);
    this.lists.pushHead(1, page);
  }

  remove(page: number): boolean {
    return page >= 0 && page < this.pages && this.lists.remove(page);
  }

  touch(_page: number): void {}

  victim(_probe: ReferenceProbe): number {
    const p = this.lists.tail(1);
    if (p !== NO_PAGE) this.lists.remove(p);
    return p;
  }

  reset(): void {
    this.lists.clear();
  }
}
