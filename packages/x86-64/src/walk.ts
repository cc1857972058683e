/**
 * The x86-64 page walk (Intel SDM Vol. 3A §4.5 "4-Level Paging and 5-Level Paging", §4.6 "Access Rights", §4.7
 * "Page-Fault Exceptions", §4.8 "Accessed and Dirty Flags"), reading entries from a {@link PhysicalMemory}.
 *
 * @module
 */

import {
  HOST_LITTLE_ENDIAN,
  NO_PHYS_ADDR,
  type PhysicalMemory,
  type TranslationResult,
  type U64Pair,
} from '@pagewright/core';
import { PfError, X86Vector } from './fault.js';
import {
  largeLeafReservedLo,
  X86_A,
  X86_D,
  X86_G,
  X86_HI_ADDR_MASK,
  X86_HI_XD,
  X86_P,
  X86_PS,
  X86_RW,
  X86_US,
} from './pte.js';
import type { X86PagingArch } from './x86-arch.js';

/**
 * The processor state a walk depends on, packed in one integer (`ctl`) so the walk reads no object fields.
 * The CPU recomputes it whenever a register, the CPL or RFLAGS.AC changes.
 */
export const X86Ctl = {
  /** A user-mode access (CPL 3, not an implicit supervisor access). */
  User: 0x01,
  /** CR0.WP. */
  Wp: 0x02,
  /** IA32_EFER.NXE. */
  Nxe: 0x04,
  /** CR4.SMEP. */
  Smep: 0x08,
  /** SMAP blocks supervisor data accesses to user pages: CR4.SMAP and (RFLAGS.AC = 0 or an implicit access). */
  SmapBlock: 0x10,
  /** CR4.PKE. */
  Pke: 0x20,
  /** CR4.PGE (a leaf with G = 1 gives a global translation). */
  Pge: 0x40,
} as const;

/**
 * Where the walk departs from what the SDM says, to reproduce QEMU 7.2 (whose answers the conformance vectors hold).
 * Each is a separate switch; {@link SDM_WALK_OPTIONS} and {@link QEMU_WALK_OPTIONS} are the two presets.
 */
export interface X86WalkOptions {
  /**
   * The P bit of the error code of a reserved-bit #PF. SDM §4.7: P = 1 (every entry was present; the fault is not a
   * "not-present" one). QEMU 7.2 reports P = 0.
   */
  readonly reservedFaultPresent: boolean;
  /**
   * When the walker sets A in the *table* entries it walks through: `false` (the SDM reading this model takes: all
   * A/D updates of a translation happen together once it has passed every check, so a faulting access writes
   * nothing), `true` (QEMU 7.2: each table entry as it is read, even if the walk then faults).
   */
  readonly tableAccessedDuringWalk: boolean;
  /**
   * QEMU 7.2 sets A in a 1 GiB leaf before its alignment and permission checks, so it keeps A = 1 when the access
   * then faults. The SDM sets A only in the entries of a translation it uses. Default false.
   */
  readonly hugeLeafAccessedEarly: boolean;
}

/** The SDM's answers (the CPU's default). */
export const SDM_WALK_OPTIONS: X86WalkOptions = Object.freeze({
  reservedFaultPresent: true,
  tableAccessedDuringWalk: false,
  hugeLeafAccessedEarly: false,
});
/** QEMU 7.2's answers (the vector runner's default). */
export const QEMU_WALK_OPTIONS: X86WalkOptions = Object.freeze({
  reservedFaultPresent: false,
  tableAccessedDuringWalk: true,
  hugeLeafAccessedEarly: true,
});

/**
 * The preallocated record {@link walkX86} writes. Every scalar field is rewritten by every walk.
 */
