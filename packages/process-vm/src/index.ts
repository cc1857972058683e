/**
 * `@pagewright/process-vm`: a process address space that answers exactly as Linux does: system calls, faults, fork/COW, stacks, /proc.
 *
 * @packageDocumentation
 */

export {};
