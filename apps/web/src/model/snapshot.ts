/**
 * A plain-data picture of a {@link Machine} for the panels: each process's `/proc/PID/maps` and page-table tree,
 * each hart's TLB by set, and the frames in use with their owners. Reading it changes nothing in the machine
 * (tables are read from physical memory through the arch; TLBs through `Tlb.forEach`).
 *
 * @module
 */
import {
  type PagingArch,
  type PhysicalMemory,
  pteFlagsToString,
  type TlbStats,
  type U64Pair,
} from '@pagewright/core';
import type { Machine, Process } from '@pagewright/process-vm';
import { hex } from './hex.js';
import { type PteKindName, pteBits, pteKindName } from './walk.js';

/** A non-zero entry of a page table. */
export interface PteView {
  index: number;
  /** Physical address of the entry. */
  addr: number;
  lo: number;
  hi: number;
  kind: PteKindName;
  ppn: number;
  bits: string;
  /** First virtual address the entry covers. */
  va: number;
}

/** One page table (a frame of 512 entries). */
export interface TableView {
  pfn: number;
  level: number;
  /** First virtual address the table covers. */
  va: number;
  entries: PteView[];
}

/** One process. */
export interface ProcessView {
  pid: number;
  maps: string[];
  /** Root table frame (satp.PPN). */
  root: number;
  asid: number;
  hart: number;
  /** Page tables, root first, depth first in address order. */
  tables: TableView[];
}

/** A valid TLB entry and its set. */
export interface TlbEntryRow {
  set: number;
  vpn: number;
  asid: number;
  level: number;
  ppn: number;
  bits: string;
  global: boolean;
}

/** One hart's TLB. */
export interface TlbView {
  hart: number;
  sets: number;
  ways: number;
  stats: TlbStats;
  entries: TlbEntryRow[];
}

/** A frame in use. */
export interface FrameView {
  pfn: number;
  refs: number;
  kind: 'zero' | 'table' | 'data';
  /** Who holds it: `page table L2 of pid 1`, `pid 1 @ 0x3ffffff000`. */
  owners: string[];
}

/** Everything the panels show. */
export interface MachineSnapshot {
  levels: number;
  processes: ProcessView[];
  tlbs: TlbView[];
  frames: FrameView[];
  framesInUse: number;
  framesTotal: number;
}

/** Reads a table and its children (depth first) into `out`. */
function readTables(
  arch: PagingArch,
  memory: PhysicalMemory,
  pfn: number,
  level: number,
  va: number,
  out: TableView[],
): void {
  const pair: U64Pair = { lo: 0, hi: 0 };
  const table: TableView = { pfn, level, va, entries: [] };
  out.push(table);
  const span = arch.pageSizeAt(level);
  const children: [number, number][] = [];
  for (let index = 0; index < arch.entriesPerTable; index++) {
    const addr = pfn * 4096 + index * arch.pteSize;
    if (!memory.read64(addr, pair)) break;
    const { lo, hi } = pair;
    if (lo === 0 && hi === 0) continue;
    const kind = pteKindName(arch, lo, hi, level);
    const ppn = arch.ppn(lo, hi, level);
    // The upper half of the root sign-extends (Sv39/Sv48 canonical addresses).
    const signed =
      level === arch.levels - 1 && index >= arch.entriesPerTable / 2 ? index - arch.entriesPerTable : index;
    const entryVa = va + signed * span;
    table.entries.push({ index, addr, lo, hi, kind, ppn, bits: pteBits(arch, lo, hi, kind), va: entryVa });
    if (kind === 'table' && level > 0) children.push([ppn, entryVa]);
  }
  for (const [child, childVa] of children) readTables(arch, memory, child, level - 1, childVa, out);
}

/** `/proc/PID/maps` as lines. */
export function mapsLines(p: Process): string[] {
  return p
    .maps()
    .split('\n')
    .filter((l) => l !== '');
}

