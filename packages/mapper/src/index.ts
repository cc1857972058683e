/**
 * `@pagewright/mapper`: page tables in simulated memory, cursors, TLB flushers and shootdowns, ASID allocation.
 *
 * @packageDocumentation
 */

export * from './asid-allocator.js';
export * from './cursor.js';
export * from './deferred-frees.js';
export * from './errors.js';
export * from './hart.js';
export * from './inactive-flusher.js';
export * from './kernel-space.js';
export * from './mm-context.js';
export * from './page-flush.js';
export * from './page-mapper.js';
export * from './stale-tlb-detector.js';
export * from './tlb-shootdown.js';
export * from './types.js';
