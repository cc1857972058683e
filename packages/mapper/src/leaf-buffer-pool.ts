/**
 * `LeafBufferPool`: one mapper's spare buffer of leaf records (copy-on-write copy, destroy), kept between calls so
 * that repeated forks of one parent reuse it instead of growing a fresh array each time.
 *
 * @module
 */

import type { FrameRelease } from './types.js';

/** The empty buffer (nothing taken). */
export const NO_LEAVES: Float64Array = new Float64Array(0);

/**
 * A pool of at most one spare `Float64Array`, owned by one mapper. A call takes the spare (a nested call, from a
 * callback, then gets a new one) and gives it back when done; the larger buffer is kept.
 */
export class LeafBufferPool {
  private spare: Float64Array | null = null;

  /** The spare buffer, or a fresh one of 4096 numbers. */
  take(): Float64Array {
    const b = this.spare ?? new Float64Array(4096);
    this.spare = null;
    return b;
  }

  /** Gives `b` back (kept when it is larger than the current spare). */
  give(b: Float64Array): void {
    if (b.length !== 0 && (this.spare === null || this.spare.length < b.length)) this.spare = b;
  }
}

/** A copy of `b` twice as long (at least 4096 numbers). */
export function growLeafBuffer(b: Float64Array): Float64Array {
  const grown = new Float64Array(Math.max(4096, b.length * 2));
  grown.set(b);
  return grown;
}

/**
 * Frames of leaves (pfn, level pairs) gathered into a buffer of a {@link LeafBufferPool}, to be released in order
 * later (`destroy`: after the final flush).
 */
export class LeafList {
  private leaves: Float64Array;
  private n = 0;

  constructor(private readonly pool: LeafBufferPool) {
    this.leaves = pool.take();
  }

  /** A {@link LeafVisitor}-shaped adder: records the leaf's frame and level. */
  readonly add = (_vpn: number, pfn: number, level: number): void => {
    if (this.n === this.leaves.length) this.leaves = growLeafBuffer(this.leaves);
    this.leaves[this.n] = pfn;
    this.leaves[this.n + 1] = level;
    this.n += 2;
  };

  /**
   * Runs `release` on every recorded leaf in order, then gives the buffer back to the pool. When a release throws,
   * the others still run and the first error is rethrown afterwards (as a flusher's deferred frees).
   */
  release(release: FrameRelease): void {
    const { leaves, n } = this;
    let failure: unknown;
    let failed = false;
    for (let i = 0; i < n; i += 2) {
      const pfn = leaves[i] as number;
      const level = leaves[i + 1] as number;
      try {
        if (level === 0) release(pfn);
        else release(pfn, level);
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
    this.n = 0;
    this.pool.give(leaves);
    this.leaves = NO_LEAVES;
    if (failed) throw failure;
  }
}