/** The snapshot of `machine` now. */
export function snapshot(machine: Machine): MachineSnapshot {
  const { arch, memory } = machine;
  const processes: ProcessView[] = [];
  const frames = new Map<number, FrameView>();
  const frame = (pfn: number, kind: FrameView['kind']): FrameView => {
    let f = frames.get(pfn);
    if (f === undefined) {
      f = { pfn, refs: machine.refs.count(pfn), kind, owners: [] };
      frames.set(pfn, f);
    }
    return f;
  };
  frame(machine.zeroPfn, 'zero').owners.push('the shared zero page');
  for (const p of [...machine.processes.values()].sort((a, b) => a.pid - b.pid)) {
    const root = p.vm.pageTable.root;
    const tables: TableView[] = [];
    if (root >= 0) readTables(arch, memory, root, arch.levels - 1, 0, tables);
    processes.push({
      pid: p.pid,
      maps: mapsLines(p),
      root,
      asid: p.vm.pageTable.asid,
      hart: p.hartId,
      tables,
    });
    for (const t of tables) {
      frame(t.pfn, 'table').owners.push(`page table L${t.level} of pid ${p.pid}`);
      for (const e of t.entries) {
        if (e.kind !== 'leaf' && e.kind !== 'protnone') continue;
        const f = frame(e.ppn, e.ppn === machine.zeroPfn ? 'zero' : 'data');
        f.owners.push(`pid ${p.pid} @ ${hex(e.va)} ${e.bits}`);
      }
    }
  }
  const tlbs: TlbView[] = machine.harts.map((h, hart) => {
    const tlb = h.tlb as typeof h.tlb & { sets?: number; ways?: number };
    const sets = tlb.sets ?? (tlb.capacity > 0 ? 1 : 0);
    const ways = tlb.ways ?? tlb.capacity;
    const entries: TlbEntryRow[] = [];
    tlb.forEach((e) => {
      // SetAssociativeTlb places a level-L entry whose first page is t in set (t / 512^L) mod sets.
      const set = sets > 0 ? Math.floor(e.vpn / 512 ** e.level) % sets : 0;
      entries.push({
        set,
        vpn: e.vpn,
        asid: e.asid,
        level: e.level,
        ppn: e.ppn,
        bits: pteFlagsToString(e.flags),
        global: e.global,
      });
    });
    return { hart, sets, ways, stats: { ...tlb.stats }, entries };
  });
  return {
    levels: arch.levels,
    processes,
    tlbs,
    frames: [...frames.values()].sort((a, b) => a.pfn - b.pfn),
    framesInUse: machine.framesInUse(),
    framesTotal: machine.allocator.totalFrames,
  };
}

/** What changed between two snapshots, as keys the panels test to highlight a cell. */
export interface SnapshotDiff {
  /** `pid:line` of maps lines new in the later snapshot. */
  maps: Set<string>;
  /** PTE physical addresses whose value changed (or appeared). */
  ptes: Set<number>;
  /** `hart:set:vpn:asid:level` of TLB entries new or changed. */
  tlb: Set<string>;
  /** Frames whose reference count, kind or owners changed (or that appeared). */
  frames: Set<number>;
}

/** The key of a TLB entry in {@link SnapshotDiff.tlb}. */
export function tlbKey(hart: number, e: TlbEntryRow): string {
  return `${hart}:${e.set}:${e.vpn}:${e.asid}:${e.level}`;
}

/** The cells of `after` that differ from `before` (everything, when there is no `before`). */
export function diffSnapshots(before: MachineSnapshot | null, after: MachineSnapshot): SnapshotDiff {
  const diff: SnapshotDiff = { maps: new Set(), ptes: new Set(), tlb: new Set(), frames: new Set() };
  const oldMaps = new Set(before?.processes.flatMap((p) => p.maps.map((l) => `${p.pid}:${l}`)) ?? []);
  const oldPtes = new Map<number, string>();
  for (const p of before?.processes ?? [])
    for (const t of p.tables) for (const e of t.entries) oldPtes.set(e.addr, `${e.lo}:${e.hi}`);
  const oldTlb = new Map<string, string>();
  for (const t of before?.tlbs ?? [])
    for (const e of t.entries) oldTlb.set(tlbKey(t.hart, e), `${e.ppn}:${e.bits}`);
  const oldFrames = new Map<number, string>();
  for (const f of before?.frames ?? []) oldFrames.set(f.pfn, `${f.refs}:${f.kind}:${f.owners.join('|')}`);
  for (const p of after.processes) {
    for (const l of p.maps) if (!oldMaps.has(`${p.pid}:${l}`)) diff.maps.add(`${p.pid}:${l}`);
    for (const t of p.tables)
      for (const e of t.entries) if (oldPtes.get(e.addr) !== `${e.lo}:${e.hi}`) diff.ptes.add(e.addr);
  }
  for (const t of after.tlbs)
    for (const e of t.entries)
      if (oldTlb.get(tlbKey(t.hart, e)) !== `${e.ppn}:${e.bits}`) diff.tlb.add(tlbKey(t.hart, e));
  for (const f of after.frames)
    if (oldFrames.get(f.pfn) !== `${f.refs}:${f.kind}:${f.owners.join('|')}`) diff.frames.add(f.pfn);
  return diff;
}
