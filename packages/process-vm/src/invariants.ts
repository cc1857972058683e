/**
 * `checkInvariants`: the consistency checks tests run after every operation — on one process, or on a whole
 * machine (reference counts and leaks need every process).
 *
 * @module
 */

import { PAGE_SIZE, PteFlag, VM_EXEC, VM_MAYSHARE, VM_READ, VM_WRITE } from '@pagewright/core';
import type { SharedObject } from '@pagewright/vma';
import type { Machine } from './machine.js';
import type { Process } from './process.js';

/** Thrown by {@link checkInvariants} with every violation found. */
export class InvariantError extends Error {
  constructor(readonly violations: readonly string[]) {
    super(`invariants violated:\n${violations.join('\n')}`);
    this.name = 'InvariantError';
  }
}

/**
 * Checks one process: VMAs ordered, disjoint, inside the user range (so holes + VMAs tile it); every page table
 * below the root covers part of a VMA (Linux frees the others, `free_pgtables`); every present PTE
 * inside a VMA, user-accessible and with no right the VMA lacks; a writable PTE of a private VMA maps a frame with
 * a single owner. Returns the violations (empty when all hold).
 */
export function processViolations(process: Process): string[] {
  const out: string[] = [];
  const as = process.vm;
  const taskPages = as.limits.taskSize / PAGE_SIZE;
  let prevEnd = 0;
  for (const v of as.vmas) {
    if (v.start < prevEnd) out.push(`VMA ${v} overlaps or is out of order`);
    if (v.end <= v.start) out.push(`VMA ${v} is empty`);
    if (v.end > taskPages) out.push(`VMA ${v} is beyond TASK_SIZE`);
    prevEnd = v.end;
  }
  try {
    as.vmas.checkInvariants();
  } catch (e) {
    out.push(String(e));
  }
  // free_pgtables: every page table below the root covers part of some VMA (a table no VMA can use was freed).
  as.pageTable.mapper.visitTables((pfn, level, start, pages) => {
    const v = as.vmas.findFrom(start);
    if (v === undefined || v.start >= start + pages)
      out.push(
        `page table ${pfn} (level ${level}, pages 0x${start.toString(16)}+0x${pages.toString(16)}) is used by no VMA`,
      );
  });
  const zero = as.m.zeroPfn;
  as.pageTable.forEach(0, taskPages, (vpn, pfn, flags) => {
    const v = as.vmas.find(vpn);
    if (v === undefined) {
      out.push(`PTE of page 0x${vpn.toString(16)} outside every VMA`);
      return;
    }
    if (!(flags & PteFlag.User)) out.push(`PTE of page 0x${vpn.toString(16)} is not a user page`);
    if (flags & PteFlag.Write && !(v.flags & VM_WRITE))
      out.push(`PTE 0x${vpn.toString(16)} writable, VMA not`);
    if (flags & PteFlag.Exec && !(v.flags & VM_EXEC))
      out.push(`PTE 0x${vpn.toString(16)} executable, VMA not`);
    if (flags & PteFlag.Read && !(v.flags & (VM_READ | VM_WRITE | VM_EXEC)))
      out.push(`PTE 0x${vpn.toString(16)} readable, VMA inaccessible`);
    if (pfn === zero && flags & PteFlag.Write) out.push(`zero page mapped writable at 0x${vpn.toString(16)}`);
    if (flags & PteFlag.Write && !(v.flags & VM_MAYSHARE) && as.m.refs.count(pfn) !== 1)
      out.push(`writable private page 0x${vpn.toString(16)} shared (refs ${as.m.refs.count(pfn)})`);
  });
  return out;
}

/**
 * Checks a whole machine: every process ({@link processViolations}), then every data frame's reference count equals
 * the PTEs mapping it plus the shared objects holding it, and the allocator's used frames are exactly the zero page,
 * the page-table frames and the data frames (no leak).
 */
export function machineViolations(machine: Machine): string[] {
  const out: string[] = [];
  const expected = new Map<number, number>();
  let tableFrames = 0;
  for (const p of machine.processes.values()) {
    out.push(...processViolations(p).map((s) => `pid ${p.pid}: ${s}`));
    tableFrames += p.vm.pageTable.tableFrames;
    p.vm.pageTable.forEach(0, p.vm.limits.taskSize / PAGE_SIZE, (_vpn, pfn) => {
      if (pfn !== machine.zeroPfn) expected.set(pfn, (expected.get(pfn) ?? 0) + 1);
    });
  }
  for (const pfn of machine.shared.frames()) expected.set(pfn, (expected.get(pfn) ?? 0) + 1);
  // Every live shared object is mapped, and its VMA count (kept by the VMA sets) is exact.
  const mappers = new Map<SharedObject, number>();
  for (const p of machine.processes.values())
    for (const v of p.vm.vmas)
      if (v.backing.kind === 'anon-shared')
        mappers.set(v.backing.object, (mappers.get(v.backing.object) ?? 0) + 1);
  for (const o of machine.shared.objects()) {
    const n = mappers.get(o) ?? 0;
    if (n === 0) out.push(`shared object ${o.id} is mapped by no VMA but still holds its pages (leak)`);
    if (o.vmaCount !== n) out.push(`shared object ${o.id}: vmaCount ${o.vmaCount}, ${n} VMAs map it`);
  }
  for (const [pfn, n] of expected)
    if (machine.refs.count(pfn) !== n)
      out.push(`frame ${pfn}: refcount ${machine.refs.count(pfn)}, owners ${n}`);
  if (machine.refs.live !== expected.size)
    out.push(`${machine.refs.live} data frames have owners, ${expected.size} are held (leak)`);
  for (const pfn of expected.keys())
    if (!machine.allocator.isAllocated(pfn)) out.push(`frame ${pfn} in use but free in the allocator`);
  const used = machine.framesInUse();
  const accounted = 1 + tableFrames + machine.refs.live;
  if (used !== accounted) out.push(`allocator has ${used} frames in use, ${accounted} accounted for`);
  return out;
}

/** Throws {@link InvariantError} when {@link machineViolations} (or, for a process, its machine's) finds any. */
export function checkInvariants(target: Process | Machine): void {
  const machine = 'machine' in target ? target.machine : target;
  const v = machineViolations(machine);
  if (v.length > 0) throw new InvariantError(v);
}
