/**
 * `@pagewright/frames`: physical memory, frame allocators (stack, bitmap, buddy) and per-frame metadata.
 *
 * @packageDocumentation
 */

export * from './allocator-registry.js';
export * from './bitmap-allocator.js';
export * from './buddy-allocator.js';
export * from './checked-frame-allocator.js';
export * from './failing-allocator.js';
export * from './frame-pool.js';
export * from './frame-table.js';
export * from './frame-tracker.js';
export * from './sparse-physical-memory.js';
export * from './stack-allocator.js';
