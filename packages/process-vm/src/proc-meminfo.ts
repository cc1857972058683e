/**
 * `/proc/meminfo` and `/proc/vmstat` of a machine (fs/proc/meminfo.c, mm/vmstat.c), with Linux's field names and
 * formats for what the machine models: RAM and free frames, the page cache (tmpfs-like: it is all `Shmem`), shared
 * anonymous memory, page tables, anonymous pages, and — with a swap device — swap, the swap cache, the anonymous LRU
 * lists and the reclaim counters. What is not modelled (buffers, slab, file LRU, huge pages, dirty accounting) is
 * left out rather than shown as zero.
 *
 * @module
 */

import { TwoListLruPolicy } from '@pagewright/reclaim';
import type { Machine } from './machine.js';

/** Frames of each kind the two views print. */
interface Usage {
  total: number;
  free: number;
  /** Page-cache frames (the files are tmpfs-like: shmem). */
  cache: number;
  /** Frames of shared anonymous objects (shmem). */
  sharedAnon: number;
  /** Frames in the swap cache. */
  swapCached: number;
  /** Anonymous frames mapped by some PTE (`NR_ANON_MAPPED`). */
  anonMapped: number;
  /** Page-table frames of every live address space (`NR_PAGETABLE`). */
  pageTables: number;
  active: number;
  inactive: number;
  unevictable: number;
}

function usage(machine: Machine): Usage {
  const shared = new Set(machine.shared.frames());
  const anon = new Set<number>();
  let pageTables = 0;
  for (const p of machine.processes.values()) {
    const vm = p.vm;
    if (vm.destroyed) continue;
    pageTables += vm.pageTable.tableFrames;
    vm.pageTable.visit(0, vm.limits.taskSize / 4096, (_vpn, pfn) => {
      if (pfn !== machine.zeroPfn && machine.refs.count(pfn) > 0 && !shared.has(pfn)) anon.add(pfn);
    });
  }
  const reclaim = machine.reclaim;
  const policy = reclaim?.policy;
  const lru = policy instanceof TwoListLruPolicy;
  return {
    total: machine.allocator.totalFrames,
    free: machine.allocator.freeFrames,
    cache: machine.files.cache.stats.framesHeld,
    sharedAnon: shared.size,
    swapCached: reclaim === null ? 0 : reclaim.swapCachePages,
    anonMapped: anon.size,
    pageTables,
    active: lru ? policy.active : 0,
    inactive: lru ? policy.inactive : (policy?.size ?? 0),
    unevictable: reclaim?.reclaimer.unevictablePages ?? 0,
  };
}

/** `/proc/meminfo`: `Name:` padded to 16 columns, the value in kB right-aligned in 8, then ` kB`. */
export function formatMeminfo(machine: Machine): string {
  const u = usage(machine);
  const reclaim = machine.reclaim;
  const kb = (pages: number) => pages * 4;
  const line = (name: string, pages: number) =>
    `${`${name}:`.padEnd(15, ' ')} ${String(kb(pages)).padStart(8, ' ')} kB\n`;
  // si_mem_available: free frames above the reserve (the high watermark), plus half of no file LRU (none here).
  const high = reclaim?.watermarks.high ?? 0;
  let out =
    line('MemTotal', u.total) + line('MemFree', u.free) + line('MemAvailable', Math.max(0, u.free - high));
  // Cached: file pages (the tmpfs-like cache and shmem) without the swap cache.
  out += line('Cached', u.cache + u.sharedAnon);
  if (reclaim !== null) {
    out += line('SwapCached', u.swapCached);
    out +=
      line('Active(anon)', u.active) +
      line('Inactive(anon)', u.inactive) +
      line('Unevictable', u.unevictable);
    out += line('SwapTotal', reclaim.swap.slots) + line('SwapFree', reclaim.swap.free);
  }
  out +=
    line('AnonPages', u.anonMapped) +
    line('Shmem', u.cache + u.sharedAnon) +
    line('PageTables', u.pageTables);
  return out;
}

/** `/proc/vmstat`: `name value` per line, the zone and node counters first, then the events. */
export function formatVmstat(machine: Machine): string {
  const u = usage(machine);
  const lines: [string, number][] = [['nr_free_pages', u.free]];
  const reclaim = machine.reclaim;
  if (reclaim !== null)
    lines.push(
      ['nr_zone_inactive_anon', u.inactive],
      ['nr_zone_active_anon', u.active],
      ['nr_zone_unevictable', u.unevictable],
      ['nr_inactive_anon', u.inactive],
      ['nr_active_anon', u.active],
      ['nr_unevictable', u.unevictable],
    );
  lines.push(
    ['nr_anon_pages', u.anonMapped],
    ['nr_file_pages', u.cache + u.sharedAnon + u.swapCached],
    ['nr_shmem', u.cache + u.sharedAnon],
    ['nr_page_table_pages', u.pageTables],
  );
  if (reclaim !== null) lines.push(['nr_swapcached', u.swapCached]);
  lines.push(...machine.vmstat.entries());
  return lines.map(([n, v]) => `${n} ${v}\n`).join('');
}
