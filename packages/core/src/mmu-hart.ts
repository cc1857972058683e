/**
 * {@link MmuHart}: what the kernel side (the mapper's flushers, the ASID allocator, the process layer) needs of a
 * CPU's memory-management unit, whatever the architecture. `@pagewright/sv39`'s `Hart` (RISC-V) and
 * `@pagewright/x86-64`'s `X86Cpu` implement it; a user's own CPU model plugs in by implementing it too.
 *
 * @module
 */

import type { Access } from './hardware.js';
import type { PagingArch } from './paging-arch.js';
import type { DomainResult } from './result.js';
import type { Tlb } from './tlb.js';

/**
 * What a CPU's `translate` (and its page walk) returns: the physical address (≥ 0), or the negative fault code of
 * the architecture — RISC-V `-cause` (12/13/15 page faults, 1/5/7 access faults), x86-64 `-vector` (14 #PF,
 * 13 #GP, 18 #MC) — with the details in the CPU's fault record.
 */
export type TranslationResult = DomainResult<'translation'>;

/** The physical address (or PTE address) a walk record holds when there is none: the walk faulted first. */
export const NO_PHYS_ADDR = -1;

/**
 * One CPU (RISC-V hart, x86 logical processor) as the kernel sees it: its TLB, the address space it runs, a switch
 * to another address space, user mode, and translation with the hardware's own checks.
 *
 * Contract:
 * - `tlb` is the one TLB every translation of this CPU uses; it never changes after construction (to measure
 *   another TLB, build another CPU).
 * - `switchAddressSpace` points the CPU at the tables rooted at `rootPpn`, tagged `asid`, **without** flushing any
 *   TLB entry (RISC-V: a `satp` write; x86-64 with PCIDs: a CR3 write with the no-flush bit). It returns false, and
 *   changes nothing, when the CPU cannot run that architecture, tag or root.
 * - `translate(va, access)` in the current privilege returns the physical address (≥ 0) or a negative number when
 *   the access faults; it never throws or allocates for any number `va` and any `access` in {@link Access}.
 */
export interface MmuHart {
  /** The CPU number (`mhartid`, the APIC id): flushers count an IPI for every target other than the initiator. */
  readonly id: number;
  /** This CPU's TLB. */
  readonly tlb: Tlb;
  /** The address-space tag in use (RISC-V `satp.ASID`, x86 CR3 PCID; 0 without tags). */
  readonly asid: number;
  /** The root page-table frame in use (`satp.PPN`, CR3 bits 51:12). */
  readonly rootPpn: number;
  /** True when translation is on (RISC-V `satp.MODE` ≠ Bare, x86 CR0.PG). */
  readonly translating: boolean;
  /** True in user mode (RISC-V U, x86 CPL 3). */
  readonly userMode: boolean;
  /** Switches to the address space rooted at `rootPpn` tagged `asid`, without a flush (see the contract). */
  switchAddressSpace(arch: PagingArch, asid: number, rootPpn: number): boolean;
  /** Enters user mode (RISC-V U, x86 CPL 3). */
  enterUserMode(): void;
  /** Translates `va` for `access`: the physical address, or a negative number when the access faults. */
  translate(va: number, access: Access): TranslationResult;
}
