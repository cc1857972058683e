/**
 * The Sv39/Sv48 page walk: the privileged specification's "Virtual Address Translation Process" (§4.3.2, Sv48 in
 * §4.5), step by step, reading PTEs from a {@link PhysicalMemory}.
 *
 * @module
 */

import type { AccessContext, PhysicalMemory } from '@pagewright/core';
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
import { leafAllowsNeutral, type RiscvPagingArch } from './riscv-arch.js';

/**
 * How accessed/dirty bits are maintained.
 * - `'hardware'`: the walker sets A (and D on a store) in the leaf with one atomic read-modify-write, only on an
 *   access that passed every permission check (the conformance vectors' semantics, QEMU's default).
 * - `'svade'`: Svade; A = 0, or a store with D = 0, is a page fault and nothing is written.
 */
export type AdPolicy = 'hardware' | 'svade';

/**
 * What a PTE read (or an A/D write-back) outside physical memory raises.
 * - `'access'`: an access fault (1/5/7), as the privileged spec says (step 2: "If accessing pte violates a PMA or
 *   PMP check, raise an access-fault exception").
 * - `'page'`: a page fault (12/13/15), as QEMU 7.2 does (a bus error while reading a PTE fails the translation,
 *   and `raise_mmu_exception` reports every non-PMP failure as a page fault). The conformance vectors expect this.
 */
export type PteReadFault = 'page' | 'access';

/** Options of {@link walk}. */
export interface WalkOptions {
  /** A/D policy. */
  readonly adPolicy: AdPolicy;
  /** Fault raised when a PTE address is not memory. */
  readonly pteReadFault: PteReadFault;
}

/** The specification's answers: hardware A/D, access fault on a PTE outside memory. */
export const SPEC_WALK_OPTIONS: WalkOptions = Object.freeze({ adPolicy: 'hardware', pteReadFault: 'access' });
/** QEMU 7.2's answers (the conformance vectors'): hardware A/D, page fault on a PTE outside memory. */
export const QEMU_WALK_OPTIONS: WalkOptions = Object.freeze({ adPolicy: 'hardware', pteReadFault: 'page' });

/**
 * The preallocated record {@link walk} writes its result into. Every field is rewritten by every walk.
 * On a fault, `cause` is the RISC-V cause and the leaf fields describe the last PTE read (if any).
 */
export interface WalkResult {
  /** Physical address (≥ 0) on success, -1 on a fault. */
  pa: number;
  /** Fault cause (1, 5, 7, 12, 13, 15), or 0 on success. */
  cause: number;
  /** Level of the leaf (0 = 4 KiB page), or the level where the walk stopped on a fault. */
  level: number;
  /** Number of PTEs read (1..levels); 0 when the VA was rejected before any read. */
  levelsWalked: number;
  /** Physical address of the last PTE read (the leaf on success), -1 if none. */
  pteAddr: number;
  /** Bits 31:0 of the last PTE read (the leaf after any A/D update on success). */
  lo: number;
  /** Bits 63:32 of the last PTE read. */
  hi: number;
  /** Arch-neutral flags (R W X U G A D) of the leaf after any A/D update; 0 on a fault. */
  flags: number;
  /** PPN field of the leaf PTE (not adjusted for superpages or NAPOT). */
  ppn: number;
  /** True when the leaf or any table entry on the path has G = 1 (a global mapping). */
  global: boolean;
  /** True when this walk wrote A and/or D back to the leaf. */
  adUpdated: boolean;
}

/** A fresh {@link WalkResult}. */
export function createWalkResult(): WalkResult {
  return {
    pa: -1,
    cause: 0,
    level: -1,
    levelsWalked: 0,
    pteAddr: -1,
    lo: 0,
    hi: 0,
    flags: 0,
    ppn: 0,
    global: false,
    adUpdated: false,
  };
}

/** 2^(12 + 9i): the size of a level-i page in bytes. */
const PAGE_BYTES = [2 ** 12, 2 ** 21, 2 ** 30, 2 ** 39];
/** 512^i: the number of 4 KiB frames in a level-i page. */
const PAGE_FRAMES = [1, 512, 512 ** 2, 512 ** 3];
/** Page-fault cause by access type (load, store, fetch). */
const PAGE_FAULT = [13, 15, 12];
/** Access-fault cause by access type (load, store, fetch). */
const ACCESS_FAULT = [5, 7, 1];

function fail(out: WalkResult, cause: number): number {
  out.cause = cause;
  out.pa = -1;
  out.flags = 0;
  return -cause;
}

/**
 * Translates `va` for `access` by walking the page tables rooted at frame `rootPpn`.
 *
 * - `va` is a signed-number VA (see {@link RiscvPagingArch}): a non-canonical or non-integer value is a page fault.
 * - `access` is 0 (load), 1 (store/AMO) or 2 (fetch); `ctx` gives the privilege, SUM and MXR.
 * - Returns the physical address (≥ 0), or `-cause`; details go to `out`.
 * - Faults: page fault (12/13/15) for a non-canonical VA, V = 0, W without R, reserved bits 60:54, N without
 *   Svnapot (or a bad NAPOT encoding), PBMT without Svpbmt (or PBMT = 3, or on a non-leaf), D/A/U on a non-leaf,
 *   falling off level 0, a misaligned superpage, the U/SUM/MXR/RWX rules, and (Svade) A = 0 or a store with D = 0.
 *   A PTE outside memory gives the fault `options.pteReadFault` selects.
 * - With hardware A/D, A (and D for a store) is written back to the leaf once every check above passed and before
 *   the returned PA is accessed; so the update stays even if the final access faults (the vectors' step 7–8).
 *   A faulting walk never writes.
 * - Does not check that the returned PA is memory: the access itself does (access fault 1/5/7).
 * - Never allocates or throws; garbage PTE words fault as the spec says.
 */
