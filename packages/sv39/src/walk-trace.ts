/**
 * Page walks level by level, for people: {@link walkTrace} (RISC-V Sv39/Sv48) and {@link walkTracePagingArch}
 * (any core `PagingArch`) re-walk a translation without side effects and report every level visited — the table's
 * frame, the index, the PTE's address, the raw PTE, its decoded bits — then the physical address or the fault and
 * why the walk stopped.
 *
 * They are cold functions beside the hot walk, not a mode of it: each runs the very same {@link walk} (or
 * `walkPagingArch`) over a read-only view of memory that records every PTE read and discards the A/D write-back,
 * so the trace can never disagree with the walk, and the walk itself pays nothing when nobody asks.
 *
 * @module
 */

import {
  type AccessContext,
  type PagingArch,
  type PhysicalMemory,
  PteFlag,
  PteKind,
  RecordingMemory,
} from '@pagewright/core';
import { walkPagingArch } from './paging-arch-walk.js';
import {
  PTE_A,
  PTE_D,
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
import type { RiscvPagingArch } from './riscv-arch.js';
import { createWalkResult, type WalkOptions, type WalkResult, walk } from './walk.js';

/** What one PTE of a traced walk turned out to be. */
export type WalkTraceEntryKind = 'table' | 'leaf' | 'invalid' | 'malformed' | 'unreadable';

/** One level of a traced walk: the PTE read there. */
export interface WalkTraceLevel {
  /** The level (the root is `levels - 1`, 0 is the level of 4 KiB pages). */
  readonly level: number;
  /** Frame number of the table read at this level. */
  readonly tableFrame: number;
  /** Index of the PTE within that table. */
  readonly index: number;
  /** Physical address of the PTE. */
  readonly pteAddr: number;
  /** Bits 31:0 of the PTE as read (before any A/D update); 0 when unreadable. */
  readonly lo: number;
  /** Bits 63:32 of the PTE as read; 0 when unreadable. */
  readonly hi: number;
  /** The PTE as one hex string (`0x…`, 16 digits). */
  readonly raw: string;
  /** What the entry is at this level. */
  readonly kind: WalkTraceEntryKind;
  /** The entry's decoded bits, e.g. `v rwxugad` letters with `-` for a clear bit (`vrw-u-ad`). */
  readonly bits: string;
  /** The frame number the entry holds (the next table, or the leaf's frame). */
  readonly ppn: number;
}

/** A whole traced walk. */
export interface WalkTrace {
  /** The virtual address walked (signed form). */
  readonly va: number;
  /** 0 load, 1 store, 2 fetch. */
  readonly access: number;
  /** Frame number of the root table. */
  readonly rootPpn: number;
  /** Every level visited, from the root down. */
  readonly levels: readonly WalkTraceLevel[];
  /** The physical address (≥ 0), or -1 on a fault. */
  readonly pa: number;
  /** The fault cause (RISC-V numbering: 12/13/15 page, 1/5/7 access), or 0. */
  readonly cause: number;
  /** The leaf's level on success (0 = 4 KiB page), or the level where the walk stopped. */
  readonly level: number;
  /** Arch-neutral flags (`PteFlag`) the translation grants, with the A/D update applied; 0 on a fault. */
  readonly flags: number;
  /** The A/D bits the walk sets in the leaf: `''`, `'A'`, `'D'` or `'AD'` (the trace itself writes nothing). */
  readonly adUpdate: string;
  /** Why the walk stopped, in words (the translation on success, the failed check on a fault). */
  readonly stop: string;
}

/** `0x` and 16 hex digits. */
function raw64(lo: number, hi: number): string {
  return `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

/** `v` or `-`, then R W X U G A D letters (a `-` for each clear bit). */
function riscvBits(lo: number): string {
  const letters = 'vrwxugad';
  let s = '';
  for (let b = 0; b < 8; b++) s += (lo >>> b) & 1 ? letters[b] : '-';
  return s;
}

/** `v`/`-` for validity, then the neutral R W X U G A D letters. */
function neutralBits(valid: boolean, flags: number): string {
  const letters = 'rwxugad';
  let s = valid ? 'v' : '-';
  for (let b = 0; b < 7; b++) s += (flags >>> b) & 1 ? letters[b] : '-';
  return s;
}

const ACCESS_NAMES = ['load', 'store', 'fetch'];
const PAGE_NAMES = ['4 KiB page', '2 MiB megapage', '1 GiB gigapage', '512 GiB terapage', '256 TiB petapage'];

/** Which A/D bits the walk wrote (from the leaf before and after). */
function adLetters(before: number, after: number, aBit: number, dBit: number): string {
  return `${(after & aBit) !== 0 && (before & aBit) === 0 ? 'A' : ''}${(after & dBit) !== 0 && (before & dBit) === 0 ? 'D' : ''}`;
}

/** Why a RISC-V leaf refuses `access` (the order of `leafAllowsNeutral`). */
function riscvRightsReason(flags: number, access: number, ctx: AccessContext): string {
  const user = (flags & PteFlag.User) !== 0;
  if (ctx.privilege === 0 && !user) return 'a supervisor page (U = 0) accessed from user mode';
  if (ctx.privilege !== 0 && user) {
    if (access === 2) return 'a user page (U = 1): the supervisor may never execute from it';
    if (!ctx.sum) return 'a user page (U = 1) accessed from supervisor mode with SUM = 0';
  }
  if (access === 2) return 'the leaf is not executable (X = 0)';
  if (access === 1) return 'the leaf is not writable (W = 0)';
  return ctx.mxr
    ? 'the leaf is neither readable nor executable (R = 0, X = 0)'
    : 'the leaf is not readable (R = 0)';
}

/**
 * Why a valid RISC-V PTE at `level` is malformed, in {@link walk}'s order, or null when it is a well-formed leaf
 * (which can still refuse the access for its rights or A/D).
 */
function riscvMalformed(arch: RiscvPagingArch, lo: number, hi: number, level: number): string | null {
  if ((lo & (PTE_R | PTE_W)) === PTE_W) return 'W = 1 with R = 0 is a reserved encoding';
  if ((hi & PTE_HI_RESERVED_MASK) !== 0) return 'reserved bits 60:54 are set';
  const leaf = (lo & (PTE_R | PTE_X)) !== 0;
  if ((hi & PTE_HI_N) !== 0 && (!arch.svnapot || !leaf || level !== 0 || ((lo >>> 10) & 0xf) !== 8))
    return arch.svnapot
      ? 'N = 1 (Svnapot) on an entry that is not a 64 KiB NAPOT leaf'
      : 'N = 1 without Svnapot';
  if (
    (hi & PTE_HI_PBMT_MASK) !== 0 &&
    (!arch.svpbmt || (hi & PTE_HI_PBMT_MASK) === PTE_HI_PBMT_MASK || !leaf)
  )
    return 'PBMT is set where it is reserved';
  if (!leaf) {
    if ((lo & (PTE_D | PTE_A | PTE_U)) !== 0) return 'D, A or U is set in a non-leaf entry (reserved)';
    return level === 0 ? 'a pointer to a next-level table at level 0: no level left' : null;
  }
  if (level > 0 && ptePpn(lo, hi) % 512 ** level !== 0)
    return `a misaligned superpage: the frame is not aligned to a ${PAGE_NAMES[level]}`;
  return null;
}

/** The success sentence. */
function translated(pa: number, level: number, ad: string): string {
  const set = ad === '' ? '' : `; the walk sets ${ad === 'AD' ? 'A and D' : ad}`;
  return `a leaf at level ${level} maps a ${PAGE_NAMES[level] ?? `level-${level} page`}: PA 0x${pa.toString(16)}${set}`;
}

/**
 * Re-walks `va` for `access` through the RISC-V tables rooted at `rootPpn`, exactly as {@link walk} does with the
 * same arguments, and reports every level. Side-effect free: memory is only read (the A/D write-back the walk
 * would do is reported in `adUpdate`, not written) and no TLB is involved. Never throws for any input `walk`
 * accepts; allocates (it is for people, not for the hot path).
 */
export function walkTrace(
  arch: RiscvPagingArch,
  memory: PhysicalMemory,
  rootPpn: number,
  va: number,
  access: number,
  ctx: AccessContext,
  options: WalkOptions,
): WalkTrace {
  const rec = new RecordingMemory(memory);
  const out = createWalkResult();
  const r = walk(arch, rec, rootPpn, va, access, ctx, options, out);
  const levels: WalkTraceLevel[] = [];
  let table = rootPpn;
  rec.reads.forEach((read, k) => {
    const level = arch.levels - 1 - k;
    const leaf = (read.lo & (PTE_R | PTE_X)) !== 0;
    const valid = (read.lo & PTE_V) !== 0;
    const last = k === rec.reads.length - 1;
    const kind: WalkTraceEntryKind = !read.ok
      ? 'unreadable'
      : !valid
        ? 'invalid'
        : last && r < 0 && riscvMalformed(arch, read.lo, read.hi, level) !== null
          ? 'malformed'
          : leaf
            ? 'leaf'
            : 'table';
    const ppn = read.ok ? ptePpn(read.lo, read.hi) : 0;
    levels.push({
      level,
      tableFrame: table,
      index: (read.pa - table * 4096) / 8,
      pteAddr: read.pa,
      lo: read.lo,
      hi: read.hi,
      raw: raw64(read.lo, read.hi),
      kind,
      bits: riscvBits(read.lo),
      ppn,
    });
    table = ppn;
  });
  const lastRead = rec.reads[rec.reads.length - 1];
  const ad = lastRead && r >= 0 ? adLetters(lastRead.lo, out.lo, PTE_A, PTE_D) : '';
  let stop: string;
  if (r >= 0) stop = translated(r, out.level, ad);
  else if (lastRead === undefined)
    stop = `the VA is not canonical for ${arch.name} (bits 63:${arch.vaBits} must equal bit ${arch.vaBits - 1})`;
  else if (!lastRead.ok)
    stop = `the PTE address 0x${lastRead.pa.toString(16)} is not memory (${options.pteReadFault} fault)`;
  else if ((lastRead.lo & PTE_V) === 0) stop = 'V = 0: the entry is not valid (nothing is mapped here)';
  else {
    const malformed = riscvMalformed(arch, lastRead.lo, lastRead.hi, out.level);
    const hardware: WalkOptions = { adPolicy: 'hardware', pteReadFault: options.pteReadFault };
    if (malformed !== null) stop = malformed;
    else if (
      failsOnlyForAd(
        () => walk(arch, new RecordingMemory(memory), rootPpn, va, access, ctx, hardware, createWalkResult()),
        options,
      )
    )
      stop =
        (lastRead.lo & PTE_A) === 0
          ? 'A = 0 with Svade: software must set the accessed bit first'
          : 'a store with D = 0 with Svade: software must set the dirty bit first';
    else stop = riscvRightsReason((lastRead.lo >>> 1) & 0x7f, access, ctx);
  }
  return {
    va,
    access,
    rootPpn,
    levels,
    pa: r >= 0 ? r : -1,
    cause: r >= 0 ? 0 : -r,
    level: out.level,
    flags: r >= 0 ? out.flags : 0,
    adUpdate: ad,
    stop: r < 0 ? `${ACCESS_NAMES[access] ?? 'access'} fault (cause ${-r}): ${stop}` : stop,
  };
}

/** True when the walk fails only for a missing A/D bit under Svade (the same walk with hardware A/D succeeds). */
function failsOnlyForAd(retry: () => number, options: WalkOptions): boolean {
  return options.adPolicy === 'svade' && retry() >= 0;
}

/**
 * Re-walks `va` for `access` through the tables of any core `PagingArch` rooted at `rootPpn`, exactly as
 * `walkPagingArch` (what a `Hart` uses for a non-RISC-V architecture) does, and reports every level, with the
 * bits decoded through the architecture's own `flags` (neutral `vrwxugad` letters). Side-effect free like
 * {@link walkTrace}.
 */
export function walkTracePagingArch(
  arch: PagingArch,
  memory: PhysicalMemory,
  rootPpn: number,
  va: number,
  access: number,
  ctx: AccessContext,
  options: WalkOptions,
): WalkTrace {
  const rec = new RecordingMemory(memory);
  const out: WalkResult = createWalkResult();
  const r = walkPagingArch(arch, rec, rootPpn, va, access, ctx, options, out);
  const levels: WalkTraceLevel[] = [];
  let table = rootPpn;
  let lastKind: WalkTraceEntryKind = 'unreadable';
  rec.reads.forEach((read, k) => {
    const level = arch.levels - 1 - k;
    const kindNum = read.ok ? arch.kind(read.lo, read.hi, level) : -1;
    const kind: WalkTraceEntryKind =
      kindNum === -1
        ? 'unreadable'
        : kindNum === PteKind.Invalid
          ? 'invalid'
          : kindNum === PteKind.Table
            ? level === 0
              ? 'malformed'
              : 'table'
            : kindNum === PteKind.Leaf && level <= arch.maxLeafLevel
              ? 'leaf'
              : 'malformed';
    lastKind = kind;
    const ppn = kindNum === PteKind.Table || kindNum === PteKind.Leaf ? arch.ppn(read.lo, read.hi) : 0;
    levels.push({
      level,
      tableFrame: table,
      index: (read.pa - table * 4096) / arch.pteSize,
      pteAddr: read.pa,
      lo: read.lo,
      hi: read.hi,
      raw: raw64(read.lo, read.hi),
      kind,
      bits: neutralBits(
        kindNum === PteKind.Table || kindNum === PteKind.Leaf,
        kindNum === PteKind.Table || kindNum === PteKind.Leaf ? arch.flags(read.lo, read.hi) & 0x7f : 0,
      ),
      ppn,
    });
    table = ppn;
  });
  const lastRead = rec.reads[rec.reads.length - 1];
  const ad =
    lastRead && r >= 0
      ? adLetters(
          arch.flags(lastRead.lo, lastRead.hi),
          arch.flags(out.lo, out.hi),
          PteFlag.Accessed,
          PteFlag.Dirty,
        )
      : '';
  let stop: string;
  if (r >= 0) stop = translated(r, out.level, ad);
  else if (lastRead === undefined) stop = `the VA is not canonical for ${arch.name}`;
  else if (lastKind === 'unreadable')
    stop = `the PTE address 0x${lastRead.pa.toString(16)} is not memory (${options.pteReadFault} fault)`;
  else if (lastKind === 'invalid') stop = 'the entry is not present';
  else if (lastKind === 'malformed')
    stop = 'the entry is malformed (reserved bits, or not allowed at this level)';
  else if (
    lastKind === 'leaf' &&
    arch.ppn(lastRead.lo, lastRead.hi) % (arch.pageSizeAt(out.level) / 4096) !== 0
  )
    stop = 'a misaligned large page';
  else if (
    failsOnlyForAd(
      () =>
        walkPagingArch(
          arch,
          new RecordingMemory(memory),
          rootPpn,
          va,
          access,
          ctx,
          { adPolicy: 'hardware', pteReadFault: options.pteReadFault },
          createWalkResult(),
        ),
      options,
    )
  )
    stop = 'A = 0 (or D = 0 for a store) with software A/D management';
  else stop = `the rights of the path do not allow a ${ACCESS_NAMES[access] ?? 'access'}`;
  return {
    va,
    access,
    rootPpn,
    levels,
    pa: r >= 0 ? r : -1,
    cause: r >= 0 ? 0 : -r,
    level: out.level,
    flags: r >= 0 ? out.flags : 0,
    adUpdate: ad,
    stop: r < 0 ? `${ACCESS_NAMES[access] ?? 'access'} fault (cause ${-r}): ${stop}` : stop,
  };
}
