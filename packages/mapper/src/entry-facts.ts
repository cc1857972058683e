/**
 * `EntryFacts`: what the mapper derives once from a {@link PagingArch} about single entries — which words are
 * occupied, which are inaccessible (PROT_NONE) entries, and how to encode one. Stateless after construction.
 *
 * @module
 */

import { type PagingArch, PteFlag, type PteFlags, PteKind, type U64Pair } from '@pagewright/core';
import { PageTableCorruption } from './errors.js';

/** Read, Write and Exec: a leaf has at least one of them; an inaccessible entry none. */
export const RWX = PteFlag.Read | PteFlag.Write | PteFlag.Exec;
/** Accessed and Dirty (kept by `protect`, as Linux's `pte_modify`). */
export const AD = PteFlag.Accessed | PteFlag.Dirty;
/** The flags an inaccessible (PROT_NONE) entry keeps ({@link PagingArch.encodeProtNone}). */
export const PROT_NONE_FLAGS = PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
/** Every arch-neutral leaf flag bit. */
export const ALL_FLAGS = 0x7f;

/** Entry facts of one architecture (one instance per mapper; never changes after construction). */
export class EntryFacts {
  /** `arch.kind(0, 0, level)` is Invalid at every level: an all-zero entry (what unmapping writes) needs no `kind` call. */
  readonly zeroIsInvalid: boolean;
  /** The arch encodes inaccessible (PROT_NONE) level-0 entries ({@link PagingArch.encodeProtNone}). */
  readonly protNone: boolean;

  constructor(readonly arch: PagingArch) {
    let zeroInvalid = true;
    for (let l = 0; l < arch.levels; l++) zeroInvalid &&= arch.kind(0, 0, l) === PteKind.Invalid;
    this.zeroIsInvalid = zeroInvalid;
    this.protNone = typeof arch.encodeProtNone === 'function' && typeof arch.isProtNone === 'function';
  }

  /** True when the level-0 words are an inaccessible (PROT_NONE) entry; never for zero words. */
  isProtNoneEntry(lo: number, hi: number): boolean {
    return (lo | hi) !== 0 && this.protNone && this.arch.isProtNone?.(lo, hi) === true;
  }

  /**
   * True when the entry at `level` counts in its table's occupied-entry count: valid, or an inaccessible level-0
   * entry (it owns a frame, so its table must not be reclaimed).
   */
  occupied(lo: number, hi: number, level: number): boolean {
    if (lo === 0 && hi === 0 && this.zeroIsInvalid) return false;
    return this.arch.kind(lo, hi, level) !== PteKind.Invalid || (level === 0 && this.isProtNoneEntry(lo, hi));
  }

  /** Encodes an inaccessible entry (callers checked {@link EntryFacts.protNone} through the flag validation). */
  encodeProtNone(pfn: number, flags: PteFlags, out: U64Pair): void {
    const encode = this.arch.encodeProtNone;
    if (encode === undefined) throw new PageTableCorruption('the architecture has no inaccessible entries');
    encode.call(this.arch, pfn, flags, out);
  }
}

/** The error for a PTE the arch calls malformed where the mapper walks: its own tables are corrupt. */
export function malformedEntry(level: number, vpn: number): PageTableCorruption {
  return new PageTableCorruption(`malformed entry at level ${level} for vpn 0x${vpn.toString(16)}`);
}
