/**
 * `@pagewright/frames`: physical memory, frame allocators (stack, bitmap, buddy) and per-frame metadata.
 *
 * @packageDocumentation
 */

export {};
