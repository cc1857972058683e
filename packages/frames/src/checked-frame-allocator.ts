/**
 * Run-time contract checking for a frame allocator the machine did not write: {@link CheckedFrameAllocator}.
 *
 * @module
 */

import { type FrameAllocator, NO_FRAME, PluginContractError } from '@pagewright/core';
import {
  checkFreeArgs,
  checkFreeState,
  ORDER_LIMIT,
  STATE_FREE,
  STATE_FREED,
  STATE_HEAD,
  STATE_INTERIOR,
} from './block-state.js';

/**
 * Wraps a {@link FrameAllocator} (typically a user's plug-in) and verifies every answer before the caller can use
 * it, against a shadow record of what the wrapper itself handed out (one state byte per frame, allocated once at
 * construction). A broken answer throws core's {@link PluginContractError} naming `FrameAllocator <name>` and the
 * broken rule (by the rule ids of `checkFrameAllocator` in `@pagewright/core/testing`), so the report points at the
 * allocator, not at the page table that would have been corrupted later.
 *
 * What is checked, at O(1) per call (O(2^order) for a block, which the caller touches anyway):
 * - `alloc`/`allocContiguous` must not throw; a frame they return must be an integer inside the range, not already
 *   handed out (per the shadow), and a block must be aligned to `2^order`, fit the range and consist of free frames;
 *   an order the contract says to refuse (`> maxOrder`, negative, fractional) must get `NO_FRAME`;
 * - `freeFrames` must equal `totalFrames` minus the frames handed out and not freed, after every allocation and free
 *   and whenever it is read;
 * - `isAllocated(pfn)` must agree with the shadow;
 * - a valid `free` must not throw.
 *
 * A bad free (the caller's mistake, not the allocator's) is refused by the wrapper itself with the
 * {@link @pagewright/core!index.FrameError} the contract prescribes, and is not forwarded: the wrapped allocator never sees it, so it need
 * not validate frees at all. A `NO_FRAME` while frames are free is allowed (allocation may fail, as with
 * `FailingAllocator`). The wrapper allocates nothing after construction and never touches frame contents.
 *
 * The wrapped allocator must be fresh (every frame free) and is used only through the wrapper from then on.
 */
export class CheckedFrameAllocator implements FrameAllocator {
  /** The wrapped allocator. */
  readonly inner: FrameAllocator;
  readonly name: string;
  readonly firstFrame: number;
  readonly totalFrames: number;
  readonly maxOrder: number;
  /** `"FrameAllocator <name>"`: the plug-in named in every {@link PluginContractError}. */
  readonly plugin: string;

  /** What the wrapper handed out, per frame (block-state.ts states), indexed by `pfn - firstFrame`. */
  private readonly shadow: Uint8Array;
  private allocated = 0;

  /**
   * @param inner - a fresh allocator
   * @throws PluginContractError when `inner` reports an impossible range or `maxOrder`, or is not fresh
   */
  constructor(inner: FrameAllocator) {
    this.inner = inner;
    this.name = inner.name;
    this.plugin = `FrameAllocator ${inner.name}`;
    const { firstFrame, totalFrames, maxOrder } = inner;
    if (!(Number.isSafeInteger(firstFrame) && firstFrame >= 0)) {
      throw this.broken(`identity: firstFrame must be a non-negative integer, got ${firstFrame}`);
    }
    if (!(Number.isInteger(totalFrames) && totalFrames >= 1 && totalFrames <= 2 ** ORDER_LIMIT)) {
      throw this.broken(`identity: totalFrames must be an integer in [1, 2^30], got ${totalFrames}`);
    }
    if (!(Number.isInteger(maxOrder) && maxOrder >= 0 && maxOrder <= ORDER_LIMIT)) {
      throw this.broken(`identity: maxOrder must be an integer in [0, ${ORDER_LIMIT}], got ${maxOrder}`);
    }
    if (inner.freeFrames !== totalFrames) {
      throw this.broken(
        `identity: a new allocator has every frame free (freeFrames ${inner.freeFrames} of ${totalFrames}); wrap it before first use`,
      );
    }
    this.firstFrame = firstFrame;
    this.totalFrames = totalFrames;
    this.maxOrder = maxOrder;
    this.shadow = new Uint8Array(totalFrames);
  }

  get freeFrames(): number {
    const free = this.inner.freeFrames;
    if (free !== this.totalFrames - this.allocated) this.brokenCount('freeFrames read');
    return free;
  }

