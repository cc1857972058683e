/**
 * `ProgramImage`: the small description of an ELF executable that `exec` loads — its loadable segments, entry
 * point, arguments and environment (what Linux's `load_elf_binary` takes from the ELF headers and `execve`).
 *
 * @module
 */

import { PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';

/** One `PT_LOAD` segment. */
export interface ImageSegment {
  /** Virtual address of the segment (need not be page-aligned). */
  vaddr: number;
  /** Size in memory (`p_memsz`); the part past `data` is zero-filled (bss). */
  memsz: number;
  /** `PROT_*` rights. */
  prot: number;
  /** Initial contents (`p_filesz` bytes); default none. */
  data?: Uint8Array | undefined;
}

/** A program to exec. */
export interface ProgramImage {
  /** The path shown as `AT_EXECFN` (default `/bin/demo`). */
  path?: string | undefined;
  /** Entry point (`AT_ENTRY`). */
  entry: number;
  /** Loadable segments, ascending. The first executable one is the code, the last writable one the data. */
  segments: readonly ImageSegment[];
  /** `argv` (default `[path]`). */
  argv?: readonly string[] | undefined;
  /** `envp` (default `[]`). */
  envp?: readonly string[] | undefined;
}

/**
 * The image `Machine.spawn()` uses when given none: one page of code at 0x400000 (r-x), one page of data (rw-) and
 * one page of bss after it, so the heap starts at 0x403000.
 */
export function defaultImage(): ProgramImage {
  const code = new Uint8Array(64);
  // `li a7, 93; ecall` (exit) as a recognisable first instruction pair.
  code.set([0x93, 0x08, 0xd0, 0x05, 0x73, 0x00, 0x00, 0x00]);
  return {
    path: '/bin/demo',
    entry: 0x400000,
    segments: [
      { vaddr: 0x400000, memsz: 0x1000, prot: PROT_READ | PROT_EXEC, data: code },
      {
        vaddr: 0x401000,
        memsz: 0x2000,
        prot: PROT_READ | PROT_WRITE,
        data: new TextEncoder().encode('hello'),
      },
    ],
    argv: ['/bin/demo'],
    envp: ['HOME=/', 'PATH=/bin'],
  };
}
