/**
 * Ownership of a frame block as an object: {@link FrameTracker}.
 *
 * @module
 */

import { type FrameAllocator, NO_FRAME, type PhysicalMemory } from '@pagewright/core';

/**
 * Owns one allocated block (rCore's `FrameTracker`): freeing it is `free()` (alias `release()`), or the end of a
 * `using` scope through `[Symbol.dispose]`. All three are idempotent: the first frees, the rest do nothing.
 * {@link forget} gives up ownership without freeing, for handing the frame to a structure that frees it later.
 *
 * Use it at coarse granularity (a page-table root, a test's scratch frames, a process's kernel stack), never per
 * access: an object per frame and the `using` machinery (lowered by the compiler on Node 20) cost far more than the
 * bare number a hot path works with.
 *
 * ```ts
 * {
 *   using root = FrameTracker.alloc(allocator, 0, memory) ?? fail();
 *   build(root.pfn);
 * } // freed here
 * ```
 */
export class FrameTracker implements Disposable {
  /** The block's first frame. */
  readonly pfn: number;
  /** The block's order (`2^order` frames). */
  readonly order: number;
  private readonly allocator: FrameAllocator;
  private owns = true;

  /**
   * Takes ownership of a block already allocated from `allocator`.
   * @throws RangeError when `pfn` is not an allocated frame of `allocator`, or `order` is not in `[0, maxOrder]`
   */
  constructor(allocator: FrameAllocator, pfn: number, order = 0) {
    if (!(Number.isInteger(order) && order >= 0 && order <= allocator.maxOrder)) {
      throw new RangeError(
        `FrameTracker: order must be an integer in [0, ${allocator.maxOrder}], got ${order}`,
      );
    }
    if (!allocator.isAllocated(pfn)) {
      throw new RangeError(`FrameTracker: frame ${pfn} is not allocated from ${allocator.name}`);
    }
    this.allocator = allocator;
    this.pfn = pfn;
    this.order = order;
  }

  /**
   * Allocates a block of `2^order` frames and tracks it; with `memory`, the frames are made to read as zeros.
   * Returns `undefined` when the allocator is exhausted (never throws for that).
   */
  static alloc(allocator: FrameAllocator, order = 0, memory?: PhysicalMemory): FrameTracker | undefined {
    const pfn = order === 0 ? allocator.alloc() : allocator.allocContiguous(order);
    if (pfn === NO_FRAME) return undefined;
    if (memory) for (let i = 0; i < 2 ** order; i++) memory.zeroFrame(pfn + i);
    return new FrameTracker(allocator, pfn, order);
  }

  /** True until the block is freed or forgotten. */
  get owned(): boolean {
    return this.owns;
  }

  /**
   * Frees the block (once; later calls do nothing).
   * @throws FrameError when the allocator refuses the free (someone else freed the block); the tracker stays owning
   */
  free(): void {
    if (!this.owns) return;
    this.allocator.free(this.pfn, this.order);
    this.owns = false;
  }

  /** The same as {@link free}. */
  release(): void {
    this.free();
  }

  /** Gives up ownership without freeing and returns the block's first frame (NO_FRAME when no longer owned). */
  forget(): number {
    if (!this.owns) return NO_FRAME;
    this.owns = false;
    return this.pfn;
  }

  /** Frees the block at the end of a `using` scope (see {@link free}). */
  [Symbol.dispose](): void {
    this.free();
  }
}
