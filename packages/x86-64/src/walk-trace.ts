/**
 * The x86-64 page walk level by level, for people: {@link walkX86Trace} re-walks a translation without side effects
 * and reports every entry read — the table's frame, the index, the entry's address, the raw entry and its decoded
 * bits — then the physical address or the #PF with its error code and why the walk stopped.
 *
 * A cold function beside the hot walk: it runs the very same {@link walkX86} over a read-only view of memory that
 * records the entries read and discards the A/D writes (reported instead), so the trace never disagrees with the
 * walk and the walk pays nothing.
 *
 * @module
 */

import { type PhysicalMemory, RecordingMemory } from '@pagewright/core';
import { PfError, X86Vector } from './fault.js';
import { X86_A, X86_D, X86_G, X86_HI_XD, X86_P, X86_PS, X86_RW, X86_US } from './pte.js';
import { createX86WalkResult, walkX86, X86Ctl, type X86WalkOptions } from './walk.js';
import type { X86PagingArch } from './x86-arch.js';

/** One level of a traced x86 walk. */
export interface X86WalkTraceLevel {
  /** The level (0 PTE, 1 PDE, 2 PDPTE, 3 PML4E, 4 PML5E). */
  readonly level: number;
  /** Frame of the table read at this level. */
  readonly tableFrame: number;
  /** Index of the entry within the table. */
  readonly index: number;
  /** Physical address of the entry. */
  readonly entryAddr: number;
  /** Bits 31:0 and 63:32 of the entry as read (before any A/D update). */
  readonly lo: number;
  readonly hi: number;
  /** The entry as one hex string (`0x…`, 16 digits). */
  readonly raw: string;
  /** `table`, `leaf` (a PTE, or a PDE/PDPTE with PS), or `not-present`. */
  readonly kind: 'table' | 'leaf' | 'not-present';
  /** Decoded bits: P, R/W, U/S, A, D, PS, G, XD letters (`-` when clear), e.g. `p w u a d - - -`. */
  readonly bits: string;
  /** The frame the entry holds. */
  readonly pfn: number;
}

/** A whole traced x86 walk. */
export interface X86WalkTrace {
  /** The unsigned page number and offset walked. */
  readonly vpn: number;
  readonly offset: number;
  /** 0 load, 1 store, 2 fetch. */
  readonly access: number;
  /** Every level visited, from the root down. */
  readonly levels: readonly X86WalkTraceLevel[];
  /** The physical address (≥ 0), or -1 on a fault. */
  readonly pa: number;
  /** 0 on success, else the vector (14 #PF). */
  readonly vector: number;
  /** The #PF error code (`PfError` bits). */
  readonly errorCode: number;
  /** The leaf's level, or where the walk stopped. */
  readonly level: number;
  /** Entries whose A (and the leaf's D) the walk sets, as `level:A` / `level:AD` items; the trace writes nothing. */
  readonly adUpdates: readonly string[];
  /** Why the walk stopped, in words. */
  readonly stop: string;
}

function raw64(lo: number, hi: number): string {
  return `0x${(hi >>> 0).toString(16).padStart(8, '0')}${(lo >>> 0).toString(16).padStart(8, '0')}`;
}

/** P, R/W, U/S, A, D, PS, G, XD as letters. */
function bitsOf(lo: number, hi: number): string {
  const f = (bit: boolean, c: string) => (bit ? c : '-');
  return (
    f((lo & X86_P) !== 0, 'p') +
    f((lo & X86_RW) !== 0, 'w') +
    f((lo & X86_US) !== 0, 'u') +
    f((lo & X86_A) !== 0, 'a') +
    f((lo & X86_D) !== 0, 'd') +
    f((lo & X86_PS) !== 0, 's') +
    f((lo & X86_G) !== 0, 'g') +
    f((hi & X86_HI_XD) !== 0, 'x')
  );
}

const PAGE_NAMES = ['4 KiB page', '2 MiB page', '1 GiB page'];
const ACCESS = ['load', 'store', 'fetch'];

/** The error code as `P W U RSVD I PK` names. */
export function describePfError(code: number): string {
  const names: string[] = [];
  for (const [name, bit] of Object.entries(PfError)) if ((code & bit) !== 0) names.push(name);
  return names.length === 0 ? '0' : names.join('|');
}

