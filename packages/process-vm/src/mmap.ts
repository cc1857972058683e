/**
 * `mmap(addr, len, prot, flags, fd, offset)` for anonymous memory and files, with Linux's checks in Linux's order
 * (arch/x86/kernel/sys_x86_64.c `sys_mmap`, mm/mmap.c `ksys_mmap_pgoff`, `do_mmap`, `__get_unmapped_area`,
 * mm/vma.c `__mmap_region`).
 *
 * A file mapping (no `MAP_ANONYMOUS`) maps the open file description behind `fd`: `EBADF` without one, `EINVAL`
 * with `MAP_HUGETLB`; after the address is chosen, `EOVERFLOW` when the offset plus the length passes the file size
 * limit (`file_mmap_ok`), then by map type: `MAP_SHARED` with `PROT_WRITE` needs a writable description (`EACCES`),
 * and a read-only one takes away `VM_MAYWRITE` and `VM_SHARED` (the mapping stays `VM_MAYSHARE`); every file
 * mapping needs a readable description (`EACCES`) and a mappable file (`ENODEV` for a directory); `MAP_GROWSDOWN`
 * is `EINVAL`. `/dev/zero` maps as anonymous memory: privately it keeps the file (maps prints `/dev/zero`) but its
 * pages are anonymous, shared it becomes a new shared anonymous object (`shmem_zero_setup`). The VMA holds a
 * reference on the description and is entered into the file's reverse map (`file-mmap.ts`).
 *
 * @module
 */

