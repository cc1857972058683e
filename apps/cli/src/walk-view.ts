/**
 * `walk ADDR` for people: what a process's hart would do with one access — first the TLB's answer (a hit in which
 * set, or a miss), then the page walk level by level, then the physical address or the fault. Read-only: no TLB
 * lookup (which would move replacement state and counters), no A/D write, no fault handled.
 *
 * @module
 */
import { type AccessContext, PAGE_SIZE, type PagingArch, pteFlagsToString } from '@pagewright/core';
import type { Machine, Process } from '@pagewright/process-vm';
import {
  QEMU_WALK_OPTIONS,
  RiscvPagingArch,
  SetAssociativeTlb,
  type WalkOptions,
  type WalkTrace,
  walkTrace,
  walkTracePagingArch,
} from '@pagewright/sv39';
import { walkX86Trace, X86Cpu, X86Ctl } from '@pagewright/x86-64';
import { describeTrace } from './mmu-explain.js';
import { describeX86Trace, x86CtlOf } from './mmu-explain-x86.js';
import { hex } from './views.js';

/** The user-mode context every process access runs in. */
const USER: AccessContext = { privilege: 0, sum: false, mxr: false };

/** What the TLB of a hart holds for a page. */
export interface TlbAnswer {
  /** True when a valid entry covers the page for the hart's current ASID (or is global). */
  readonly hit: boolean;
  /** The set the page indexes at the entry's level (set-associative TLBs), else null. */
  readonly set: number | null;
  /** The entry's level (0 = 4 KiB) and frame, on a hit. */
  readonly level: number;
  readonly ppn: number;
  /** The entry's flags (`PteFlag`), on a hit. */
  readonly flags: number;
  /** The line to print. */
  readonly text: string;
}

/** The walk options a hart of `machine` uses (the `Hart`'s own; else hardware A/D with QEMU's PTE-read fault). */
function walkOptionsOf(machine: Machine, hartId: number): WalkOptions {
  const h = machine.harts[hartId] as { walkOptions?: WalkOptions } | undefined;
  if (h?.walkOptions !== undefined) return h.walkOptions;
  return { ...QEMU_WALK_OPTIONS, adPolicy: machine.options.ad === 'svade' ? 'svade' : 'hardware' };
}

/** The TLB's answer for `va` on the hart `proc` runs on, found through `forEach` (no lookup, nothing changes). */
export function tlbAnswer(machine: Machine, proc: Process, va: number): TlbAnswer {
  const hart = machine.harts[proc.hartId]!;
  const onSpace = hart.translating && hart.rootPpn === proc.vm.pageTable.root;
  const vpn = Math.floor((va < 0 ? va + 2 ** machine.arch.vaBits : va) / PAGE_SIZE);
  const tlb = hart.tlb;
  const sets = tlb instanceof SetAssociativeTlb ? tlb.sets : null;
  const ways = tlb instanceof SetAssociativeTlb ? tlb.ways : 0;
  const setOf = (page: number, level: number) =>
    sets === null ? null : Math.floor(page / 512 ** level) % sets;
  // forEach visits the valid slots in slot order (set × ways + way): within one set, in way order.
  let found: { level: number; ppn: number; flags: number; tag: number; rank: number } | null = null;
  const inSet = new Map<number, number>();
  hart.tlb.forEach((e) => {
    const set = setOf(e.vpn, e.level) ?? 0;
    const rank = inSet.get(set) ?? 0;
    inSet.set(set, rank + 1);
    const span = 512 ** e.level;
    if (
      found === null &&
      Math.floor(vpn / span) * span === e.vpn &&
      (e.global || (onSpace && e.asid === hart.asid))
    )
      found = { level: e.level, ppn: e.ppn, flags: e.flags, tag: e.vpn, rank };
  });
  const f = found as { level: number; ppn: number; flags: number; tag: number; rank: number } | null;
  if (f !== null) {
    const set = setOf(vpn, f.level);
    // The way is known when the set is full (every way valid); forEach does not say which slots are empty.
    const way = set !== null && inSet.get(set) === ways ? `, way ${f.rank}` : '';
    const where = set === null ? '' : ` in set ${set}${way}`;
    return {
      hit: true,
      set,
      level: f.level,
      ppn: f.ppn,
      flags: f.flags,
      text:
        `TLB of hart ${hart.id}: a hit${where} (${f.level > 0 ? `level-${f.level} entry, ` : ''}` +
        `${pteFlagsToString(f.flags)}) → frame ${hex(f.ppn + (vpn - f.tag))}`,
    };
  }
  const set = setOf(vpn, 0);
  const why = onSpace ? '' : ' (the hart is not in this address space now)';
  return {
    hit: false,
    set,
    level: -1,
    ppn: -1,
    flags: 0,
    text: `TLB of hart ${hart.id}: a miss${set === null ? '' : ` (a 4 KiB entry would go to set ${set})`}${why}`,
  };
}

/** The page walk of `proc`'s tables for `va` and `access` (0 load, 1 store, 2 fetch) in user mode, side-effect free. */
export function processWalk(machine: Machine, proc: Process, va: number, access: number): WalkTrace {
  const arch: PagingArch = proc.vm.pageTable.mapper.arch;
  const options = walkOptionsOf(machine, proc.hartId);
  const root = proc.vm.pageTable.root;
  return arch instanceof RiscvPagingArch
    ? walkTrace(arch, machine.memory, root, va, access, USER, options)
    : walkTracePagingArch(arch, machine.memory, root, va, access, USER, options);
}

/** The lines of `walk ADDR`: the TLB's answer, each level, then the outcome. */
export function walkLines(machine: Machine, proc: Process, va: number, access: number): string[] {
  const arch = proc.vm.pageTable.mapper.arch;
  const hart = machine.harts[proc.hartId];
  const header = (root: number) =>
    `page walk (${arch.name}, root frame ${hex(root)}, user-mode ${['load', 'store', 'fetch'][access]}):`;
  const tlb = tlbAnswer(machine, proc, va).text;
  if (hart instanceof X86Cpu) {
    // The x86 CPU's own walk (SDM order, #PF error codes), as a user access (CPL 3) with its control registers.
    const x86 = hart.activeArch;
    const root = proc.vm.pageTable.root;
    if (!(va >= x86.vaMin && va < x86.vaMax) || !Number.isInteger(va))
      return [tlb, header(root), '  → #GP: the address is not canonical'];
    const vpn = Math.floor(va / 4096);
    const offset = va - vpn * 4096;
    const ctl = (x86CtlOf(hart) & ~X86Ctl.SmapBlock) | X86Ctl.User;
    const t = walkX86Trace(
      x86,
      machine.memory,
      root,
      vpn < 0 ? vpn + x86.pageSpan : vpn,
      offset,
      access,
      ctl,
      hart.pkru,
      hart.walkOptions,
    );
    return [
      tlb,
      header(root),
      ...describeX86Trace(t),
      ...(t.vector !== 0 ? ['  (the kernel would now handle the page fault: see `r`/`w`/`fetch`)'] : []),
    ];
  }
  const t = processWalk(machine, proc, va, access);
  return [
    tlb,
    header(t.rootPpn),
    ...describeTrace(t),
    ...(t.cause !== 0 ? ['  (the kernel would now handle the page fault: see `r`/`w`/`fetch`)'] : []),
  ];
}
