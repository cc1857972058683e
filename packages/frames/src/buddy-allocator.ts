/**
 * The binary buddy allocator: {@link BuddyFrameAllocator}.
 *
 * @module
 */

import { type FrameAllocator, FrameError, NO_FRAME } from '@pagewright/core';
import { checkAllocatorOptions, checkFreeArgs } from './block-state.js';

/** Options of {@link BuddyFrameAllocator}. */
export interface BuddyFrameAllocatorOptions {
  /** First frame number managed. */
  firstFrame: number;
  /** Number of frames managed (1 to 2^30). */
  frameCount: number;
  /** The largest block order (default 18: 2^18 frames = 1 GiB, a Sv39 gigapage); at most 30. */
  maxOrder?: number | undefined;
  /**
   * Size of the cache of freed single frames (Linux's per-CPU page lists), default 64; 0 disables it. Freed frames
   * wait there uncoalesced and are handed out first; when it is full the oldest half goes back to the buddy lists.
   */
  cacheSize?: number | undefined;
}

// Per-frame state byte: bits 0-4 the order of the block headed here, bits 5-6 what heads here, bit 7 history.
const ORDER_BITS = 0x1f;
const KIND_BITS = 0x60;
/** The head of a free block on a free list. */
const KIND_FREE = 0x20;
/** The head of an allocated block. */
const KIND_ALLOC = 0x40;
/** A single free frame waiting in the cache (not on a free list). */
const KIND_CACHED = 0x60;
/** Set when the frame headed an allocated block that was freed since: a free of it now is a double free. */
const WAS_FREED = 0x80;

/**
 * A binary buddy allocator (Knuth; Linux `mm/page_alloc.c`, DragonOS `mm/allocator/buddy.rs`): free blocks of
 * `2^k` frames, `k ∈ [0, maxOrder]`, each aligned to its size, on one doubly linked free list per order. An allocation
 * takes the smallest free block that fits and splits it, pushing the upper halves ("buddies") back; a free merges
 * the block with its buddy as long as the buddy is a free block of the same order (the buddy of the block at `p` of
 * order `k` is `p XOR 2^k`).
 *
 * Alignment is absolute: a block of order `k` starts at a frame number that is a multiple of `2^k`. The managed range
 * need not be aligned: it is carved into the largest aligned blocks that fit.
 *
 * Single frames go through a small cache, like Linux's per-CPU page lists (`mm/page_alloc.c`, `free_unref_page` /
 * `rmqueue_pcplist`): a freed frame is kept uncoalesced (LIFO, cache-hot) and the next `alloc()` takes it back in O(1);
 * when the cache is full its older half is merged into the buddy lists, and a block allocation that finds no free
 * block drains the cache and retries, so `allocContiguous` still fails only when no aligned free run exists.
 *
 * Cost: O(1) for a single frame served by the cache; otherwise O(maxOrder) per alloc/free/isAllocated in the worst
 * case, no allocation at all after construction. Host memory: 9 bytes per frame (a state byte and the
 * free-list links), typed arrays only.
 *
 * Invariants: free blocks never overlap and never have a free buddy of the same order on the free lists (cached
 * frames are the only uncoalesced free memory); `freeFrames` = sum of the sizes of the free blocks + cached frames; allocated blocks are exactly the `KIND_ALLOC` heads.
 *
 * @example
 * ```ts
 * import { NO_FRAME } from '@pagewright/core';
 * import { BuddyFrameAllocator } from '@pagewright/frames';
 *
 * const buddy = new BuddyFrameAllocator({ firstFrame: 0x80000, frameCount: 4096 });
 * const page = buddy.alloc(); // one frame
 * const mega = buddy.allocContiguous(9); // 512 frames (a 2 MiB megapage), 512-aligned
 * console.log(page !== NO_FRAME, mega % 512 === 0); // true true
 * buddy.free(mega, 9); // freed with the order it was allocated with
 * buddy.free(page);
 * console.log(buddy.freeFrames); // 4096
 * ```
 */
export class BuddyFrameAllocator implements FrameAllocator {
  readonly name = 'buddy';
  readonly firstFrame: number;
  readonly totalFrames: number;
  readonly maxOrder: number;

