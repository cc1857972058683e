/**
 * The interface every frame allocator implements, and the typed error for bad frees.
 *
 * @module
 */

/** Returned by {@link FrameAllocator.alloc} and {@link FrameAllocator.allocContiguous} when no frame is available. */
export const NO_FRAME = -1;

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
 * Contract:
 * - `alloc`/`allocContiguous` never throw and never hand out a frame twice; exhaustion returns {@link NO_FRAME}.
 * - `allocContiguous(order)` returns the first of `2^order` contiguous frames whose number is a multiple of
 *   `2^order`, or NO_FRAME (also when `order > maxOrder`).
 * - `free(pfn, order)` returns a block obtained with the same `order`. Out-of-range, never-allocated, double or
 *   wrong-order frees throw {@link FrameError} and change nothing.
 * - `freeFrames + allocated frames === totalFrames` at all times.
 * - The allocator does not touch frame contents: zeroing is the caller's (or the frame table's) business.
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
  alloc(): number;
  /** Allocates `2^order` contiguous frames aligned to `2^order`, or returns NO_FRAME. */
  allocContiguous(order: number): number;
  /** Frees a block previously returned by `alloc` (order 0) or `allocContiguous(order)`. */
  free(pfn: number, order?: number): void;
  /** True when frame `pfn` is currently allocated (as a single frame or inside a block). */
  isAllocated(pfn: number): boolean;
}
