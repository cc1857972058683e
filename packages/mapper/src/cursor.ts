/**
 * `MapperCursor`: bulk edits over a range that own their flush queue.
 *
 * @module
 */

import type { PteFlags, TlbFlusher } from '@pagewright/core';
import { MapperError, type MapperResult } from './errors.js';
import type { CursorTarget, FrameRelease, LeafVisitor } from './types.js';

/**
 * A range `[start, end)` of one {@link PageMapper} and the flusher that receives its changes (Asterinas's
 * `CursorMut`). Each operation walks every table of its range once (no walk from the root per page) and is all or
 * nothing. Closing the cursor (`close()`, or `using c = mapper.cursor(…)`) dispatches the flusher and runs the
 * stale-TLB detector, so a change cannot be forgotten in a scope that uses `using`.
 *
 * Every method takes an optional sub-range (default: the whole cursor range); a sub-range outside the cursor's is
 * `InvalidArgument`.
 */
export class MapperCursor<M extends CursorTarget = CursorTarget> implements Disposable {
  private closed = false;

  /** @internal Use {@link PageMapper.cursor}. */
  constructor(
    /** The mapper edited. */
    readonly mapper: M,
    /** First page of the range. */
    readonly start: number,
    /** End page (exclusive) of the range. */
    readonly end: number,
    /** The flusher that owns this cursor's changes. */
    readonly flusher: TlbFlusher,
  ) {}

  /** Changes queued on this cursor's flusher and not yet dispatched. */
  get pending(): number {
    return this.flusher.pending;
  }

  /** Maps every page of the range to fresh zeroed frames with leaves at `level`. Pages mapped, or an error. */
  map(flags: PteFlags, level = 0, start = this.start, end = this.end): MapperResult {
    if (!this.inside(start, end)) return MapperError.InvalidArgument;
    return this.mapper.mapRange(start, end, flags, level, -1, this.flusher);
  }

  /**
   * Maps the range to the frames from `firstPfn` on (contiguous) with leaves at `level`. Flags without R/W/X write
   * inaccessible (PROT_NONE) level-0 entries ({@link PageMapper.mapPhys}). Pages, or an error.
   */
  mapPhys(firstPfn: number, flags: PteFlags, level = 0, start = this.start, end = this.end): MapperResult {
    if (!this.inside(start, end)) return MapperError.InvalidArgument;
    if (!(firstPfn >= 0)) return MapperError.InvalidArgument;
    return this.mapper.mapRange(start, end, flags, level, firstPfn, this.flusher);
  }

  /** Unmaps every mapped page of the range; `release` gets each frame after the flush. Pages, or an error. */
  unmap(release?: FrameRelease, start = this.start, end = this.end): MapperResult {
    if (!this.inside(start, end)) return MapperError.InvalidArgument;
    return this.mapper.unmapRange(start, end, release, this.flusher);
  }

  /**
   * Replaces the rights of every mapped page of the range; flags without R/W/X make the pages inaccessible
   * (PROT_NONE) entries that keep their frames ({@link PageMapper.protect}). Pages covered, or an error.
   */
  protect(flags: PteFlags, start = this.start, end = this.end): MapperResult {
    if (!this.inside(start, end)) return MapperError.InvalidArgument;
    return this.mapper.protectRange(start, end, flags, this.flusher);
  }

  /** Visits every leaf intersecting the range. Leaves visited, or an error. */
  visit(visitor: LeafVisitor, start = this.start, end = this.end): MapperResult {
    if (!this.inside(start, end)) return MapperError.InvalidArgument;
    return this.mapper.visit(start, end, visitor);
  }

  /** Dispatches the queued flushes (then the deferred frees), and runs the stale-TLB detector. */
  flush(): void {
    this.mapper.flush(this.flusher);
  }

  /** Flushes and closes the cursor; later operations return `InvalidArgument`. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.mapper.destroyed) this.flush();
  }

  /** Same as {@link MapperCursor.close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  private inside(start: number, end: number): boolean {
    return !this.closed && start >= this.start && end <= this.end && start < end;
  }
}
