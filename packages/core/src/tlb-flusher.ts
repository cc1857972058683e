/**
 * The interface through which page-table edits reach the TLBs.
 *
 * @module
 */

/**
 * Collects the TLB invalidations a page-table change requires and performs them, then releases the frames the
 * change made unreachable — never before (DragonOS's `PageFlush`/`MmuGather`, Asterinas's `TlbFlusher`).
 *
 * Contract (each rule is checked by `checkTlbFlusher` of `@pagewright/core/testing`, under the id in brackets):
 * - [queue-only] `flushPage`/`flushAll` only queue; nothing is invalidated until `dispatch`.
 * - [page-invalidated] After `dispatch`, no TLB the address space runs on holds a page queued with `flushPage`;
 *   [many-pages] this holds for any number of queued pages (a flusher may collapse them into one flush of the tag).
 * - [all-invalidated] After `flushAll` and `dispatch`, no TLB the address space runs on holds any of its entries.
 * - [release-after-invalidation] A frame passed to `deferFree` is released only after `dispatch` has invalidated
 *   every TLB that could still reach it; [release-once] each release runs exactly once, at the first `dispatch`
 *   after it was queued.
 * - [pending] `pending` counts the queued page invalidations (a queued full flush counts as one); after
 *   `dispatch` it is 0.
 * - [idle-dispatch] `dispatch` with nothing queued changes no TLB entry.
 * - [other-spaces-kept] Flushing a page never removes another address space's entries for other pages (below a
 *   flusher's collapse threshold, a page flush is per page).
 * - A flusher of an address space that runs on no CPU may invalidate nothing (its stale entries are flushed when it
 *   is next activated); the release rules still hold.
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
