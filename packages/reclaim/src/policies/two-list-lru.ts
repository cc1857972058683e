/**
 * Linux's two-list LRU (`mm/vmscan.c` without MGLRU): an inactive and an active list per lruvec, new anonymous
 * pages start inactive, reclaim takes the inactive tail and asks `folio_referenced` how many mappings used it.
 *
 * - `folio_check_references`: a page referenced through its PTEs gets `PG_referenced` and another trip round the
 *   inactive list (`FOLIOREF_KEEP`); referenced again (or by more than one PTE at once) it is activated
 *   (`FOLIOREF_ACTIVATE`). Unreferenced, it is reclaimed.
 * - `inactive_is_low`: when `inactive · ratio < active` (ratio `int_sqrt(10 · GiB)` of the list sizes, 1 below one
 *   GiB) the active tail is deactivated first (`shrink_active_list`: its PTE references are tested and cleared, and
 *   an anonymous page goes inactive whatever they were).
 * - `folio_mark_accessed` for references the caller saw: an inactive page with `PG_referenced` is activated, else
 *   `PG_referenced` is set.
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

const INACTIVE = 1;
const ACTIVE = 2;
/** Pages per GiB (4 KiB pages). */
const PAGES_PER_GIB = 2 ** 18;

/** Linux's two-list (active/inactive) LRU with `PG_referenced`. */
export class TwoListLruPolicy implements PageReplacementPolicy {
  readonly name = 'lru';
  private lists = new PageLists(0, 2);
  private referenced = new Uint8Array(0);
  private pages = 0;

  get size(): number {
    return this.lists.size(INACTIVE) + this.lists.size(ACTIVE);
  }

  /** Pages on the active list (Linux `nr_active_anon`). */
  get active(): number {
    return this.lists.size(ACTIVE);
  }

  /** Pages on the inactive list (Linux `nr_inactive_anon`). */
  get inactive(): number {
    return this.lists.size(INACTIVE);
  }

  attach(context: PageReplacementContext): void {
    this.pages = context.pages;
    this.lists = new PageLists(context.pages, 2);
    this.referenced = new Uint8Array(context.pages);
  }

  insert(page: number): void {
    checkPageId(page, this.pages);
    if (this.lists.listOf(page) !== 0) throw new RangeError(`page ${page} is already held`);
    this.referenced[page] = 0;
    this.lists.pushHead(INACTIVE, page);
  }

  remove(page: number): boolean {
    if (!(page >= 0 && page < this.pages)) return false;
    return this.lists.remove(page);
  }

  touch(page: number): void {
    if (!(page >= 0 && page < this.pages)) return;
    const list = this.lists.listOf(page);
    if (list === 0) return;
    if (list === INACTIVE && this.referenced[page] === 1) {
      this.referenced[page] = 0;
      this.lists.moveToHead(ACTIVE, page);
    } else this.referenced[page] = 1;
  }

  victim(probe: ReferenceProbe): number {
    const lists = this.lists;
    let budget = 4 * this.size + 4;
    while (this.size > 0) {
      if (budget-- <= 0) {
        // Every page was referenced on every look: take the oldest inactive page (or active) anyway.
        const forced = lists.size(INACTIVE) > 0 ? lists.tail(INACTIVE) : lists.tail(ACTIVE);
        lists.remove(forced);
        return forced;
      }
      if (this.inactiveIsLow() || lists.size(INACTIVE) === 0) {
        const p = lists.tail(ACTIVE);
        probe(p); // shrink_active_list: folio_referenced clears the bits; anon pages are deactivated regardless
        lists.moveToHead(INACTIVE, p);
        continue;
      }
      const p = lists.tail(INACTIVE);
      const ptes = probe(p);
      const wasReferenced = this.referenced[p] === 1;
      if (ptes > 0) {
        this.referenced[p] = 1;
        if (wasReferenced || ptes > 1) lists.moveToHead(ACTIVE, p);
        else lists.moveToHead(INACTIVE, p);
        continue;
      }
      this.referenced[p] = 0;
      lists.remove(p);
      return p;
    }
    return NO_PAGE;
  }

  reset(): void {
    this.lists.clear();
    this.referenced.fill(0);
  }

  /** Linux `inactive_is_low` for the anonymous lists. */
  private inactiveIsLow(): boolean {
    const inactive = this.lists.size(INACTIVE);
    const active = this.lists.size(ACTIVE);
    const gb = Math.floor((inactive + active) / PAGES_PER_GIB);
    const ratio = gb > 0 ? Math.floor(Math.sqrt(10 * gb)) : 1;
    return inactive * ratio < active;
  }
}
