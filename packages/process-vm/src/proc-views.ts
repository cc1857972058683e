/**
 * The `/proc/PID` views of an address space, in Linux's exact formats (fs/proc/task_mmu.c, fs/proc/array.c):
 * `maps`, `smaps` and the memory lines of `status`.
 *
 * @module
 */

import { formatVmFlags, PAGE_SIZE, PteFlag, VM_LOCKED, vmFlagsToMapsPerms } from '@pagewright/core';
import { formatDeviceNumber } from '@pagewright/files';
import type { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { fileOf } from './file-mmap.js';
import { vmaSwapKb, vmSwapKb } from './swap-views.js';

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** The name column of a VMA (`[heap]`, `[stack]`, `/dev/zero (deleted)`, `[anon:NAME]`), or null. */
export function vmaName(as: AddressSpace, v: Vma): string | null {
  if (v.backing.kind === 'anon-shared') return '/dev/zero (deleted)';
  if (v.backing.kind === 'file') return fileOf(v).displayPath;
  const start = v.start * PAGE_SIZE;
  const end = v.end * PAGE_SIZE;
  if (start < as.brk && end > as.startBrk) return '[heap]';
  if (start <= as.startStack && end >= as.startStack && as.startStack !== 0) return '[stack]';
  // A special mapping ([vdso], [vvar]) carries its name with the brackets, which PR_SET_VMA_ANON_NAME refuses in a
  // name (is_valid_name_char), so the two never meet.
  if (v.name !== null) return v.name.charCodeAt(0) === 0x5b ? v.name : `[anon:${v.name}]`;
  return null;
}

/** One `/proc/PID/maps` line (without the newline). */
export function formatMapsLine(as: AddressSpace, v: Vma): string {
  // show_map_vma: a file's offset, device (major:minor, two hex digits each) and inode number in decimal.
  const shared = v.backing.kind !== 'anon-private';
  const offset = shared ? v.pgoff * PAGE_SIZE : 0;
  const file = v.backing.kind === 'file' ? fileOf(v) : null;
  const dev =
    file !== null ? formatDeviceNumber(file.inode.dev) : v.backing.kind === 'anon-shared' ? '00:01' : '00:00';
  const inode = v.backing.kind === 'anon-shared' ? v.backing.object.id : file !== null ? file.inode.ino : 0;
  const head = `${hex(v.start * PAGE_SIZE, 8)}-${hex(v.end * PAGE_SIZE, 8)} ${vmFlagsToMapsPerms(v.flags)} ${hex(offset, 8)} ${dev} ${inode} `;
  const name = vmaName(as, v);
  if (name === null) return head;
  return `${head.padEnd(72, ' ')} ${name}`;
}

/** `/proc/PID/maps`: one line per VMA, ascending, each ending in a newline. */
export function formatMaps(as: AddressSpace): string {
  let out = '';
  for (const v of as.vmas) out += `${formatMapsLine(as, v)}\n`;
  return out;
}

/** Per-VMA page statistics, in pages (Pss in fractional pages). */
export interface VmaUsage {
  rss: number;
  pss: number;
  pssDirty: number;
  sharedClean: number;
  sharedDirty: number;
  privateClean: number;
  privateDirty: number;
  referenced: number;
  anonymous: number;
}

/** Counts the resident pages of `v` as smaps does (`smaps_pte_entry`; the zero page is not a normal page). */
export function vmaUsage(as: AddressSpace, v: Vma): VmaUsage {
  const u: VmaUsage = {
    rss: 0,
    pss: 0,
    pssDirty: 0,
    sharedClean: 0,
    sharedDirty: 0,
    privateClean: 0,
    privateDirty: 0,
    referenced: 0,
    anonymous: 0,
  };
  const zero = as.m.zeroPfn;
  const sharedBacking = v.backing.kind === 'anon-shared';
  const cache = as.m.files.cache;
  as.pageTable.visit(v.start, v.end, (_vpn, pfn, flags) => {
    if (pfn === zero) return;
    const refs = as.m.refs.count(pfn);
    // A page-cache page (refs 0 in the frame pool): its map count, dirty when the PTE or the page is (smaps).
    const page = refs === 0 ? cache.pageOfFrame(pfn) : undefined;
    const mapcount =
      page !== undefined ? Math.max(1, page.mapCount) : Math.max(1, sharedBacking ? refs - 1 : refs);
    const dirty = (flags & PteFlag.Dirty) !== 0 || page?.dirty === true;
    u.rss++;
    u.pss += 1 / mapcount;
    if (dirty) u.pssDirty += 1 / mapcount;
    if (mapcount >= 2) {
      if (dirty) u.sharedDirty++;
      else u.sharedClean++;
    } else if (dirty) u.privateDirty++;
    else u.privateClean++;
    if (flags & PteFlag.Accessed) u.referenced++;
    if (!sharedBacking && page === undefined) u.anonymous++;
  });
  return u;
}

const kb = (pages: number) => Math.floor(pages * 4);
const line = (name: string, value: number) =>
  `${`${name}:`.padEnd(16, ' ')}${String(value).padStart(8, ' ')} kB\n`;

/** `/proc/PID/smaps`. */
export function formatSmaps(as: AddressSpace): string {
  let out = '';
  for (const v of as.vmas) {
    const u = vmaUsage(as, v);
    out += `${formatMapsLine(as, v)}\n`;
    out += line('Size', v.pages * 4);
    out += line('KernelPageSize', 4);
    out += line('MMUPageSize', 4);
    out += line('Rss', kb(u.rss));
    out += line('Pss', kb(u.pss));
    out += line('Pss_Dirty', kb(u.pssDirty));
    out += line('Shared_Clean', kb(u.sharedClean));
    out += line('Shared_Dirty', kb(u.sharedDirty));
    out += line('Private_Clean', kb(u.privateClean));
    out += line('Private_Dirty', kb(u.privateDirty));
    out += line('Referenced', kb(u.referenced));
    out += line('Anonymous', kb(u.anonymous));
    out += line('KSM', 0);
    out += line('LazyFree', 0);
    out += line('AnonHugePages', 0);
    out += line('ShmemPmdMapped', 0);
    out += line('FilePmdMapped', 0);
    out += line('Shared_Hugetlb', 0);
    out += `Private_Hugetlb: ${String(0).padStart(7, ' ')} kB\n`;
    const swapped = vmaSwapKb(as, v);
    out += line('Swap', swapped.swap);
    out += line('SwapPss', swapped.swapPss);
    out += line('Locked', v.flags & VM_LOCKED ? kb(u.pss) : 0);
    out += `${'THPeligible:'.padEnd(16, ' ')}${String(0).padStart(8, ' ')}\n`;
    out += `VmFlags: ${formatVmFlags(v.flags)}\n`;
  }
  return out;
}

/** The memory lines of `/proc/PID/status` (`VmPeak` ... `VmSwap`). */
export function formatStatus(as: AddressSpace, pid: number): string {
  // VmSize, VmLck, VmData, VmStk and the exec total are the VMA set's running totals (Linux reads the mm counters).
  const vmas = as.vmas;
  const total = vmas.totalPages;
  const locked = vmas.lockedPages;
  const data = vmas.dataPages;
  const stack = vmas.stackPages;
  const exec = vmas.execPages;
  let rssAnon = 0;
  let rssShmem = 0;
  for (const v of vmas) {
    const u = vmaUsage(as, v);
    // The files are tmpfs-like (shmem): their cache pages count as RssShmem, a private mapping's copies as RssAnon.
    if (v.backing.kind === 'anon-shared') rssShmem += u.rss;
    else if (v.backing.kind === 'file') {
      rssAnon += u.anonymous;
      rssShmem += u.rss - u.anonymous;
    } else rssAnon += u.rss;
  }
  const rss = rssAnon + rssShmem;
  if (rss > as.hiwaterRss) as.hiwaterRss = rss;
  if (total > as.hiwaterVm) as.hiwaterVm = total;
  const text =
    Math.ceil(as.endCode / PAGE_SIZE) * PAGE_SIZE - Math.floor(as.startCode / PAGE_SIZE) * PAGE_SIZE;
  const textKb = Math.max(0, text / 1024);
  const f = (name: string, v: number) => `${name}:\t${String(v).padStart(8, ' ')} kB\n`;
  return (
    `Pid:\t${pid}\n` +
    f('VmPeak', as.hiwaterVm * 4) +
    f('VmSize', total * 4) +
    f('VmLck', locked * 4) +
    f('VmPin', 0) +
    f('VmHWM', as.hiwaterRss * 4) +
    f('VmRSS', rss * 4) +
    f('RssAnon', rssAnon * 4) +
    f('RssFile', 0) +
    f('RssShmem', rssShmem * 4) +
    f('VmData', data * 4) +
    f('VmStk', stack * 4) +
    f('VmExe', textKb) +
    f('VmLib', Math.max(0, exec * 4 - textKb)) +
    f('VmPTE', as.pageTable.tableBytes / 1024) +
    f('VmSwap', vmSwapKb(as))
  );
}