export function walk(
  arch: RiscvPagingArch,
  memory: PhysicalMemory,
  rootPpn: number,
  va: number,
  access: number,
  ctx: AccessContext,
  options: WalkOptions,
  out: WalkResult,
): number {
  out.levelsWalked = 0;
  out.pteAddr = -1;
  out.level = arch.levels - 1;
  out.lo = 0;
  out.hi = 0;
  out.ppn = 0;
  out.global = false;
  out.adUpdated = false;
  const pageFault = PAGE_FAULT[access] ?? 13;
  // Step 1: the canonical check (upper bits copy bit vaBits-1). Numbers outside [vaMin, vaMax) are not canonical.
  if (!(va >= arch.vaMin && va < arch.vaMax) || !Number.isInteger(va)) return fail(out, pageFault);
  const v = va < 0 ? va + arch.vaSpan : va;
  const pteFault = options.pteReadFault === 'access' ? (ACCESS_FAULT[access] ?? 5) : pageFault;
  let a = rootPpn * 4096;
  let global = false;
  for (let i = arch.levels - 1; i >= 0; i--) {
    // Step 2: read the PTE at a + vpn[i] * 8.
    const pteAddr = a + ((v / (PAGE_BYTES[i] as number)) & 0x1ff) * 8;
    out.level = i;
    out.pteAddr = pteAddr;
    out.levelsWalked++;
    if (!memory.read64(pteAddr, out)) {
      out.lo = 0;
      out.hi = 0;
      return fail(out, pteFault);
    }
    const lo = out.lo;
    const hi = out.hi;
    // Step 3: V = 0, W without R, reserved bits and encodings.
    if ((lo & PTE_V) === 0) return fail(out, pageFault);
    if ((lo & (PTE_R | PTE_W)) === PTE_W) return fail(out, pageFault);
    if ((hi & PTE_HI_RESERVED_MASK) !== 0) return fail(out, pageFault);
    const leaf = (lo & (PTE_R | PTE_X)) !== 0;
    if ((hi & PTE_HI_N) !== 0) {
      // Svnapot: only a level-0 leaf with ppn[3:0] = 1000 (64 KiB).
      if (!arch.svnapot || !leaf || i !== 0 || ((lo >>> 10) & 0xf) !== 8) return fail(out, pageFault);
    }
    if ((hi & PTE_HI_PBMT_MASK) !== 0) {
      // Svpbmt: PBMT 3 is reserved; PBMT on a non-leaf is reserved.
      if (!arch.svpbmt || (hi & PTE_HI_PBMT_MASK) === PTE_HI_PBMT_MASK || !leaf) return fail(out, pageFault);
    }
    if (!leaf) {
      // Step 4: a pointer to the next level. D, A, U are reserved in non-leaf PTEs.
      if ((lo & (PTE_D | PTE_A | PTE_U)) !== 0) return fail(out, pageFault);
      if ((lo & PTE_G) !== 0) global = true;
      a = ptePpn(lo, hi) * 4096;
      continue;
    }
    // Step 5: a misaligned superpage.
    const ppn = ptePpn(lo, hi);
    out.ppn = ppn;
    // (ppn & (512^i - 1)): 512^i ≤ 2^27, and `&` keeps the low 32 bits of the 44-bit PPN exactly.
    if (i > 0 && (ppn & ((PAGE_FRAMES[i] as number) - 1)) !== 0) return fail(out, pageFault);
    // Steps 6 and 8: the U bit with SUM, then R/W/X with MXR.
    let flags = (lo >>> 1) & 0x7f;
    if (!leafAllowsNeutral(flags, access, ctx.privilege, ctx.sum, ctx.mxr)) return fail(out, pageFault);
    // Step 9: A and D.
    const need = access === 1 ? PTE_A | PTE_D : PTE_A;
    if ((lo & need) !== need) {
      if (options.adPolicy === 'svade') return fail(out, pageFault);
      // One atomic read-modify-write (this model is single-threaded, so the compare always succeeds).
      const newLo = (lo | need) >>> 0;
      if (!memory.write64(pteAddr, newLo, hi)) return fail(out, pteFault);
      out.lo = newLo;
      out.adUpdated = true;
      flags = (newLo >>> 1) & 0x7f;
    }
    // Step 10: the physical address.
    let framePpn = ppn;
    if ((hi & PTE_HI_N) !== 0) framePpn = ppn - (ppn & 0xf) + ((v / 4096) & 0xf);
    const size = PAGE_BYTES[i] as number;
    // v mod size without `%` (a slow floating-point remainder in V8); exact for integers below 2^53.
    const pa = framePpn * 4096 + (v - Math.floor(v / size) * size);
    out.flags = flags;
    out.global = global || (lo & PTE_G) !== 0;
    out.cause = 0;
    out.pa = pa;
    return pa;
  }
  // Step 4: i < 0 — fell off the last level.
  out.level = 0;
  return fail(out, pageFault);
}

// The level-by-level trace of a walk (cold; re-walks without side effects).
export {
  type WalkTrace,
  type WalkTraceEntryKind,
  type WalkTraceLevel,
  walkTrace,
  walkTracePagingArch,
} from './walk-trace.js';
