/**
 * `@pagewright/rv64`: a user-mode RV64GC (IMAFDC + Zicsr + Zifencei) interpreter whose every fetch, load and store goes through the simulated
 * MMU (a {@link GuestMemory}: a `Process` of `@pagewright/process-vm`, or any translation plus physical memory).
 *
 * @module
 */

export * from './bare-memory.js';
export * from './decode.js';
export * from './fpu.js';
export * from './guest-memory.js';
export * from './hart.js';
export * from './opcodes.js';
export * from './outcome.js';
