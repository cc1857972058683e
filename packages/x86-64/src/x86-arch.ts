/**
 * `X86_64` and `X86_64_LA57`: x86-64 4-level paging (48-bit linear addresses) and 5-level paging (CR4.LA57, 57-bit
 * linear addresses) as {@link PagingArch} instances: geometry and the PTE codec of every level (Intel SDM Vol. 3A
 * §4.5).
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
  largeLeafReservedLo,
  reservedAddressMaskHi,
  X86_A,
  X86_D,
  X86_G,
  X86_HI_ADDR_MASK,
  X86_HI_XD,
  X86_P,
  X86_PROTNONE,
  X86_PS,
  X86_RW,
  X86_US,
} from './pte.js';

/** The names of the built-in x86-64 architectures. */
export type X86ArchName = 'x86-64' | 'x86-64-la57';

/** Options of an {@link X86PagingArch}. */
export interface X86ArchOptions {
  /** 5-level paging (CR4.LA57): 57-bit linear addresses, a PML5 root. Default false (4-level, 48-bit). */
  la57?: boolean | undefined;
  /**
   * MAXPHYADDR (CPUID 0x80000008 EAX[7:0]): physical-address bits, an integer in `[32, 52]`. Default 40, what QEMU's
   * `-cpu max` reports and the conformance vectors assume. Entry bits 51:MAXPHYADDR are reserved.
   */
  maxPhyAddr?: number | undefined;
  /** 1 GiB pages (CPUID 0x80000001 EDX[26]). Default true; without them PS in a PDPTE is reserved. */
  gbPages?: boolean | undefined;
  /**
   * The IA32_EFER.NXE value the codec ({@link X86PagingArch.kind}, `flags`, `encodeLeaf`) assumes. Default true (as
   * Linux runs). With false, XD (bit 63) is a reserved bit and every page is executable.
   */
  nxe?: boolean | undefined;
}

/** Linux's `_PAGE_TABLE`: P | RW | US | A | D (`arch/x86/include/asm/pgtable_types.h`). */
const PAGE_TABLE = X86_P | X86_RW | X86_US | X86_A | X86_D;
/** Arch-neutral flags an inaccessible entry keeps: User, Accessed, Dirty. */
const PROT_NONE_KEEP = PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;

/**
 * An x86-64 paging architecture (IA-32e paging).
 *
 * Levels, in the core's numbering (0 = leaf level): 0 PTE (4 KiB), 1 PDE (2 MiB with PS), 2 PDPTE (1 GiB with PS),
 * 3 PML4E, 4 PML5E (LA57 only). 9 index bits per level, 8-byte entries, 12-bit PCIDs. Rights combine across levels:
 * R/W and U/S of every entry on the path are ANDed and XD is ORed (SDM §4.6.1), so `encodeTable` writes the most
 * permissive table entry (Linux's `_PAGE_TABLE`) and the leaf decides.
 *
 * Virtual addresses as numbers (the same convention as `@pagewright/sv39`): a canonical linear address is passed as
 * its *signed* 64-bit value, so the upper half is negative (`0xffff800000000000` is `-2^47`). With 4-level paging
 * every canonical address is then an exact double. With LA57 the range is `[-2^56, 2^56)`, wider than doubles hold
 * exactly (2^53): numbers name exactly the addresses they can represent, and the CPU's `translateAt(vpn, offset)`
 * takes the signed page number and the offset separately, which is exact for every 57-bit address.
 *
 * The user half ends at Linux's `TASK_SIZE_MAX` = `2^47 − 4096` (4-level) or `2^56 − 4096` (LA57): the last page
 * below the canonical hole is never mapped for user space (`arch/x86/include/asm/page_64_types.h`).
 *
 * @example
 * ```ts
 * import { PteFlag } from '@pagewright/core';
 * import { createX86Arch, X86_64, X86_64_LA57 } from '@pagewright/x86-64';
 *
 * const pte = { lo: 0, hi: 0 };
 * X86_64.encodeLeaf(0x100, PteFlag.Read | PteFlag.Write | PteFlag.User, 0, pte); // a 4 KiB PTE for frame 0x100
 * console.log(pte.lo.toString(16), X86_64.levels, X86_64_LA57.levels); // 100007 4 5
 * console.log(X86_64.indexAt(0x400, 1)); // 2: the page-directory index of VA 0x400000
 * console.log(createX86Arch({ la57: true }).levels); // 5
 * ```
 */
