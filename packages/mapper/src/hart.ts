/**
 * The structural view of a hart that the mapper needs. `@pagewright/sv39`'s `Hart` satisfies it; the mapper
 * never imports sv39 at run time, so any hart model with these fields plugs in.
 *
 * @module
 */

import type { Tlb } from '@pagewright/core';

/** A hart as a flusher or the stale-TLB detector sees it: its id, its TLB and its current `satp`. */
export interface TlbHart {
  /** The hart id (`mhartid`); flushers count an IPI for every target hart other than the initiator. */
  readonly id: number;
  /** The hart's TLB. */
  readonly tlb: Tlb;
  /** The ASID in the hart's `satp`. */
  readonly asid: number;
  /** The root page-table frame in the hart's `satp` (the address space is active on this hart when it equals the mapper's root). */
  readonly rootPpn: number;
}

/** A hart whose `satp` the {@link AsidAllocator} may write when it switches address spaces. */
export interface SwitchableHart extends TlbHart {
  /** The ASID in the hart's `satp`. */
  asid: number;
  /** The root page-table frame in the hart's `satp`. */
  rootPpn: number;
  /**
   * Writes `satp` (mode: the arch's `name`, ASID, root frame); false when refused. When absent, the
   * allocator assigns `asid` and `rootPpn` directly.
   */
  writeSatp?(mode: 'sv39' | 'sv48', asid: number, ppn: number): boolean;
}
