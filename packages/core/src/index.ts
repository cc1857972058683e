/**
 * `@pagewright/core`: the vocabulary every pagewright layer shares — addresses and page math, Linux's errno and
 * flag constants, `VmFlags`, the hardware vocabulary, and the interfaces between layers.
 *
 * @packageDocumentation
 */

export * from './address.js';
export * from './errno.js';
export * from './event-sink.js';
export * from './formula-memory.js';
export * from './frame-allocator.js';
export * from './hardware.js';
export * from './madvise.js';
export * from './mmap-flags.js';
export * from './mmu-hart.js';
export * from './mremap-flags.js';
export * from './msync-mlock.js';
export * from './paging-arch.js';
export * from './physical-memory.js';
export * from './plugin.js';
export * from './prot.js';
export * from './recording-memory.js';
export * from './result.js';
export * from './rng.js';
export * from './tlb.js';
export * from './tlb-flusher.js';
export * from './translated-access.js';
export * from './vector-file.js';
export * from './vm-flags.js';
