/**
 * `mseal(addr, len, flags)` (Linux 6.10+, mm/mseal.c): seals the VMAs of a range, after which every change to
 * them answers `EPERM` — `munmap`, `mremap` (source, shrink, or a destination over them), `mmap(MAP_FIXED)` over
 * them, `mprotect` (even to the same rights), `brk` shrinking over them, and the discarding `madvise` advice on
 * read-only private anonymous memory (`can_madvise_modify`). Sealing is forever (a fork child keeps it).
 *
 * Linux keeps `VM_SEALED` in bit 42 of `vm_flags`; the model's flag words are 32 bits, so it lives in bit 11
 * (`0x800`, unused by Linux 6.18 since `VM_DENYWRITE` went), where it takes part in merging exactly as Linux's
 * does (a sealed VMA merges only with sealed neighbours) and smaps prints it as `sl`.
 *
 * @module
 */

import {
  MADV_DONTFORK,
  MADV_DONTNEED,
  MADV_DONTNEED_LOCKED,
  MADV_FREE,
  MADV_GUARD_INSTALL,
  MADV_REMOVE,
  MADV_WIPEONFORK,
  MmError,
  PAGE_SIZE,
  VM_SHARED,
  VM_WRITE,
  type VmFlags,
} from '@pagewright/core';
import type { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { BAD_ARG, pageAlign64, toU64, type U64Arg } from './u64.js';

/** The model's `VM_SEALED` (see the module comment). */
export const VM_SEALED: VmFlags = 0x800;

/** True when `v` is sealed (`vma_is_sealed`). */
export function isSealed(v: Vma): boolean {
  return (v.flags & VM_SEALED) !== 0;
}

/** True when a VMA overlapping pages `[start, end)` is sealed (`can_modify_vma` fails for one of them). */
export function sealedIn(as: AddressSpace, start: number, end: number): boolean {
  for (let v = as.vmas.findFrom(start); v !== undefined && v.start < end; v = as.vmas.findFrom(v.end))
    if (isSealed(v)) return true;
  return false;
}

/** `is_discard`: the advice that drops or hides contents. */
function isDiscard(advice: number): boolean {
  return (
    advice === MADV_FREE ||
    advice === MADV_DONTNEED ||
    advice === MADV_DONTNEED_LOCKED ||
    advice === MADV_REMOVE ||
    advice === MADV_DONTFORK ||
    advice === MADV_WIPEONFORK ||
    advice === MADV_GUARD_INSTALL
  );
}

/**
 * `can_madvise_modify`: false when `advice` discards and `v` is sealed, private anonymous (no file, not shared) and
 * not writable — the one case where advice could change what a sealed mapping reads.
 */
export function canMadviseModify(v: Vma, advice: number): boolean {
  if (!isSealed(v) || !isDiscard(advice)) return true;
  if (v.backing.kind !== 'anon-private' || (v.flags & VM_SHARED) !== 0) return true;
  return (v.flags & VM_WRITE) !== 0;
}

/** A checked `mseal`: the page range. */
export interface MsealRequest {
  start: number;
  end: number;
}

/**
 * `do_mseal`'s checks, in its order: `EINVAL` for flags other than 0, an unaligned start or a range that wraps,
 * 0 for an empty range, `ENOMEM` when the range is not fully mapped (or leaves user space). Reads the space only.
 */
export function decodeMseal(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  flagsArg: U64Arg,
): MsealRequest | SyscallResult {
  const start = toU64(addrArg);
  const lenIn = toU64(lenArg);
  const flags = toU64(flagsArg);
  if (start === BAD_ARG || lenIn === BAD_ARG || flags === BAD_ARG) return NegErrno.EINVAL;
  if (flags !== 0n) return NegErrno.EINVAL;
  if (start & 0xfffn) return NegErrno.EINVAL;
  const len = pageAlign64(lenIn);
  if (lenIn !== 0n && len === 0n) return NegErrno.EINVAL;
  const end = start + len;
  if (end > (1n << 64n) - 1n) return NegErrno.EINVAL;
  if (len === 0n) return 0;
  if (end > BigInt(as.limits.taskSize)) return NegErrno.ENOMEM;
  const s = Number(start) / PAGE_SIZE;
  const e = Number(end) / PAGE_SIZE;
  // range_contains_unmapped: every page of the range in a VMA.
  let cur = s;
  for (let v = as.vmas.findFrom(s); v !== undefined && v.start < e && cur < e; v = as.vmas.findFrom(v.end)) {
    if (v.start > cur) return NegErrno.ENOMEM;
    cur = v.end;
  }
  if (cur < e) return NegErrno.ENOMEM;
  return { start: s, end: e };
}

/** `mseal_apply`: seals each VMA of the checked range (splitting at the ends, merging sealed neighbours). */
export function doMseal(as: AddressSpace, req: MsealRequest): SyscallResult {
  try {
    as.vmas.modifyRange(
      req.start,
      req.end,
      (v) => (isSealed(v) ? null : { flags: (v.flags | VM_SEALED) >>> 0 }),
      true,
    );
  } catch (e) {
    if (e instanceof MmError) return e.toReturnValue(); // vm.max_map_count reached by a split: ENOMEM
    throw e;
  }
  return 0;
}

/** The system call. Returns 0 or `-errno`. */
export function sysMseal(as: AddressSpace, addrArg: U64Arg, lenArg: U64Arg, flagsArg: U64Arg): SyscallResult {
  const req = decodeMseal(as, addrArg, lenArg, flagsArg);
  return typeof req === 'number' ? req : doMseal(as, req);
}
