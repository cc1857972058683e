import { FrameError } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { BuddyFrameAllocator } from './buddy-allocator.js';
import { FrameTracker } from './frame-tracker.js';
import { SparsePhysicalMemory } from './sparse-physical-memory.js';

const FIRST = 0x80000;

function allocator(n = 16) {
  return new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: n });
}

describe('FrameTracker', () => {
  it('frees its block once, whichever of free/release/dispose comes first', () => {
    const a = allocator();
    const t = FrameTracker.alloc(a, 2);
    expect(t).toBeDefined();
    const tr = t as FrameTracker;
    expect(a.freeFrames).toBe(12);
    expect(tr.owned).toBe(true);
    tr.free();
    expect(a.freeFrames).toBe(16);
    expect(tr.owned).toBe(false);
    tr.release();
    tr[Symbol.dispose]();
    expect(a.freeFrames).toBe(16);
  });

  it('frees at the end of a using scope', () => {
    const a = allocator();
    let pfn = -1;
    {
      using t = FrameTracker.alloc(a) as FrameTracker;
      pfn = t.pfn;
      expect(a.isAllocated(pfn)).toBe(true);
    }
    expect(a.isAllocated(pfn)).toBe(false);
    expect(a.freeFrames).toBe(16);
  });

  it('forget gives the frame away without freeing it', () => {
    const a = allocator();
    const t = FrameTracker.alloc(a) as FrameTracker;
    const pfn = t.forget();
    expect(pfn).toBe(t.pfn);
    t.free();
    expect(a.isAllocated(pfn)).toBe(true);
    expect(t.forget()).toBe(-1);
  });

  it('zeroes the frames when given memory, and returns undefined on exhaustion', () => {
    const a = allocator(2);
    const m = new SparsePhysicalMemory({ base: FIRST * 4096, size: 2 * 4096 });
    m.write8(FIRST * 4096 + 1, 7);
    m.write8(FIRST * 4096 + 4097, 7);
    const t = FrameTracker.alloc(a, 1, m) as FrameTracker;
    expect(m.residentFrames).toBe(0);
    expect(FrameTracker.alloc(a)).toBeUndefined();
    t.free();
  });

  it('refuses to track a frame that is not allocated, and reports a free refused by the allocator', () => {
    const a = allocator();
    expect(() => new FrameTracker(a, FIRST)).toThrow(RangeError);
    const held = a.alloc();
    expect(() => new FrameTracker(a, held, -1)).toThrow(RangeError);
    expect(() => new FrameTracker(a, held, a.maxOrder + 1)).toThrow(RangeError);
    a.free(held);
    const p = a.alloc();
    const t = new FrameTracker(a, p);
    a.free(p);
    expect(() => t.free()).toThrow(FrameError);
    expect(t.owned).toBe(true);
  });
});