import {
  isMmError,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_GROWSDOWN,
  MAP_HUGETLB,
  MAP_LOCKED,
  MAP_NONBLOCK,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_STACK,
  MAP_TYPE,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  VM_ACCOUNT,
  VM_DONTDUMP,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_LOCKONFAULT,
  VM_MAYEXEC,
  VM_MAYREAD,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_NOHUGEPAGE,
  VM_NORESERVE,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_WIPEONFORK,
  type VmFlags,
} from '@pagewright/core';
import type { FdTable, OpenFileDescription } from '@pagewright/files';
import { ANON_PRIVATE, anonShared, type Backing, fileBacking, Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { sealedIn } from './mseal.js';
import { getUnmappedAreaFor } from './placement.js';
import { toInt32, toU64, type U64Arg, u64PageOffset, u64Value } from './u64.js';

/** `MAP_DROPPABLE` (6.11+): a private mapping whose pages the kernel may drop. */
export const MAP_DROPPABLE = 0x08;

/** `MAP_SHARED_VALIDATE`: MAP_SHARED with every flag checked (`EOPNOTSUPP` for one it does not know). */
export const MAP_SHARED_VALIDATE = 0x03;
/** Linux `LEGACY_MAP_MASK`: the flags MAP_SHARED has always accepted (and MAP_SHARED_VALIDATE checks against). */
const LEGACY_MAP_MASK =
  0x01 |
  0x02 |
  0x10 |
  0x20 |
  0x0800 |
  0x1000 |
  0x4000000 |
  0x0100 |
  0x2000 |
  0x4000 |
  0x8000 |
  0x10000 |
  0x20000 |
  0x40000;
/** `MAX_LFS_FILESIZE` on 64-bit: the largest offset a regular file's mapping may reach. */
const MAX_LFS_FILESIZE = (1n << 63n) - 1n;

/**
 * Linux `file_mmap_ok`: may pages `[pgoff, pgoff + len / PAGE_SIZE)` of `file` be mapped? Regular files stop at
 * {@link MAX_LFS_FILESIZE}, other files at 2^64 − 1.
 */
function fileMmapOk(file: OpenFileDescription, off: bigint, len: number): boolean {
  let max = file.inode.type === 'regular' ? MAX_LFS_FILESIZE : (1n << 64n) - 1n;
  const l = BigInt(len);
  if (l > max) return false;
  max -= l;
  return off >> 12n <= max >> 12n;
}

/** `fget(fd)`: the description behind `fd`, or null (no table, a closed or impossible descriptor). */
export function descriptionOf(fds: FdTable | null, fd: number): OpenFileDescription | null {
  if (fds === null || fd < 0) return null;
  try {
    return fds.get(fd);
  } catch (e) {
    if (isMmError(e, 'EBADF')) return null; // no open file at fd: the one failure fget has
    throw e;
  }
}

/**
 * Linux `round_hint_to_min`: the hint rounded down to a page, raised to `mmap_min_addr` when below it.
 */
function roundHintToMin(hint: number, mmapMinAddr: number): number {
  hint -= hint % PAGE_SIZE;
  if (hint !== 0 && hint < mmapMinAddr) return Math.ceil(mmapMinAddr / PAGE_SIZE) * PAGE_SIZE;
  return hint;
}

/** A checked `mmap`: where the new VMA goes and what it is. */
export interface MmapRequest {
  /** The address the call answers (bytes). */
  where: number;
  /** First page and page count of the new VMA. */
  start: number;
  pages: number;
  /** The new VMA's flags. */
  vmFlags: VmFlags;
  /** The `MAP_*` flags as `do_mmap` left them (`MAP_FIXED_NOREPLACE` implies `MAP_FIXED`). */
  flags: number;
  /** The open file mapped, or null for anonymous memory. */
  file: OpenFileDescription | null;
  /** The VMA's page offset. */
  pgoff: number;
  /** A shared mapping (`MAP_SHARED` / `MAP_SHARED_VALIDATE`). */
  shared: boolean;
}

/**
 * Every check `mmap` makes before it changes anything, in Linux's order (`sys_mmap`, `ksys_mmap_pgoff`, `do_mmap`,
 * `__get_unmapped_area`, `__mmap_region`'s accounting and `vms_gather_munmap_vmas`' map-count check): the request,
 * or the call's answer (`-errno`). Reads the address space (the free-area search included), never changes it.
 */
export function decodeMmap(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  protArg: U64Arg,
  flagsArg: U64Arg,
  fdArg: U64Arg,
  offArg: U64Arg,
  fds: FdTable | null = null,
): MmapRequest | SyscallResult {
  // Values are u64s as numbers (exact up to 2^53; larger ones only ever compare above TASK_SIZE), so the common
  // path needs no BigInt; the offset's alignment is checked exactly.
  const addr0 = u64Value(addrArg);
  const len0 = u64Value(lenArg);
  const offInPage = u64PageOffset(offArg);
  const prot = toInt32(protArg);
  const flags0 = toInt32(flagsArg);
  const fd = toInt32(fdArg);
  if (addr0 < 0 || len0 < 0 || offInPage < 0 || prot === undefined || flags0 === undefined)
    return NegErrno.EINVAL;
  if (fd === undefined) return NegErrno.EBADF;
  // sys_mmap: the offset must be page-aligned.
  if (offInPage !== 0) return NegErrno.EINVAL;
  // ksys_mmap_pgoff: without MAP_ANONYMOUS the descriptor must name an open file (fget), and MAP_HUGETLB needs a
  // hugetlbfs file.
  let file: OpenFileDescription | null = null;
  if (!(flags0 & MAP_ANONYMOUS)) {
    file = descriptionOf(fds, fd);
    if (file === null) return NegErrno.EBADF;
    if (flags0 & MAP_HUGETLB) return NegErrno.EINVAL;
  }
  let flags = flags0;
  const taskSize = as.limits.taskSize;
  // do_mmap
  if (len0 === 0) return NegErrno.EINVAL;
  if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
  let addr = addr0;
  if (!(flags & MAP_FIXED)) addr = roundHintToMin(addr, as.limits.mmapMinAddr);
  // PAGE_ALIGN(len) either wraps to 0 or exceeds TASK_SIZE when len does: ENOMEM both ways.
  if (len0 > taskSize) return NegErrno.ENOMEM;
  const len = Math.ceil(len0 / PAGE_SIZE) * PAGE_SIZE;
  if (len > taskSize) return NegErrno.ENOMEM;
  if (as.vmas.size > as.limits.maxMapCount) return NegErrno.ENOMEM;
  let vmFlags: VmFlags =
    (prot & PROT_READ ? 0x1 : 0) |
    (prot & PROT_WRITE ? 0x2 : 0) |
    (prot & PROT_EXEC ? 0x4 : 0) |
    (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) |
    (flags & MAP_LOCKED ? VM_LOCKED : 0) |
    (flags & MAP_STACK ? VM_NOHUGEPAGE : 0) |
    as.defFlags |
    VM_MAYREAD |
    VM_MAYWRITE |
    VM_MAYEXEC;
  // __get_unmapped_area
  let where: number;
  if (flags & MAP_FIXED) where = addr;
  else {
    // With the file and flags Linux passes: transparent-huge-page alignment where it applies (placement.ts).
    where = getUnmappedAreaFor(as, addr, len, {
      file: file === null ? null : file.inode.mapsAsAnonymous ? 'zero' : 'regular',
      pgoff: file === null ? 0 : Math.floor(u64Value(offArg) / PAGE_SIZE),
      shared: (flags & 0x3) !== 0x2,
    });
    if (where < 0) return NegErrno.ENOMEM;
  }
  if (where > taskSize - len) return NegErrno.ENOMEM;
  if (where % PAGE_SIZE !== 0) return NegErrno.EINVAL;
  if (where < as.limits.mmapMinAddr) return NegErrno.EPERM;
  const start = where / PAGE_SIZE;
  const pages = len / PAGE_SIZE;
  if (flags0 & MAP_FIXED_NOREPLACE && as.vmas.index.conflicts(start, start + pages)) return NegErrno.EEXIST;
  // mlock_future_ok
  if (vmFlags & VM_LOCKED && (as.lockedPages() + pages) * PAGE_SIZE > as.limits.memlockLimit)
    return NegErrno.EAGAIN;
  let pgoff = 0;
  let shared = false;
  if (file !== null) {
    const off = toU64(offArg);
    if (!fileMmapOk(file, off, len)) return NegErrno.EOVERFLOW;
    pgoff = Number(off >> 12n);
    const type = flags & MAP_TYPE;
    if (type === MAP_SHARED || type === MAP_SHARED_VALIDATE) {
      if (type === MAP_SHARED) flags &= LEGACY_MAP_MASK;
      if (flags & ~LEGACY_MAP_MASK) return NegErrno.EOPNOTSUPP;
      if (prot & PROT_WRITE && !file.writable) return NegErrno.EACCES;
      vmFlags |= VM_SHARED | VM_MAYSHARE;
      if (!file.writable) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
      shared = true;
    } else if (type !== MAP_PRIVATE) return NegErrno.EINVAL;
    if (!file.readable) return NegErrno.EACCES;
    if (file.inode.type === 'directory') return NegErrno.ENODEV;
    if (vmFlags & VM_GROWSDOWN) return NegErrno.EINVAL;
  } else
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
        if (vmFlags & VM_GROWSDOWN) return NegErrno.EINVAL;
        pgoff = 0;
        shared = true;
        vmFlags |= VM_SHARED | VM_MAYSHARE;
        break;
      case MAP_DROPPABLE:
        if (flags & MAP_LOCKED || vmFlags & VM_GROWSDOWN) return NegErrno.EINVAL;
        vmFlags |= VM_WIPEONFORK | VM_DONTDUMP | VM_NORESERVE;
        pgoff = start;
        break;
      case MAP_PRIVATE:
        pgoff = start;
        break;
      default:
        return NegErrno.EINVAL;
    }
  if (flags & MAP_NORESERVE) vmFlags |= VM_NORESERVE;
  if (file === null && flags & MAP_HUGETLB) return NegErrno.ENOMEM; // no huge pages are reserved in this model
  // __mmap_setup → vms_gather_munmap_vmas: a sealed VMA in a MAP_FIXED range cannot be unmapped (mseal.ts).
  if (flags & MAP_FIXED && sealedIn(as, start, start + pages)) return NegErrno.EPERM;
  // __mmap_region: accountable_mapping() charges private writable memory (overcommit heuristic).
  if ((vmFlags & (VM_SHARED | 0x2 | VM_NORESERVE)) === 0x2) {
    if (len > as.limits.overcommitBytes) return NegErrno.ENOMEM;
    vmFlags |= VM_ACCOUNT;
  }
  vmFlags |= VM_SOFTDIRTY;
  // Check before change: vms_gather_munmap_vmas refuses to split a VMA that sticks out on both sides of a
  // MAP_FIXED range when the map count is at its limit (ENOMEM, nothing unmapped). Past this point nothing can
  // fail: the unmap needs no memory, the range is then free for the new VMA, and the shared object (if any) is
  // created only once the VMA that holds it is about to go in.
  if (flags & MAP_FIXED && as.vmas.size >= as.limits.maxMapCount) {
    const first = as.vmas.find(start);
    if (first !== undefined && first.start < start && first.end > start + pages) return NegErrno.ENOMEM;
  }
  return { where, start, pages, vmFlags, flags, file, pgoff, shared };
}

