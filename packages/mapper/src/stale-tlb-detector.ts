/**
 * The stale-TLB detector: catches a page-table change that never reached a TLB flush.
 *
 * @module
 */

import { PteFlag, pteFlagsToString, type TlbEntryView } from '@pagewright/core';
import type { TlbHart } from './hart.js';
import type { CheckedAddressSpace } from './types.js';

/** Rights a TLB entry may not hold beyond its PTE (Accessed is only a hint and may be cached loosely). */
const CHECKED = PteFlag.Read | PteFlag.Write | PteFlag.Exec | PteFlag.User | PteFlag.Dirty;

/** Thrown by {@link StaleTlbDetector.check}: a hart's TLB allows what the page tables no longer allow. */
export class StaleTlbError extends Error {
  constructor(
    /** The hart holding the stale entry. */
    readonly hartId: number,
    /** The virtual page translated wrongly. */
    readonly vpn: number,
    /** The ASID of the entry (-1 for a global one). */
    readonly asid: number,
    /** What is wrong. */
    readonly reason: string,
  ) {
    super(`stale TLB entry on hart ${hartId}: va 0x${(vpn * 4096).toString(16)} (asid ${asid}) ${reason}`);
    this.name = 'StaleTlbError';
  }
}

/**
 * Checks, after each flush point, that no hart's TLB holds a translation for an address space that its page
 * tables no longer allow: another frame, no mapping at all, an inaccessible (PROT_NONE) entry, or more rights
 * (R/W/X/U/D, or Global) than the PTE.
 * Cold path (visits whole TLBs); switch it on in tests and development with `enabled`.
 *
 * Which entries belong to the address space of `mapper`:
 * - on a hart whose `rootPpn` is the mapper's root, entries of the hart's ASID and global entries;
 * - with an {@link MmContext} on the mapper, entries tagged with its ASID on harts that may still use them
 *   ({@link MmContext.mayHoldLiveEntries}: not awaiting a deferred or rollover flush);
 * - for a kernel space (`globalOnly` mappers given to {@link StaleTlbDetector.checkGlobal}), global entries on
 *   every hart.
 */
export class StaleTlbDetector {
  /** When false, `check` does nothing. */
  enabled: boolean;
  /** Checks performed. */
  checks = 0;

  /**
   * @param harts - every hart of the machine
   * @param enabled - start switched on (default true)
   */
  constructor(
    readonly harts: readonly TlbHart[],
    enabled = true,
  ) {
    this.enabled = enabled;
  }

  /** Checks every hart against `mapper`'s tables. @throws {@link StaleTlbError} on the first stale entry. */
  check(mapper: CheckedAddressSpace): void {
    if (!this.enabled || mapper.destroyed) return;
    this.checks++;
    const ctx = mapper.context;
    for (const hart of this.harts) {
      if (hart.rootPpn === mapper.rootPpn) {
        const asid = hart.asid;
        hart.tlb.forEach((e) => {
          if (e.global || e.asid === asid) this.verify(mapper, hart, e);
        });
      } else if (ctx && ctx.id !== 0 && ctx.mayHoldLiveEntries(hart.id)) {
        const asid = ctx.asid;
        hart.tlb.forEach((e) => {
          if (!e.global && e.asid === asid) this.verify(mapper, hart, e);
        });
      }
    }
  }

  /** Checks the global entries of every hart against a kernel space's tables. */
  checkGlobal(kernel: CheckedAddressSpace): void {
    if (!this.enabled || kernel.destroyed) return;
    this.checks++;
    for (const hart of this.harts) {
      hart.tlb.forEach((e) => {
        if (e.global) this.verify(kernel, hart, e);
      });
    }
  }

  private verify(mapper: CheckedAddressSpace, hart: TlbHart, e: TlbEntryView): void {
    const span = mapper.spans[e.level] ?? 1;
    const end = e.vpn + span;
    const found = mapper.found;
    const asid = e.global ? -1 : e.asid;
    for (let vpn = e.vpn; vpn < end; ) {
      const pfn = mapper.lookup(vpn);
      const cached = e.ppn + (vpn - e.vpn);
      if (pfn < 0) {
        throw new StaleTlbError(
          hart.id,
          vpn,
          asid,
          `maps frame 0x${cached.toString(16)} but the page is not mapped`,
        );
      }
      if (pfn !== cached) {
        throw new StaleTlbError(
          hart.id,
          vpn,
          asid,
          `maps frame 0x${cached.toString(16)} but the page table maps frame 0x${pfn.toString(16)}`,
        );
      }
      if ((found.flags & (PteFlag.Read | PteFlag.Write | PteFlag.Exec)) === 0) {
        // An inaccessible (PROT_NONE) entry keeps its frame but grants nothing: any cached translation is stale.
        throw new StaleTlbError(
          hart.id,
          vpn,
          asid,
          `caches rights ${pteFlagsToString(e.flags)} but the page is inaccessible (PROT_NONE entry)`,
        );
      }
      const extra = e.flags & CHECKED & ~found.flags;
      if (extra !== 0 || (e.global && (found.flags & PteFlag.Global) === 0)) {
        throw new StaleTlbError(
          hart.id,
          vpn,
          asid,
          `caches rights ${pteFlagsToString(e.flags)}${e.global ? ' (global)' : ''} but the PTE gives ${pteFlagsToString(found.flags)}`,
        );
      }
      // Skip the rest of the table's leaf (it agrees page by page when its first page agrees).
      const leafSpan = mapper.spans[found.level] ?? 1;
      vpn = Math.min(end, found.vpn + leafSpan);
    }
  }
}
