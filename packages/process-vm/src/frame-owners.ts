/**
 * `FrameOwners`: who holds each user data frame — a thin layer over `@pagewright/frames`' {@link FramePool} (its
 * {@link FrameTable} keeps the reference counts and flags) that also counts the live data frames for the leak check.
 *
 * An owner is a present (or inaccessible) PTE in some page table, or a shared-anonymous object holding the page. A
 * frame whose count drops to zero goes back to the allocator. The shared zero page carries
 * {@link FrameFlag.ZeroPage} and is never counted (Linux does not refcount it either: it is not a "normal" page);
 * {@link FrameOwners.put} ignores it.
 *
 * @module
 */

import { type EventSink, NO_FRAME } from '@pagewright/core';
import { FrameFlag, type FramePool, type FrameTable } from '@pagewright/frames';

/** Told of every data frame handed out and freed (the machine's reclaim keeps its LRU with it). */
export interface FrameLru {
  added(pfn: number): void;
  freed(pfn: number): void;
}

/**
 * Reference counts of the user data frames of one machine.
 *
 * Invariant: a frame has a reference count > 0 exactly while it is allocated for user data (or is the zero page);
 * {@link FrameOwners.live} is the number of such data frames (the zero page excluded).
 */
export class FrameOwners {
  /** The per-frame metadata (reference counts, flags). */
  readonly table: FrameTable;
  /** The shared zero page (read-only, never freed while the machine lives). */
  readonly zeroPfn: number;
  private liveFrames = 0;
  /** The reclaim LRU told of each data frame handed out and freed (null: no reclaim). */
  lru: FrameLru | null = null;

  /**
   * @param pool - allocator + memory + table
   * @param sink - receives a `frame.alloc` event per data frame when enabled
   * @throws RangeError when there is no frame for the zero page
   */
  constructor(
    private readonly pool: FramePool,
    private readonly sink: EventSink,
  ) {
    this.table = pool.table;
    const zero = pool.alloc();
    if (zero === NO_FRAME) throw new RangeError('memory too small for the zero page');
    this.table.setFlags(zero, FrameFlag.ZeroPage);
    this.zeroPfn = zero;
  }

  /** Number of data frames with at least one owner (the zero page excluded). */
  get live(): number {
    return this.liveFrames;
  }

  /** A zero-filled data frame with one owner, or {@link NO_FRAME}. Never throws. */
  alloc(): number {
    const pfn = this.pool.alloc();
    if (pfn === NO_FRAME) return NO_FRAME;
    this.liveFrames++;
    if (this.lru !== null) this.lru.added(pfn);
    if (this.sink.enabled) this.sink.emit('frame.alloc', { pfn, order: 0 });
    return pfn;
  }

  /** The owner count of `pfn` (0 when unowned). */
  count(pfn: number): number {
    return this.table.refCount(pfn);
  }

  /** Adds an owner to `pfn` (the zero page is skipped). @throws FrameTableError for a frame nobody owns */
  get(pfn: number): void {
    if (pfn !== this.zeroPfn) this.pool.get(pfn);
  }

  /**
   * Removes an owner of `pfn` (the zero page is skipped); frees the frame when it was the last. Returns true when the
   * frame was freed. @throws FrameTableError for a frame nobody owns
   */
  put(pfn: number): boolean {
    if (pfn === this.zeroPfn) return false;
    if (this.pool.put(pfn) !== 0) return false;
    this.liveFrames--;
    if (this.lru !== null) this.lru.freed(pfn);
    return true;
  }

  /** The release callback for page-table teardown (runs after the TLB flush). */
  readonly release = (pfn: number): void => {
    this.put(pfn);
  };
}
