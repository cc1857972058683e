/**
 * The built-in frame allocators by name ({@link FRAME_ALLOCATORS}) and the resolver of a machine's allocator option
 * ({@link resolveFrameAllocator}).
 *
 * @module
 */

import {
  type FrameAllocator,
  isClassConstructor,
  type PluginContext,
  PluginContractError,
  type PluginSpec,
} from '@pagewright/core';
import { BitmapFrameAllocator } from './bitmap-allocator.js';
import { BuddyFrameAllocator } from './buddy-allocator.js';
import { CheckedFrameAllocator } from './checked-frame-allocator.js';
import { StackFrameAllocator } from './stack-allocator.js';

/** What a frame-allocator factory needs of the machine's {@link PluginContext}: the range of RAM frames. */
export type FrameAllocatorContext = Pick<PluginContext, 'firstFrame' | 'frameCount'>;

/** A factory of a frame allocator over the context's frames. */
export type FrameAllocatorFactory = (context: FrameAllocatorContext) => FrameAllocator;

/**
 * The built-in allocators by name, each a factory over `[firstFrame, firstFrame + frameCount)` with default options.
 * Adding a built-in is one line here; {@link FrameAllocatorName} and the resolver follow.
 */
export const FRAME_ALLOCATORS = Object.freeze({
  /** rCore's bump pointer + LIFO stack ({@link StackFrameAllocator}). */
  stack: (c: FrameAllocatorContext): FrameAllocator =>
    new StackFrameAllocator({ firstFrame: c.firstFrame, frameCount: c.frameCount }),
  /** Next-fit bitmap ({@link BitmapFrameAllocator}). */
  bitmap: (c: FrameAllocatorContext): FrameAllocator =>
    new BitmapFrameAllocator({ firstFrame: c.firstFrame, frameCount: c.frameCount }),
  /** Binary buddy with a per-CPU-like frame cache ({@link BuddyFrameAllocator}). */
  buddy: (c: FrameAllocatorContext): FrameAllocator =>
    new BuddyFrameAllocator({ firstFrame: c.firstFrame, frameCount: c.frameCount }),
}) satisfies Readonly<Record<string, FrameAllocatorFactory>>;

/** The name of a built-in allocator: `'stack' | 'bitmap' | 'buddy'`. */
export type FrameAllocatorName = keyof typeof FRAME_ALLOCATORS;

/** The names of the built-in allocators, in table order. */
export const FRAME_ALLOCATOR_NAMES: readonly FrameAllocatorName[] = Object.freeze(
  Object.keys(FRAME_ALLOCATORS) as FrameAllocatorName[],
);

/** How a machine option names its frame allocator: a built-in name, an instance, or a factory of one. */
export type FrameAllocatorSpec = PluginSpec<FrameAllocator, FrameAllocatorName, FrameAllocatorContext>;

/** Options of {@link resolveFrameAllocator}. */
export interface ResolveFrameAllocatorOptions {
  /**
   * Wrap every allocator that is not a built-in name in a {@link CheckedFrameAllocator}, so a user's allocator that
   * breaks its contract is reported (as a {@link PluginContractError}) before a bad frame is used. Default false.
   */
  checked?: boolean | undefined;
}

/** True when `x` has the shape of a {@link FrameAllocator} (its members' types; not its behaviour). */
export function isFrameAllocator(x: unknown): x is FrameAllocator {
  if (typeof x !== 'object' || x === null) return false;
  const a = x as Record<string, unknown>;
  return (
    typeof a.name === 'string' &&
    typeof a.firstFrame === 'number' &&
    typeof a.totalFrames === 'number' &&
    typeof a.freeFrames === 'number' &&
    typeof a.maxOrder === 'number' &&
    typeof a.alloc === 'function' &&
    typeof a.allocContiguous === 'function' &&
    typeof a.free === 'function' &&
    typeof a.isAllocated === 'function'
  );
}

/**
 * Turns a machine's allocator option into an allocator over `context`'s frames: a built-in name is looked up in
 * {@link FRAME_ALLOCATORS}, a factory is called with `context`, an instance is used as is. The result must manage
 * frames inside `[context.firstFrame, context.firstFrame + context.frameCount)`.
 *
 * @throws RangeError for an unknown name (the message lists the known names)
 * @throws TypeError for a class passed where a factory belongs (wrap it: `(ctx) => new MyAllocator(ctx)`), or a
 *   value that is neither a name, an allocator nor a function
 * @throws PluginContractError when a factory returns something that is not an allocator, or an allocator whose
 *   frames are not all inside the context's range
 */
export function resolveFrameAllocator(
  spec: FrameAllocatorSpec,
  context: FrameAllocatorContext,
  options: ResolveFrameAllocatorOptions = {},
): FrameAllocator {
  if (typeof spec === 'string') {
    const make = (FRAME_ALLOCATORS as Readonly<Record<string, FrameAllocatorFactory>>)[spec];
    if (make === undefined || !Object.hasOwn(FRAME_ALLOCATORS, spec)) {
      throw new RangeError(
        `unknown frame allocator "${spec}" (known: ${FRAME_ALLOCATOR_NAMES.join(', ')}; or pass an allocator or a factory)`,
      );
    }
    return make(context);
  }
  let allocator: FrameAllocator;
  if (typeof spec === 'function') {
    if (isClassConstructor(spec)) {
      const cls = (spec as { name?: string }).name || 'the class';
      throw new TypeError(
        `frame allocator: ${cls} is a class, not a factory; pass a function that builds it, e.g. (ctx) => new ${cls === 'the class' ? 'MyAllocator' : cls}({ firstFrame: ctx.firstFrame, frameCount: ctx.frameCount })`,
      );
    }
    const made: unknown = spec(context);
    if (!isFrameAllocator(made)) {
      throw new PluginContractError(
        'FrameAllocator factory',
        `the factory must return a FrameAllocator, it returned ${made === null ? 'null' : typeof made}`,
      );
    }
    allocator = made;
  } else if (isFrameAllocator(spec)) {
    allocator = spec;
  } else {
    throw new TypeError(
      `frame allocator: expected a name (${FRAME_ALLOCATOR_NAMES.join(', ')}), a FrameAllocator or a factory, got ${spec === null ? 'null' : typeof spec}`,
    );
  }
  const first = context.firstFrame;
  const end = first + context.frameCount;
  if (!(allocator.firstFrame >= first && allocator.firstFrame + allocator.totalFrames <= end)) {
    throw new PluginContractError(
      `FrameAllocator ${allocator.name}`,
      `it manages frames [${allocator.firstFrame}, ${allocator.firstFrame + allocator.totalFrames}), not all inside the machine's RAM frames [${first}, ${end})`,
    );
  }
  return options.checked ? new CheckedFrameAllocator(allocator) : allocator;
}
