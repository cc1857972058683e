/**
 * The next-fit bitmap allocator: {@link BitmapFrameAllocator}.
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

/** Options of {@link BitmapFrameAllocator}. */
export interface BitmapFrameAllocatorOptions {
  /** First frame number managed. */
  firstFrame: number;
  /** Number of frames managed (1 to 2^30). */
  frameCount: number;
  /** The largest order `allocContiguous` accepts (default 18: 1 GiB). */
  maxOrder?: number | undefined;
}

/**
 * A bitmap allocator with next-fit search: one bit per frame (set = allocated) in a `Uint32Array`; the search for a
 * free frame starts at the word where the previous one succeeded and wraps around, so successive allocations walk
 * up through memory instead of rescanning the busy start.
 *
 * `allocContiguous(order)` looks, from the same cursor, for an aligned run of `2^order` clear bits: inside one word
 * for runs shorter than 32 frames, as whole zero words for longer runs. It finds a block whenever one exists.
 *
 * Cost: O(1) amortized per single frame while memory is sparsely used, O(frames / 32) worst case; a block costs
 * O(frames / 32 + 2^order). No allocation after construction. Host memory: 1 bit plus 1 state byte per frame.
 *
 * Invariants: bit `i` is set exactly when frame `origin + i` is allocated, or lies outside the managed range (those
 * bits are set once at construction and never cleared); `freeFrames` = number of clear bits.
 */
export class BitmapFrameAllocator implements FrameAllocator {
  readonly name = 'bitmap';
  readonly firstFrame: number;
  readonly totalFrames: number;
  readonly maxOrder: number;

  /** Frame number of bit 0: `firstFrame` rounded down to 32 (so bit alignment equals frame alignment up to 32). */
  private readonly origin: number;
  private readonly lo: number;
  private readonly hi: number;
  private readonly bits: Int32Array;
  /** Per-frame state (see block-state.ts), indexed like the bits. */
  private readonly state: Uint8Array;
  /** Word where the next search starts. */
  private cursor = 0;
  private free_: number;

  /** @throws RangeError on a bad range or order */
  constructor(options: BitmapFrameAllocatorOptions) {
    const { firstFrame, frameCount } = options;
    const maxOrder = options.maxOrder ?? 18;
    checkAllocatorOptions('BitmapFrameAllocator', firstFrame, frameCount, maxOrder);
    this.firstFrame = firstFrame;
    this.totalFrames = frameCount;
    this.maxOrder = maxOrder;
    this.origin = Math.floor(firstFrame / 32) * 32;
    this.lo = firstFrame - this.origin;
    this.hi = this.lo + frameCount;
    const words = Math.ceil(this.hi / 32);
    this.bits = new Int32Array(words);
    this.state = new Uint8Array(words * 32);
    for (let i = 0; i < this.lo; i++) this.setBit(i);
    for (let i = this.hi; i < words * 32; i++) this.setBit(i);
    this.free_ = frameCount;
  }

  get freeFrames(): number {
    return this.free_;
  }

  alloc(): number {
    if (this.free_ === 0) return NO_FRAME;
    const bits = this.bits;
    const words = bits.length;
    let w = this.cursor;
    // free_ > 0 guarantees a clear bit within one pass.
    for (;;) {
      const word = bits[w] as number;
      if (word !== -1) {
        const bit = ~word & (word + 1);
        bits[w] = word | bit;
        this.cursor = w;
        const i = w * 32 + 31 - Math.clz32(bit);
        this.state[i] = STATE_HEAD;
        this.free_--;
        return this.origin + i;
      }
      if (++w === words) w = 0;
    }
  }

  allocContiguous(order: number): number {
    if (order === 0) return this.alloc();
    if (!(Number.isInteger(order) && order > 0 && order <= this.maxOrder)) return NO_FRAME;
    const n = 2 ** order;
    if (n > this.free_) return NO_FRAME;
    const i = n < 32 ? this.findInWords(n) : this.findWholeWords(n);
    if (i < 0) return NO_FRAME;
    // Blocks below 32 frames never cross a word; longer ones are whole words.
    if (n < 32) {
      const w = i >>> 5;
      this.bits[w] = (this.bits[w] as number) | (((1 << n) - 1) << (i & 31));
    } else {
      this.bits.fill(-1, i >>> 5, (i + n) >>> 5);
    }
    this.state[i] = STATE_HEAD + order;
    this.state.fill(STATE_INTERIOR, i + 1, i + n);
    this.free_ -= n;
    return this.origin + i;
  }

  free(pfn: number, order = 0): void {
    const i = pfn - this.origin;
    // Fast path: a valid single-frame free (a fractional or out-of-range index reads undefined here).
    if (order === 0 && this.state[i] === STATE_HEAD && i >= this.lo && i < this.hi) {
      const w = i >>> 5;
      this.bits[w] = (this.bits[w] as number) & ~(1 << (i & 31));
      this.state[i] = STATE_FREED;
      this.free_++;
      return;
    }
    checkFreeArgs(pfn, order, this.firstFrame, this.totalFrames, this.maxOrder);
    checkFreeState(this.state[i] as number, pfn, order);
    const n = 2 ** order;
    if (n < 32) {
      const w = i >>> 5;
      this.bits[w] = (this.bits[w] as number) & ~(((1 << n) - 1) << (i & 31));
    } else {
      this.bits.fill(0, i >>> 5, (i + n) >>> 5);
    }
    this.state.fill(STATE_FREE, i + 1, i + n);
    this.state[i] = STATE_FREED;
    this.free_ += n;
  }

  isAllocated(pfn: number): boolean {
    const i = pfn - this.origin;
    return i >= this.lo && i < this.hi && (this.state[i] as number) >= STATE_INTERIOR;
  }

  /** First index of an aligned run of `n` (2..16) clear bits, searching words from the cursor; -1 if none. */
  private findInWords(n: number): number {
    const bits = this.bits;
    const words = bits.length;
    const mask = (1 << n) - 1;
    let w = this.cursor;
    for (let k = 0; k < words; k++) {
      const word = bits[w] as number;
      if (word !== -1) {
        for (let s = 0; s < 32; s += n) {
          if (((word >>> s) & mask) === 0) {
            this.cursor = w;
            return w * 32 + s;
          }
        }
      }
      if (++w === words) w = 0;
    }
    return -1;
  }

  /** First index of an aligned run of `n` (≥ 32) clear bits made of whole zero words; -1 if none. */
  private findWholeWords(n: number): number {
    const bits = this.bits;
    const per = n / 32;
    // Word w holds frames origin + 32w..; origin is a multiple of 32, so block alignment needs origin/32 + w ≡ 0.
    const shift = (this.origin / 32) % per;
    const first = (per - shift) % per;
    const count = Math.floor((bits.length - first) / per);
    if (count <= 0) return -1;
    let b = Math.floor(Math.max(0, this.cursor - first) / per) % count;
    for (let k = 0; k < count; k++) {
      const w0 = first + b * per;
      let clear = true;
      for (let w = w0; w < w0 + per; w++) {
        if (bits[w] !== 0) {
          clear = false;
          break;
        }
      }
      if (clear) {
        this.cursor = w0;
        return w0 * 32;
      }
      if (++b === count) b = 0;
    }
    return -1;
  }

  private setBit(i: number): void {
    const w = i >>> 5;
    this.bits[w] = (this.bits[w] as number) | (1 << (i & 31));
  }
}
