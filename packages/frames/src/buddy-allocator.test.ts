import { NO_FRAME } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { BuddyFrameAllocator } from './buddy-allocator.js';

describe('BuddyFrameAllocator', () => {
  it('splits the smallest block that fits and coalesces buddies back', () => {
    const a = new BuddyFrameAllocator({ firstFrame: 0, frameCount: 16, maxOrder: 4, cacheSize: 0 });
    expect(a.freeBlocks(4)).toBe(1);
    const p = a.alloc();
    expect(p).toBe(0);
    // 16 = 1 (allocated) + 1 + 2 + 4 + 8
    expect([0, 1, 2, 3, 4].map((k) => a.freeBlocks(k))).toEqual([1, 1, 1, 1, 0]);
    const q = a.alloc();
    expect(q).toBe(1);
    a.free(p);
    expect(a.freeBlocks(0)).toBe(1);
    a.free(q);
    expect([0, 1, 2, 3, 4].map((k) => a.freeBlocks(k))).toEqual([0, 0, 0, 0, 1]);
  });

  it('serves a 1 GiB gigapage (order 18) and 2 MiB megapages, aligned', () => {
    // 2 GiB of RAM at the virt base: 2^19 frames.
    const a = new BuddyFrameAllocator({ firstFrame: 0x80000, frameCount: 2 ** 19 });
    expect(a.maxOrder).toBe(18);
    const small = a.alloc();
    const giga = a.allocContiguous(18);
    expect(giga % 2 ** 18).toBe(0);
    expect(giga).not.toBe(NO_FRAME);
    expect(a.allocContiguous(18)).toBe(NO_FRAME);
    const mega = a.allocContiguous(9);
    expect(mega % 512).toBe(0);
    expect(a.freeFrames).toBe(2 ** 19 - 1 - 2 ** 18 - 512);
    a.free(small);
    a.free(mega, 9);
    expect(a.allocContiguous(18)).not.toBe(NO_FRAME);
    expect(a.allocContiguous(19)).toBe(NO_FRAME);
  });

  it('carves an unaligned range into maximal aligned blocks', () => {
    const a = new BuddyFrameAllocator({ firstFrame: 3, frameCount: 13, maxOrder: 4 });
    // [3,16): 3 (order 0), 4-7 (order 2), 8-15 (order 3)
    expect([0, 1, 2, 3, 4].map((k) => a.freeBlocks(k))).toEqual([1, 0, 1, 1, 0]);
    expect(a.allocContiguous(3)).toBe(8);
    expect(a.allocContiguous(3)).toBe(NO_FRAME);
    expect(a.freeBlocks(-1)).toBe(0);
  });

  it('never coalesces with frames outside its range', () => {
    const a = new BuddyFrameAllocator({ firstFrame: 1, frameCount: 2, maxOrder: 2, cacheSize: 0 });
    const x = a.alloc();
    const y = a.alloc();
    a.free(x);
    a.free(y);
    expect(a.freeFrames).toBe(2);
    // 1 and 2 are buddies of nothing inside [1, 3): no order-1 block exists.
    expect([a.freeBlocks(0), a.freeBlocks(1)]).toEqual([2, 0]);
    expect(a.allocContiguous(1)).toBe(NO_FRAME);
    expect(a.isAllocated(0)).toBe(false);
    expect(a.isAllocated(3)).toBe(false);
  });

  it('caches freed single frames, hands them back first, and drains them for blocks', () => {
    const a = new BuddyFrameAllocator({ firstFrame: 0, frameCount: 16, maxOrder: 4, cacheSize: 4 });
    const got = Array.from({ length: 16 }, () => a.alloc());
    for (const p of got.slice(0, 4)) a.free(p);
    expect(a.cachedFrames).toBe(4);
    expect(a.freeFrames).toBe(4);
    expect(a.isAllocated(got[0] as number)).toBe(false);
    expect(() => a.free(got[1] as number)).toThrow(/double-free/);
    expect(a.alloc()).toBe(got[3]);
    a.free(got[3] as number);
    a.free(got[4] as number); // the cache was full: its older half went to the buddy lists
    expect(a.cachedFrames).toBe(3);
    expect(a.freeFrames).toBe(5);
    expect(a.allocContiguous(2)).toBe(0); // frames 0-3 free: drained and coalesced on demand
    expect(a.cachedFrames).toBe(0);
    a.drainCache();
    expect(a.freeFrames).toBe(1);
  });

  it.each([
    { firstFrame: 0, frameCount: 1, cacheSize: -1 },
    { firstFrame: 0, frameCount: 1, cacheSize: 0.5 },
    { firstFrame: -1, frameCount: 1 },
    { firstFrame: 0, frameCount: 0 },
    { firstFrame: 0.5, frameCount: 1 },
    { firstFrame: 0, frameCount: 2 ** 30 + 1 },
    { firstFrame: 0, frameCount: 1, maxOrder: 31 },
    { firstFrame: 0, frameCount: 1, maxOrder: -1 },
  ])('rejects %o', (opts) => {
    expect(() => new BuddyFrameAllocator(opts)).toThrow(RangeError);
  });
});
