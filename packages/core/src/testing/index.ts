/**
 * `@pagewright/core/testing`: contract kits for the interfaces `@pagewright/core` defines. Call a kit from your own
 * tests with a factory of your implementation; kits use no test framework.
 *
 * ```ts
 * import { assertContract, checkFrameAllocator } from '@pagewright/core/testing';
 * assertContract(checkFrameAllocator((range) => new MyAllocator(range), { name: 'my-allocator' }));
 * ```
 *
 * @packageDocumentation
 */

export * from './frame-allocator-kit.js';
export * from './kit.js';
export * from './paging-arch-kit.js';
export * from './physical-memory-kit.js';
export * from './tlb-flusher-kit.js';
export * from './tlb-kit.js';
