/**
 * The types the mapper's modules share: callbacks, records, options, and the views of a mapper that the cursor
 * and the stale-TLB detector use. This module imports no other module of the package, so the mapper, the cursor
 * and the detector depend on it and never on each other in a cycle.
 *
 * @module
 */

import type { PteFlags, TlbFlusher } from '@pagewright/core';
import type { MapperResult } from './errors.js';
import type { MmContext } from './mm-context.js';

/**
 * Releases a data frame once the flush that made it unreachable has completed. `level` is the level of the leaf
 * that mapped it (0 or omitted: one 4 KiB frame; `L > 0`: a block of `512^L` frames).
 */
export type FrameRelease = (pfn: number, level?: number) => void;

/** Sees one leaf: it maps the `512^level` pages from `vpn` (aligned) to the frames from `pfn`. */
export type LeafVisitor = (vpn: number, pfn: number, level: number, flags: PteFlags) => void;

/** Where {@link PageMapper.lookup} puts the details of the leaf it found (a preallocated record). */
export interface LeafInfo {
  /** First page of the leaf (aligned to its size). */
  vpn: number;
  /** First frame of the leaf. */
  pfn: number;
  /** Level of the leaf (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, ...). */
  level: number;
  /** Arch-neutral flags of the leaf. */
  flags: PteFlags;
}

/** Options of {@link PageMapper.copyRangeForCow}. */
export interface CowCopyOptions {
  /**
   * Keep write permission on both sides: a `MAP_SHARED` mapping is copied as is (the child's entry is made clean,
   * Linux `copy_present_pte`). Default false: both sides are write-protected.
   */
  keepWrite?: boolean | undefined;
  /** Clear the Accessed bit in the child's entries, as Linux's `pte_mkold` in `copy_present_pte`. Default true. */
  clearAccessed?: boolean | undefined;
}

/**
 * What a {@link MapperCursor} edits: the range operations of a {@link PageMapper}. A cursor depends on this view, so
 * the cursor module does not import the mapper's.
 */
export interface CursorTarget {
  /** True after the mapper was destroyed. */
  readonly destroyed: boolean;
  /** See {@link PageMapper.mapRange}. */
  mapRange(
    start: number,
    end: number,
    flags: PteFlags,
    level: number,
    firstPfn: number,
    flusher: TlbFlusher,
  ): MapperResult;
  /** See {@link PageMapper.unmapRange}. */
  unmapRange(
    start: number,
    end: number,
    release: FrameRelease | undefined,
    flusher: TlbFlusher,
  ): MapperResult;
  /** See {@link PageMapper.protectRange}. */
  protectRange(start: number, end: number, flags: PteFlags, flusher: TlbFlusher): MapperResult;
  /** See {@link PageMapper.visit}. */
  visit(start: number, end: number, visitor: LeafVisitor): MapperResult;
  /** See {@link PageMapper.flush}. */
  flush(flusher: TlbFlusher): void;
}

/** What a {@link StaleTlbDetector} reads of an address space: its root, context, and page lookups. */
export interface CheckedAddressSpace {
  /** True after the mapper was destroyed (nothing to check). */
  readonly destroyed: boolean;
  /** The root table's frame. */
  readonly rootPpn: number;
  /** The address space's TLB bookkeeping, if any. */
  readonly context: MmContext | undefined;
  /** `512^level` for every level. */
  readonly spans: readonly number[];
  /** The leaf found by the last successful {@link CheckedAddressSpace.lookup}. */
  readonly found: LeafInfo;
  /** The frame page `vpn` maps to, or a negative error; fills {@link CheckedAddressSpace.found}. */
  lookup(vpn: number): MapperResult;
}
