/**
 * The interface to a paging architecture: geometry, PTE encoding, and the permission rules of a leaf.
 * Sv39 and Sv48 implement it in `@pagewright/sv39`, x86-64 4-level and 5-level paging in `@pagewright/x86-64` (no
 * R bit, an NX bit, a PS bit in large leaves, rights combined across levels, 12-bit PCIDs).
 *
 * PTEs are 64-bit words handled as two unsigned 32-bit halves ({@link U64Pair}); nothing here uses BigInt except
 * {@link PagingArch.isCanonical}, which checks a full u64 address once at a system boundary.
 *
 * @module
 */

import type { Access, PteFlags, U64Pair } from './hardware.js';

/** What a PTE is, as seen by a walker at a given level. */
export const PteKind = {
  /** Not valid (RISC-V V = 0, x86 P = 0): a page fault if reached. */
  Invalid: 0,
  /** Points to the next-level table. */
  Table: 1,
  /** Maps a page (4 KiB at level 0, a superpage above). */
  Leaf: 2,
  /**
   * Valid but malformed: reserved bits or encodings set, a leaf where none is allowed, a misaligned superpage,
   * or a table pointer at the last level. Always a page fault.
   */
  Malformed: 3,
} as const;
/** One of {@link PteKind}. */
export type PteKind = (typeof PteKind)[keyof typeof PteKind];

/** The per-access state the permission check needs. */
export interface AccessContext {
  /** The effective privilege of the access (0 = U, 1 = S, 3 = M). */
  privilege: number;
  /** RISC-V `mstatus.SUM` (x86: SMAP off). S-mode may load/store user pages. */
  sum: boolean;
  /** RISC-V `mstatus.MXR`: loads from executable pages succeed. */
  mxr: boolean;
}

/**
 * A paging architecture. Levels are numbered from 0 (the leaf level of 4 KiB pages) up to `levels - 1` (the root).
 *
 * Contract (each rule is checked by `checkPagingArch` in `@pagewright/core/testing`, by the id in brackets):
 * - [geometry] `levels` ≥ 1, `entriesPerTable` = 2^`bitsPerLevel`, `pteSize` > 0, 0 ≤ `maxLeafLevel` < `levels`,
 *   `vaBits` ≤ 12 + `bitsPerLevel` · `levels`, `ppnBits` > 0, `asidBits` ≥ 0, `userStart` = 0 < `userEnd` ≤
 *   2^(`vaBits` − 1).
 * - [page-size] `pageSizeAt(level)` = 4096 · `entriesPerTable`^level.
 * - [index-at] `indexAt(vpn, level)` = ⌊vpn / `entriesPerTable`^level⌋ mod `entriesPerTable`.
 * - [canonical] `isCanonical(va)` is true exactly when bits 63 … `vaBits` − 1 of the u64 `va` are all equal.
 * - [invalid-zero] An all-zero entry is {@link PteKind.Invalid} at every level.
 * - [leaf-round-trip] `encodeLeaf(ppn, flags, level)` at every level 0 … `maxLeafLevel` is a Leaf at that level
 *   whose `ppn(…, level)` is `ppn` and whose `flags()` are `flags`, for frame numbers aligned to the level's page
 *   size below 2^`ppnBits` and every flag set the architecture stores (by default the kit tries every set of
 *   R W X U G A D that has R).
 * - [table-round-trip] `encodeTable(ppn)` is a Table at every level above 0, and its `ppn(…, level)` is `ppn` there.
 * - [with-flags] `withFlags(leaf, flags)` of a leaf at any level 0 … `maxLeafLevel` keeps its frame and its kind at
 *   that level (a large x86 leaf keeps PS) and gives it exactly `flags`.
 * - [superpage-leaf] A leaf at a level 1 … `maxLeafLevel` whose frame is not aligned to its page size, and a leaf
 *   above `maxLeafLevel`, is Malformed — or `encodeLeaf` refuses to encode it with a `RangeError`.
 * - [leaf-allows] and [leaf-allows-ignores-ad]: see {@link PagingArch.leafAllows}.
 * - [prot-none] See {@link PagingArch.encodeProtNone} and {@link PagingArch.isProtNone}.
 */
export interface PagingArch {
  /** Name used in options and reports (`"sv39"`, `"sv48"`, `"x86-64"`). */
  readonly name: string;
  /** Number of table levels (3 for Sv39, 4 for Sv48 and x86-64). */
  readonly levels: number;
  /** Index bits per level (9). */
  readonly bitsPerLevel: number;
  /** Entries per table (512). */
  readonly entriesPerTable: number;
  /** Bytes per PTE (8). */
  readonly pteSize: number;
  /** Significant virtual-address bits (39, 48). */
  readonly vaBits: number;
  /** Physical-frame-number bits (44 on RISC-V, 40 on x86-64). */
  readonly ppnBits: number;
  /** Bits of the address-space identifier (16 for RISC-V ASIDs, 12 for x86 PCIDs). */
  readonly asidBits: number;
  /** The highest level that may hold a leaf (2 for Sv39: 1 GiB pages; 3 for Sv48: 512 GiB). */
  readonly maxLeafLevel: number;
  /** True when access rights are the combination of every level's (x86-64); false when only the leaf counts. */
  readonly rightsCombineAcrossLevels: boolean;
  /** First byte address of the user half (0). */
  readonly userStart: number;
  /** End (exclusive) of the user half (2^38 for Sv39, 2^47 for Sv48). */
  readonly userEnd: number;

