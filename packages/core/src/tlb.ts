/**
 * The interface of a translation look-aside buffer.
 *
 * @module
 */

import type { PteFlags } from './hardware.js';
import type { DomainResult } from './result.js';

/** Returned by {@link Tlb.lookup} on a miss (and by lookups that answer a frame, when none may serve). */
export const TLB_MISS = -1;

/** What {@link Tlb.lookup} and {@link Tlb.insert} return: a slot (≥ 0) or {@link TLB_MISS}. */
export type TlbSlotResult = DomainResult<'tlb-slot'>;

/** What a TLB lookup answering a frame returns (`SetAssociativeTlb.lookupPpn`): the frame or {@link TLB_MISS}. */
export type TlbFrameResult = DomainResult<'tlb-frame'>;

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
 * An ASID-tagged TLB holding leaf translations (4 KiB and superpages). Pages are 4 KiB virtual page numbers
 * (`vpn`) and frame numbers (`ppn`); a leaf at level L covers 512^L pages.
 *
 * Contract (each rule is checked by `checkTlb` in `@pagewright/core/testing`, by the id in brackets):
 * - [never-throws] `lookup`, `insert` and the four flushes never throw, whatever numbers they are given (a
 *   nonsense page, ASID or level is simply not cached); `lookup` and `insert` never allocate.
 * - [capacity] `capacity` is an integer ≥ 0 and the TLB never holds more than `capacity` valid entries; a TLB of
 *   capacity 0 caches nothing (`insert` returns {@link TLB_MISS}, every lookup misses).
 * - [insert-lookup] Right after `insert` (which returns the slot, ≥ 0), `lookup` of the page in its ASID returns
 *   that slot, `translate` gives the frame and `flagsOf` the flags (R W X U A D as inserted).
 * - [asid-tagged] A non-global entry matches only its own ASID: the same page may be cached for two ASIDs, each
 *   with its own frame.
 * - [global-every-asid] A global entry matches every ASID.
 * - [one-per-key] Inserting the same page, level and ASID again (or the same page and level as global again)
 *   replaces the entry: one entry remains, with the new frame.
 * - [set-flags] `setFlags(slot, flags)` replaces the cached R W X U A D of the entry; it keeps its page, frame,
 *   ASID and global tag.
 * - [flush-all] `flushAll` invalidates every entry, global ones included.
 * - [flush-asid] `flushAsid(asid)` invalidates exactly the non-global entries of `asid`.
 * - [flush-va] `flushVa(vpn)` invalidates exactly the entries translating `vpn`, in every ASID, global included.
 * - [flush-va-asid] `flushVaAsid(vpn, asid)` invalidates exactly the non-global entries translating `vpn` in
 *   `asid` (global entries are kept: RISC-V privileged spec, SFENCE.VMA with rs2 ≠ x0; x86 INVPCID type 0).
 * - [superpage] An entry at level L ≥ 1, inserted with any page and frame inside the superpage, translates every
 *   page of it to the aligned frame plus the offset, misses outside it, and is invalidated by `flushVa` of any
 *   page inside it.
 * - [for-each] `forEach` visits every valid entry once with its first page and frame (aligned to its size),
 *   ASID, level, cached flags and global tag.
 * - [stats] `stats` counts hits and misses per lookup, fills per insert, one per call of each flush, invalidated
 *   per entry a flush removes, and evictions such that (distinct pages, no flush) fills − evictions = valid
 *   entries; `resetStats` zeroes every counter.
 *
 * Rules about cached entries hold vacuously for a TLB of capacity 0; those that need several entries at once are
 * checked only where the TLB can hold them together (its geometry permitting).
 */
export interface Tlb {
  /** Total number of entries. */
  readonly capacity: number;
  /** Live counters. */
  readonly stats: TlbStats;

  /** Finds the entry translating virtual page `vpn` for `asid`; a slot handle, or {@link TLB_MISS}. */
  lookup(vpn: number, asid: number): TlbSlotResult;
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
  insert(
    vpn: number,
    asid: number,
    level: number,
    ppn: number,
    flags: PteFlags,
    global: boolean,
  ): TlbSlotResult;

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