export class X86PagingArch implements PagingArch {
  readonly name: X86ArchName;
  readonly levels: number;
  readonly bitsPerLevel = 9;
  readonly entriesPerTable = 512;
  readonly pteSize = 8;
  readonly vaBits: number;
  readonly ppnBits: number;
  readonly asidBits = 12;
  readonly maxLeafLevel: number;
  readonly rightsCombineAcrossLevels = true;
  readonly userStart = 0;
  readonly userEnd: number;
  /** True for 5-level paging. */
  readonly la57: boolean;
  /** MAXPHYADDR. */
  readonly maxPhyAddr: number;
  /** 1 GiB pages supported. */
  readonly gbPages: boolean;
  /** The EFER.NXE the codec assumes. */
  readonly nxe: boolean;
  /** Lowest canonical address as a signed number: `-2^(vaBits-1)`. */
  readonly vaMin: number;
  /** One past the highest canonical address as a signed number: `2^(vaBits-1)`. */
  readonly vaMax: number;
  /** `2^(vaBits-12)`: pages in the linear-address space (added to a negative page number to get its tag). */
  readonly pageSpan: number;
  /** In `hi`: the reserved address bits 51:MAXPHYADDR. */
  readonly reservedHi: number;

  /** @throws RangeError on a MAXPHYADDR outside `[32, 52]` */
  constructor(options: X86ArchOptions = {}) {
    const maxPhyAddr = options.maxPhyAddr ?? 40;
    if (!(Number.isInteger(maxPhyAddr) && maxPhyAddr >= 32 && maxPhyAddr <= 52)) {
      throw new RangeError(`MAXPHYADDR must be an integer in [32, 52], got ${maxPhyAddr}`);
    }
    this.la57 = options.la57 === true;
    this.maxPhyAddr = maxPhyAddr;
    this.gbPages = options.gbPages !== false;
    this.nxe = options.nxe !== false;
    this.levels = this.la57 ? 5 : 4;
    this.vaBits = this.la57 ? 57 : 48;
    this.name = this.la57 ? 'x86-64-la57' : 'x86-64';
    this.ppnBits = maxPhyAddr - 12;
    this.maxLeafLevel = this.gbPages ? 2 : 1;
    this.userEnd = 2 ** (this.vaBits - 1) - 4096;
    this.vaMin = -(2 ** (this.vaBits - 1));
    this.vaMax = 2 ** (this.vaBits - 1);
    this.pageSpan = 2 ** (this.vaBits - 12);
    this.reservedHi = reservedAddressMaskHi(maxPhyAddr);
  }

  /** The options this instance was built with. */
  get options(): Required<{ [K in keyof X86ArchOptions]: NonNullable<X86ArchOptions[K]> }> {
    return { la57: this.la57, maxPhyAddr: this.maxPhyAddr, gbPages: this.gbPages, nxe: this.nxe };
  }

  pageSizeAt(level: number): number {
    return 4096 * 512 ** level;
  }

  /** The 9-bit table index of page `vpn` (signed or unsigned form: the low bits are the same) at `level`. */
  indexAt(vpn: number, level: number): number {
    return Math.floor(vpn / 512 ** level) & 0x1ff;
  }

  /** True when bits 63:vaBits-1 of the u64 `va` all equal bit vaBits-1 (SDM §3.3.7.1, §4.5). */
  isCanonical(va: bigint): boolean {
    const v = BigInt.asIntN(64, va);
    return v >= BigInt(this.vaMin) && v < BigInt(this.vaMax);
  }

