/**
 * The hardware vocabulary shared by the MMU, the mapper and the process layer: access types, privilege levels,
 * RISC-V exception causes and arch-neutral PTE flags.
 *
 * These are plain numeric constants (`as const` objects, not TS enums) so hot paths compare small integers.
 *
 * @module
 */

/** The kind of a memory access. */
export const Access = {
  /** A data read (`ld`). */
  Load: 0,
  /** A data write or AMO (`sd`). */
  Store: 1,
  /** An instruction fetch. */
  Fetch: 2,
} as const;
/** One of {@link Access}. */
export type Access = (typeof Access)[keyof typeof Access];

/** RISC-V privilege levels (the encoding of `mstatus.MPP`). */
export const Privilege = {
  User: 0,
  Supervisor: 1,
  Machine: 3,
} as const;
/** One of {@link Privilege}. */
export type Privilege = (typeof Privilege)[keyof typeof Privilege];

/** The RISC-V exception causes (`mcause`/`scause`) a translation can raise (privileged spec, Table 3.6). */
export const FaultCause = {
  InstructionAccessFault: 1,
  LoadAccessFault: 5,
  StoreAccessFault: 7,
  InstructionPageFault: 12,
  LoadPageFault: 13,
  StorePageFault: 15,
} as const;
/** One of {@link FaultCause}. */
export type FaultCause = (typeof FaultCause)[keyof typeof FaultCause];

const PAGE_FAULT_BY_ACCESS = [
  FaultCause.LoadPageFault,
  FaultCause.StorePageFault,
  FaultCause.InstructionPageFault,
];
const ACCESS_FAULT_BY_ACCESS = [
  FaultCause.LoadAccessFault,
  FaultCause.StoreAccessFault,
  FaultCause.InstructionAccessFault,
];

/** The page-fault cause for an access type (12 fetch, 13 load, 15 store/AMO). */
export function pageFaultCause(access: Access): FaultCause {
  return PAGE_FAULT_BY_ACCESS[access] as FaultCause;
}

/** The access-fault cause for an access type (1 fetch, 5 load, 7 store/AMO). */
export function accessFaultCause(access: Access): FaultCause {
  return ACCESS_FAULT_BY_ACCESS[access] as FaultCause;
}

/** True when `cause` is a page fault (12, 13 or 15) rather than an access fault. */
export function isPageFault(cause: number): boolean {
  return cause === 12 || cause === 13 || cause === 15;
}

/**
 * Arch-neutral PTE permission and status bits. A {@link PagingArch} translates them to and from its own encoding
 * (RISC-V's V R W X U G A D, or x86-64's P RW US A D G NX).
 */
export const PteFlag = {
  Read: 0x1,
  Write: 0x2,
  Exec: 0x4,
  User: 0x8,
  Global: 0x10,
  Accessed: 0x20,
  Dirty: 0x40,
} as const;
/** A combination of {@link PteFlag} bits. */
export type PteFlags = number;

/** Read + write + execute. */
export const PTE_RWX = PteFlag.Read | PteFlag.Write | PteFlag.Exec;

/** `r`, `w`, `x`, `u`, `g`, `a`, `d` letters of a flag set, `-` for absent ones (`"rw-u-ad"`). */
export function pteFlagsToString(flags: PteFlags): string {
  const letters = 'rwxugad';
  let s = '';
  for (let i = 0; i < 7; i++) s += flags & (1 << i) ? letters[i] : '-';
  return s;
}

/** A 64-bit word as two unsigned 32-bit halves; used as a preallocated scratch record on hot paths. */
export interface U64Pair {
  /** Bits 31:0. */
  lo: number;
  /** Bits 63:32. */
  hi: number;
}

/** Combines a {@link U64Pair} into a bigint (cold paths only). */
export function u64PairToBigInt(p: U64Pair): bigint {
  return (BigInt(p.hi >>> 0) << 32n) | BigInt(p.lo >>> 0);
}

/** Splits a bigint into a {@link U64Pair} (cold paths only). */
export function bigIntToU64Pair(x: bigint, out: U64Pair): U64Pair {
  const v = BigInt.asUintN(64, x);
  out.lo = Number(v & 0xffffffffn);
  out.hi = Number(v >> 32n);
  return out;
}
