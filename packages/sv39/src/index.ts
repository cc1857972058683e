/**
 * `@pagewright/sv39`: the RISC-V Sv39/Sv48 MMU: page walk, ASID-tagged TLBs, harts and sfence.vma.
 *
 * @packageDocumentation
 */

export * from './cached-rights.js';
export * from './hart.js';
export * from './paging-arch-walk.js';
export * from './pte.js';
export * from './replacement.js';
export * from './riscv-arch.js';
export * from './set-associative-tlb.js';
export * from './vector-memory.js';
export * from './vector-runner.js';
export * from './walk.js';