/**
 * Makes a checked mapping (nothing can fail any more): the old range is unmapped (`MAP_FIXED`), the VMA goes in
 * with Linux's merge rules, and `MAP_POPULATE` / `MAP_LOCKED` fault the pages in (errors ignored, as Linux).
 * Returns the address.
 */
export function doMmap(as: AddressSpace, req: MmapRequest): SyscallResult {
  const { where, start, pages, vmFlags, flags, file, pgoff, shared } = req;
  as.unmapRange(start, start + pages);
  let backing: Backing;
  if (file === null) backing = shared ? anonShared(as.m.shared.create(pages)) : ANON_PRIVATE;
  // shmem_zero_setup: a new object the size of the mapping (pages at pgoff past it raise SIGBUS, as in Linux).
  else if (shared && file.inode.mapsAsAnonymous) backing = anonShared(as.m.shared.create(pages));
  else backing = fileBacking(file);
  as.vmas.insertAndMerge(new Vma({ start, end: start + pages, flags: vmFlags >>> 0, backing, pgoff }));
  if (backing.kind === 'file') {
    as.watchFiles();
    as.fileMaps.sync(true);
  }
  as.updateHiwater();
  if (
    (vmFlags & VM_LOCKED && !(vmFlags & VM_LOCKONFAULT)) ||
    (flags & (MAP_POPULATE | MAP_NONBLOCK)) === MAP_POPULATE
  )
    as.populate(start, start + pages, true);
  return where;
}

/**
 * The system call. Returns the address of the mapping, or `-errno`.
 */
export function sysMmap(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  protArg: U64Arg,
  flagsArg: U64Arg,
  fdArg: U64Arg,
  offArg: U64Arg,
  fds: FdTable | null = null,
): SyscallResult {
  const req = decodeMmap(as, addrArg, lenArg, protArg, flagsArg, fdArg, offArg, fds);
  return typeof req === 'number' ? req : doMmap(as, req);
}
