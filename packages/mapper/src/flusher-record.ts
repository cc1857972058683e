/**
 * {@link FlusherRecord}: which flushers a mapper has handed changes to, so that it can say how many changes are
 * queued and never dispatched (`PageMapper.pendingChanges`, `assertNoPendingChanges`).
 *
 * @module
 */

import type { TlbFlusher } from '@pagewright/core';

/** The flushers one mapper has queued changes on (a part of exactly one mapper). */
export class FlusherRecord {
  /** The flusher noted last: noting it again is one compare (the operation's hot path tests it inline). */
  last: TlbFlusher | null = null;
  private readonly used = new Set<TlbFlusher>();

  /** Records that `f` received changes. Out of line and rarely taken: callers test `f !== last` first. */
  note(f: TlbFlusher): void {
    this.used.add(f);
    this.last = f;
  }

  /** Changes queued on the recorded flushers and not yet dispatched. */
  get pending(): number {
    let n = 0;
    for (const f of this.used) n += f.pending;
    return n;
  }

  /** Throws when a change was queued and never dispatched (a development-mode check). */
  assertNonePending(): void {
    const n = this.pending;
    if (n > 0) {
      throw new Error(
        `PageMapper: ${n} page-table change(s) queued but never flushed (call flush() or close the cursor)`,
      );
    }
  }
}