  /** Bytes mapped by one leaf at `level` (4 KiB · 512^level). */
  pageSizeAt(level: number): number;
  /** The table index of virtual page `vpn` at `level`. */
  indexAt(vpn: number, level: number): number;
  /** True when the full 64-bit `va` is canonical (upper bits copy the top VA bit). */
  isCanonical(va: bigint): boolean;

  /** Classifies a PTE found at `level`. */
  kind(lo: number, hi: number, level: number): PteKind;
  /**
   * The frame number a PTE found at `level` holds (a table's, a leaf's first frame, or an inaccessible entry's).
   * `level` defaults to 0; pass it for entries above level 0, where an architecture may keep other bits in the
   * address field of a leaf (x86-64: PAT is bit 12 of a 2 MiB or 1 GiB leaf, never a frame bit there). A table
   * pointer gives the same frame at every level.
   */
  ppn(lo: number, hi: number, level?: number): number;
  /** The arch-neutral flags of a valid PTE ({@link PteFlag}); the same at every level. */
  flags(lo: number, hi: number): PteFlags;
  /**
   * Encodes a leaf PTE at `level` (0 = 4 KiB; above 0 a superpage, whose `ppn` is aligned to
   * {@link PagingArch.pageSizeAt}) mapping frame `ppn` with the given arch-neutral flags (valid bit implied). The
   * level is part of the encoding where the architecture needs it (x86-64 sets PS above level 0; RISC-V ignores it).
   * Writes `out` and returns it: nothing is allocated.
   * @throws RangeError for a frame outside `[0, 2^ppnBits)`, flags no leaf can have, or (architecture's choice, see
   *   [superpage-leaf]) a misaligned frame or a level that holds no leaf
   */
  encodeLeaf(ppn: number, flags: PteFlags, level: number, out: U64Pair): U64Pair;
  /** Encodes a non-leaf PTE pointing to the table in frame `ppn`. */
  encodeTable(ppn: number, out: U64Pair): U64Pair;
  /**
   * Replaces the permission and status flags of a valid leaf at any level, keeping its frame and whatever makes it a
   * leaf of its level (x86-64: PS, PAT).
   */
  withFlags(lo: number, hi: number, flags: PteFlags, out: U64Pair): U64Pair;

  /**
   * True when a leaf with arch-neutral `flags` allows `access` in `ctx` (the U-bit rules with SUM, MXR, and R/W/X):
   * - [leaf-allows] a store needs Write, a fetch needs Exec, a load needs Read (or Exec with MXR; checked where the
   *   architecture stores execute-only leaves — x86 implies Read); user mode
   *   (privilege 0) reaches only User pages; supervisor mode reaches non-User pages, loads and stores User pages
   *   only with SUM (x86: SMAP off), and never fetches from them (x86: SMEP).
   * - [leaf-allows-ignores-ad] It does not look at Accessed, Dirty or Global: A/D are the walker's A/D policy.
   * When `rightsCombineAcrossLevels`, the caller passes the rights already combined over the path.
   */
  leafAllows(flags: PteFlags, access: Access, ctx: AccessContext): boolean;

  /**
   * Optional: encodes an *inaccessible* (PROT_NONE) level-0 entry that keeps frame `ppn` while every hardware
   * access faults on it. The walker classifies it {@link PteKind.Invalid}; software (the page-table owner) still
   * reads its frame with {@link PagingArch.ppn}. Only the User, Accessed and Dirty bits of `flags` are kept (read
   * them back through {@link PagingArch.flags} masked to those bits); Read/Write/Exec/Global are ignored.
   * Linux RISC-V: V = 0 with `_PAGE_PROT_NONE` (= `_PAGE_GLOBAL`) set and the PPN kept
   * (`arch/riscv/include/asm/pgtable-bits.h`; `pte_present()` is `V | _PAGE_PROT_NONE`).
   * An architecture without it cannot represent such entries (callers report an error).
   * [prot-none] The entry is Invalid at level 0, `isProtNone` is true for it, `ppn()` gives `ppn` back and
   * `flags()` its User, Accessed and Dirty bits.
   */
  encodeProtNone?(ppn: number, flags: PteFlags, out: U64Pair): U64Pair;
  /**
   * Optional (present exactly when {@link PagingArch.encodeProtNone} is): true when the words are an inaccessible
   * entry made by `encodeProtNone` (not valid for the hardware, but holding a frame). Never true for an all-zero
   * entry or for any entry {@link PagingArch.kind} classifies other than Invalid. [prot-none] Checked on an
   * all-zero entry, a leaf and a table.
   */
  isProtNone?(lo: number, hi: number): boolean;
}
