/**
 * File mappings of an address space: the reverse map entries (`inode.mappings`, Linux's `i_mmap`) and the
 * references on open file descriptions (`get_file` / `fput`) that file VMAs hold, and the truncation hook
 * (`unmap_mapping_range`) the filesystem calls through its `MappingObserver`.
 *
 * ## How the entries stay exact
 * A file VMA is registered as one handle `{ as, vma }` over its page-offset range `[pgoff, pgoff + pages)` and holds
 * one reference on its description. The VMA set splits, merges, grows and moves VMAs on its own (mprotect, mlock,
 * mremap, madvise); {@link FileMappings.sync} reconciles the registry with the set — a new piece (a split's upper
 * half, an mremap copy) is registered and takes its reference, a VMA that left the set (merged away, unmapped, moved)
 * is removed and drops its reference, a resized one is updated. Every system call that can change file VMAs syncs
 * before it returns, and truncation syncs every space that maps the file before it asks the reverse map, so every
 * observer sees the registry equal to the VMAs. A space without file mappings pays one size check.
 *
 * @module
 */

import { PAGE_SIZE } from '@pagewright/core';
import type { Inode, MappingObserver, OpenFileDescription, PageCache } from '@pagewright/files';
import type { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { NOT_MAPPED } from './page-table.js';

/** The reverse-map handle of one file VMA. */
export interface FileMappingHandle {
  /** The address space that maps the file. */
  readonly as: AddressSpace;
  /** The VMA. */
  readonly vma: Vma;
}

/** One registered file VMA: its reverse-map handle, the open file description it holds, and its page-offset range. */
export interface FileMappingEntry {
  readonly handle: FileMappingHandle;
  readonly file: OpenFileDescription;
  first: number;
  end: number;
}

/** The description a file VMA maps. */
export function fileOf(v: Vma): OpenFileDescription {
  return (v.backing as { file: unknown }).file as OpenFileDescription;
}

/** The file VMAs of one address space as the reverse maps and description references know them. */
export class FileMappings {
  private readonly entries = new Map<Vma, FileMappingEntry>();

  constructor(private readonly as: AddressSpace) {}

  /** Number of registered file VMAs. */
  get size(): number {
    return this.entries.size;
  }

  /** The registered VMAs with their page-offset ranges (for the invariant checker). */
  registered(): IterableIterator<FileMappingEntry> {
    return this.entries.values();
  }

  /**
   * Reconciles the registry with the VMA set (see the module comment). `force` also runs it when nothing is
   * registered yet (after a new file VMA went in, or a fork copied some).
   */
  sync(force = false): void {
    if (this.entries.size === 0 && !force) return;
    const seen = new Set<Vma>();
    for (const v of this.as.vmas) {
      if (v.backing.kind !== 'file') continue;
      seen.add(v);
      const first = v.pgoff;
      const end = v.pgoff + (v.end - v.start);
      const e = this.entries.get(v);
      if (e === undefined) {
        const file = fileOf(v);
        const handle: FileMappingHandle = { as: this.as, vma: v };
        file.inode.mappings.insert(handle, first, end);
        file.ref();
        this.entries.set(v, { handle, file, first, end });
      } else if (e.first !== first || e.end !== end) {
        e.file.inode.mappings.update(e.handle, first, end);
        e.first = first;
        e.end = end;
      }
    }
    if (seen.size === this.entries.size) return;
    for (const [v, e] of [...this.entries]) {
      if (seen.has(v)) continue;
      this.entries.delete(v);
      e.file.inode.mappings.remove(e.handle);
      e.file.release();
    }
  }
}

/**
 * The filesystem's truncation hook: Linux `unmap_mapping_range(mapping, start, len, even_cows = 1)` — removes the
 * PTEs of file pages `[firstPage, endPage)` from every VMA that maps them, in every address space, private COW
 * copies included, so that later accesses fault (and find the pages gone: SIGBUS past the end of file).
 */
export const FILE_MAPPING_OBSERVER: MappingObserver = {
  unmapMappingRange(inode: Inode, firstPage: number, endPage: number): void {
    syncMappers(inode);
    for (const r of inode.mappings.overlapping(firstPage, endPage)) {
      const { as, vma } = r.handle as FileMappingHandle;
      const s = Math.max(firstPage, r.firstPage);
      const e = Math.min(endPage, r.endPage);
      if (s < e) as.zap(vma.start + (s - vma.pgoff), vma.start + (e - vma.pgoff));
    }
  },
};

/** Syncs every address space that maps `inode`, so that its reverse map is exact. */
function syncMappers(inode: Inode): void {
  const spaces = new Set<AddressSpace>();
  for (const r of inode.mappings.all()) spaces.add((r.handle as FileMappingHandle).as);
  for (const as of spaces) as.fileMaps.sync();
}

/**
 * `fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)` on file pages `[first, end)` as tmpfs does it
 * (`shmem_fallocate`): the page-cache pages are unmapped from every mapping (`unmap_mapping_range` with
 * `even_cows = 0`: private copies stay), then leave the cache, and the file reads as zeros there; the size stays.
 * The files package has no hole punch of its own, so the pages are written back, dropped (`invalidate`) and
 * zeroed in the store: what every reader sees is the same as after a real hole punch.
 */
export function punchHole(cache: PageCache, inode: Inode, first: number, end0: number): void {
  const end = Math.min(end0, inode.sizePages);
  if (first >= end) return;
  syncMappers(inode);
  for (const r of inode.mappings.overlapping(first, end)) {
    const { as, vma } = r.handle as FileMappingHandle;
    const s = vma.start + (Math.max(first, r.firstPage) - vma.pgoff);
    const e = vma.start + (Math.min(end, r.endPage) - vma.pgoff);
    const pt = as.pageTable;
    const dropped: number[] = [];
    for (let vpn = s; vpn < e; vpn++) {
      const pfn = pt.lookup(vpn);
      if (pfn !== NOT_MAPPED && as.m.refs.count(pfn) === 0) {
        pt.unmap(vpn);
        dropped.push(pfn);
      }
    }
    pt.flush();
    for (const pfn of dropped) cache.unmapPage(pfn);
  }
  cache.writeback(inode, first, end, 'sync');
  cache.invalidate(inode, first, end);
  const zeros = new Uint8Array(PAGE_SIZE);
  for (let i = first; i < end; i++) if (inode.store.hasPage(i)) inode.store.writePage(i, zeros);
}