  /** Frame number of index 0 of the arrays: `firstFrame` rounded down to `2^maxOrder`. */
  private readonly origin: number;
  /** Index range managed: `[lo, hi)`. */
  private readonly lo: number;
  private readonly hi: number;
  private readonly state: Uint8Array;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Head of the free list of each order, -1 when empty. */
  private readonly heads: Int32Array;
  /** Bit `k` set when the free list of order `k` is not empty. */
  private nonEmpty = 0;
  private free_ = 0;
  /** Number of free blocks per order (for reports and tests). */
  private readonly blocks: Int32Array;
  /** Cached single free frames (indices), oldest first. */
  private readonly cache: Int32Array;
  private cacheCount = 0;

  /** @throws RangeError on a bad range or `maxOrder` */
  constructor(options: BuddyFrameAllocatorOptions) {
    const { firstFrame, frameCount } = options;
    const maxOrder = options.maxOrder ?? 18;
    const cacheSize = options.cacheSize ?? 64;
    checkAllocatorOptions('BuddyFrameAllocator', firstFrame, frameCount, maxOrder);
    if (!(Number.isInteger(cacheSize) && cacheSize >= 0 && cacheSize <= 2 ** 16)) {
      throw new RangeError(
        `BuddyFrameAllocator: cacheSize must be an integer in [0, 65536], got ${cacheSize}`,
      );
    }
    this.cache = new Int32Array(cacheSize);
    this.firstFrame = firstFrame;
    this.totalFrames = frameCount;
    this.maxOrder = maxOrder;
    const top = 2 ** maxOrder;
    this.origin = Math.floor(firstFrame / top) * top;
    this.lo = firstFrame - this.origin;
    this.hi = this.lo + frameCount;
    this.state = new Uint8Array(this.hi);
    this.next = new Int32Array(this.hi);
    this.prev = new Int32Array(this.hi);
    this.heads = new Int32Array(maxOrder + 1).fill(-1);
    this.blocks = new Int32Array(maxOrder + 1);
    // Carve the range into maximal aligned blocks; push them top-down so that low frames are handed out first.
    const carved: number[] = [];
    for (let i = this.lo; i < this.hi; ) {
      let k = maxOrder;
      while (k > 0 && ((i & ((1 << k) - 1)) !== 0 || i + (1 << k) > this.hi)) k--;
      carved.push(i, k);
      i += 1 << k;
    }
    for (let j = carved.length - 2; j >= 0; j -= 2)
      this.pushFree(carved[j] as number, carved[j + 1] as number);
    this.free_ = frameCount;
  }

  get freeFrames(): number {
    return this.free_;
  }

  /** The number of free single frames waiting in the cache. */
  get cachedFrames(): number {
    return this.cacheCount;
  }

  /** Merges every cached frame into the buddy lists (Linux `drain_all_pages`). */
  drainCache(): void {
    this.drain(this.cacheCount);
  }

  /** The number of free blocks of order `order` on the buddy lists, cache excluded (0 outside `[0, maxOrder]`). */
  freeBlocks(order: number): number {
    return order >= 0 && order <= this.maxOrder ? (this.blocks[order] as number) : 0;
  }

  alloc(): number {
    if (this.cacheCount > 0) {
      const i = this.cache[--this.cacheCount] as number;
      this.state[i] = WAS_FREED | KIND_ALLOC;
      this.free_--;
      return this.origin + i;
    }
    return this.allocBlock(0);
  }

  allocContiguous(order: number): number {
    if (order === 0) return this.alloc();
    if (!(order > 0 && order <= this.maxOrder && Number.isInteger(order))) return NO_FRAME;
    const p = this.allocBlock(order);
    if (p !== NO_FRAME || this.cacheCount === 0) return p;
    this.drain(this.cacheCount);
    return this.allocBlock(order);
  }

  free(pfn: number, order = 0): void {
    const i = pfn - this.origin;
    // Fast path: a valid single-frame free into the cache (a fractional or out-of-range index reads undefined).
    if (
      order === 0 &&
      this.cache.length > 0 &&
      ((this.state[i] as number) & (KIND_BITS | ORDER_BITS)) === KIND_ALLOC
    ) {
      if (this.cacheCount === this.cache.length) this.drain(Math.ceil(this.cacheCount / 2));
      this.state[i] = WAS_FREED | KIND_CACHED;
      this.cache[this.cacheCount++] = i;
      this.free_++;
      return;
    }
    checkFreeArgs(pfn, order, this.firstFrame, this.totalFrames, this.maxOrder);
    const s = this.state[i] as number;
    if ((s & KIND_BITS) !== KIND_ALLOC) this.throwBadFree(i, pfn, s);
    if ((s & ORDER_BITS) !== order) {
      throw new FrameError(
        'wrong-order',
        pfn,
        `allocated with order ${s & ORDER_BITS}, freed with order ${order}`,
      );
    }
    this.free_ += 1 << order;
    this.merge(i, order);
  }

