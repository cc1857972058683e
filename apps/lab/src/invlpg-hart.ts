/**
 * How Linux x86-64 invalidates one page of the address space a CPU is running: `INVLPG` (`flush_tlb_one_user`,
 * arch/x86/mm/tlb.c), not `INVPCID` type 0. The mapper's flushers invalidate a page with `Tlb.flushVaAsid` (the
 * page in one tag: RISC-V `sfence.vma va, asid`, x86 INVPCID type 0); {@link invlpgHart} gives them a view of an
 * x86 CPU whose per-page flush in one tag is the CPU's own `invlpgAt` instead. This model's INVLPG drops the page
 * in **every** PCID (the SDM's scope is the current PCID plus the page's global entries in every PCID; the core
 * `Tlb` has no "globals of this page" scope, so the CPU uses the permitted superset) — which is where x86 and
 * RISC-V differ: `sfence.vma va, asid` keeps the page's entries of other ASIDs.
 *
 * @module
 */

import type { MmuHart, PteFlags, Tlb, TlbEntryView, TlbStats } from '@pagewright/core';
import type { TlbHart } from '@pagewright/mapper';

/** What {@link invlpgHart} needs of an x86 CPU: INVLPG by signed page number (`X86Cpu.invlpgAt`). */
export interface InvlpgCpu extends MmuHart {
  /** INVLPG of the page `vpn`. */
  invlpgAt(vpn: number): void;
}

/** Whether `cpu` has an INVLPG instruction (an x86-64 CPU). */
export function hasInvlpg(cpu: MmuHart): cpu is InvlpgCpu {
  return typeof (cpu as Partial<InvlpgCpu>).invlpgAt === 'function';
}

/** The CPU's TLB, with a per-page flush in one tag executed as the CPU's INVLPG; everything else forwarded. */
class InvlpgTlb implements Tlb {
  private readonly inner: Tlb;
  constructor(private readonly cpu: InvlpgCpu) {
    this.inner = cpu.tlb;
  }
  get capacity(): number {
    return this.inner.capacity;
  }
  get stats(): TlbStats {
    return this.inner.stats;
  }
  lookup(vpn: number, asid: number): number {
    return this.inner.lookup(vpn, asid);
  }
  translate(slot: number, vpn: number): number {
    return this.inner.translate(slot, vpn);
  }
  flagsOf(slot: number): PteFlags {
    return this.inner.flagsOf(slot);
  }
  setFlags(slot: number, flags: PteFlags): void {
    this.inner.setFlags(slot, flags);
  }
  insert(vpn: number, asid: number, level: number, ppn: number, flags: PteFlags, global: boolean): number {
    return this.inner.insert(vpn, asid, level, ppn, flags, global);
  }
  flushAll(): void {
    this.inner.flushAll();
  }
  flushAsid(asid: number): void {
    this.inner.flushAsid(asid);
  }
  flushVa(vpn: number): void {
    this.inner.flushVa(vpn);
  }
  /** The page in the running PCID, as Linux does it: INVLPG (which this model applies to every PCID). */
  flushVaAsid(vpn: number, _asid: number): void {
    this.cpu.invlpgAt(vpn);
  }
  forEach(visit: (entry: TlbEntryView) => void): void {
    this.inner.forEach(visit);
  }
  resetStats(): void {
    this.inner.resetStats();
  }
}

/** The hart a `TlbShootdown` flushes for `cpu`: the CPU itself, with per-page flushes done by INVLPG. */
export function invlpgHart(cpu: InvlpgCpu): TlbHart {
  const tlb = new InvlpgTlb(cpu);
  return {
    get id() {
      return cpu.id;
    },
    get asid() {
      return cpu.asid;
    },
    get rootPpn() {
      return cpu.rootPpn;
    },
    tlb,
  };
}