  alloc(): number {
    let pfn: number;
    try {
      pfn = this.inner.alloc();
    } catch (e) {
      throw this.threw('alloc()', e);
    }
    if (pfn === NO_FRAME) return NO_FRAME;
    // Fast path: an in-range frame the shadow says is free (a fractional or out-of-range index reads undefined).
    const i = pfn - this.firstFrame;
    const s = this.shadow[i];
    if (s === undefined || s >= STATE_INTERIOR || !Number.isInteger(i)) this.take(pfn, 0, false);
    else {
      this.shadow[i] = STATE_HEAD;
      this.allocated++;
      if (this.inner.freeFrames !== this.totalFrames - this.allocated) this.brokenCount('alloc()');
    }
    return pfn;
  }

  allocContiguous(order: number): number {
    let pfn: number;
    try {
      pfn = this.inner.allocContiguous(order);
    } catch (e) {
      throw this.threw(`allocContiguous(${order})`, e);
    }
    if (pfn === NO_FRAME) return NO_FRAME;
    if (!(Number.isInteger(order) && order >= 0 && order <= this.maxOrder)) {
      throw this.broken(
        `contiguous-order-limit: allocContiguous(${order}) returned frame ${pfn}; an order outside [0, ${this.maxOrder}] must get NO_FRAME`,
      );
    }
    this.take(pfn, order, true);
    return pfn;
  }

  free(pfn: number, order = 0): void {
    const i = pfn - this.firstFrame;
    // The caller's mistakes are refused here, with the contract's error, and never reach the wrapped allocator.
    // (Fast path: a single frame the wrapper handed out; a fractional or out-of-range index reads undefined.)
    if (!(order === 0 && this.shadow[i] === STATE_HEAD)) {
      checkFreeArgs(pfn, order, this.firstFrame, this.totalFrames, this.maxOrder);
      checkFreeState(this.shadow[i] as number, pfn, order);
    }
    try {
      this.inner.free(pfn, order);
    } catch (e) {
      throw this.threw(`free(${pfn}, ${order}) of a block it handed out`, e);
    }
    const n = 2 ** order;
    if (n > 1) this.shadow.fill(STATE_FREE, i + 1, i + n);
    this.shadow[i] = STATE_FREED;
    this.allocated -= n;
    if (this.inner.freeFrames !== this.totalFrames - this.allocated)
      this.brokenCount(`free(${pfn}, ${order})`);
  }

  isAllocated(pfn: number): boolean {
    const answer = this.inner.isAllocated(pfn);
    const i = pfn - this.firstFrame;
    const expected = i >= 0 && i < this.totalFrames && (this.shadow[i] as number) >= STATE_INTERIOR;
    if (answer !== expected) {
      throw this.broken(
        `is-allocated: isAllocated(${pfn}) answered ${answer}, but the frame is ${expected ? '' : 'not '}allocated`,
      );
    }
    return answer;
  }

  /** Verifies and records a block handed out by `alloc` or (`contiguous`) `allocContiguous(order)`. */
  private take(pfn: number, order: number, contiguous: boolean): void {
    const i = pfn - this.firstFrame;
    const n = 2 ** order;
    if (!(i >= 0 && i + n <= this.totalFrames && Number.isInteger(i))) {
      throw this.broken(
        `alloc-in-range: ${callName(order, contiguous)} returned ${n === 1 ? `frame ${pfn}` : `the block [${pfn}, ${pfn + n})`}, outside its range [${this.firstFrame}, ${this.firstFrame + this.totalFrames})`,
      );
    }
    if (pfn % n !== 0) {
      throw this.broken(
        `contiguous-aligned: ${callName(order, contiguous)} returned frame ${pfn}, not a multiple of 2^${order}`,
      );
    }
    for (let j = i; j < i + n; j++) {
      if ((this.shadow[j] as number) >= STATE_INTERIOR) {
        throw this.broken(
          `alloc-unique: ${callName(order, contiguous)} returned frame ${this.firstFrame + j}, which is already allocated`,
        );
      }
    }
    if (n > 1) this.shadow.fill(STATE_INTERIOR, i + 1, i + n);
    this.shadow[i] = STATE_HEAD + order;
    this.allocated += n;
    if (this.inner.freeFrames !== this.totalFrames - this.allocated)
      this.brokenCount(callName(order, contiguous));
  }

  private brokenCount(after: string): never {
    throw this.broken(
      `free-frames: after ${after} freeFrames is ${this.inner.freeFrames}, but ${this.allocated} of ${this.totalFrames} frames are allocated`,
    );
  }

  private threw(call: string, e: unknown): PluginContractError {
    return this.broken(
      `${call} must not throw; it threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`,
    );
  }

  private broken(rule: string): PluginContractError {
    return new PluginContractError(this.plugin, rule);
  }
}

/** The call that produced a block, for messages (built only when a rule is broken). */
function callName(order: number, contiguous: boolean): string {
  return contiguous ? `allocContiguous(${order})` : 'alloc()';
}
