/**
 * `@pagewright/elf`: a pure ELF64 parser and validator that answers as Linux's `load_elf_binary` does, and derives
 * the plan of an `execve` — load bias, mappings, bss, `AT_PHDR`, break, executable stack — for the process layer
 * to perform.
 *
 * @packageDocumentation
 */

export * from './conformance.js';
export * from './elf-constants.js';
export * from './elf-error.js';
export * from './load-plan.js';
export * from './load-profile.js';
export * from './parse.js';
