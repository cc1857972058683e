/**
 * {@link NoTlb}: the TLB that caches nothing.
 *
 * @module
 */

import {
  emptyTlbStats,
  type PteFlags,
  TLB_MISS,
  type Tlb,
  type TlbEntryView,
  type TlbSlotResult,
  type TlbStats,
} from '@pagewright/core';

/**
 * A TLB that holds nothing: every lookup misses and every insert is dropped, so every translation walks.
 * For "TLB off" measurements and for checking that results do not depend on caching.
 */
export class NoTlb implements Tlb {
  readonly capacity = 0;
  readonly stats: TlbStats = emptyTlbStats();
  lookup(_vpn: number, _asid: number): TlbSlotResult {
    this.stats.misses++;
    return TLB_MISS;
  }
  /** No slot exists: {@link TLB_MISS}. */
  translate(_slot: number, _vpn: number): number {
    return TLB_MISS;
  }
  flagsOf(_slot: number): PteFlags {
    return 0;
  }
  setFlags(_slot: number, _flags: PteFlags): void {}
  insert(
    _vpn: number,
    _asid: number,
    _level: number,
    _ppn: number,
    _flags: PteFlags,
    _global: boolean,
  ): TlbSlotResult {
    return TLB_MISS;
  }
  flushAll(): void {
    this.stats.flushAll++;
  }
  flushAsid(_asid: number): void {
    this.stats.flushAsid++;
  }
  flushVa(_vpn: number): void {
    this.stats.flushVa++;
  }
  flushVaAsid(_vpn: number, _asid: number): void {
    this.stats.flushVaAsid++;
  }
  forEach(_visit: (entry: TlbEntryView) => void): void {}
  resetStats(): void {
    Object.assign(this.stats, emptyTlbStats());
  }
}
