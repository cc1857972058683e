/**
 * The interface through which page-table edits reach the TLBs.
 *
 * @module
 */

/**
 * Collects the TLB invalidations a page-table change requires and performs them, then releases the frames the
 * change made unreachable — never before (DragonOS's `PageFlush`/`MmuGather`, Asterinas's `TlbFlusher`).
 *
 * Contract:
 * - `flushPage`/`flushAll` only queue; nothing is invalidated until `dispatch`.
 * - A frame passed to `deferFree` is released only after `dispatch` has invalidated every TLB that could still
 *   reach it.
 * - After `dispatch`, `pending` is 0.
 */
export interface TlbFlusher {
  /** Queues invalidation of virtual page `vpn` in the flusher's address space. */
  flushPage(vpn: number): void;
  /** Queues invalidation of the whole address space. */
  flushAll(): void;
  /** Queues `release(pfn)` to run after the queued invalidations have completed. */
  deferFree(pfn: number, release: (pfn: number) => void): void;
  /** Performs the queued invalidations, then the deferred releases. */
  dispatch(): void;
  /** Number of queued page invalidations (a queued full flush counts as one). */
  readonly pending: number;
}
