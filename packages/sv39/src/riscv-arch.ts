/**
 * `Sv39` and `Sv48`: the RISC-V page-based virtual-memory systems as {@link PagingArch} instances.
 *
 * @module
 */

import {
  Access,
  type AccessContext,
  type PagingArch,
  PteFlag,
  type PteFlags,
  PteKind,
  type U64Pair,
} from '@pagewright/core';
import {
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_HI_N,
  PTE_HI_PBMT_MASK,
  PTE_HI_RESERVED_MASK,
  PTE_R,
  PTE_U,
  PTE_V,
  PTE_W,
  PTE_X,
  ptePpn,
} from './pte.js';

/** Optional extensions of a RISC-V paging architecture. Both are off by default, as in the conformance vectors. */
export interface RiscvArchOptions {
  /** Svnapot: N = 1 encodes a 64 KiB page at level 0 when `ppn[3:0] = 1000`. Off: N = 1 is a page fault. */
  svnapot?: boolean | undefined;
  /** Svpbmt: PBMT 1 (NC) and 2 (IO) are accepted on leaves. Off: any PBMT ≠ 0 is a page fault. */
  svpbmt?: boolean | undefined;
}

/** The `satp.MODE` values (RV64). */
export const SatpMode = {
  Bare: 0,
  Sv39: 8,
  Sv48: 9,
} as const;
/** One of {@link SatpMode}. */
export type SatpMode = (typeof SatpMode)[keyof typeof SatpMode];

const ALL_NEUTRAL = 0x7f;

/**
 * A RISC-V Sv39/Sv48 paging architecture.
 *
 * Invariants: `levels` is 3 (Sv39) or 4 (Sv48); 9 index bits per level; 8-byte PTEs; a 44-bit PPN; 16-bit ASIDs;
 * leaves allowed at every level (4 KiB, 2 MiB, 1 GiB, and 512 GiB for Sv48); only the leaf's rights count.
 *
 * Virtual addresses as numbers: a canonical VA is passed as its *signed* 64-bit value, so the upper half
 * (`0xffffffc000000000` in Sv39) is a negative number (`-2^38`). Every canonical VA is then exact in a double.
 * {@link RiscvPagingArch.toSignedVa} converts a u64 bigint at a system boundary.
 *
 * @example
 * ```ts
 * import { PteFlag } from '@pagewright/core';
 * import { Sv39, Sv48 } from '@pagewright/sv39';
 *
 * const pte = { lo: 0, hi: 0 };
 * Sv39.encodeLeaf(0x80010, PteFlag.Read | PteFlag.Write | PteFlag.User, 0, pte); // a 4 KiB leaf for frame 0x80010
 * console.log(pte.lo.toString(16), Sv39.levels, Sv48.levels); // 20004017 3 4
 * console.log(Sv39.indexAt(0x12345, 0), Sv39.indexAt(0x12345, 1)); // 325 145: VPN[0] and VPN[1]
 * ```
 */
export class RiscvPagingArch implements PagingArch {
  readonly name: string;
  readonly levels: number;
  readonly bitsPerLevel = 9;
  readonly entriesPerTable = 512;
  readonly pteSize = 8;
  readonly vaBits: number;
  readonly ppnBits = 44;
  readonly asidBits = 16;
  readonly maxLeafLevel: number;
  readonly rightsCombineAcrossLevels = false;
  readonly userStart = 0;
  readonly userEnd: number;
  /** The `satp.MODE` value selecting this architecture (8 or 9). */
  readonly satpMode: SatpMode;
  /** Svnapot implemented. */
  readonly svnapot: boolean;
  /** Svpbmt implemented. */
  readonly svpbmt: boolean;
  /** Lowest canonical VA as a signed number: `-2^(vaBits-1)`. */
  readonly vaMin: number;
  /** One past the highest canonical VA as a signed number: `2^(vaBits-1)`. */
  readonly vaMax: number;
  /** `2^vaBits`: added to a negative (upper-half) VA to get its low `vaBits` bits. */
  readonly vaSpan: number;

