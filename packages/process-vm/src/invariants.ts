/**
 * `checkInvariants`: the consistency checks tests run after every operation — on one process, or on a whole
 * machine (reference counts and leaks need every process).
 *
 * @module
 */

import { PAGE_SIZE, PteFlag, VM_EXEC, VM_MAYSHARE, VM_READ, VM_WRITE } from '@pagewright/core';
import type { OpenFileDescription } from '@pagewright/files';
import type { SharedObject } from '@pagewright/vma';
import { fileOf } from './file-mmap.js';
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
  as.pageTable.visit(0, taskPages, (vpn, pfn, flags) => {
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
    // A file page: a shared file VMA maps exactly the cache page of its offset; a private one that page
    // (read-only) or its own copy.
    if (v.backing.kind === 'file' && !fileOf(v).inode.mapsAsAnonymous) {
      const cached = fileOf(v).inode.pages.get(v.pgoffAt(vpn));
      const isCache = as.m.refs.count(pfn) === 0;
      if (isCache && cached?.pfn !== pfn)
        out.push(`PTE 0x${vpn.toString(16)} maps frame ${pfn}, not the cache page of its file offset`);
      if (!isCache && v.flags & VM_MAYSHARE)
        out.push(`PTE 0x${vpn.toString(16)} of a shared file mapping maps a private frame ${pfn}`);
    }
  });
  // Every file VMA is in its file's reverse map over its page offsets, and nothing else of this space is.
  let fileVmas = 0;
  for (const v of as.vmas) {
    if (v.backing.kind !== 'file') continue;
    fileVmas++;
    const found = fileOf(v)
      .inode.mappings.all()
      .find((r) => (r.handle as { vma?: unknown }).vma === v);
    if (found === undefined) out.push(`file VMA ${v} is not in its file's reverse map`);
    else if (found.firstPage !== v.pgoff || found.endPage !== v.pgoff + v.pages)
      out.push(`file VMA ${v}: reverse map has pages [${found.firstPage}, ${found.endPage})`);
  }
  if (as.fileMaps.size !== fileVmas)
    out.push(`${as.fileMaps.size} file mappings registered, ${fileVmas} file VMAs`);
  return out;
}

/**
 * Checks a whole machine: every process ({@link processViolations}), then every data frame's reference count equals
 * the PTEs mapping it plus the shared objects holding it, every mapped page-cache page's map count equals the PTEs
 * mapping it, every open file description's reference count equals the descriptors and file VMAs holding it, and
 * the allocator's used frames are exactly the zero page, the page-table frames, the data frames and the page cache's
 * frames (no leak).
 */
export function machineViolations(machine: Machine): string[] {
  const out: string[] = [];
  const expected = new Map<number, number>();
  const cacheMapped = new Map<number, number>();
  const descRefs = new Map<OpenFileDescription, number>();
  const countRef = (f: OpenFileDescription): void => {
    descRefs.set(f, (descRefs.get(f) ?? 0) + 1);
  };
  let tableFrames = 0;
  for (const p of machine.processes.values()) {
    out.push(...processViolations(p).map((s) => `pid ${p.pid}: ${s}`));
    tableFrames += p.vm.pageTable.tableFrames;
    p.vm.pageTable.visit(0, p.vm.limits.taskSize / PAGE_SIZE, (_vpn, pfn) => {
      if (pfn === machine.zeroPfn) return;
      // Page-cache frames are not the frame pool's (reference count 0 there): they are counted by map count.
      if (machine.refs.count(pfn) === 0) cacheMapped.set(pfn, (cacheMapped.get(pfn) ?? 0) + 1);
      else expected.set(pfn, (expected.get(pfn) ?? 0) + 1);
    });
    for (const fd of p.fds.openDescriptors()) countRef(p.fds.get(fd));
    for (const e of p.vm.fileMaps.registered()) countRef(e.file);
  }
  // Every mapped cache page is in its file's cache, and its map count equals the PTEs that map it.
  const cache = machine.files.cache;
  for (const [pfn, n] of cacheMapped) {
    const page = cache.pageOfFrame(pfn);
    if (page === undefined) out.push(`frame ${pfn} is mapped but is neither a data frame nor a cache page`);
    else {
      if (page.mapCount !== n)
        out.push(`cache page frame ${pfn}: map count ${page.mapCount}, ${n} PTEs map it`);
      if (!page.inCache) out.push(`cache page frame ${pfn} is mapped after leaving its file (truncated)`);
    }
  }
  // Every open file description's references are the descriptors and file VMAs that hold it.
  for (const [file, n] of descRefs)
    if (file.refCount !== n) out.push(`open file ${file.path}: ${file.refCount} references, ${n} holders`);
  for (const pfn of machine.shared.frames()) expected.set(pfn, (expected.get(pfn) ?? 0) + 1);
  if (machine.reclaim !== null) out.push(...machine.reclaim.violations(expected)); // swap entries, swap cache
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
  const accounted = 1 + tableFrames + machine.refs.live + cache.stats.framesHeld;
  if (used !== accounted) out.push(`allocator has ${used} frames in use, ${accounted} accounted for`);
  return out;
}

/** Throws {@link InvariantError} when {@link machineViolations} (or, for a process, its machine's) finds any. */
export function checkInvariants(target: Process<Machine> | Machine): void {
  const machine = 'machine' in target ? target.machine : target;
  const v = machineViolations(machine);
  if (v.length > 0) throw new InvariantError(v);
}
