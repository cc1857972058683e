/**
 * `madvise(addr, len, advice)` (mm/madvise.c, Linux 6.18): argument checks, then the advice applied VMA by VMA;
 * unmapped parts of the range are skipped and reported as ENOMEM at the end ("apply then ENOMEM").
 *
 * @module
 */

import {
  Access,
  MADV_COLD,
  MADV_COLLAPSE,
  MADV_DODUMP,
  MADV_DOFORK,
  MADV_DONTDUMP,
  MADV_DONTFORK,
  MADV_DONTNEED,
  MADV_DONTNEED_LOCKED,
  MADV_FREE,
  MADV_GUARD_INSTALL,
  MADV_GUARD_REMOVE,
  MADV_HUGEPAGE,
  MADV_HWPOISON,
  MADV_KEEPONFORK,
  MADV_MERGEABLE,
  MADV_NOHUGEPAGE,
  MADV_NORMAL,
  MADV_PAGEOUT,
  MADV_POPULATE_READ,
  MADV_POPULATE_WRITE,
  MADV_RANDOM,
  MADV_REMOVE,
  MADV_SEQUENTIAL,
  MADV_SOFT_OFFLINE,
  MADV_UNMERGEABLE,
  MADV_WILLNEED,
  MADV_WIPEONFORK,
  MmError,
  PAGE_SIZE,
  VM_DONTCOPY,
  VM_DONTDUMP,
  VM_HUGEPAGE,
  VM_HUGETLB,
  VM_IO,
  VM_LOCKED,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_MERGEABLE,
  VM_NOHUGEPAGE,
  VM_PFNMAP,
  VM_RAND_READ,
  VM_READ,
  VM_SEQ_READ,
  VM_SHARED,
  VM_WIPEONFORK,
  VM_WRITE,
  type VmFlags,
} from '@pagewright/core';
import type { SharedObject, Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { fileOf, punchHole } from './file-mmap.js';
import { guardInstall, guardRemove } from './guard-regions.js';
import { canMadviseModify } from './mseal.js';
import { OOM_KILL } from './signals.js';
import { BAD_ARG, pageAlign64, toInt32, toU64, type U64Arg } from './u64.js';

const ADVICE_VALID = new Set<number>([
  MADV_NORMAL,
  MADV_RANDOM,
  MADV_SEQUENTIAL,
  MADV_WILLNEED,
  MADV_DONTNEED,
  MADV_FREE,
  MADV_REMOVE,
  MADV_DONTFORK,
  MADV_DOFORK,
  MADV_MERGEABLE,
  MADV_UNMERGEABLE,
  MADV_HUGEPAGE,
  MADV_NOHUGEPAGE,
  MADV_DONTDUMP,
  MADV_DODUMP,
  MADV_WIPEONFORK,
  MADV_KEEPONFORK,
  MADV_COLD,
  MADV_PAGEOUT,
  MADV_POPULATE_READ,
  MADV_POPULATE_WRITE,
  MADV_DONTNEED_LOCKED,
  MADV_COLLAPSE,
  MADV_GUARD_INSTALL,
  MADV_GUARD_REMOVE,
  MADV_HWPOISON,
  MADV_SOFT_OFFLINE,
]);

/** A checked `madvise`: the page range inside user space, the advice, and whether the range ran past it. */
export interface MadviseRequest {
  start: number;
  end: number;
  advice: number;
  /** The range went past `TASK_SIZE` (that part is a hole: ENOMEM once the rest is advised). */
  tail: boolean;
}

/**
 * Every check `madvise` makes before it looks at a VMA, in Linux's order (`is_valid_madvise`, the length checks,
 * `madvise_should_skip`'s EPERM): the request, or the call's answer (`-errno`, or 0 for an empty range).
 */
export function decodeMadvise(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  adviceArg: U64Arg,
): MadviseRequest | SyscallResult {
  const start0 = toU64(addrArg);
  const lenIn = toU64(lenArg);
  const advice = toInt32(adviceArg);
  if (start0 === BAD_ARG || lenIn === BAD_ARG || advice === undefined) return NegErrno.EINVAL;
  if (!ADVICE_VALID.has(advice)) return NegErrno.EINVAL;
  if (start0 & 0xfffn) return NegErrno.EINVAL;
  const len = pageAlign64(lenIn);
  if (lenIn !== 0n && len === 0n) return NegErrno.EINVAL;
  if (start0 + len > (1n << 64n) - 1n) return NegErrno.EINVAL;
  if (len === 0n) return 0;
  if (advice === MADV_HWPOISON || advice === MADV_SOFT_OFFLINE) return NegErrno.EPERM;
  const taskSize = BigInt(as.limits.taskSize);
  if (start0 >= taskSize) return NegErrno.ENOMEM;
  const start = Number(start0) / PAGE_SIZE;
  const endAddr = start0 + len > taskSize ? taskSize : start0 + len;
  const end = Number(endAddr) / PAGE_SIZE;
  const tail = start0 + len > taskSize; // the part above TASK_SIZE is a hole
  return { start, end, advice, tail };
}

/**
 * Applies checked advice VMA by VMA (`madvise_walk_vmas`): a VMA that refuses the advice answers its errno (the
 * VMAs before it advised), holes are skipped and answered ENOMEM at the end.
 */
export function doMadvise(as: AddressSpace, req: MadviseRequest): SyscallResult {
  const { start, end, advice, tail } = req;
  if (advice === MADV_POPULATE_READ || advice === MADV_POPULATE_WRITE)
    return populate(as, start, end, advice === MADV_POPULATE_WRITE, tail);
  if (advice === MADV_COLLAPSE) return NegErrno.EINVAL; // MADV_COLLAPSE: no transparent huge pages here
  // Flag-changing advice goes through vma_modify (split/merge); the others visit each VMA's part.
  const flagUpdate = flagAdvice(advice);
  if (flagUpdate !== null) {
    let failure = 0;
    let hole = false;
    try {
      const r = as.vmas.modifyRange(
        start,
        end,
        (v) => {
          if (!canMadviseModify(v, advice)) throw new MmError('EPERM');
          const f = flagUpdate(v);
          return f === v.flags ? null : { flags: f };
        },
        false,
      );
      hole = r.holeAt >= 0;
    } catch (e) {
      if (!(e instanceof MmError)) throw e;
      failure = e.toReturnValue();
    }
    if (failure !== 0) return failure;
    return hole || tail ? NegErrno.ENOMEM : 0;
  }
  let cur = start;
  let hole = false;
  while (cur < end) {
    const v = as.vmas.findFrom(cur);
    if (v === undefined || v.start >= end) {
      hole = true;
      break;
    }
    if (v.start > cur) hole = true;
    const s = Math.max(v.start, cur);
    const e = Math.min(v.end, end);
    const err = visit(as, v, s, e, advice);
    if (err !== 0) return err;
    cur = e;
  }
  return hole || tail ? NegErrno.ENOMEM : 0;
}

/** The system call. Returns 0 or `-errno`. */
export function sysMadvise(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  adviceArg: U64Arg,
): SyscallResult {
  const req = decodeMadvise(as, addrArg, lenArg, adviceArg);
  return typeof req === 'number' ? req : doMadvise(as, req);
}

/** The new flags for advice that only changes VMA flags, or null for other advice. May throw MmError. */
function flagAdvice(advice: number): ((v: Vma) => VmFlags) | null {
  switch (advice) {
    case MADV_NORMAL:
      return (v) => (v.flags & ~(VM_RAND_READ | VM_SEQ_READ)) >>> 0;
    case MADV_SEQUENTIAL:
      return (v) => ((v.flags & ~VM_RAND_READ) | VM_SEQ_READ) >>> 0;
    case MADV_RANDOM:
      return (v) => ((v.flags & ~VM_SEQ_READ) | VM_RAND_READ) >>> 0;
    case MADV_DONTFORK:
      return (v) => (v.flags | VM_DONTCOPY) >>> 0;
    case MADV_DOFORK:
      return (v) => {
        if (v.flags & VM_IO) throw new MmError('EINVAL');
        return (v.flags & ~VM_DONTCOPY) >>> 0;
      };
    case MADV_WIPEONFORK:
      return (v) => {
        if (v.backing.kind !== 'anon-private' || v.flags & VM_SHARED) throw new MmError('EINVAL');
        return (v.flags | VM_WIPEONFORK) >>> 0;
      };
    case MADV_KEEPONFORK:
      return (v) => (v.flags & ~VM_WIPEONFORK) >>> 0;
    case MADV_DONTDUMP:
      return (v) => (v.flags | VM_DONTDUMP) >>> 0;
    case MADV_DODUMP:
      return (v) => {
        if (v.flags & (VM_IO | VM_PFNMAP | 0x40000 | 0x10000000)) throw new MmError('EINVAL');
        return (v.flags & ~VM_DONTDUMP) >>> 0;
      };
    case MADV_HUGEPAGE:
      return (v) => ((v.flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE) >>> 0;
    case MADV_NOHUGEPAGE:
      return (v) => ((v.flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE) >>> 0;
    case MADV_MERGEABLE:
      return (v) =>
        v.flags & (VM_SHARED | VM_MAYSHARE | VM_PFNMAP | VM_IO | VM_HUGETLB)
          ? v.flags
          : (v.flags | VM_MERGEABLE) >>> 0;
    case MADV_UNMERGEABLE:
      return (v) => (v.flags & ~VM_MERGEABLE) >>> 0;
    default:
      return null;
  }
}

/** One VMA's part `[s, e)` of page-level advice. Returns 0 or `-errno`. */
function visit(as: AddressSpace, v: Vma, s: number, e: number, advice: number): number {
  if (!canMadviseModify(v, advice)) return NegErrno.EPERM; // a sealed read-only private anonymous VMA
  switch (advice) {
    case MADV_WILLNEED:
      return 0;
    case MADV_GUARD_INSTALL:
      return guardInstall(as, v, s, e);
    case MADV_GUARD_REMOVE:
      return guardRemove(as, v, s, e);
    case MADV_DONTNEED:
    case MADV_DONTNEED_LOCKED:
    case MADV_FREE:
      if (v.flags & VM_PFNMAP || (advice !== MADV_DONTNEED_LOCKED && v.flags & VM_LOCKED))
        return NegErrno.EINVAL;
      if (advice === MADV_FREE && v.backing.kind !== 'anon-private') return NegErrno.EINVAL;
      if (advice === MADV_FREE) {
        // Lazy free: the pages may be reclaimed under pressure; this model has none, so they keep their content
        // until rewritten (linux-behaviours #150), but clean: a later DONTNEED or reclaim would drop them.
        return 0;
      }
      as.zap(s, e);
      return 0;
    case MADV_REMOVE: {
      // madvise_remove: a file behind the VMA, mapped shared and may-write (vma_is_shared_maywrite), then
      // vfs_fallocate(PUNCH_HOLE | KEEP_SIZE) over the VMA's part of the file.
      if (v.flags & VM_LOCKED) return NegErrno.EINVAL;
      if (v.backing.kind === 'anon-private') return NegErrno.EINVAL;
      if (!(v.flags & VM_SHARED) || !(v.flags & VM_MAYWRITE)) return NegErrno.EACCES;
      if (v.backing.kind === 'file') {
        const inode = fileOf(v).inode;
        if (inode.mapsAsAnonymous) return NegErrno.EOPNOTSUPP; // /dev/zero has no fallocate
        punchHole(as.m.files.cache, inode, v.pgoffAt(s), v.pgoffAt(e));
        return 0;
      }
      const object: SharedObject = v.backing.object;
      as.zap(s, e);
      for (let vpn = s; vpn < e; vpn++) as.m.shared.removePage(object, v.pgoffAt(vpn));
      return 0;
    }
    case MADV_COLD:
    case MADV_PAGEOUT:
      if (v.flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) return NegErrno.EINVAL;
      return 0;
    default:
      return 0;
  }
}

/** `madvise_populate`: prefault readable/writable up to the first hole (ENOMEM) or refused VMA (EINVAL). */
function populate(as: AddressSpace, start: number, end: number, write: boolean, tail: boolean): number {
  let cur = start;
  while (cur < end) {
    const v = as.vmas.find(cur);
    if (v === undefined) return NegErrno.ENOMEM;
    if (v.flags & (VM_IO | VM_PFNMAP)) return NegErrno.EINVAL;
    if (write ? !(v.flags & VM_WRITE) : !(v.flags & VM_READ)) return NegErrno.EINVAL;
    const e = Math.min(v.end, end);
    for (let vpn = cur; vpn < e; vpn++) {
      const r = as.faultPage(vpn, write ? Access.Store : Access.Load);
      if (r < 0) return r === OOM_KILL ? NegErrno.ENOMEM : NegErrno.EFAULT;
    }
    cur = e;
  }
  return tail ? NegErrno.ENOMEM : 0;
}
