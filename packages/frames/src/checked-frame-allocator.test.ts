import { type FrameAllocator, FrameError, NO_FRAME, PluginContractError } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { BuddyFrameAllocator } from './buddy-allocator.js';
import { CheckedFrameAllocator } from './checked-frame-allocator.js';
import { FailingAllocator } from './failing-allocator.js';
import { StackFrameAllocator } from './stack-allocator.js';

const FIRST = 0x80000;

/** A user's allocator, built on the buddy allocator, with one answer overridden. */
function userAllocator(overrides: Partial<FrameAllocator>, frames = 64): FrameAllocator {
  const inner = new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: frames, cacheSize: 0 });
  const base: FrameAllocator = {
    name: 'next-fit',
    firstFrame: inner.firstFrame,
    totalFrames: inner.totalFrames,
    maxOrder: inner.maxOrder,
    get freeFrames() {
      return inner.freeFrames;
    },
    alloc: () => inner.alloc(),
    allocContiguous: (order) => inner.allocContiguous(order),
    free: (pfn, order) => inner.free(pfn, order),
    isAllocated: (pfn) => inner.isAllocated(pfn),
  };
  return Object.defineProperties(base, Object.getOwnPropertyDescriptors(overrides));
}

function contractError(f: () => unknown): PluginContractError {
  try {
    f();
  } catch (e) {
    if (e instanceof PluginContractError) return e;
    throw e;
  }
  throw new Error('expected a PluginContractError');
}

