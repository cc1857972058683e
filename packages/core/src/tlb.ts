/**
 * The interface of a translation look-aside buffer.
 *
 * @module
 */

import type { PteFlags } from './hardware.js';

/** Returned by {@link Tlb.lookup} on a miss. */
export const TLB_MISS = -1;

/** Counters a TLB keeps, as a cache simulator reports them. */
export interface TlbStats {
  /** Lookups that found an entry. */
  hits: number;
  /** Lookups that found none. */
  misses: number;
  /** Entries inserted. */
  fills: number;
  /** Valid entries replaced to make room. */
  evictions: number;
  /** Full flushes (`sfence.vma x0, x0`). */
  flushAll: number;
  /** Per-ASID flushes (`sfence.vma x0, asid`). */
  flushAsid: number;
  /** Per-VA flushes in every ASID (`sfence.vma va, x0`). */
  flushVa: number;
  /** Per-VA flushes in one ASID (`sfence.vma va, asid`). */
  flushVaAsid: number;
  /** Entries invalidated by flushes. */
  invalidated: number;
}

/** What a visitor of {@link Tlb.forEach} sees of one valid entry. */
export interface TlbEntryView {
  /** First virtual page the entry covers (aligned to its page size). */
  vpn: number;
  /** ASID tag (ignored when `global`). */
  asid: number;
  /** Level of the leaf (0 = 4 KiB). */
  level: number;
  /** First frame of the mapped page. */
  ppn: number;
  /** Cached arch-neutral flags of the leaf. */
  flags: PteFlags;
  /** Global entry: matches every ASID, survives ASID-specific flushes. */
  global: boolean;
}

/**
 * An ASID-tagged TLB holding leaf translations (4 KiB and superpages).
 *
 * Contract:
 * - `lookup` and `insert` never allocate or throw.
 * - A non-global entry matches only its own ASID; a global entry matches every ASID.
 * - `flushAsid` and `flushVaAsid` keep global entries (RISC-V privileged spec, SFENCE.VMA with rs2 ≠ x0).
 */
export interface Tlb {
  /** Total number of entries. */
  readonly capacity: number;
  /** Live counters. */
  readonly stats: TlbStats;

  /** Finds the entry translating virtual page `vpn` for `asid`; a slot handle, or {@link TLB_MISS}. */
  lookup(vpn: number, asid: number): number;
  /** The frame that virtual page `vpn` maps to through the entry in `slot` (handles superpages). */
  translate(slot: number, vpn: number): number;
  /** The cached flags of the entry in `slot`. */
  flagsOf(slot: number): PteFlags;
  /** Updates the cached flags of the entry in `slot` (after the walker set A or D). */
  setFlags(slot: number, flags: PteFlags): void;
  /**
   * Inserts a translation: the leaf at `level` covering `vpn` maps to the page starting at frame `ppn`
   * (`vpn` and `ppn` may be any page inside the superpage; the TLB aligns them). Returns the slot used.
   */
  insert(vpn: number, asid: number, level: number, ppn: number, flags: PteFlags, global: boolean): number;

  /** Invalidates every entry. */
  flushAll(): void;
  /** Invalidates every non-global entry of `asid`. */
  flushAsid(asid: number): void;
  /** Invalidates the entries translating `vpn` in every ASID (global ones included). */
  flushVa(vpn: number): void;
  /** Invalidates the non-global entries translating `vpn` in `asid`. */
  flushVaAsid(vpn: number, asid: number): void;

  /** Visits every valid entry (cold path: the stale-TLB detector and inspectors use it). */
  forEach(visit: (entry: TlbEntryView) => void): void;
  /** Zeroes the counters. */
  resetStats(): void;
}

/** A fresh, zeroed {@link TlbStats}. */
export function emptyTlbStats(): TlbStats {
  return {
    hits: 0,
    misses: 0,
    fills: 0,
    evictions: 0,
    flushAll: 0,
    flushAsid: 0,
    flushVa: 0,
    flushVaAsid: 0,
    invalidated: 0,
  };
}
