/**
 * The Sv39/Sv48 page walk: the privileged specification's "Virtual Address Translation Process" (§4.3.2, Sv48 in
 * §4.5), step by step, reading PTEs from a {@link PhysicalMemory}.
 *
 * @module
 */

import {
  type AccessContext,
  HOST_LITTLE_ENDIAN,
  NO_PHYS_ADDR,
  type PhysicalMemory,
  type TranslationResult,
} from '@pagewright/core';
import {
  PTE_A,
  PTE_D,
  PTE_G,
  PTE_HI_N,
  PTE_HI_PBMT_MASK,
  PTE_HI_PPN_MASK,
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
    pa: NO_PHYS_ADDR,
    cause: 0,
    level: -1,
    levelsWalked: 0,
    pteAddr: NO_PHYS_ADDR,
    lo: 0,
    hi: 0,
    flags: 0,
    ppn: 0,
    global: false,
    adUpdated: false,
  };
}

/** A memory that lends its frames' words (`PhysicalMemory.frameWords`). */
type WordMemory = PhysicalMemory & { frameWords(pfn: number): Int32Array | null };

/** 512^i: the number of 4 KiB frames in a level-i page. */
const PAGE_FRAMES = [1, 512, 512 ** 2, 512 ** 3];
/** Access-fault cause by access type (load, store, fetch). */
const ACCESS_FAULT = [5, 7, 1];

