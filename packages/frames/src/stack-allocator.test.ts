import { NO_FRAME } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { StackFrameAllocator } from './stack-allocator.js';

describe('StackFrameAllocator', () => {
  it('bumps through fresh frames, then reuses the last freed first (LIFO, as rCore)', () => {
    const a = new StackFrameAllocator({ firstFrame: 100, frameCount: 10 });
    expect([a.alloc(), a.alloc(), a.alloc()]).toEqual([100, 101, 102]);
    a.free(100);
    a.free(102);
    expect(a.alloc()).toBe(102);
    expect(a.alloc()).toBe(100);
    expect(a.alloc()).toBe(103);
  });

  it('carves blocks from the bump pointer, recycling the frames skipped for alignment', () => {
    const a = new StackFrameAllocator({ firstFrame: 1, frameCount: 20 });
    expect(a.allocContiguous(2)).toBe(4);
    expect(a.freeFrames).toBe(16);
    // 1, 2, 3 were skipped and are free singles.
    expect([a.alloc(), a.alloc(), a.alloc()].sort()).toEqual([1, 2, 3]);
    expect(a.alloc()).toBe(8);
  });

  it('recycles a freed block as single frames only', () => {
    const a = new StackFrameAllocator({ firstFrame: 0, frameCount: 8 });
    const b = a.allocContiguous(3);
    expect(b).toBe(0);
    a.free(b, 3);
    expect(a.freeFrames).toBe(8);
    expect(a.allocContiguous(1)).toBe(NO_FRAME);
    expect(Array.from({ length: 8 }, () => a.alloc())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it.each([
    { firstFrame: -1, frameCount: 1 },
    { firstFrame: 0, frameCount: 0 },
    { firstFrame: 0, frameCount: 1.5 },
    { firstFrame: 0, frameCount: 1, maxOrder: 40 },
  ])('rejects %o', (opts) => {
    expect(() => new StackFrameAllocator(opts)).toThrow(RangeError);
  });
});
