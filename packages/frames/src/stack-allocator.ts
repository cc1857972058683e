/**
 * rCore's frame allocator: {@link StackFrameAllocator}.
 *
 * @module
 */

import { type FrameAllocator, NO_FRAME } from '@pagewright/core';
import {
  checkAllocatorOptions,
  checkFreeArgs,
  checkFreeState,
  STATE_FREE,
  STATE_FREED,
  STATE_HEAD,
  STATE_INTERIOR,
} from './block-state.js';

/** Options of {@link StackFrameAllocator}. */
export interface StackFrameAllocatorOptions {
  /** First frame number managed. */
  firstFrame: number;
  /** Number of frames managed (1 to 2^30). */
  frameCount: number;
  /** The largest order `allocContiguous` accepts (default 18: 1 GiB). */
  maxOrder?: number | undefined;
}

/**
 * rCore-Tutorial's `StackFrameAllocator` (chapter 4): a bump pointer over never-used frames plus a stack of
 * recycled frames; `alloc` pops the stack first (LIFO reuse), then bumps.
 *
 * Contiguous blocks (`allocContiguous(order > 0)`) come only from the bump pointer: it is rounded up to the block's
 * alignment (the skipped frames go onto the recycled stack, still free) and the block is carved from there. A freed
 * block is recycled frame by frame, so it can serve single-frame allocations but never again a block: once the bump
 * pointer is exhausted every `allocContiguous(order > 0)` returns `NO_FRAME`. Use the buddy allocator when blocks
 * matter.
 *
 * Cost: `alloc`/`free` of one frame are O(1) and allocate nothing (the recycled stack grows by doubling, at most to
 * `frameCount` entries); a block costs O(2^order). Host memory: 1 byte per frame plus 4 per recycled frame.
 *
 * Invariants: every frame is either below the bump pointer (allocated, or on the recycled stack exactly once) or
 * at or above it (free, never handed out); `freeFrames` = frames above the bump pointer + recycled stack size.
 */
export class StackFrameAllocator implements FrameAllocator {
  readonly name = 'stack';
  readonly firstFrame: number;
  readonly totalFrames: number;
  readonly maxOrder: number;

  /** Per-frame state (see block-state.ts), indexed by `pfn - firstFrame`. */
  private readonly state: Uint8Array;
  /** Next never-used frame index (rCore's `current`). */
  private current = 0;
  private recycled: Int32Array;
  private recycledCount = 0;
  private free_: number;

  /** @throws RangeError on a bad range or order */
  constructor(options: StackFrameAllocatorOptions) {
    const { firstFrame, frameCount } = options;
    const maxOrder = options.maxOrder ?? 18;
    checkAllocatorOptions('StackFrameAllocator', firstFrame, frameCount, maxOrder);
    this.firstFrame = firstFrame;
    this.totalFrames = frameCount;
    this.maxOrder = maxOrder;
    this.state = new Uint8Array(frameCount);
    this.recycled = new Int32Array(Math.min(frameCount, 1024));
    this.free_ = frameCount;
  }

  get freeFrames(): number {
    return this.free_;
  }

  alloc(): number {
    let i: number;
    if (this.recycledCount > 0) i = this.recycled[--this.recycledCount] as number;
    else if (this.current < this.totalFrames) i = this.current++;
    else return NO_FRAME;
    this.state[i] = STATE_HEAD;
    this.free_--;
    return this.firstFrame + i;
  }

  allocContiguous(order: number): number {
    if (order === 0) return this.alloc();
    if (!(Number.isInteger(order) && order > 0 && order <= this.maxOrder)) return NO_FRAME;
    const n = 2 ** order;
    const aligned = Math.ceil((this.firstFrame + this.current) / n) * n - this.firstFrame;
    if (aligned + n > this.totalFrames) return NO_FRAME;
    for (let i = this.current; i < aligned; i++) this.push(i);
    this.current = aligned + n;
    this.state[aligned] = STATE_HEAD + order;
    this.state.fill(STATE_INTERIOR, aligned + 1, aligned + n);
    this.free_ -= n;
    return this.firstFrame + aligned;
  }

  free(pfn: number, order = 0): void {
    const i = pfn - this.firstFrame;
    // Fast path: a valid single-frame free (a fractional or out-of-range index reads undefined here).
    if (order === 0 && this.state[i] === STATE_HEAD) {
      this.state[i] = STATE_FREED;
      this.push(i);
      this.free_++;
      return;
    }
    checkFreeArgs(pfn, order, this.firstFrame, this.totalFrames, this.maxOrder);
    checkFreeState(this.state[i] as number, pfn, order);
    const n = 2 ** order;
    // Push the block's frames in reverse so that the next allocations hand them out in ascending order.
    for (let j = i + n - 1; j > i; j--) {
      this.state[j] = STATE_FREE;
      this.push(j);
    }
    this.state[i] = STATE_FREED;
    this.push(i);
    this.free_ += n;
  }

  isAllocated(pfn: number): boolean {
    const i = pfn - this.firstFrame;
    return i >= 0 && i < this.totalFrames && (this.state[i] as number) >= STATE_INTERIOR;
  }

  private push(i: number): void {
    if (this.recycledCount === this.recycled.length) this.growRecycled();
    this.recycled[this.recycledCount++] = i;
  }

  private growRecycled(): void {
    const grown = new Int32Array(Math.min(this.totalFrames, this.recycled.length * 2));
    grown.set(this.recycled);
    this.recycled = grown;
  }
}