  /** True when the number `va` (signed form) is a canonical address: an integer in `[vaMin, vaMax)`. */
  isCanonicalNumber(va: number): boolean {
    return va >= this.vaMin && va < this.vaMax && Number.isInteger(va);
  }

  /**
   * The signed-number form of a u64 address, or `NaN` when it is not canonical (cold path, BigInt once). With LA57
   * an address beyond ±2^53 is rounded to the nearest double: use {@link X86PagingArch.toSignedVpn} for those.
   */
  toSignedVa(va: bigint): number {
    return this.isCanonical(va) ? Number(BigInt.asIntN(64, va)) : Number.NaN;
  }

  /** The signed page number (`va >> 12`, arithmetic) of a u64 address, exact for every canonical one; `NaN` otherwise. */
  toSignedVpn(va: bigint): number {
    return this.isCanonical(va) ? Number(BigInt.asIntN(64, va) >> 12n) : Number.NaN;
  }

  /** The u64 bigint of a signed-number address (cold path). */
  toU64(va: number): bigint {
    return BigInt.asUintN(64, BigInt(va));
  }

  /**
   * Classifies an entry found at `level`, with this instance's MAXPHYADDR, 1 GiB-page support and NXE:
   * P = 0 is Invalid; reserved bits (51:MAXPHYADDR, XD without NXE, PS in a PML4E/PML5E, PS in a PDPTE without
   * 1 GiB pages, a large leaf's bits between PAT and its aligned frame) make it Malformed; a PTE, or a PDE/PDPTE with
   * PS, is a Leaf; anything else a Table.
   */
  kind(lo: number, hi: number, level: number): PteKind {
    if ((lo & X86_P) === 0) return PteKind.Invalid;
    if ((hi & this.reservedHi) !== 0) return PteKind.Malformed;
    if (!this.nxe && (hi & X86_HI_XD) !== 0) return PteKind.Malformed;
    if (level === 0) return PteKind.Leaf;
    if ((lo & X86_PS) === 0) return PteKind.Table;
    if (level >= 3 || (level === 2 && !this.gbPages)) return PteKind.Malformed;
    if ((lo & largeLeafReservedLo(level)) !== 0) return PteKind.Malformed;
    return PteKind.Leaf;
  }

  /**
   * The frame number of an entry found at `level` (default 0): address bits MAXPHYADDR-1:12. In a 2 MiB or 1 GiB leaf
   * (PS set above level 0) bit 12 is PAT, not a frame bit: it is left out (SDM Tables 4-17 and 4-18). A table
   * pointer, a 4 KiB PTE (whose PAT is bit 7) and an inaccessible entry read every address bit.
   */
  ppn(lo: number, hi: number, level = 0): number {
    const low = level > 0 && (lo & X86_PS) !== 0 ? (lo >>> 12) & ~1 : lo >>> 12;
    return low + (hi & X86_HI_ADDR_MASK & ~this.reservedHi) * 0x10_0000;
  }

  /**
   * The arch-neutral flags of a present entry *alone* (not combined with the path): Read always (x86 has no
   * read-disable), Write = R/W, Exec = XD clear (always with NXE off), User = U/S, Global = G, Accessed, Dirty.
   */
  flags(lo: number, hi: number): PteFlags {
    let f = PteFlag.Read;
    if ((lo & X86_RW) !== 0) f |= PteFlag.Write;
    if (!this.nxe || (hi & X86_HI_XD) === 0) f |= PteFlag.Exec;
    if ((lo & X86_US) !== 0) f |= PteFlag.User;
    if ((lo & X86_G) !== 0) f |= PteFlag.Global;
    if ((lo & X86_A) !== 0) f |= PteFlag.Accessed;
    if ((lo & X86_D) !== 0) f |= PteFlag.Dirty;
    return f;
  }