  /** Gives back the `n` oldest cached frames to the buddy lists. */
  private drain(n: number): void {
    for (let j = 0; j < n; j++) this.merge(this.cache[j] as number, 0);
    this.cache.copyWithin(0, n, this.cacheCount);
    this.cacheCount -= n;
  }

  /** Puts the block at `i` of order `order` (allocated or cached) on the free lists, coalescing with its buddies. */
  private merge(i: number, order: number): void {
    this.state[i] = WAS_FREED;
    let k = order;
    while (k < this.maxOrder) {
      const b = i ^ (1 << k);
      if (b < this.lo || b + (1 << k) > this.hi) break;
      if (((this.state[b] as number) & (KIND_BITS | ORDER_BITS)) !== (KIND_FREE | k)) break;
      this.unlinkFree(b, k);
      if (b < i) i = b;
      k++;
    }
    this.pushFree(i, k);
  }

  isAllocated(pfn: number): boolean {
    const i = pfn - this.origin;
    if (!(i >= this.lo && i < this.hi && Number.isInteger(i))) return false;
    for (let k = 0; k <= this.maxOrder; k++) {
      const h = i & ~((1 << k) - 1);
      const s = this.state[h] as number;
      const kind = s & KIND_BITS;
      if (kind !== 0 && (s & ORDER_BITS) >= k) return kind === KIND_ALLOC;
    }
    return false;
  }

  private allocBlock(order: number): number {
    const candidates = this.nonEmpty & ~((1 << order) - 1);
    if (candidates === 0) return NO_FRAME;
    let k = 31 - Math.clz32(candidates & -candidates);
    const i = this.heads[k] as number;
    this.unlinkFree(i, k);
    while (k > order) {
      k--;
      this.pushFree(i + (1 << k), k);
    }
    this.state[i] = ((this.state[i] as number) & WAS_FREED) | KIND_ALLOC | order;
    this.free_ -= 1 << order;
    return this.origin + i;
  }

  private pushFree(i: number, k: number): void {
    const head = this.heads[k] as number;
    this.next[i] = head;
    this.prev[i] = -1;
    if (head >= 0) this.prev[head] = i;
    this.heads[k] = i;
    this.nonEmpty |= 1 << k;
    this.blocks[k] = (this.blocks[k] as number) + 1;
    this.state[i] = ((this.state[i] as number) & WAS_FREED) | KIND_FREE | k;
  }

  private unlinkFree(i: number, k: number): void {
    const n = this.next[i] as number;
    const p = this.prev[i] as number;
    if (p >= 0) this.next[p] = n;
    else this.heads[k] = n;
    if (n >= 0) this.prev[n] = p;
    this.blocks[k] = (this.blocks[k] as number) - 1;
    if (this.blocks[k] === 0) this.nonEmpty &= ~(1 << k);
    this.state[i] = (this.state[i] as number) & WAS_FREED;
  }

  /** Throws the error for a free of index `i` that heads no allocated block (state byte `s`). */
  private throwBadFree(i: number, pfn: number, s: number): never {
    for (let k = 1; k <= this.maxOrder; k++) {
      const h = i & ~((1 << k) - 1);
      const hs = this.state[h] as number;
      if ((hs & KIND_BITS) !== 0 && (hs & ORDER_BITS) >= k) {
        if ((hs & KIND_BITS) === KIND_ALLOC) {
          throw new FrameError(
            'not-allocated',
            pfn,
            `inside the block of order ${hs & ORDER_BITS} at frame ${this.origin + h}; free its head`,
          );
        }
        break;
      }
    }
    if (s & WAS_FREED) throw new FrameError('double-free', pfn, 'already freed');
    throw new FrameError('not-allocated', pfn, 'never allocated');
  }
}