export interface X86WalkResult {
  /** Physical address (≥ 0) on success, -1 on a fault. */
  pa: number;
  /** 0 on success, else the vector (14; 13 for a non-canonical address). */
  vector: number;
  /** The #PF error code ({@link PfError} bits); 0 on success and for #GP. */
  errorCode: number;
  /** Level of the leaf (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB), or where the walk stopped on a fault. */
  level: number;
  /** Entries read. */
  levelsWalked: number;
  /** Physical address of the last entry read, -1 if none. */
  pteAddr: number;
  /** Bits 31:0 of the last entry read (the leaf after any A/D update on success). */
  lo: number;
  /** Bits 63:32 of the last entry read. */
  hi: number;
  /**
   * Arch-neutral flags of the *translation* (what a TLB entry caches): Read; Write = R/W of every level; User =
   * U/S of every level; Exec = no XD on the path (with NXE); Accessed and Dirty of the leaf after the update;
   * Global when the leaf has G and CR4.PGE = 1. 0 on a fault.
   */
  flags: number;
  /** First frame of the mapped page (aligned to its size). */
  pfn: number;
  /** The leaf's protection key (bits 62:59). */
  pkey: number;
  /** A global translation (leaf G = 1 with CR4.PGE). */
  global: boolean;
  /** True when this walk wrote A and/or D to any entry. */
  adUpdated: boolean;
  /** Physical address of the entry read at each level (index = level), for the A updates. */
  readonly entryAddr: Float64Array;
}

/** A fresh {@link X86WalkResult}. */
export function createX86WalkResult(): X86WalkResult {
  return {
    pa: NO_PHYS_ADDR,
    vector: 0,
    errorCode: 0,
    level: -1,
    levelsWalked: 0,
    pteAddr: NO_PHYS_ADDR,
    lo: 0,
    hi: 0,
    flags: 0,
    pfn: 0,
    pkey: 0,
    global: false,
    adUpdated: false,
    entryAddr: new Float64Array(5),
  };
}

/** 512^i: 4 KiB frames per page at level i. */
const SPAN = [1, 512, 512 ** 2, 512 ** 3, 512 ** 4];
/** Scratch word for the atomic read-modify-writes (allocated once). */
const scratch: U64Pair = { lo: 0, hi: 0 };

/** A memory that lends its frames' words (`PhysicalMemory.frameWords`). */
type WordMemory = PhysicalMemory & { frameWords(pfn: number): Int32Array | null };

function pageFault(out: X86WalkResult, errorCode: number): number {
  out.vector = X86Vector.PageFault;
  out.errorCode = errorCode;
  out.pa = NO_PHYS_ADDR;
  out.flags = 0;
  return -X86Vector.PageFault;
}

/**
 * Sets `bits` in the entry at `addr` with one locked read-modify-write (SDM §4.8: "the processor sets the accessed
 * and dirty flags ... atomically"; this model is single-threaded, so the re-read sees what the walk read unless
 * someone wrote the table in between, and the OR keeps their bits). Writes to an address that is not memory are
 * dropped. Returns true when the entry changed.
 */
function lockedOr(memory: PhysicalMemory, addr: number, bits: number): boolean {
  if (!memory.read64(addr, scratch)) return false;
  const lo = (scratch.lo | bits) >>> 0;
  if (lo === scratch.lo >>> 0) return false;
  return memory.write64(addr, lo, scratch.hi);
}

/**
 * Translates the linear address `vpn · 4096 + offset` for `access` by walking the tables rooted at frame
 * `rootPfn`.
 *
 * - `vpn` is the *unsigned* page number: the address's bits vaBits-1:12, an integer in `[0, arch.pageSpan)` (the
 *   caller has already done the canonical check, which raises #GP, not #PF); `offset` is in `[0, 4096)`.
 * - `access` is 0 (load), 1 (store) or 2 (fetch); `ctl` is the {@link X86Ctl} state; `pkru` the PKRU register.
 * - Returns the physical address, or `-14` with `out.errorCode` set. The checks, in the SDM's order, at each level
 *   from the root: P = 0 (error P = 0); reserved bits — 51:MAXPHYADDR, XD without NXE, PS in a PML5E/PML4E, PS in
 *   a PDPTE without 1 GiB pages (RSVD); R/W and U/S are ANDed and XD ORed into the path's rights; at the leaf, a
 *   2 MiB/1 GiB frame not aligned to its size (RSVD), then the access rights of §4.6 with CR0.WP, SMEP, SMAP and
 *   protection keys (P = 1, PK for a key violation, checked before the R/W rule as the vectors show).
 * - A/D (SDM §4.8): on success, A in every entry used and D in the leaf for a store, each with a locked OR; a
 *   faulting access writes nothing, except as {@link X86WalkOptions} selects for QEMU's behaviour.
 * - An entry address that is not memory reads as all ones (an x86 read of unclaimed physical memory returns
 *   0xff bytes), which is a reserved-bit #PF.
 * - Never allocates or throws, and uses no BigInt.
 */
