import { FrameError, NO_FRAME, RecordingSink } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { BuddyFrameAllocator } from './buddy-allocator.js';
import { FailingAllocator } from './failing-allocator.js';
import { allocZeroedFrame, FramePool } from './frame-pool.js';
import { FrameFlag, FrameTable, FrameTableError } from './frame-table.js';
import { SparsePhysicalMemory } from './sparse-physical-memory.js';
import { StackFrameAllocator } from './stack-allocator.js';

const BASE = 0x8000_0000;
const FIRST = BASE / 4096;

function setup(frames = 64) {
  const memory = new SparsePhysicalMemory({ base: BASE, size: frames * 4096 });
  const allocator = new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: frames });
  return { memory, allocator, pool: new FramePool({ allocator, memory }) };
}

describe('allocZeroedFrame', () => {
  it('hands out a frame that reads as zero even if it held data, and drops its bytes', () => {
    const memory = new SparsePhysicalMemory({ base: BASE, size: 4 * 4096 });
    const allocator = new StackFrameAllocator({ firstFrame: FIRST, frameCount: 4 });
    const p = allocator.alloc();
    memory.fill(p * 4096, 4096, 0xaa);
    allocator.free(p);
    expect(allocZeroedFrame(allocator, memory)).toBe(p);
    expect(memory.isFrameZero(p)).toBe(true);
    expect(memory.residentFrames).toBe(0);
  });

  it('returns NO_FRAME on exhaustion, and gives back a frame that is not RAM', () => {
    const memory = new SparsePhysicalMemory({ base: BASE, size: 4096 });
    const allocator = new StackFrameAllocator({ firstFrame: FIRST + 1, frameCount: 1 });
    expect(allocZeroedFrame(allocator, memory)).toBe(NO_FRAME);
    expect(allocator.freeFrames).toBe(1);
    const ok = new StackFrameAllocator({ firstFrame: FIRST, frameCount: 1 });
    expect(allocZeroedFrame(ok, memory)).toBe(FIRST);
    expect(allocZeroedFrame(ok, memory)).toBe(NO_FRAME);
  });
});

describe('FramePool', () => {
  it('allocates zeroed frames with one reference and clear metadata', () => {
    const { pool, memory } = setup();
    const p = pool.alloc();
    memory.write32(p * 4096, 0x1234);
    pool.table.setFlags(p, FrameFlag.Anon);
    pool.table.setRmap(p, 9);
    expect(pool.put(p)).toBe(0);
    const q = pool.alloc();
    expect(q).toBe(p);
    expect(memory.read32(q * 4096)).toBe(0);
    expect(pool.table.refCount(q)).toBe(1);
    expect(pool.table.flags(q)).toBe(0);
    expect(pool.table.rmap(q)).toBe(-1);
  });

  it('shares a frame with get/put and frees it on the last put', () => {
    const { pool, allocator } = setup();
    const p = pool.alloc();
    expect(pool.get(p)).toBe(2);
    expect(pool.put(p)).toBe(1);
    expect(allocator.isAllocated(p)).toBe(true);
    expect(pool.put(p)).toBe(0);
    expect(allocator.isAllocated(p)).toBe(false);
    expect(allocator.freeFrames).toBe(64);
  });

  it('allocates zeroed blocks described by their head', () => {
    const { pool, memory, allocator } = setup();
    const p = pool.alloc(3);
    expect(p % 8).toBe(0);
    memory.write8((p + 7) * 4096 + 5, 1);
    expect(pool.table.refCount(p)).toBe(1);
    expect(pool.table.refCount(p + 1)).toBe(0);
    expect(() => pool.put(p, 2)).toThrow(FrameError);
    expect(pool.table.refCount(p)).toBe(1);
    expect(pool.put(p, 3)).toBe(0);
    expect(allocator.freeFrames).toBe(64);
    const q = pool.alloc(3);
    expect(q).toBe(p);
    expect(memory.isFrameZero(q + 7)).toBe(true);
  });

  it('rejects get/put of frames it does not own, and a last put of a mapped frame', () => {
    const { pool } = setup();
    const kind = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(FrameTableError);
        return (e as FrameTableError).kind;
      }
      return 'none';
    };
    expect(kind(() => pool.get(FIRST))).toBe('not-owned');
    expect(kind(() => pool.put(FIRST))).toBe('not-owned');
    expect(kind(() => pool.put(FIRST - 1))).toBe('out-of-range');
    const p = pool.alloc();
    pool.table.incMap(p);
    expect(kind(() => pool.put(p))).toBe('in-use');
    expect(pool.table.refCount(p)).toBe(1);
    pool.table.decMap(p);
    expect(pool.put(p)).toBe(0);
  });

  it('returns NO_FRAME when the allocator fails, leaving nothing behind', () => {
    const { memory } = setup();
    const allocator = new FailingAllocator(new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: 64 }));
    const pool = new FramePool({ allocator, memory });
    allocator.failOnAllocation(1);
    expect(pool.alloc()).toBe(NO_FRAME);
    expect(allocator.freeFrames).toBe(64);
  });

  it('validates its configuration', () => {
    const memory = new SparsePhysicalMemory({ base: BASE, size: 8 * 4096 });
    const tooBig = new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: 9 });
    expect(() => new FramePool({ allocator: tooBig, memory })).toThrow(RangeError);
    const allocator = new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: 8 });
    const table = new FrameTable({ firstFrame: FIRST, frameCount: 4 });
    expect(() => new FramePool({ allocator, memory, table })).toThrow(RangeError);
  });

  it('reports frame.alloc and frame.free events to its sink, nothing for refused operations', () => {
    const { memory, allocator } = setup();
    const sink = new RecordingSink();
    const pool = new FramePool({ allocator, memory, sink });
    const a = pool.alloc();
    const b = pool.alloc(2);
    pool.get(a);
    expect(pool.put(a)).toBe(1);
    expect(() => pool.put(b, 1)).toThrow(FrameError);
    expect(pool.put(a)).toBe(0);
    expect(pool.put(b, 2)).toBe(0);
    expect(sink.events).toEqual([
      { kind: 'frame.alloc', pfn: a, order: 0 },
      { kind: 'frame.alloc', pfn: b, order: 2 },
      { kind: 'frame.free', pfn: a, order: 0 },
      { kind: 'frame.free', pfn: b, order: 2 },
    ]);
  });

  it('builds no event while its sink is disabled', () => {
    const { memory, allocator } = setup();
    let emitted = 0;
    const sink = { enabled: false, emit: () => void emitted++ };
    const pool = new FramePool({ allocator, memory, sink });
    pool.put(pool.alloc());
    pool.put(pool.alloc(3), 3);
    expect(emitted).toBe(0);
    expect(new FramePool({ allocator, memory }).sink.enabled).toBe(false);
  });
});
