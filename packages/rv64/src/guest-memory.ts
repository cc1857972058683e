/**
 * {@link GuestMemory}: the one port through which the interpreter reaches guest memory — a translation (the MMU,
 * with whatever the kernel does on a page fault) and the physical memory the translation points into.
 *
 * @module
 */

import type { Access, PhysicalMemory } from '@pagewright/core';

/** `translate` result: SIGSEGV, `SEGV_MAPERR` (no mapping). Same value as `@pagewright/process-vm`'s. */
export const FAULT_SEGV_MAPERR = -1;
/** `translate` result: SIGSEGV, `SEGV_ACCERR` (a mapping without the right). */
export const FAULT_SEGV_ACCERR = -2;
/** `translate` result: SIGBUS, `BUS_ADRERR` (past the end of a shared object). */
export const FAULT_BUS_ADRERR = -3;
/** `translate` result: the process was killed (SIGKILL) because memory ran out. */
export const FAULT_OOM_KILL = -4;

/**
 * Guest memory as a user-mode hart sees it.
 *
 * Contract:
 * - `translate(va, access)` returns the physical address (≥ 0) of the byte at `va` for a load, store (AMOs and
 *   SC included) or fetch, after whatever page-fault handling the system does (demand paging, copy-on-write, stack
 *   growth), or one of the negative `FAULT_*` values when the access cannot be made. Any other negative value counts
 *   as {@link FAULT_SEGV_MAPERR}. `va` may be any number (negative numbers stand for addresses with bit 63 set); it
 *   must not throw. The interpreter translates once per access and page: an access that crosses a page boundary
 *   translates both pages (before it writes anything).
 * - `physical` is the memory the physical addresses point into: a non-negative result lies inside it and keeps the
 *   page offset of `va`; all bytes of one page translate into one frame, so a store is seen by a later load.
 * - A page with no mapping faults for every access; a store to a page without write permission faults.
 *
 * `@pagewright/rv64/testing`'s `checkGuestMemory` checks these rules on your implementation.
 *
 * A `Process` of `@pagewright/process-vm` provides both (see {@link processMemory}).
 */
export interface GuestMemory {
  /** The physical address of `va` for `access`, or a negative `FAULT_*` value. */
  translate(va: number, access: Access): number;
  /** The physical memory. */
  readonly physical: PhysicalMemory;
  /**
   * Called when a hart's `run` starts, before any access (optional): a memory may prepare a fast path that holds
   * until `run` returns (process memory switches its hart to the process's address space once).
   */
  enter?(): void;
}

/** What {@link processMemory} needs of a process: its translation and its machine's memory. */
export interface TranslatingProcess {
  /** Translates with page-fault handling (process-vm's `Process.translate`). */
  translate(va: number, access: number): number;
  /** The machine that holds the physical memory. */
  readonly machine: { readonly memory: PhysicalMemory };
  /**
   * Switches the process's hart to its address space and returns it (process-vm's `Process.activate`); optional.
   * With it, a translation that hits the hart's TLB or walks without a fault skips the process's own checks.
   */
  activate?(): { translate(va: number, access: number): number };
}

/**
 * The {@link GuestMemory} of a `@pagewright/process-vm` `Process`: every access goes through the process's hart
 * (its TLB and Sv39/Sv48 walk) and, on a miss that faults, through the simulated kernel's fault handler.
 */
export function processMemory(process: TranslatingProcess): GuestMemory {
  if (typeof process?.translate !== 'function' || typeof process.machine?.memory !== 'object') {
    throw new TypeError('processMemory: expected a process with translate(va, access) and machine.memory');
  }
  if (typeof process.activate !== 'function')
    return { translate: (va, access) => process.translate(va, access), physical: process.machine.memory };
  // The hart is switched to this process once per run (`enter`); an access it translates without a fault is done,
  // and any fault (or an access before `enter`) goes through the process, which switches the hart again if needed
  // and runs the fault handler. Between runs the host may run other processes on the hart: `enter` re-switches.
  let hart: { translate(va: number, access: number): number } | null = null;
  return {
    enter: () => {
      hart = process.activate?.() ?? null;
    },
    translate: (va, access) => {
      if (hart !== null) {
        const pa = hart.translate(va, access);
        if (pa >= 0) return pa;
      }
      return process.translate(va, access);
    },
    physical: process.machine.memory,
  };
}
