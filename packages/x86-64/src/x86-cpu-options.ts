/**
 * The configuration of an {@link X86Cpu}: the control-register bits this model implements (CR0, CR4, IA32_EFER) and
 * the options a CPU is built with.
 *
 * @module
 */

import type { PhysicalMemory, Tlb } from '@pagewright/core';
import type { X86WalkOptions } from './walk.js';
import type { X86PagingArch } from './x86-arch.js';
import type { X86Cpu } from './x86-cpu.js';

/** CR0 bits this model implements. */
export const Cr0 = {
  /** Protection enable. */
  PE: 0x1,
  /** Write protect: supervisor writes honour R/W. */
  WP: 0x1_0000,
  /** Paging. */
  PG: 0x8000_0000,
} as const;

/** CR4 bits this model implements (any other bit set is a #GP). */
export const Cr4 = {
  /** Physical-address extension (required by IA-32e paging). */
  PAE: 0x20,
  /** Global pages. */
  PGE: 0x80,
  /** 5-level paging. */
  LA57: 0x1000,
  /** Process-context identifiers. */
  PCIDE: 0x2_0000,
  /** Supervisor-mode execution prevention. */
  SMEP: 0x10_0000,
  /** Supervisor-mode access prevention. */
  SMAP: 0x20_0000,
  /** Protection keys for user-mode pages. */
  PKE: 0x40_0000,
} as const;
/** Every CR4 bit this model implements. */
export const CR4_KNOWN = Cr4.PAE | Cr4.PGE | Cr4.LA57 | Cr4.PCIDE | Cr4.SMEP | Cr4.SMAP | Cr4.PKE;

/** IA32_EFER bits this model implements. */
export const Efer = {
  /** Long mode enable. */
  LME: 0x100,
  /** Long mode active (read-only: LME and CR0.PG). */
  LMA: 0x400,
  /** Execute-disable enable. */
  NXE: 0x800,
} as const;

/** Options of {@link X86Cpu}. */
export interface X86CpuOptions {
  /** The CPU number (APIC id). */
  id: number;
  /** Physical memory, shared by every CPU of a machine. */
  memory: PhysicalMemory;
  /** This CPU's TLB, fixed for its life (default: a 16 × 4 LRU `SetAssociativeTlb`). */
  tlb?: Tlb | undefined;
  /**
   * The paging hardware: MAXPHYADDR, 1 GiB pages, and whether 5-level paging exists (an LA57 instance runs both
   * 4-level and 5-level paging, chosen by CR4.LA57). Default {@link X86_64}. Its `nxe` option is ignored (EFER.NXE is
   * a register here).
   */
  arch?: X86PagingArch | undefined;
  /** Walk semantics (default {@link SDM_WALK_OPTIONS}; {@link QEMU_WALK_OPTIONS} reproduces QEMU 7.2). */
  walkOptions?: X86WalkOptions | undefined;
  /**
   * Initial control registers. The CPU starts in 64-bit mode with paging on: CR0 = PE | PG | WP, EFER = LME | LMA |
   * NXE, CR4 = PAE (+ LA57 when `la57`), CR3 = 0, CPL 0. These switches add CR4 bits (all default false) or clear
   * WP/NXE.
   */
  la57?: boolean | undefined;
  /** CR4.PGE. */
  pge?: boolean | undefined;
  /** CR4.PCIDE. */
  pcide?: boolean | undefined;
  /** CR4.SMEP. */
  smep?: boolean | undefined;
  /** CR4.SMAP. */
  smap?: boolean | undefined;
  /** CR4.PKE. */
  pke?: boolean | undefined;
  /** CR0.WP (default true). */
  wp?: boolean | undefined;
  /** EFER.NXE (default true). */
  nxe?: boolean | undefined;
}
