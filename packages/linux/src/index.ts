/**
 * `@pagewright/linux`: a RISC-V Linux system-call personality that runs static RISC-V ELF programs on a
 * process-vm machine, each access through the simulated MMU.
 *
 * @module
 */

export * from './kernel.js';
export * from './kernel-files.js';
export * from './numbers.js';
export * from './signal-frame.js';
export * from './signals.js';
export * from './stat.js';
export * from './syscall-table.js';
export * from './task.js';
export * from './user-memory.js';