  /**
   * Encodes a leaf at `level`: 0 (a 4 KiB PTE), 1 (a 2 MiB PDE, PS set) or 2 (a 1 GiB PDPTE, PS set; needs 1 GiB
   * pages), mapping frame `ppn` (aligned to the page size): P, R/W from Write, U/S from User, G, A, D, and XD when
   * Exec is absent (with NXE; without it every page is executable). PAT (bit 7 of a PTE, bit 12 of a large leaf),
   * PWT and PCD stay 0 (write-back memory). Read is implied (x86 cannot express a write-only or execute-only page,
   * as Linux x86's `PROT_WRITE` implies read).
   * @throws RangeError for a frame outside `[0, 2^(MAXPHYADDR-12))`, flags with none of Read/Write/Exec, a level with
   *   no leaves (3 and above, 2 without 1 GiB pages) or a frame not aligned to the level's page size
   */
  encodeLeaf(ppn: number, flags: PteFlags, level: number, out: U64Pair): U64Pair {
    this.checkPpn(ppn);
    if ((flags & (PteFlag.Read | PteFlag.Write | PteFlag.Exec)) === 0) {
      throw new RangeError('an x86-64 leaf needs at least one of Read, Write, Exec');
    }
    if (!(level === 0 || level === 1 || (level === 2 && this.gbPages))) {
      throw new RangeError(`no x86-64 leaf at level ${level}`);
    }
    if (level > 0 && ppn % 512 ** level !== 0) {
      throw new RangeError(`frame ${ppn} is not aligned to a level-${level} page`);
    }
    out.lo = ((ppn % 0x10_0000) * 4096 + this.leafBits(flags) + (level > 0 ? X86_PS : 0)) >>> 0;
    out.hi = (Math.floor(ppn / 0x10_0000) | this.xdBit(flags)) >>> 0;
    return out;
  }

  /** Encodes a table pointer as Linux's `_PAGE_TABLE` (P | RW | US | A | D): the leaf decides the rights. */
  encodeTable(ppn: number, out: U64Pair): U64Pair {
    this.checkPpn(ppn);
    out.lo = ((ppn % 0x10_0000) * 4096 + PAGE_TABLE) >>> 0;
    out.hi = Math.floor(ppn / 0x10_0000);
    return out;
  }

  /**
   * Replaces P, R/W, U/S, A, D, G and XD of a present leaf, keeping its frame, PS, PAT, PWT/PCD and protection key.
   */
  withFlags(lo: number, hi: number, flags: PteFlags, out: U64Pair): U64Pair {
    const keepLo = ~(X86_P | X86_RW | X86_US | X86_A | X86_D | X86_G);
    out.lo = ((lo & keepLo) | this.leafBits(flags)) >>> 0;
    out.hi = ((hi & ~X86_HI_XD) | this.xdBit(flags)) >>> 0;
    return out;
  }

  /**
   * The single-entry permission rule on arch-neutral flags (the CPU applies the full SDM §4.6 rules, with CR0.WP,
   * SMEP, SMAP and protection keys, to the rights combined over the path): user mode (`ctx.privilege === 0`) needs
   * User; supervisor mode may touch User pages only with `ctx.sum` (SMAP off or RFLAGS.AC) and never fetch from them
   * (SMEP, as Linux enables it); a store needs Write (CR0.WP = 1, as Linux runs), a fetch needs Exec. `ctx.mxr` is
   * ignored (x86 pages are always readable).
   */
  leafAllows(flags: PteFlags, access: Access, ctx: AccessContext): boolean {
    const user = (flags & PteFlag.User) !== 0;
    if (ctx.privilege === 0) {
      if (!user) return false;
    } else if (user && (access === Access.Fetch || !ctx.sum)) return false;
    if (access === Access.Fetch) return (flags & PteFlag.Exec) !== 0;
    if (access === Access.Store) return (flags & PteFlag.Write) !== 0;
    return true;
  }

