/**
 * Internal: the per-frame state bytes shared by the stack and bitmap allocators, and the validation of a free.
 *
 * @module
 * @internal
 */

import { FrameError } from '@pagewright/core';

/** Free, and not the head of a block freed earlier. */
export const STATE_FREE = 0;
/** Free, and the head of a block that was allocated and freed (a second free is a double free). */
export const STATE_FREED = 1;
/** Allocated, inside a block whose head is another frame. */
export const STATE_INTERIOR = 2;
/** Allocated, the head of a block of order `state - STATE_HEAD`. */
export const STATE_HEAD = 3;

/** The largest order any allocator here accepts (2^30 frames = 4 TiB): bit operations stay within 32 bits. */
export const ORDER_LIMIT = 30;

/** Validates allocator construction options; returns them as numbers. */
export function checkAllocatorOptions(
  who: string,
  firstFrame: number,
  frameCount: number,
  maxOrder: number,
): void {
  if (!(Number.isSafeInteger(firstFrame) && firstFrame >= 0)) {
    throw new RangeError(`${who}: firstFrame must be a non-negative integer, got ${firstFrame}`);
  }
  if (!(Number.isInteger(frameCount) && frameCount >= 1 && frameCount <= 2 ** ORDER_LIMIT)) {
    throw new RangeError(`${who}: frameCount must be an integer in [1, 2^30], got ${frameCount}`);
  }
  if (firstFrame + frameCount > 2 ** 52) {
    throw new RangeError(`${who}: firstFrame + frameCount must not exceed 2^52`);
  }
  if (!(Number.isInteger(maxOrder) && maxOrder >= 0 && maxOrder <= ORDER_LIMIT)) {
    throw new RangeError(`${who}: maxOrder must be an integer in [0, ${ORDER_LIMIT}], got ${maxOrder}`);
  }
}

/**
 * Checks the frame-number and order arguments of a free, before any state is looked at.
 * Throws {@link FrameError} (`out-of-range`, `wrong-order`, `misaligned`).
 */
export function checkFreeArgs(
  pfn: number,
  order: number,
  firstFrame: number,
  totalFrames: number,
  maxOrder: number,
): void {
  if (!(Number.isInteger(pfn) && pfn >= firstFrame && pfn < firstFrame + totalFrames)) {
    throw new FrameError(
      'out-of-range',
      pfn,
      `managed frames are [${firstFrame}, ${firstFrame + totalFrames})`,
    );
  }
  if (!(Number.isInteger(order) && order >= 0 && order <= maxOrder)) {
    throw new FrameError('wrong-order', pfn, `order ${order} is not in [0, ${maxOrder}]`);
  }
  const n = 2 ** order;
  if (pfn % n !== 0) throw new FrameError('misaligned', pfn, `not a multiple of 2^${order}`);
  if (pfn + n > firstFrame + totalFrames) {
    throw new FrameError('out-of-range', pfn, `block of 2^${order} frames ends past the managed range`);
  }
}

/** Throws the {@link FrameError} a free of a frame in state `s` (with `order`) deserves; returns when it is valid. */
export function checkFreeState(s: number, pfn: number, order: number): void {
  if (s >= STATE_HEAD) {
    if (s - STATE_HEAD !== order) {
      throw new FrameError(
        'wrong-order',
        pfn,
        `allocated with order ${s - STATE_HEAD}, freed with order ${order}`,
      );
    }
    return;
  }
  if (s === STATE_FREED) throw new FrameError('double-free', pfn, 'already freed');
  if (s === STATE_INTERIOR)
    throw new FrameError('not-allocated', pfn, 'inside a larger block; free its head');
  throw new FrameError('not-allocated', pfn, 'never allocated');
}
