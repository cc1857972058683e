/**
 * Read-only views of a machine for people: page-table excerpts (VA → PTE bits → frame), TLB counters, hex.
 * Shared by the demo and the inspector. Nothing here changes the machine (no walk, no fault, no TLB fill).
 *
 * @module
 */
import { PAGE_SIZE, pteFlagsToString, type TlbStats } from '@pagewright/core';
import type { Machine, Process } from '@pagewright/process-vm';

/** `0x`-prefixed lowercase hex. */
export function hex(n: number | bigint): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/** One present or absent leaf of a page-table excerpt. */
export interface PteRow {
  /** Virtual address of the page. */
  va: number;
  /** Frame number, or null when no leaf is present. */
  pfn: number | null;
  /** Arch-neutral PTE flags (`PteFlag`), 0 when absent. */
  flags: number;
}

/** The leaves of `proc`'s page table for `pages` pages from `va` (rounded down to a page), present or not. */
export function pteRows(proc: Process, va: number, pages: number): PteRow[] {
  const first = Math.floor(va / PAGE_SIZE);
  const present = new Map<number, { pfn: number; flags: number }>();
  proc.vm.pageTable.visit(first, first + pages, (vpn, pfn, flags) => {
    present.set(vpn, { pfn, flags });
  });
  const rows: PteRow[] = [];
  for (let vpn = first; vpn < first + pages; vpn++) {
    const p = present.get(vpn);
    rows.push({ va: vpn * PAGE_SIZE, pfn: p ? p.pfn : null, flags: p ? p.flags : 0 });
  }
  return rows;
}

/** The present leaves of `proc`'s page table in `[va, va + len)`, ascending. */
export function presentRows(proc: Process, va: number, len: number): PteRow[] {
  const rows: PteRow[] = [];
  const first = Math.floor(va / PAGE_SIZE);
  proc.vm.pageTable.visit(first, Math.ceil((va + len) / PAGE_SIZE), (vpn, pfn, flags) => {
    rows.push({ va: vpn * PAGE_SIZE, pfn, flags });
  });
  return rows;
}

/**
 * One line of a page-table excerpt: `0x3fffffe000 → v rw-u-ad → frame 0x80a21`, with a note for the shared zero
 * page and for frames shared by several mappers (copy-on-write).
 */
export function formatPteRow(machine: Machine, row: PteRow): string {
  const va = hex(row.va).padStart(12);
  if (row.pfn === null) return `${va} → not present`;
  const refs = machine.refs.count(row.pfn);
  const note =
    row.pfn === machine.zeroPfn ? '  (shared zero page)' : refs > 1 ? `  (shared by ${refs} mappings)` : '';
  return `${va} → v${pteFlagsToString(row.flags)} → frame ${hex(row.pfn)}${note}`;
}

/** A copy of every hart's TLB counters. */
export function tlbSnapshot(machine: Machine): TlbStats[] {
  return machine.harts.map((h) => ({ ...h.tlb.stats }));
}

/** Total flushes of any kind in a TLB's counters. */
export function flushCount(s: TlbStats): number {
  return s.flushAll + s.flushAsid + s.flushVa + s.flushVaAsid;
}

/** `name +N` for a change, or nothing. */
function delta(name: string, before: number, after: number): string[] {
  return after === before ? [] : [`${name} +${after - before}`];
}

/** What changed in each hart's TLB counters between two snapshots, one string per hart that changed. */
export function tlbDeltas(before: readonly TlbStats[], after: readonly TlbStats[]): string[] {
  const out: string[] = [];
  after.forEach((a, i) => {
    const b = before[i]!;
    const parts = [
      ...delta('hits', b.hits, a.hits),
      ...delta('misses', b.misses, a.misses),
      ...delta('evictions', b.evictions, a.evictions),
      ...delta('flushes', flushCount(b), flushCount(a)),
      ...delta('entries invalidated', b.invalidated, a.invalidated),
    ];
    if (parts.length > 0) out.push(`hart ${i}: ${parts.join(', ')}`);
  });
  return out;
}

/** `/proc/PID/maps` as lines. */
export function mapsLines(proc: Process): string[] {
  return proc
    .maps()
    .split('\n')
    .filter((l) => l !== '');
}