  /**
   * An inaccessible (PROT_NONE) entry as Linux x86-64 writes it: P = 0, `_PAGE_PROTNONE` (the G bit position,
   * bit 8) set, the frame kept, and U/S, A, D from `flags` (Read/Write/Exec/Global ignored). The hardware ignores
   * every other bit of a non-present entry (SDM §4.5). Source: `arch/x86/include/asm/pgtable_types.h`
   * (`_PAGE_BIT_PROTNONE = _PAGE_BIT_GLOBAL`), `pgtable.h` (`pte_present()` tests `_PAGE_PRESENT | _PAGE_PROTNONE`).
   * Linux also inverts the frame bits of such entries against L1TF (`pgtable-invert.h`); this model keeps them plain.
   * @throws RangeError for a frame outside `[0, 2^(MAXPHYADDR-12))`
   */
  encodeProtNone(ppn: number, flags: PteFlags, out: U64Pair): U64Pair {
    this.checkPpn(ppn);
    let bits = X86_PROTNONE;
    const keep = flags & PROT_NONE_KEEP;
    if ((keep & PteFlag.User) !== 0) bits |= X86_US;
    if ((keep & PteFlag.Accessed) !== 0) bits |= X86_A;
    if ((keep & PteFlag.Dirty) !== 0) bits |= X86_D;
    out.lo = ((ppn % 0x10_0000) * 4096 + bits) >>> 0;
    out.hi = Math.floor(ppn / 0x10_0000);
    return out;
  }

  /** True for P = 0 with `_PAGE_PROTNONE`: an entry made by {@link X86PagingArch.encodeProtNone}. */
  isProtNone(lo: number, _hi: number): boolean {
    return (lo & (X86_P | X86_PROTNONE)) === X86_PROTNONE;
  }

  private leafBits(flags: PteFlags): number {
    let b = X86_P;
    if ((flags & PteFlag.Write) !== 0) b |= X86_RW;
    if ((flags & PteFlag.User) !== 0) b |= X86_US;
    if ((flags & PteFlag.Global) !== 0) b |= X86_G;
    if ((flags & PteFlag.Accessed) !== 0) b |= X86_A;
    if ((flags & PteFlag.Dirty) !== 0) b |= X86_D;
    return b;
  }

  private xdBit(flags: PteFlags): number {
    return this.nxe && (flags & PteFlag.Exec) === 0 ? X86_HI_XD : 0;
  }

  private checkPpn(ppn: number): void {
    if (!(Number.isInteger(ppn) && ppn >= 0 && ppn < 2 ** this.ppnBits)) {
      throw new RangeError(`frame number must be an integer in [0, 2^${this.ppnBits}), got ${ppn}`);
    }
  }
}

/** Builds an x86-64 paging architecture. */
export function createX86Arch(options: X86ArchOptions = {}): X86PagingArch {
  return new X86PagingArch(options);
}

/** 4-level paging: 48-bit linear addresses, MAXPHYADDR 40, 1 GiB pages, NXE; user half `[0, 2^47 − 4096)`. */
export const X86_64: X86PagingArch = createX86Arch();
/** 5-level paging (LA57): 57-bit linear addresses, MAXPHYADDR 40, 1 GiB pages, NXE; user half `[0, 2^56 − 4096)`. */
export const X86_64_LA57: X86PagingArch = createX86Arch({ la57: true });

/** The built-in architectures by name (`x86-64`, `x86-64-la57`). */
export const X86_ARCHS: Readonly<Record<X86ArchName, X86PagingArch>> = Object.freeze({
  'x86-64': X86_64,
  'x86-64-la57': X86_64_LA57,
});

/** The built-in architecture called `name`, or undefined. */
export function x86ArchByName(name: string): X86PagingArch | undefined {
  return name === 'x86-64' || name === 'x86-64-la57' ? X86_ARCHS[name] : undefined;
}
