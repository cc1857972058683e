// A next-fit frame allocator: a bitmap of free frames and a cursor that resumes the search where the last one
// ended. It implements @pagewright/core's FrameAllocator for single frames and aligned blocks.
//
// Use it from the command line:   pnpm -s pagewright demo --allocator ./examples/plugins/next-fit-allocator.mjs
// or from code:                   new Machine({ allocator: nextFit })
import { FrameError, NO_FRAME } from '@pagewright/core';

/** @implements {import('@pagewright/core').FrameAllocator} */
export class NextFitAllocator {
  name = 'next-fit';
  /** @param {{ firstFrame: number, frameCount: number }} range */
  constructor({ firstFrame, frameCount }) {
    this.firstFrame = firstFrame;
    this.totalFrames = frameCount;
    this.freeFrames = frameCount;
    this.maxOrder = 10;
    this.used = new Uint8Array(frameCount); // 0 free, 1 allocated as order 0, k + 1 the head of an order-k block
    this.owner = new Int32Array(frameCount).fill(-1); // the head of the block a frame belongs to
    this.freedHead = new Uint8Array(frameCount); // 1: headed a block that was freed and not handed out again
    this.cursor = 0;
  }
  alloc() {
    return this.allocContiguous(0);
  }
  allocContiguous(order) {
    if (!Number.isInteger(order) || order < 0 || order > this.maxOrder) return NO_FRAME;
    const size = 2 ** order;
    if (size > this.freeFrames) return NO_FRAME;
    const n = this.totalFrames;
    // The first index at or after `i` whose absolute frame number is a multiple of the block size.
    const alignUp = (i) => i + ((size - ((this.firstFrame + i) % size)) % size);
    let i = alignUp(this.cursor);
    for (let step = 0; step <= Math.ceil(n / size); step++, i += size) {
      if (i + size > n) i = alignUp(0); // wrap around
      if (i + size > n) break;
      let free = true;
      for (let k = 0; k < size && free; k++) free = this.used[i + k] === 0;
      if (!free) continue;
      for (let k = 0; k < size; k++) {
        this.used[i + k] = 1;
        this.owner[i + k] = i;
        this.freedHead[i + k] = 0;
      }
      this.used[i] = order + 1;
      this.freeFrames -= size;
      this.cursor = i + size;
      return this.firstFrame + i;
    }
    return NO_FRAME;
  }
  // The checks in the order FrameAllocator's contract gives them precedence.
  free(pfn, order = 0) {
    const i = pfn - this.firstFrame;
    if (!Number.isInteger(pfn) || i < 0 || i >= this.totalFrames) throw new FrameError('out-of-range', pfn);
    if (!Number.isInteger(order) || order < 0 || order > this.maxOrder)
      throw new FrameError('wrong-order', pfn);
    const size = 2 ** order;
    if (pfn % size !== 0) throw new FrameError('misaligned', pfn);
    if (i + size > this.totalFrames)
      throw new FrameError('out-of-range', pfn, 'the block ends past the range');
    if (this.used[i] !== 0 && this.owner[i] !== i)
      throw new FrameError('not-allocated', pfn, 'inside a block');
    if (this.used[i] === 0) throw new FrameError(this.freedHead[i] ? 'double-free' : 'not-allocated', pfn);
    if (this.used[i] !== order + 1)
      throw new FrameError('wrong-order', pfn, `allocated as order ${this.used[i] - 1}`);
    for (let k = 0; k < size; k++) {
      this.used[i + k] = 0;
      this.owner[i + k] = -1;
    }
    this.freedHead[i] = 1;
    this.freeFrames += size;
  }
  isAllocated(pfn) {
    const i = pfn - this.firstFrame;
    return Number.isInteger(pfn) && i >= 0 && i < this.totalFrames && this.used[i] !== 0;
  }
}

/** The plug-in: a factory the Machine calls with its context (`firstFrame`, `frameCount`, …). */
export default function nextFit(context) {
  return new NextFitAllocator(context);
}
