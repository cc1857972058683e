/**
 * `@pagewright/process-vm`: a process address space that answers exactly as Linux does: system calls, faults,
 * fork/COW, stacks, /proc.
 *
 * @packageDocumentation
 */

export * from './address-space.js';
export * from './brk.js';
export * from './elf-exec.js';
export * from './errno.js';
export * from './exec.js';
export * from './exec-layout.js';
export * from './fault-stats.js';
export * from './file-mmap.js';
export * from './flush-strategy.js';
export * from './fork.js';
export * from './frame-owners.js';
export * from './guard-regions.js';
export * from './init-stack.js';
export * from './invariants.js';
export * from './machine.js';
export * from './machine-parts.js';
export * from './madvise.js';
export * from './mincore.js';
export * from './mlock.js';
export * from './mmap.js';
export * from './mprotect.js';
export * from './mremap.js';
export * from './mseal.js';
export * from './msync.js';
export * from './munmap.js';
export * from './oom.js';
export * from './page-table.js';
export * from './placement.js';
export * from './proc-meminfo.js';
export * from './proc-views.js';
export * from './process.js';
export * from './program-image.js';
export * from './reclaim-hooks.js';
export * from './scenario.js';
export * from './scenario-language.js';
export * from './scenario-target.js';
export * from './seed-from-maps.js';
export * from './shared-memory.js';
export * from './signals.js';
export * from './swap-ptes.js';
export * from './syscall-text.js';
export * from './syscalls.js';
export * from './u64.js';
export * from './user-copy.js';
