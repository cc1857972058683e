import {
  createRng,
  type FrameAllocator,
  NULL_SINK,
  type PluginContext,
  PluginContractError,
} from '@pagewright/core';
import { assertContract, checkFrameAllocator } from '@pagewright/core/testing';
import { describe, expect, it } from 'vitest';
import {
  FRAME_ALLOCATOR_NAMES,
  FRAME_ALLOCATORS,
  isFrameAllocator,
  resolveFrameAllocator,
} from './allocator-registry.js';
import { BitmapFrameAllocator } from './bitmap-allocator.js';
import { BuddyFrameAllocator } from './buddy-allocator.js';
import { CheckedFrameAllocator } from './checked-frame-allocator.js';
import { SparsePhysicalMemory } from './sparse-physical-memory.js';
import { StackFrameAllocator } from './stack-allocator.js';

const RANGE = { firstFrame: 0x80000, frameCount: 64 };

describe('FRAME_ALLOCATORS', () => {
  it('names the three built-ins, each a factory whose allocator keeps the contract', () => {
    expect(FRAME_ALLOCATOR_NAMES).toEqual(['stack', 'bitmap', 'buddy']);
    for (const name of FRAME_ALLOCATOR_NAMES) {
      const a = FRAME_ALLOCATORS[name](RANGE);
      expect(a.name).toBe(name);
      assertContract(checkFrameAllocator(FRAME_ALLOCATORS[name], { name }));
    }
    expect(FRAME_ALLOCATORS.stack(RANGE)).toBeInstanceOf(StackFrameAllocator);
    expect(FRAME_ALLOCATORS.bitmap(RANGE)).toBeInstanceOf(BitmapFrameAllocator);
    expect(FRAME_ALLOCATORS.buddy(RANGE)).toBeInstanceOf(BuddyFrameAllocator);
    expect(Object.isFrozen(FRAME_ALLOCATORS)).toBe(true);
  });

  it('accepts a whole PluginContext as the factory argument', () => {
    const memory = new SparsePhysicalMemory({ size: 64 * 4096 });
    const context = {
      memory,
      firstFrame: memory.baseFrame,
      frameCount: memory.frameCount,
      rng: createRng(1),
      sink: NULL_SINK,
    } as unknown as PluginContext;
    const a = resolveFrameAllocator('bitmap', context);
    expect([a.firstFrame, a.totalFrames]).toEqual([memory.baseFrame, 64]);
  });
});

describe('resolveFrameAllocator', () => {
  it('builds a built-in by name over the context range', () => {
    const a = resolveFrameAllocator('buddy', RANGE);
    expect(a).toBeInstanceOf(BuddyFrameAllocator);
    expect([a.firstFrame, a.totalFrames, a.freeFrames]).toEqual([0x80000, 64, 64]);
  });

  it('answers an unknown name with a RangeError listing the known names', () => {
    expect(() => resolveFrameAllocator('slab' as 'stack', RANGE)).toThrow(RangeError);
    expect(() => resolveFrameAllocator('slab' as 'stack', RANGE)).toThrow(
      'unknown frame allocator "slab" (known: stack, bitmap, buddy; or pass an allocator or a factory)',
    );
    expect(() => resolveFrameAllocator('toString' as 'stack', RANGE)).toThrow(RangeError);
  });

  it('calls a factory with the context and uses an instance as is', () => {
    const seen: unknown[] = [];
    const made = resolveFrameAllocator((ctx) => {
      seen.push(ctx);
      return new StackFrameAllocator({ firstFrame: ctx.firstFrame, frameCount: ctx.frameCount });
    }, RANGE);
    expect(seen).toEqual([RANGE]);
    expect(made).toBeInstanceOf(StackFrameAllocator);
    const instance = new BitmapFrameAllocator({ firstFrame: 0x80000, frameCount: 32 });
    expect(resolveFrameAllocator(instance, RANGE)).toBe(instance);
  });

  it('tells the user to wrap a class passed as a factory', () => {
    const cls = StackFrameAllocator as unknown as (c: typeof RANGE) => FrameAllocator;
    expect(() => resolveFrameAllocator(cls, RANGE)).toThrow(TypeError);
    expect(() => resolveFrameAllocator(cls, RANGE)).toThrow(
      /StackFrameAllocator is a class, not a factory; pass a function that builds it, e\.g\. \(ctx\) => new StackFrameAllocator\(/,
    );
  });

  it('rejects a value that is no allocator, and a factory that returns none', () => {
    expect(() => resolveFrameAllocator({ alloc() {} } as unknown as FrameAllocator, RANGE)).toThrow(
      /expected a name \(stack, bitmap, buddy\), a FrameAllocator or a factory, got object/,
    );
    expect(() => resolveFrameAllocator(42 as unknown as FrameAllocator, RANGE)).toThrow(TypeError);
    const e = (() => {
      try {
        resolveFrameAllocator(() => undefined as unknown as FrameAllocator, RANGE);
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(PluginContractError);
    expect((e as PluginContractError).rule).toBe(
      'the factory must return a FrameAllocator, it returned undefined',
    );
  });

  it('rejects an allocator whose frames are not all RAM, naming it', () => {
    const outside = new BitmapFrameAllocator({ firstFrame: 0x80000 + 32, frameCount: 64 });
    expect(() => resolveFrameAllocator(outside, RANGE)).toThrow(PluginContractError);
    expect(() => resolveFrameAllocator(outside, RANGE)).toThrow(
      /^FrameAllocator bitmap broke its contract: it manages frames \[524320, 524384\), not all inside the machine's RAM frames \[524288, 524352\)$/,
    );
  });

  it('wraps what the user supplied in a CheckedFrameAllocator when asked, never a built-in name', () => {
    expect(resolveFrameAllocator('stack', RANGE, { checked: true })).toBeInstanceOf(StackFrameAllocator);
    const user = resolveFrameAllocator(
      (c) => new StackFrameAllocator({ firstFrame: c.firstFrame, frameCount: c.frameCount }),
      RANGE,
      {
        checked: true,
      },
    );
    expect(user).toBeInstanceOf(CheckedFrameAllocator);
    expect((user as CheckedFrameAllocator).inner).toBeInstanceOf(StackFrameAllocator);
  });

  it('recognizes allocators by shape', () => {
    expect(isFrameAllocator(new BuddyFrameAllocator(RANGE))).toBe(true);
    expect(isFrameAllocator(null)).toBe(false);
    expect(isFrameAllocator({ name: 'x' })).toBe(false);
  });
});
