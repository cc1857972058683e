/**
 * `@pagewright/x86-64`: the x86-64 MMU — 4-level and 5-level (LA57) paging as `PagingArch` instances, the SDM's
 * page walk with hardware A/D updates, CR0.WP/SMEP/SMAP/NXE/protection keys, the PCID-tagged TLB with every
 * invalidation of SDM §4.10.4, the `X86Cpu` (a core `MmuHart`), and the runner of the QEMU conformance vectors.
 *
 * @packageDocumentation
 */

export * from './fault.js';
export * from './pte.js';
export * from './servable.js';
export * from './vector-memory.js';
export * from './vector-runner.js';
export * from './walk.js';
export * from './x86-arch.js';
export * from './x86-cpu.js';
