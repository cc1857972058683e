/**
 * The file's reverse map of its mappings (Linux `address_space->i_mmap`): which opaque mappings cover which page
 * offsets of the file.
 *
 * @module
 */

/** One mapping in a {@link MappingTree}: an opaque handle over file pages `[firstPage, endPage)`. */
export interface MappingRange<H> {
  /** The caller's handle (a VMA, in the process layer). */
  readonly handle: H;
  /** First file page offset covered (`vm_pgoff`). */
  readonly firstPage: number;
  /** One past the last file page offset covered. */
  readonly endPage: number;
}

/**
 * An interval index of mappings over a file's page offsets (a file's `i_mmap`), knowing nothing of what a handle
 * is. The contract (checked by `checkMappingIndex` in `@pagewright/files/testing`):
 *
 * - `insert-duplicate`: inserting a handle already present throws `RangeError` and changes nothing.
 * - `insert-bad-range`: inserting an empty, negative or non-integer range throws `RangeError` and changes nothing.
 * - `overlap-exact`: `overlapping(a, b)` returns every mapping with `firstPage < b && a < endPage`, each once, and
 *   no other (ranges that only touch `[a, b)` are not included).
 * - `overlap-order`: its results are ordered by `firstPage`, ties in insertion order.
 * - `empty-query`: `overlapping(a, b)` with `b <= a` returns nothing.
 * - `remove`: `remove(h)` returns true and the mapping is gone from every query; a second `remove(h)` returns false.
 * - `update`: `update(h, a, b)` moves a present mapping to `[a, b)` (queries see the new range only) and returns
 *   true; an absent handle returns false and changes nothing.
 * - `get`: `get(h)` returns `{ handle, firstPage, endPage }` of a present handle, `undefined` otherwise.
 * - `all`: `all()` returns every mapping, ordered as `overlapping`.
 * - `size`: `size` counts the mappings present.
 */
export interface MappingIndex<H> {
  /** Number of mappings in the index. */
  readonly size: number;
  /** Adds `handle` over pages `[firstPage, endPage)`. */
  insert(handle: H, firstPage: number, endPage: number): void;
  /** Removes `handle`; false when absent. */
  remove(handle: H): boolean;
  /** Moves a present handle to `[firstPage, endPage)`; false when absent. */
  update(handle: H, firstPage: number, endPage: number): boolean;
  /** The range of `handle`, or undefined. */
  get(handle: H): MappingRange<H> | undefined;
  /** Every mapping overlapping pages `[firstPage, endPage)`, ordered by first page. */
  overlapping(firstPage: number, endPage: number): MappingRange<H>[];
  /** Every mapping, ordered by first page. */
  all(): readonly MappingRange<H>[];
}

/**
 * The default {@link MappingIndex}: an interval index of mappings over a file's page offsets. The process layer
 * inserts each file VMA with its page-offset range (`vm_pgoff` to `vm_pgoff + pages`), removes it on unmap, and
 * asks which mappings cover pages `[a, b)` — for truncation's `unmap_mapping_range`, for writes to shared pages
 * that every mapping sees, for MS_INVALIDATE.
 *
 * Contract:
 * - A handle is in the tree at most once; `insert` of a present handle or of an empty/invalid range throws
 *   `RangeError` and changes nothing; `remove` of an absent handle returns false.
 * - `overlapping(a, b)` returns every mapping with `firstPage < b && a < endPage`, ordered by `firstPage` (then
 *   by insertion), each exactly once; an empty query range returns nothing.
 * - Kept as an array sorted by first page: a query visits the mappings that start before `b`, an insert finds its
 *   place by binary search; inserts and removes move O(n) entries. A file has one entry per VMA that maps it, so
 *   the index stays small; an augmented tree can replace it behind the same methods.
 */
export class MappingTree<H> implements MappingIndex<H> {
  private entries: MappingRange<H>[] = [];
  private readonly index = new Map<H, MappingRange<H>>();

  /** Number of mappings in the tree. */
  get size(): number {
    return this.entries.length;
  }

  /** Adds `handle` over pages `[firstPage, endPage)`. */
  insert(handle: H, firstPage: number, endPage: number): void {
    if (this.index.has(handle)) throw new RangeError('MappingTree.insert: handle already present');
    if (
      !(
        Number.isSafeInteger(firstPage) &&
        Number.isSafeInteger(endPage) &&
        firstPage >= 0 &&
        endPage > firstPage
      )
    )
      throw new RangeError(`MappingTree.insert: bad page range [${firstPage}, ${endPage})`);
    const entry: MappingRange<H> = Object.freeze({ handle, firstPage, endPage });
    // Insert after every entry with the same or a lower first page (stable by insertion).
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.firstPage <= firstPage) lo = mid + 1;
      else hi = mid;
    }
    this.entries.splice(lo, 0, entry);
    this.index.set(handle, entry);
  }

  /** Removes `handle`; false when it was not in the tree. */
  remove(handle: H): boolean {
    const entry = this.index.get(handle);
    if (entry === undefined) return false;
    this.index.delete(handle);
    this.entries.splice(this.entries.indexOf(entry), 1);
    return true;
  }

  /** Changes the range of a present handle (a VMA split, merge or mremap); false when it was not in the tree. */
  update(handle: H, firstPage: number, endPage: number): boolean {
    const old = this.index.get(handle);
    if (old === undefined) return false;
    if (
      !(
        Number.isSafeInteger(firstPage) &&
        Number.isSafeInteger(endPage) &&
        firstPage >= 0 &&
        endPage > firstPage
      )
    )
      throw new RangeError(`MappingTree.update: bad page range [${firstPage}, ${endPage})`);
    this.remove(handle);
    this.insert(handle, firstPage, endPage);
    return true;
  }

  /** The range of `handle`, or undefined. */
  get(handle: H): MappingRange<H> | undefined {
    return this.index.get(handle);
  }

  /** Every mapping overlapping pages `[firstPage, endPage)`, ordered by first page. */
  overlapping(firstPage: number, endPage: number): MappingRange<H>[] {
    const out: MappingRange<H>[] = [];
    if (!(endPage > firstPage)) return out;
    for (const e of this.entries) {
      if (e.firstPage >= endPage) break;
      if (e.endPage > firstPage) out.push(e);
    }
    return out;
  }

  /** Every mapping, ordered by first page. */
  all(): readonly MappingRange<H>[] {
    return this.entries.slice();
  }
}
