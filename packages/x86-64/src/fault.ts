/**
 * x86 exception vectors and the page-fault error code (Intel SDM Vol. 3A §4.7, Figure 4-12), and the record a CPU
 * fills on a fault.
 *
 * @module
 */

/** Exception vectors a translation can raise. */
export const X86Vector = {
  /** #GP: general protection (a non-canonical linear address; an invalid control-register write). */
  GeneralProtection: 13,
  /** #PF: page fault. */
  PageFault: 14,
  /** #MC, used by this model for an access whose physical address is not memory (see the README). */
  MachineCheck: 18,
} as const;
/** One of {@link X86Vector}. */
export type X86Vector = (typeof X86Vector)[keyof typeof X86Vector];

/** The bits of the #PF error code. */
export const PfError = {
  /** 0: no translation (a non-present entry); 1: a protection violation (or, on the SDM, a reserved bit). */
  P: 0x01,
  /** The access was a write. */
  W: 0x02,
  /** The access was a user-mode access (CPL 3; implicit supervisor accesses have U = 0). */
  U: 0x04,
  /** A reserved bit was set in an entry used for the translation. */
  RSVD: 0x08,
  /** An instruction fetch (reported only when EFER.NXE = 1 or CR4.SMEP = 1). */
  I: 0x10,
  /** A protection-key violation. */
  PK: 0x20,
} as const;

/** Where a CPU describes its last fault (preallocated, rewritten on every fault). */
export interface X86Fault {
  /** The vector: 14 (#PF), 13 (#GP) or 18 (#MC, physical address not memory); 0 after an invalid argument. */
  vector: number;
  /** The error code: {@link PfError} bits for #PF, 0 for #GP and #MC. */
  errorCode: number;
  /** CR2 as a number (the faulting address, signed form); only a #PF writes it, as on the hardware. */
  cr2: number;
  /** CR2's signed page number (exact for every 57-bit address, unlike {@link X86Fault.cr2}). */
  cr2Vpn: number;
  /** CR2's offset in its page. */
  cr2Offset: number;
}

/** A fresh {@link X86Fault}. */
export function createX86Fault(): X86Fault {
  return { vector: 0, errorCode: 0, cr2: 0, cr2Vpn: 0, cr2Offset: 0 };
}