export function walkX86(
  arch: X86PagingArch,
  memory: PhysicalMemory,
  rootPfn: number,
  vpn: number,
  offset: number,
  access: number,
  ctl: number,
  pkru: number,
  options: X86WalkOptions,
  out: X86WalkResult,
): TranslationResult {
  out.levelsWalked = 0;
  out.pteAddr = NO_PHYS_ADDR;
  out.lo = 0;
  out.hi = 0;
  out.pfn = 0;
  out.pkey = 0;
  out.global = false;
  out.adUpdated = false;
  const store = access === 1;
  const fetch = access === 2;
  const user = (ctl & X86Ctl.User) !== 0;
  const nxe = (ctl & X86Ctl.Nxe) !== 0;
  // The error code's W, U and I bits describe the access (SDM §4.7).
  let code = (store ? PfError.W : 0) | (user ? PfError.U : 0);
  if (fetch && (nxe || (ctl & X86Ctl.Smep) !== 0)) code |= PfError.I;
  const rsvdCode = code | PfError.RSVD | (options.reservedFaultPresent ? PfError.P : 0);
  const rsvdHi = arch.reservedHi | (nxe ? 0 : X86_HI_XD);
  const tableA = options.tableAccessedDuringWalk;
  // A memory that lends its frames' words is read directly: one call and two loads per level.
  const direct = HOST_LITTLE_ENDIAN && memory.frameWords !== undefined;
  let table = rootPfn;
  let rw = X86_RW;
  let us = X86_US;
  let xd = 0;
  /** Levels whose table entry had A = 0 (set once the translation succeeds, SDM semantics). */
  let missingA = 0;
  for (let l = arch.levels - 1; l >= 0; l--) {
    const span = SPAN[l] as number;
    // vpn[l] for l ≤ 2 is bits 26:0 of the page number, which `>>>` keeps exactly; higher levels divide.
    const index = l <= 2 ? (vpn >>> (9 * l)) & 0x1ff : Math.floor(vpn / span) & 0x1ff;
    const pteAddr = table * 4096 + index * 8;
    out.level = l;
    out.pteAddr = pteAddr;
    out.entryAddr[l] = pteAddr;
    out.levelsWalked++;
    const words = direct ? (memory as WordMemory).frameWords(table) : null;
    if (words !== null) {
      out.lo = (words[index * 2] as number) >>> 0;
      out.hi = (words[index * 2 + 1] as number) >>> 0;
    } else if (direct || !memory.read64(pteAddr, out)) {
      // An entry address that is not memory reads as all ones (a reserved-bit fault).
      out.lo = 0xffff_ffff;
      out.hi = 0xffff_ffff;
    }
    let lo = out.lo;
    const hi = out.hi;
    // Not present.
    if ((lo & X86_P) === 0) return pageFault(out, code);
    // Reserved bits of every entry; PS at the root levels; PS in a PDPTE without 1 GiB pages.
    if ((hi & rsvdHi) !== 0) return pageFault(out, rsvdCode);
    const ps = l > 0 && (lo & X86_PS) !== 0;
    if (ps && (l >= 3 || (l === 2 && !arch.gbPages))) return pageFault(out, rsvdCode);
    // The rights of the path (SDM §4.6.1: every paging-structure entry used controls access).
    rw &= lo;
    us &= lo;
    if (nxe) xd |= hi & X86_HI_XD;
    if (!ps && l > 0) {
      if ((lo & X86_A) === 0) {
        if (!tableA) missingA |= 1 << l;
        else if (lockedOr(memory, pteAddr, X86_A)) out.adUpdated = true;
      }
      table = (lo >>> 12) + (hi & X86_HI_ADDR_MASK) * 0x10_0000;
      continue;
    }
    // The leaf.
    if (ps && l === 2 && options.hugeLeafAccessedEarly && (lo & X86_A) === 0) {
      if (lockedOr(memory, pteAddr, X86_A)) out.adUpdated = true;
      lo = (lo | X86_A) >>> 0;
      out.lo = lo;
    }
    if (ps && (lo & largeLeafReservedLo(l)) !== 0) return pageFault(out, rsvdCode);
    const pkey = (hi >>> 27) & 0xf;
    out.pkey = pkey;
    // Access rights (SDM §4.6.1 and §4.6.2).
    if (user && us === 0) return pageFault(out, code | PfError.P);
    if ((ctl & X86Ctl.Pke) !== 0 && us !== 0 && !fetch) {
      const keyBits = pkru >>> (2 * pkey);
      if ((keyBits & 1) !== 0 || (store && (keyBits & 2) !== 0 && (user || (ctl & X86Ctl.Wp) !== 0))) {
        return pageFault(out, code | PfError.P | PfError.PK);
      }
    }
    if (user) {
      if ((store && rw === 0) || (fetch && xd !== 0)) return pageFault(out, code | PfError.P);
    } else if (fetch) {
      if (xd !== 0 || ((ctl & X86Ctl.Smep) !== 0 && us !== 0)) return pageFault(out, code | PfError.P);
    } else {
      const smapBlocked = (ctl & X86Ctl.SmapBlock) !== 0 && us !== 0;
      if (smapBlocked || (store && rw === 0 && (ctl & X86Ctl.Wp) !== 0))
        return pageFault(out, code | PfError.P);
    }
    // A in every entry used, D in the leaf for a store (SDM §4.8).
    if (missingA !== 0) {
      for (let k = arch.levels - 1; k > l; k--) {
        if ((missingA & (1 << k)) !== 0 && lockedOr(memory, out.entryAddr[k] as number, X86_A))
          out.adUpdated = true;
      }
    }
    const need = store ? X86_A | X86_D : X86_A;
    if ((lo & need) !== need) {
      if (lockedOr(memory, pteAddr, need)) out.adUpdated = true;
      lo = (lo | need) >>> 0;
      out.lo = lo;
    }
    const frame = (lo >>> 12) + (hi & X86_HI_ADDR_MASK) * 0x10_0000;
    // A 4 KiB leaf is the frame itself; a large one its aligned first frame plus the page number's low bits.
    const first = l === 0 ? frame : Math.floor(frame / span) * span;
    const pa = (l === 0 ? frame : first + (vpn - Math.floor(vpn / span) * span)) * 4096 + offset;
    const global = (lo & X86_G) !== 0 && (ctl & X86Ctl.Pge) !== 0;
    let flags = 0x1; // Read
    if (rw !== 0) flags |= 0x2;
    if (xd === 0) flags |= 0x4;
    if (us !== 0) flags |= 0x8;
    if (global) flags |= 0x10;
    if ((lo & X86_A) !== 0) flags |= 0x20;
    if ((lo & X86_D) !== 0) flags |= 0x40;
    out.flags = flags;
    out.pfn = first;
    out.global = global;
    out.vector = 0;
    out.errorCode = 0;
    out.pa = pa;
    return pa;
  }
  return pageFault(out, code); // not reached: level 0 always holds a leaf
}

// The level-by-level trace of a walk (cold; re-walks without side effects).
export {
  describePfError,
  walkX86Trace,
  type X86WalkTrace,
  type X86WalkTraceLevel,
} from './walk-trace.js';