  /**
   * @param levels - 3 (Sv39) or 4 (Sv48)
   * @param options - extensions (all off by default)
   */
  constructor(levels: 3 | 4, options: RiscvArchOptions = {}) {
    if (levels !== 3 && levels !== 4)
      throw new RangeError(`RISC-V paging levels must be 3 or 4, got ${levels}`);
    this.levels = levels;
    this.vaBits = 12 + 9 * levels;
    this.name = levels === 3 ? 'sv39' : 'sv48';
    this.satpMode = levels === 3 ? SatpMode.Sv39 : SatpMode.Sv48;
    this.maxLeafLevel = levels - 1;
    this.userEnd = 2 ** (this.vaBits - 1);
    this.vaMin = -(2 ** (this.vaBits - 1));
    this.vaMax = 2 ** (this.vaBits - 1);
    this.vaSpan = 2 ** this.vaBits;
    this.svnapot = options.svnapot === true;
    this.svpbmt = options.svpbmt === true;
  }

  /** The options this instance was built with (to build a sibling with the same extensions). */
  get options(): RiscvArchOptions {
    return { svnapot: this.svnapot, svpbmt: this.svpbmt };
  }

  pageSizeAt(level: number): number {
    return 4096 * 512 ** level;
  }

  indexAt(vpn: number, level: number): number {
    return (vpn / 512 ** level) & 0x1ff;
  }

  /** True when bits 63..vaBits-1 of the u64 `va` all equal bit vaBits-1. */
  isCanonical(va: bigint): boolean {
    const v = BigInt.asIntN(64, va);
    return v >= BigInt(this.vaMin) && v < BigInt(this.vaMax);
  }

  /** True when the number `va` (signed view) is a canonical VA: an integer in `[vaMin, vaMax)`. */
  isCanonicalNumber(va: number): boolean {
    return va >= this.vaMin && va < this.vaMax && Number.isInteger(va);
  }

  /**
   * The signed-number form of a u64 VA, or `NaN` when it is not canonical (cold path, BigInt once).
   */
  toSignedVa(va: bigint): number {
    return this.isCanonical(va) ? Number(BigInt.asIntN(64, va)) : Number.NaN;
  }

  /** The u64 bigint of a signed-number VA (cold path). */
  toU64(va: number): bigint {
    return BigInt.asUintN(64, BigInt(va));
  }

  kind(lo: number, hi: number, level: number): PteKind {
    if ((lo & PTE_V) === 0) return PteKind.Invalid;
    if (this.malformedHigh(hi, level, (lo & (PTE_R | PTE_X)) !== 0, lo)) return PteKind.Malformed;
    if ((lo & (PTE_R | PTE_W)) === PTE_W) return PteKind.Malformed;
    if ((lo & (PTE_R | PTE_X)) === 0) {
      // Non-leaf: D, A, U reserved; a pointer at level 0 falls off the last level.
      if ((lo & (PTE_D | PTE_A | PTE_U)) !== 0 || level === 0) return PteKind.Malformed;
      return PteKind.Table;
    }
    if (level > 0 && ptePpn(lo, hi) % 512 ** level !== 0) return PteKind.Malformed;
    return PteKind.Leaf;
  }

  /** Reserved bits, N and PBMT rules for a valid PTE (true = page fault). */
  private malformedHigh(hi: number, level: number, leaf: boolean, lo: number): boolean {
    if ((hi & PTE_HI_RESERVED_MASK) !== 0) return true;
    if ((hi & PTE_HI_N) !== 0) {
      if (!this.svnapot || !leaf || level !== 0 || ((lo >>> 10) & 0xf) !== 8) return true;
    }
    const pbmt = (hi & PTE_HI_PBMT_MASK) >>> 29;
    if (pbmt !== 0 && (!this.svpbmt || pbmt === 3 || !leaf)) return true;
    return false;
  }

  /** The PPN field (bits 53:10), the same at every level (`_level` is not needed on RISC-V). */
  ppn(lo: number, hi: number, _level?: number): number {
    return ptePpn(lo, hi);
  }

  flags(lo: number, _hi: number): PteFlags {
    return (lo >>> 1) & ALL_NEUTRAL;
  }

  /**
   * A leaf PTE: V, the R W X U G A D bits of `flags`, the PPN. The same bits at every level (`_level` is ignored: a
   * superpage is a leaf found above level 0, and {@link RiscvPagingArch.kind} reports a misaligned one Malformed).
   * @throws RangeError for a PPN outside `[0, 2^44)` or flags with none of R, W, X
   */
  encodeLeaf(ppn: number, flags: PteFlags, _level: number, out: U64Pair): U64Pair {
    checkPpn(ppn);
    if ((flags & (PteFlag.Read | PteFlag.Write | PteFlag.Exec)) === 0) {
      throw new RangeError('Sv39 leaf PTE needs at least one of R, W, X');
    }
    out.lo = ((ppn % 0x400000) * 1024 + ((flags & ALL_NEUTRAL) << 1) + PTE_V) >>> 0;
    out.hi = Math.floor(ppn / 0x400000);
    return out;
  }