/** Why a walk faulted, from the error code and the path's entries (the order of {@link walkX86}'s checks). */
function x86Stop(
  levels: readonly X86WalkTraceLevel[],
  code: number,
  access: number,
  ctl: number,
  pkru: number,
): string {
  const last = levels[levels.length - 1];
  if (last === undefined) return 'no entry was read';
  if ((code & PfError.RSVD) !== 0)
    return last.lo === 0xffffffff && last.hi === 0xffffffff
      ? `the entry address 0x${last.entryAddr.toString(16)} is not memory (reads as all ones: reserved bits)`
      : 'a reserved bit is set (bits above MAXPHYADDR, XD without NXE, PS where not allowed, or a misaligned large frame)';
  if ((code & PfError.P) === 0) return `P = 0 at level ${last.level}: not present`;
  if ((code & PfError.PK) !== 0) {
    const key = (last.hi >>> 27) & 0xf;
    return `protection key ${key}: PKRU ${(pkru >>> (2 * key)) & 1 ? 'AD' : 'WD'} denies the access`;
  }
  const every = (bit: number) => levels.every((l) => (l.lo & bit) !== 0);
  const user = (ctl & X86Ctl.User) !== 0;
  if (user && !every(X86_US)) return 'a user access to a supervisor page (U/S = 0 on the path)';
  if (access === 2) {
    if (levels.some((l) => (l.hi & X86_HI_XD) !== 0)) return 'XD = 1 on the path: not executable';
    return 'SMEP: the supervisor may not execute a user page';
  }
  if (!user && (ctl & X86Ctl.SmapBlock) !== 0 && every(X86_US))
    return 'SMAP: a supervisor access to a user page';
  if (access === 1 && !every(X86_RW)) return 'a store to a read-only page (R/W = 0 on the path)';
  return 'the access rights of the path do not allow it';
}

/**
 * Re-walks page `vpn` (unsigned, `[0, arch.pageSpan)`) at `offset` for `access` with the processor state `ctl`
 * ({@link X86Ctl}) and `pkru`, exactly as {@link walkX86} does with the same arguments, and reports every level.
 * Side-effect free (the A/D writes are only listed in `adUpdates`). Allocates; for people, not the hot path.
 */
export function walkX86Trace(
  arch: X86PagingArch,
  memory: PhysicalMemory,
  rootPfn: number,
  vpn: number,
  offset: number,
  access: number,
  ctl: number,
  pkru: number,
  options: X86WalkOptions,
): X86WalkTrace {
  const rec = new RecordingMemory(memory);
  const out = createX86WalkResult();
  const r = walkX86(arch, rec, rootPfn, vpn, offset, access, ctl, pkru, options, out);
  const levels: X86WalkTraceLevel[] = [];
  let table = rootPfn;
  const top = arch.levels - 1;
  for (let k = 0; k < out.levelsWalked; k++) {
    const level = top - k;
    const addr = out.entryAddr[level] as number;
    // An entry address that is not memory reads as all ones (as the walk sees it).
    const e = rec.firstRead(addr);
    const lo = e?.ok ? e.lo : 0xffff_ffff;
    const hi = e?.ok ? e.hi : 0xffff_ffff;
    const present = (lo & X86_P) !== 0;
    const leaf = present && (level === 0 || (lo & X86_PS) !== 0);
    const pfn = arch.ppn(lo, hi);
    levels.push({
      level,
      tableFrame: table,
      index: (addr - table * 4096) / 8,
      entryAddr: addr,
      lo,
      hi,
      raw: raw64(lo, hi),
      kind: !present ? 'not-present' : leaf ? 'leaf' : 'table',
      bits: bitsOf(lo, hi),
      pfn,
    });
    table = pfn;
  }
  const adUpdates = rec.writes.map((w) => {
    const level = levels.find((l) => l.entryAddr === w.pa);
    const before = level?.lo ?? 0;
    const set = `${(w.lo & X86_A) !== 0 && (before & X86_A) === 0 ? 'A' : ''}${(w.lo & X86_D) !== 0 && (before & X86_D) === 0 ? 'D' : ''}`;
    return `${level?.level ?? '?'}:${set}`;
  });
  const stop =
    r >= 0
      ? `a leaf at level ${out.level} maps a ${PAGE_NAMES[out.level] ?? 'page'}: PA 0x${r.toString(16)}` +
        (adUpdates.length > 0 ? `; the walk sets ${adUpdates.join(', ')}` : '')
      : `${ACCESS[access] ?? 'access'} #PF (vector ${X86Vector.PageFault}, error code ${describePfError(out.errorCode)}): ${x86Stop(levels, out.errorCode, access, ctl, pkru)}`;
  return {
    vpn,
    offset,
    access,
    levels,
    pa: r >= 0 ? r : -1,
    vector: r >= 0 ? 0 : out.vector,
    errorCode: r >= 0 ? 0 : out.errorCode,
    level: out.level,
    adUpdates,
    stop,
  };
}
