/**
 * Zeroed frames with reference counts: {@link FramePool} and {@link allocZeroedFrame}.
 *
 * @module
 */

import {
  type EventSink,
  type FrameAllocator,
  NO_FRAME,
  NULL_SINK,
  type PhysicalMemory,
} from '@pagewright/core';
import { FrameTable, FrameTableError } from './frame-table.js';

/**
 * Allocates one frame from `allocator` and makes it read as zeros in `memory` (on sparse memory that only drops
 * its bytes: O(1) and no host memory). Returns the frame number, or {@link NO_FRAME} when the allocator is exhausted,
 * or when the frame is not RAM in `memory` (then it is given back: a configuration error never leaks a frame).
 * Never throws.
 */
export function allocZeroedFrame(allocator: FrameAllocator, memory: PhysicalMemory): number {
  const pfn = allocator.alloc();
  if (pfn === NO_FRAME) return NO_FRAME;
  if (!memory.zeroFrame(pfn)) {
    allocator.free(pfn);
    return NO_FRAME;
  }
  return pfn;
}

/** Options of {@link FramePool}. */
export interface FramePoolOptions {
  /** Hands out the frames; its range must be RAM in `memory`. */
  allocator: FrameAllocator;
  /** The RAM the frames live in. */
  memory: PhysicalMemory;
  /** Metadata for the frames; default a new {@link FrameTable} over the allocator's range. Must cover it. */
  table?: FrameTable | undefined;
  /**
   * Receives a `frame.alloc` event for every block {@link FramePool.alloc} hands out and a `frame.free` event for
   * every block the last {@link FramePool.put} frees (default: none). Events are built only while `sink.enabled`.
   */
  sink?: EventSink | undefined;
}

/**
 * An allocator, the memory its frames live in and their metadata, used together the way upper layers need them:
 * frames come out zeroed with one reference, owners share them with {@link get} and drop them with {@link put}, and
 * the last {@link put} clears the frame's metadata and frees it.
 *
 * A block (`order > 0`) is described by its head frame's metadata: its reference count, flags and rmap slot.
 *
 * Events: with a {@link FramePoolOptions.sink}, every block handed out is reported as `frame.alloc` and every block
 * freed as `frame.free` (`{ pfn, order }`, the head frame); frames taken from or given to the allocator directly,
 * bypassing the pool, are not reported.
 *
 * Invariants: every frame the pool handed out and not yet freed has `refCount ≥ 1`; a frame the pool frees has all
 * its metadata cleared first, so the next owner finds a clear record; `alloc` never throws.
 *
 * @example
 * ```ts
 * import { BuddyFrameAllocator, FramePool, SparsePhysicalMemory } from '@pagewright/frames';
 *
 * const memory = new SparsePhysicalMemory({ size: 16 * 4096 });
 * const allocator = new BuddyFrameAllocator({ firstFrame: memory.baseFrame, frameCount: memory.frameCount });
 * const pool = new FramePool({ allocator, memory });
 * const pfn = pool.alloc(); // zeroed, one owner
 * pool.get(pfn); // a second owner (a fork child sharing it copy-on-write)
 * console.log(pool.put(pfn), pool.put(pfn)); // 1 0: freed on the last put
 * ```
 */
export class FramePool {
  readonly allocator: FrameAllocator;
  readonly memory: PhysicalMemory;
  readonly table: FrameTable;
  /** Where `frame.alloc` / `frame.free` events go. */
  readonly sink: EventSink;

  /** @throws RangeError when the allocator's frames are not all RAM, or the table does not cover them */
  constructor(options: FramePoolOptions) {
    const { allocator, memory } = options;
    const first = allocator.firstFrame;
    const last = first + allocator.totalFrames - 1;
    if (!(memory.containsFrame(first) && memory.containsFrame(last))) {
      throw new RangeError(
        `FramePool: allocator frames [${first}, ${last + 1}) are not all RAM [${memory.baseFrame}, ${memory.baseFrame + memory.frameCount})`,
      );
    }
    const table = options.table ?? new FrameTable({ firstFrame: first, frameCount: allocator.totalFrames });
    if (!(table.contains(first) && table.contains(last))) {
      throw new RangeError(`FramePool: the frame table does not cover frames [${first}, ${last + 1})`);
    }
    this.allocator = allocator;
    this.memory = memory;
    this.table = table;
    this.sink = options.sink ?? NULL_SINK;
  }

  /**
   * Allocates `2^order` contiguous frames (aligned), makes them read as zeros, clears their metadata and gives the
   * head a reference count of 1. Returns the head frame, or {@link NO_FRAME} (never throws).
   */
  alloc(order = 0): number {
    const pfn = order === 0 ? this.allocator.alloc() : this.allocator.allocContiguous(order);
    if (pfn === NO_FRAME) return NO_FRAME;
    const n = 2 ** order;
    for (let i = 0; i < n; i++) {
      this.memory.zeroFrame(pfn + i);
      this.table.reset(pfn + i);
    }
    this.table.incRef(pfn);
    if (this.sink.enabled) this.sink.emit('frame.alloc', { pfn, order });
    return pfn;
  }

  /**
   * Adds an owner to an allocated frame (or block head); returns the new reference count.
   * @throws FrameTableError `not-owned` when the frame has no owner (it was not allocated by the pool)
   */
  get(pfn: number): number {
    return this.table.incRefOwned(pfn);
  }

  /**
   * Drops an owner. When it was the last one, the block's metadata is cleared and the block is freed with `order`.
   * Returns the remaining reference count (0 when freed).
   * @throws FrameTableError `not-owned` when the frame has no owner, `in-use` when PTEs still map it;
   *   {@link @pagewright/core!index.FrameError | FrameError} (from the allocator) when the last put names the wrong
   *   order. Either way nothing changes.
   */
  put(pfn: number, order = 0): number {
    const refs = this.table.refCount(pfn);
    if (refs === 0) throw new FrameTableError('not-owned', pfn, 'put() of a frame with no owner');
    if (refs > 1) return this.table.decRef(pfn);
    if (this.table.mapCount(pfn) !== 0) {
      throw new FrameTableError('in-use', pfn, 'the last reference is dropped while PTEs still map it');
    }
    this.allocator.free(pfn, order);
    const n = 2 ** order;
    for (let i = 0; i < n; i++) this.table.reset(pfn + i);
    if (this.sink.enabled) this.sink.emit('frame.free', { pfn, order });
    return 0;
  }
}
