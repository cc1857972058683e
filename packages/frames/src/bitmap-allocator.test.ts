import { NO_FRAME } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { BitmapFrameAllocator } from './bitmap-allocator.js';

describe('BitmapFrameAllocator', () => {
  it('searches next-fit: a freed frame behind the cursor is reused only after wrapping', () => {
    const a = new BitmapFrameAllocator({ firstFrame: 0, frameCount: 96 });
    const first = Array.from({ length: 40 }, () => a.alloc());
    expect(first).toEqual(Array.from({ length: 40 }, (_, i) => i));
    a.free(3);
    // The cursor is in word 1 (frames 32-63): the search continues there before wrapping to frame 3.
    expect(a.alloc()).toBe(40);
    for (let i = 41; i < 96; i++) expect(a.alloc()).toBe(i);
    expect(a.alloc()).toBe(3);
    expect(a.alloc()).toBe(NO_FRAME);
  });

  it('finds aligned runs inside words and as whole words, from any first frame', () => {
    const a = new BitmapFrameAllocator({ firstFrame: 45, frameCount: 300 });
    const small = a.allocContiguous(3);
    expect(small % 8).toBe(0);
    const big = a.allocContiguous(6);
    expect(big % 64).toBe(0);
    expect(big).toBeGreaterThanOrEqual(45);
    const big2 = a.allocContiguous(6);
    expect(big2 % 64).toBe(0);
    expect(big2).not.toBe(big);
    expect(a.allocContiguous(7)).toBe(NO_FRAME); // [45, 345) holds no free aligned 128-run now
    a.free(big, 6);
    a.free(big2, 6);
    expect(a.allocContiguous(7)).toBe(128);
  });

  it.each([
    { firstFrame: -1, frameCount: 1 },
    { firstFrame: 0, frameCount: 0 },
    { firstFrame: 0, frameCount: 1, maxOrder: 1.5 },
  ])('rejects %o', (opts) => {
    expect(() => new BitmapFrameAllocator(opts)).toThrow(RangeError);
  });
});
