/**
 * `FrameRefs`: how many owners each data frame has (Linux's page `_refcount` as far as user memory is concerned).
 *
 * An owner is a present PTE in some page table, or a shared-anonymous object holding the page. A frame whose count
 * drops to zero goes back to the allocator. The shared zero page is never counted (Linux does not refcount it
 * either: it is not a "normal" page).
 *
 * @module
 */

import type { FrameAllocator } from '@pagewright/core';

/**
 * Reference counts of data frames, indexed by frame number.
 *
 * Invariant: a frame has a count > 0 exactly while it is allocated for user data; `live` is the number of such frames.
 */
export class FrameRefs {
  private readonly counts = new Map<number, number>();

  /** @param allocator - where frames go when their last owner lets go */
  constructor(private readonly allocator: FrameAllocator) {}

  /** Number of frames with at least one owner. */
  get live(): number {
    return this.counts.size;
  }

  /** The owner count of `pfn` (0 when unowned). */
  count(pfn: number): number {
    return this.counts.get(pfn) ?? 0;
  }

  /** Adds an owner to `pfn`. */
  get(pfn: number): void {
    this.counts.set(pfn, (this.counts.get(pfn) ?? 0) + 1);
  }

  /** Removes an owner; frees the frame when it was the last. Returns true when the frame was freed. */
  put(pfn: number): boolean {
    const c = this.counts.get(pfn);
    if (c === undefined) throw new Error(`frame ${pfn} released more often than taken`);
    if (c > 1) {
      this.counts.set(pfn, c - 1);
      return false;
    }
    this.counts.delete(pfn);
    this.allocator.free(pfn);
    return true;
  }

  /** Every owned frame and its count (cold: invariant checks). */
  entries(): IterableIterator<[number, number]> {
    return this.counts.entries();
  }
}
