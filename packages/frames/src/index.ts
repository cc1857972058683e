/**
 * `@pagewright/frames`: physical memory, frame allocators (stack, bitmap, buddy) and per-frame metadata.
 *
 * @packageDocumentation
 */

export * from './buddy-allocator.js';
export * from './sparse-physical-memory.js';
export * from './stack-allocator.js';
