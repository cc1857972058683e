/**
 * `PageLists`: several intrusive doubly linked lists over the page ids `[0, pages)`, each page in at most one list —
 * the `lru` list heads of Linux's `struct lruvec` (`mm/vmscan.c`), kept in typed arrays so that moving a page
 * between lists never allocates. The head is the most recently added end, the tail the oldest (Linux adds with
 * `list_add` and reclaims from `lru_to_folio`, the tail).
 *
 * @module
 */

/** No page (an empty list's head or tail, the end of a list). */
export const NO_PAGE = -1;

/**
 * Lists `1 … lists` over page ids `[0, pages)`.
 *
 * Invariants: a page is in at most one list ({@link PageLists.listOf} is 0 when in none); each list's size is the
 * number of pages linked in it; links are consistent in both directions.
 */
export class PageLists {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly where: Uint8Array;
  private readonly heads: Int32Array;
  private readonly tails: Int32Array;
  private readonly sizes: Int32Array;

  /**
   * @param pages - page ids are `[0, pages)`
   * @param lists - number of lists (at most 255), numbered from 1
   */
  constructor(
    readonly pages: number,
    lists: number,
  ) {
    if (!(Number.isInteger(pages) && pages >= 0 && pages < 2 ** 31))
      throw new RangeError(`page count must be an integer in [0, 2^31), got ${String(pages)}`);
    if (!(Number.isInteger(lists) && lists >= 1 && lists <= 255))
      throw new RangeError(`list count must be 1..255, got ${String(lists)}`);
    this.prev = new Int32Array(pages);
    this.next = new Int32Array(pages);
    this.where = new Uint8Array(pages);
    this.heads = new Int32Array(lists + 1).fill(NO_PAGE);
    this.tails = new Int32Array(lists + 1).fill(NO_PAGE);
    this.sizes = new Int32Array(lists + 1);
  }

  /** The list holding `page` (0: none). */
  listOf(page: number): number {
    return this.where[page] ?? 0;
  }

  /** Pages in `list`. */
  size(list: number): number {
    return this.sizes[list] as number;
  }

  /** The newest page of `list`, or {@link NO_PAGE}. */
  head(list: number): number {
    return this.heads[list] as number;
  }

  /** The oldest page of `list`, or {@link NO_PAGE}. */
  tail(list: number): number {
    return this.tails[list] as number;
  }

  /** The page after `page` towards the tail (older), or {@link NO_PAGE}. */
  older(page: number): number {
    return this.next[page] as number;
  }

  /** The page before `page` towards the head (newer), or {@link NO_PAGE}. */
  newer(page: number): number {
    return this.prev[page] as number;
  }

  /** Links `page` (in no list) at the head of `list`. */
  pushHead(list: number, page: number): void {
    const h = this.heads[list] as number;
    this.prev[page] = NO_PAGE;
    this.next[page] = h;
    if (h === NO_PAGE) this.tails[list] = page;
    else this.prev[h] = page;
    this.heads[list] = page;
    this.where[page] = list;
    this.sizes[list] = (this.sizes[list] as number) + 1;
  }

  /** Links `page` (in no list) at the tail of `list`. */
  pushTail(list: number, page: number): void {
    const t = this.tails[list] as number;
    this.next[page] = NO_PAGE;
    this.prev[page] = t;
    if (t === NO_PAGE) this.heads[list] = page;
    else this.next[t] = page;
    this.tails[list] = page;
    this.where[page] = list;
    this.sizes[list] = (this.sizes[list] as number) + 1;
  }

  /** Unlinks `page` from its list; false (nothing changed) when it is in none. */
  remove(page: number): boolean {
    const list = this.where[page] ?? 0;
    if (list === 0) return false;
    const p = this.prev[page] as number;
    const n = this.next[page] as number;
    if (p === NO_PAGE) this.heads[list] = n;
    else this.next[p] = n;
    if (n === NO_PAGE) this.tails[list] = p;
    else this.prev[n] = p;
    this.where[page] = 0;
    this.sizes[list] = (this.sizes[list] as number) - 1;
    return true;
  }

  /** Moves `page` (in some list) to the head of `list`. */
  moveToHead(list: number, page: number): void {
    this.remove(page);
    this.pushHead(list, page);
  }

  /** Unlinks every page of every list. */
  clear(): void {
    this.where.fill(0);
    this.heads.fill(NO_PAGE);
    this.tails.fill(NO_PAGE);
    this.sizes.fill(0);
  }
}