function fail(out: WalkResult, cause: number): number {
  out.cause = cause;
  out.pa = NO_PHYS_ADDR;
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
): TranslationResult {
  const levels = arch.levels;
  out.levelsWalked = 0;
  out.pteAddr = NO_PHYS_ADDR;
  out.level = levels - 1;
  out.lo = 0;
  out.hi = 0;
  out.ppn = 0;
  out.global = false;
  out.adUpdated = false;
  const pageFault = access === 1 ? 15 : access === 2 ? 12 : 13;
  // Step 1: the canonical check (upper bits copy bit vaBits-1). Numbers outside [vaMin, vaMax) are not canonical.
  if (!(va >= arch.vaMin && va < arch.vaMax) || !Number.isInteger(va)) return fail(out, pageFault);
  const v = va < 0 ? va + arch.vaSpan : va;
  const offset = v & 0xfff; // exact: ToInt32 keeps the low 32 bits of any integer below 2^53
  const vpn = (v - offset) / 4096; // an integer below 2^45
  // A memory that lends its frames' words is read directly: one call and two loads per level.
  const direct = HOST_LITTLE_ENDIAN && memory.frameWords !== undefined;
  let table = rootPpn;
  let global = false;
  for (let i = levels - 1; i >= 0; i--) {
    // Step 2: read the PTE at a + vpn[i] * 8 (vpn[0..2] are bits below 27 of the page number: `>>>` is exact).
    const index = i < 3 ? (vpn >>> (9 * i)) & 0x1ff : Math.floor(vpn / PAGE_FRAMES_3) & 0x1ff;
    const pteAddr = table * 4096 + index * 8;
    out.level = i;
    out.pteAddr = pteAddr;
    out.levelsWalked = levels - i;
    let lo: number;
    let hi: number;
    const words = direct ? (memory as WordMemory).frameWords(table) : null;
    if (words !== null) {
      lo = (words[index * 2] as number) >>> 0;
      hi = (words[index * 2 + 1] as number) >>> 0;
      out.lo = lo;
      out.hi = hi;
    } else if (!direct && memory.read64(pteAddr, out)) {
      lo = out.lo;
      hi = out.hi;
    } else {
      out.lo = 0;
      out.hi = 0;
      return fail(out, pteReadFaultFor(options, access, pageFault));
    }
    // Step 4 for the usual pointer, in one test: V = 1, R = W = X = 0, D = A = U = 0 (reserved in a non-leaf),
    // and no reserved bits, N or PBMT (both reserved in a non-leaf). Every other non-leaf PTE is a page fault.
    if ((lo & POINTER_TEST_MASK) === PTE_V && (hi & PTE_HI_NOT_PPN_MASK) === 0) {
      if ((lo & PTE_G) !== 0) global = true;
      table = (lo >>> 10) + hi * LO_PPN_SPAN;
      continue;
    }
    // Step 3: V = 0, W without R, reserved bits and encodings; a non-leaf here is one of those.
    if ((lo & PTE_V) === 0 || (lo & (PTE_R | PTE_X)) === 0) return fail(out, pageFault);
    if ((lo & (PTE_R | PTE_W)) === PTE_W) return fail(out, pageFault);
    if ((hi & PTE_HI_RESERVED_MASK) !== 0) return fail(out, pageFault);
    if ((hi & PTE_HI_N) !== 0) {
      // Svnapot: only a level-0 leaf with ppn[3:0] = 1000 (64 KiB).
      if (!arch.svnapot || i !== 0 || ((lo >>> 10) & 0xf) !== 8) return fail(out, pageFault);
    }
    if ((hi & PTE_HI_PBMT_MASK) !== 0) {
      // Svpbmt: PBMT 3 is reserved.
      if (!arch.svpbmt || (hi & PTE_HI_PBMT_MASK) === PTE_HI_PBMT_MASK) return fail(out, pageFault);
    }
    // Step 5: a misaligned superpage.
    const ppn = ptePpn(lo, hi);
    out.ppn = ppn;
    // (ppn & (512^i - 1)): 512^i ≤ 2^27, and `&` keeps the low 32 bits of the 44-bit PPN exactly.
    const frames = PAGE_FRAMES[i] as number;
    if (i > 0 && (ppn & (frames - 1)) !== 0) return fail(out, pageFault);
    // Steps 6 and 8: the U bit with SUM, then R/W/X with MXR (a table of leafAllowsNeutral for accesses 0..2).
    let flags = (lo >>> 1) & 0x7f;
    const allowed =
      access === 0 || access === 1 || access === 2
        ? LEAF_ALLOWS[contextOf(ctx) * 384 + access * 128 + flags] === 1
        : leafAllowsNeutral(flags, access, ctx.privilege, ctx.sum, ctx.mxr);
    if (!allowed) return fail(out, pageFault);
    // Step 9: A and D.
    const need = access === 1 ? PTE_A | PTE_D : PTE_A;
    if ((lo & need) !== need) {
      if (options.adPolicy === 'svade') return fail(out, pageFault);
      // One atomic read-modify-write (this model is single-threaded, so the compare always succeeds).
      const newLo = (lo | need) >>> 0;
      if (!memory.write64(pteAddr, newLo, hi)) return fail(out, pteReadFaultFor(options, access, pageFault));
      out.lo = newLo;
      out.adUpdated = true;
      flags = (newLo >>> 1) & 0x7f;
    }
    // Step 10: the physical address: the (aligned) frame plus the page number's bits below the level, and the
    // offset; a NAPOT leaf takes vpn[3:0] in place of ppn[3:0].
    const framePpn = (hi & PTE_HI_N) !== 0 ? ppn - (ppn & 0xf) + (vpn & 0xf) : ppn + (vpn & (frames - 1));
    const pa = framePpn * 4096 + offset;
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

/** The fault a PTE outside memory raises for `access` under `options`. */
function pteReadFaultFor(options: WalkOptions, access: number, pageFault: number): number {
  return options.pteReadFault === 'access' ? (ACCESS_FAULT[access] ?? 5) : pageFault;
}

/** The (privilege, SUM, MXR) context number of `ctx`: `(U ? 0 : 4) + (SUM ? 2 : 0) + (MXR ? 1 : 0)`. */
function contextOf(ctx: AccessContext): number {
  return (ctx.privilege === 0 ? 0 : 4) + (ctx.sum ? 2 : 0) + (ctx.mxr ? 1 : 0);
}

/** V R W X U A D of a PTE's low byte: a pointer has exactly V of them. */
const POINTER_TEST_MASK = PTE_V | PTE_R | PTE_W | PTE_X | PTE_U | PTE_A | PTE_D;
/** Bits 63:54 (reserved, PBMT, N): every bit of the high word above the PPN. */
const PTE_HI_NOT_PPN_MASK = ~PTE_HI_PPN_MASK;
/** 2^22: the weight of the high word's PPN bits (PPN bits 21:0 sit in the low word's bits 31:10). */
const LO_PPN_SPAN = 2 ** 22;
/** 512^3: frames in a level-3 page (vpn[3] is the page number's bits 35:27). */
const PAGE_FRAMES_3 = 512 ** 3;

/**
 * `LEAF_ALLOWS[context * 384 + access * 128 + flags]`: 1 when `leafAllowsNeutral(flags, access, …)` holds in
 * that (privilege, SUM, MXR) context ({@link contextOf}) for access 0, 1 or 2.
 */
const LEAF_ALLOWS = (() => {
  const t = new Uint8Array(8 * 3 * 128);
  for (let context = 0; context < 8; context++) {
    for (let acc = 0; acc < 3; acc++) {
      for (let f = 0; f < 128; f++) {
        const ok = leafAllowsNeutral(f, acc, context < 4 ? 0 : 1, (context & 2) !== 0, (context & 1) !== 0);
        t[context * 384 + acc * 128 + f] = ok ? 1 : 0;
      }
    }
  }
  return t;
})();

// The level-by-level trace of a walk (cold; re-walks without side effects).
export {
  type WalkTrace,
  type WalkTraceEntryKind,
  type WalkTraceLevel,
  walkTrace,
  walkTracePagingArch,
} from './walk-trace.js';