  encodeTable(ppn: number, out: U64Pair): U64Pair {
    checkPpn(ppn);
    out.lo = ((ppn % 0x400000) * 1024 + PTE_V) >>> 0;
    out.hi = Math.floor(ppn / 0x400000);
    return out;
  }

  withFlags(lo: number, hi: number, flags: PteFlags, out: U64Pair): U64Pair {
    out.lo = ((lo & ~0xff) | ((flags & ALL_NEUTRAL) << 1) | PTE_V) >>> 0;
    out.hi = hi >>> 0;
    return out;
  }

  leafAllows(flags: PteFlags, access: Access, ctx: AccessContext): boolean {
    return leafAllowsNeutral(flags, access, ctx.privilege, ctx.sum, ctx.mxr);
  }

  /**
   * An inaccessible (PROT_NONE) entry as Linux RISC-V writes it: V = 0 (every access faults, {@link kind} says
   * Invalid), `_PAGE_PROT_NONE` = G (bit 5) set as the software marker, the PPN kept, and U/A/D from `flags`
   * (R/W/X/G of `flags` ignored). Source: `arch/riscv/include/asm/pgtable-bits.h` (`_PAGE_PROT_NONE`),
   * `pgtable.h` (`pte_present()` = `_PAGE_PRESENT | _PAGE_PROT_NONE`). While V = 0 the hardware ignores every
   * other bit (privileged spec §4.3.2 step 3).
   * @throws RangeError for a PPN outside `[0, 2^44)`
   */
  encodeProtNone(ppn: number, flags: PteFlags, out: U64Pair): U64Pair {
    checkPpn(ppn);
    const keep = ((flags & PROT_NONE_KEEP) << 1) | PTE_G;
    out.lo = ((ppn % 0x400000) * 1024 + keep) >>> 0;
    out.hi = Math.floor(ppn / 0x400000);
    return out;
  }

  /** True for V = 0 with the `_PAGE_PROT_NONE` (G) marker: an entry made by {@link encodeProtNone}. */
  isProtNone(lo: number, _hi: number): boolean {
    return (lo & (PTE_V | PTE_G)) === PTE_G;
  }
}

/** Arch-neutral flags an inaccessible entry keeps: User, Accessed, Dirty. */
const PROT_NONE_KEEP = PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;

function checkPpn(ppn: number): void {
  if (!(Number.isInteger(ppn) && ppn >= 0 && ppn < 2 ** 44)) {
    throw new RangeError(`PPN must be an integer in [0, 2^44), got ${ppn}`);
  }
}

/**
 * The leaf permission rules of the privileged spec (§4.3.1, "Memory Privilege in mstatus"), on arch-neutral flags:
 * U-mode needs U = 1; S-mode may load/store U pages only with SUM and may never fetch from them; M-mode is
 * untranslated (answers as S-mode here); fetch needs X, store needs W, load needs R (or X with MXR).
 */
export function leafAllowsNeutral(
  flags: number,
  access: number,
  privilege: number,
  sum: boolean,
  mxr: boolean,
): boolean {
  const user = (flags & PteFlag.User) !== 0;
  if (privilege === 0) {
    if (!user) return false;
  } else if (user) {
    // "Irrespective of SUM, the supervisor may not execute code on pages with U=1."
    if (access === Access.Fetch || !sum) return false;
  }
  if (access === Access.Fetch) return (flags & PteFlag.Exec) !== 0;
  if (access === Access.Store) return (flags & PteFlag.Write) !== 0;
  return (flags & PteFlag.Read) !== 0 || (mxr && (flags & PteFlag.Exec) !== 0);
}

/** Builds an Sv39 architecture with the given extensions. */
export function createSv39(options: RiscvArchOptions = {}): RiscvPagingArch {
  return new RiscvPagingArch(3, options);
}

/** Builds an Sv48 architecture with the given extensions. */
export function createSv48(options: RiscvArchOptions = {}): RiscvPagingArch {
  return new RiscvPagingArch(4, options);
}

/** Sv39 without Svnapot/Svpbmt: 3 levels, 39-bit VAs, user half `[0, 2^38)`. */
export const Sv39: RiscvPagingArch = createSv39();
/** Sv48 without Svnapot/Svpbmt: 4 levels, 48-bit VAs, user half `[0, 2^47)`. */
export const Sv48: RiscvPagingArch = createSv48();