describe('CheckedFrameAllocator', () => {
  it('passes answers through and reports what the inner allocator reports', () => {
    const inner = new StackFrameAllocator({ firstFrame: FIRST, frameCount: 16 });
    const a = new CheckedFrameAllocator(inner);
    expect([a.name, a.firstFrame, a.totalFrames, a.maxOrder]).toEqual(['stack', FIRST, 16, inner.maxOrder]);
    const p = a.alloc();
    const b = a.allocContiguous(2);
    expect(inner.isAllocated(p) && inner.isAllocated(b + 3)).toBe(true);
    expect(a.freeFrames).toBe(11);
    a.free(b, 2);
    a.free(p);
    expect(a.freeFrames).toBe(16);
  });

  it('names the allocator and the rule when a frame is outside the range', () => {
    let n = 0;
    const a = new CheckedFrameAllocator(userAllocator({ alloc: () => (n++ === 0 ? FIRST + 64 : NO_FRAME) }));
    const e = contractError(() => a.alloc());
    expect(e.plugin).toBe('FrameAllocator next-fit');
    expect(e.rule).toMatch(
      /^alloc-in-range: alloc\(\) returned frame 524352, outside its range \[524288, 524352\)/,
    );
    expect(e.message).toMatch(/^FrameAllocator next-fit broke its contract: alloc-in-range/);
  });

  it('catches a frame handed out twice before the caller sees it', () => {
    const inner = new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: 64 });
    let last = NO_FRAME;
    const a = new CheckedFrameAllocator(
      userAllocator({
        alloc: () => {
          if (last === NO_FRAME) last = inner.alloc();
          return last;
        },
        get freeFrames() {
          return inner.freeFrames;
        },
      }),
    );
    expect(a.alloc()).toBe(last);
    expect(contractError(() => a.alloc()).rule).toMatch(
      /^alloc-unique: alloc\(\) returned frame \d+, which is already allocated/,
    );
  });

  it('catches a misaligned block, a block past the range, a block over an allocated frame, an order it must refuse', () => {
    const misaligned = new CheckedFrameAllocator(userAllocator({ allocContiguous: () => FIRST + 2 }));
    expect(contractError(() => misaligned.allocContiguous(2)).rule).toMatch(
      /^contiguous-aligned: .* not a multiple of 2\^2/,
    );
    const past = new CheckedFrameAllocator(userAllocator({ allocContiguous: () => FIRST + 60 }));
    expect(contractError(() => past.allocContiguous(3)).rule).toMatch(
      /^alloc-in-range: .*the block \[524348, 524356\)/,
    );
    const inner = new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: 64, cacheSize: 0 });
    const overlapping = new CheckedFrameAllocator(
      userAllocator({
        alloc: () => inner.alloc(),
        allocContiguous: () => FIRST,
        get freeFrames() {
          return inner.freeFrames;
        },
      }),
    );
    expect(overlapping.alloc()).toBe(FIRST);
    expect(contractError(() => overlapping.allocContiguous(1)).rule).toMatch(/^alloc-unique/);
    const greedy = new CheckedFrameAllocator(userAllocator({ allocContiguous: () => FIRST }));
    expect(contractError(() => greedy.allocContiguous(-1)).rule).toMatch(/^contiguous-order-limit/);
  });

  it('catches a freeFrames that does not add up, after an allocation, a free or on reading it', () => {
    const stuck = new CheckedFrameAllocator(
      userAllocator({
        get freeFrames() {
          return 64;
        },
      }),
    );
    expect(contractError(() => stuck.alloc()).rule).toMatch(
      /^free-frames: after alloc\(\) freeFrames is 64, but 1 of 64/,
    );
    let lie = false;
    const flaky = new CheckedFrameAllocator(
      userAllocator(
        Object.defineProperty({}, 'freeFrames', {
          get: () => (lie ? 3 : 64),
          enumerable: true,
        }),
      ),
    );
    expect(flaky.freeFrames).toBe(64);
    lie = true;
    expect(contractError(() => flaky.freeFrames).rule).toMatch(/^free-frames: after freeFrames read/);
  });

  it('catches an isAllocated that disagrees, and an allocator that throws', () => {
    const liar = new CheckedFrameAllocator(userAllocator({ isAllocated: () => true }));
    expect(contractError(() => liar.isAllocated(FIRST)).rule).toMatch(
      /^is-allocated: isAllocated\(524288\) answered true/,
    );
    const thrower = new CheckedFrameAllocator(
      userAllocator({
        alloc: () => {
          throw new RangeError('full');
        },
      }),
    );
    expect(contractError(() => thrower.alloc()).rule).toBe(
      'alloc() must not throw; it threw RangeError: full',
    );
    const refuser = new CheckedFrameAllocator(
      userAllocator({
        free: () => {
          throw new FrameError('double-free', 0);
        },
      }),
    );
    const p = refuser.alloc();
    expect(contractError(() => refuser.free(p)).rule).toMatch(
      /^free\(\d+, 0\) of a block it handed out must not throw/,
    );
  });

  it('refuses bad frees itself, with the contract error, without forwarding them', () => {
    let forwarded = 0;
    const inner = new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: 64 });
    const a = new CheckedFrameAllocator(
      userAllocator({
        alloc: () => inner.alloc(),
        allocContiguous: (o) => inner.allocContiguous(o),
        free: (pfn, order) => {
          forwarded++;
          inner.free(pfn, order);
        },
        isAllocated: (pfn) => inner.isAllocated(pfn),
        get freeFrames() {
          return inner.freeFrames;
        },
      }),
    );
    const p = a.alloc();
    const b = a.allocContiguous(2);
    const kind = (f: () => void): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof FrameError ? e.kind : 'other';
      }
      return undefined;
    };
    expect(kind(() => a.free(FIRST - 1))).toBe('out-of-range');
    expect(kind(() => a.free(b, 1))).toBe('wrong-order');
    expect(kind(() => a.free(b + 1, 1))).toBe('misaligned');
    expect(kind(() => a.free(b + 1))).toBe('not-allocated');
    a.free(p);
    expect(kind(() => a.free(p))).toBe('double-free');
    expect(forwarded).toBe(1);
    expect(a.freeFrames).toBe(60);
  });

  it('accepts NO_FRAME while frames are free (injected failures are allowed)', () => {
    const failing = new FailingAllocator(new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: 8 }));
    const a = new CheckedFrameAllocator(failing);
    failing.failOnAllocation(1);
    expect(a.alloc()).toBe(NO_FRAME);
    expect(a.alloc()).not.toBe(NO_FRAME);
    expect(a.name).toBe('failing(buddy)');
  });

  it('refuses an allocator that is not fresh or reports an impossible range', () => {
    const used = new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: 8 });
    used.alloc();
    expect(() => new CheckedFrameAllocator(used)).toThrow(PluginContractError);
    expect(() => new CheckedFrameAllocator(used)).toThrow(
      /FrameAllocator buddy broke its contract: identity: .*wrap it before first use/,
    );
    expect(() => new CheckedFrameAllocator(userAllocator({ firstFrame: -1 }))).toThrow(
      /identity: firstFrame/,
    );
    expect(() => new CheckedFrameAllocator(userAllocator({ maxOrder: 1.5 }))).toThrow(/identity: maxOrder/);
    expect(() => new CheckedFrameAllocator(userAllocator({ totalFrames: 0 }))).toThrow(
      /identity: totalFrames/,
    );
  });
});
