/**
 * The interface every frame allocator implements, and the typed error for bad frees.
 *
 * @module
 */

import type { DomainResult } from './result.js';

/** Returned by {@link FrameAllocator.alloc} and {@link FrameAllocator.allocContiguous} when no frame is available. */
export const NO_FRAME = -1;

/** What an allocation returns: the frame number (≥ 0) or {@link NO_FRAME}. */
export type FrameResult = DomainResult<'frame'>;

/** What was wrong with a free. */
export type FrameErrorKind = 'out-of-range' | 'not-allocated' | 'double-free' | 'wrong-order' | 'misaligned';

/** Thrown by {@link FrameAllocator.free} for a free the allocator must refuse. The allocator is left unchanged. */
export class FrameError extends Error {
  /**
   * @param kind - the kind of misuse
   * @param pfn - the frame number passed to `free`
   * @param detail - a human explanation
   */
  constructor(
    readonly kind: FrameErrorKind,
    readonly pfn: number,
    detail?: string,
  ) {
    super(`frame ${pfn}: ${kind}${detail ? ` (${detail})` : ''}`);
    this.name = 'FrameError';
  }
}

/**
 * A physical frame allocator over the frames `[firstFrame, firstFrame + totalFrames)`.
 *
 * Contract (each rule is checked by `checkFrameAllocator` in `@pagewright/core/testing`, under the id in brackets):
 * - [identity] `firstFrame` and `totalFrames` are the range it was given, `name` is non-empty, `maxOrder` is an
 *   integer `>= 0`, and a new allocator has every frame free.
 * - [alloc-unique] `alloc`/`allocContiguous` never hand out a frame that is allocated (alone or inside a block).
 * - [alloc-in-range] Every frame handed out, and every frame of a block, lies inside the range; a block that does
 *   not fit in what is left of the range is {@link NO_FRAME}.
 * - [exhaustion] `alloc` succeeds while `freeFrames > 0`; exhaustion returns {@link NO_FRAME}. `alloc` and
 *   `allocContiguous` never throw.
 * - [contiguous-aligned] `allocContiguous(order)` returns the first of `2^order` contiguous frames whose number is a
 *   multiple of `2^order` (absolute alignment, whatever `firstFrame` is). A new allocator serves any block of order
 *   `<= maxOrder` that fits its range; later it may refuse a block although a free aligned run exists (the stack
 *   allocator serves blocks only from never-used frames).
 * - [contiguous-order-limit] `allocContiguous(order)` with `order > maxOrder`, negative, fractional or NaN returns
 *   {@link NO_FRAME} and changes nothing.
 * - [free-frames] `freeFrames + allocated frames === totalFrames` at all times (a block counts `2^order` frames).
 * - [is-allocated] `isAllocated(pfn)` is true exactly for frames handed out and not freed, alone or inside a block;
 *   false outside the range and for non-integers.
 * - [reuse] Freed frames are handed out again: once exhausted, `alloc` returns exactly the frames freed since; after
 *   everything is freed, every frame can be allocated again.
 * - `free(pfn, order)` returns a block obtained with the same `order` (0 for `alloc`). A free it must refuse throws
 *   {@link FrameError} and changes nothing (neither `freeFrames` nor any `isAllocated`):
 *   - [free-out-of-range] `out-of-range`: `pfn` is not an integer inside the range, or the block
 *     `[pfn, pfn + 2^order)` ends past it;
 *   - [free-not-allocated] `not-allocated`: `pfn` was never handed out, or is inside a live block but not its head;
 *   - [free-double] `double-free`: `pfn` headed a block that was freed and not handed out again;
 *   - [free-wrong-order] `wrong-order`: `pfn` heads a live block of another order, or `order` is not an integer in
 *     `[0, maxOrder]`;
 *   - [free-misaligned] `misaligned`: `pfn` is not a multiple of `2^order`.
 * - [free-error-precedence] When several kinds apply, the first that applies in this order wins: `out-of-range` (the
 *   frame itself), `wrong-order` (the order argument), `misaligned`, `out-of-range` (the block's end), then by the
 *   frame's state: `not-allocated` (inside a live block), `double-free` (a freed head), `not-allocated` (never
 *   handed out), `wrong-order` (a live head of another order).
 * - [first-frame-offset] The range may start at any frame, aligned or not; frame numbers are absolute.
 * - The allocator does not touch frame contents: zeroing is the caller's (or the frame table's) business.
 * - Hot path: `alloc`, `allocContiguous`, `free` and `isAllocated` of valid arguments allocate nothing.
 */
export interface FrameAllocator {
  /** A short name for reports (`"stack"`, `"bitmap"`, `"buddy"`). */
  readonly name: string;
  /** First frame number managed. */
  readonly firstFrame: number;
  /** Number of frames managed. */
  readonly totalFrames: number;
  /** Number of frames currently free. */
  readonly freeFrames: number;
  /** The largest order `allocContiguous` can satisfy (0 when only single frames are supported). */
  readonly maxOrder: number;

  /** Allocates one frame, or returns NO_FRAME. */
  alloc(): FrameResult;
  /** Allocates `2^order` contiguous frames aligned to `2^order`, or returns NO_FRAME. */
  allocContiguous(order: number): FrameResult;
  /** Frees a block previously returned by `alloc` (order 0) or `allocContiguous(order)`. */
  free(pfn: number, order?: number): void;
  /** True when frame `pfn` is currently allocated (as a single frame or inside a block). */
  isAllocated(pfn: number): boolean;
}
