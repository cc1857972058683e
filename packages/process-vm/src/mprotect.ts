/**
 * `mprotect(addr, len, prot)` (mm/mprotect.c `do_mprotect_pkey`, `mprotect_fixup`).
 *
 * Linux applies the change VMA by VMA from the start: when the range has a hole, the part before it has already
 * changed when the call fails with ENOMEM; a refusal (EACCES) likewise leaves earlier VMAs changed.
 *
 * @module
 */

import {
  MmError,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_READ,
  PROT_SEM,
  PROT_WRITE,
  PteFlag,
  VM_ACCOUNT,
  VM_GROWSDOWN,
  VM_HUGETLB,
  VM_LOCKED,
  VM_NORESERVE,
  VM_SHARED,
  VM_WRITE,
  type VmFlags,
} from '@pagewright/core';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { isSealed } from './mseal.js';
import { pageAlign64, toInt32, toU64, type U64Arg, u64PageOffset, u64Value } from './u64.js';

/** A checked `mprotect`: the page range (from its first VMA) and the new access bits. */
export interface MprotectRequest {
  start: number;
  end: number;
  /** `VM_READ | VM_WRITE | VM_EXEC` bits the range gets. */
  access: number;
}

/**
 * Every check `mprotect` makes before it changes anything, in Linux's order (`do_mprotect_pkey` up to the VMA walk):
 * the request, or the call's answer (`-errno`, or 0 for an empty range). Reads the address space, never changes it.
 */
export function decodeMprotect(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  protArg: U64Arg,
): MprotectRequest | SyscallResult {
  // u64s as numbers (see u64Value); the alignment is checked exactly and the wrap of start + len in BigInt only
  // when a value is past 2^52.
  const start0 = u64Value(addrArg);
  const startInPage = u64PageOffset(addrArg);
  const len0 = u64Value(lenArg);
  let prot = toInt32(protArg);
  if (start0 < 0 || len0 < 0 || prot === undefined) return NegErrno.EINVAL;
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return NegErrno.EINVAL;
  if (startInPage !== 0) return NegErrno.EINVAL;
  if (len0 === 0) return 0;
  let end0: number;
  if (start0 <= 2 ** 52 && len0 <= 2 ** 52) end0 = start0 + Math.ceil(len0 / PAGE_SIZE) * PAGE_SIZE;
  else {
    const s64 = toU64(addrArg);
    const e64 = (s64 + pageAlign64(toU64(lenArg))) & ((1n << 64n) - 1n);
    if (e64 <= s64) return NegErrno.ENOMEM;
    end0 = Number(e64);
  }
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return NegErrno.EINVAL;
  const taskSize = as.limits.taskSize;
  const taskPages = taskSize / PAGE_SIZE;
  if (start0 >= taskSize) return NegErrno.ENOMEM;
  let start = start0 / PAGE_SIZE;
  const end = end0 >= taskSize ? taskPages : end0 / PAGE_SIZE;
  const first = as.vmas.findFrom(start);
  if (first === undefined || first.start >= end) return NegErrno.ENOMEM;
  if (grows & PROT_GROWSDOWN) {
    start = first.start;
    if (!(first.flags & VM_GROWSDOWN)) return NegErrno.EINVAL;
  } else {
    if (first.start > start) return NegErrno.ENOMEM;
    if (grows & PROT_GROWSUP) return NegErrno.EINVAL; // no VM_GROWSUP VMAs on this architecture
  }
  const newAccess = (prot & PROT_READ ? 1 : 0) | (prot & PROT_WRITE ? 2 : 0) | (prot & PROT_EXEC ? 4 : 0);
  return { start, end, access: newAccess };
}

/**
 * Applies a checked `mprotect` VMA by VMA from the start (`mprotect_fixup`): 0, or `-ENOMEM` at a hole and `-EACCES`
 * for a VMA that may not get a right — the VMAs before either keep their change, as in Linux.
 */
export function doMprotect(as: AddressSpace, req: MprotectRequest): SyscallResult {
  const { start, end, access: newAccess } = req;
  // Ranges (pages, pairs) of private VM_LOCKED VMAs that become writable: populated below (mprotect_fixup).
  const cow: number[] = [];
  let failure = 0;
  try {
    const r = as.vmas.modifyRange(start, end, (v, s, e) => {
      let newFlags: VmFlags = ((v.flags & ~0x7) | newAccess) >>> 0;
      // newflags >> 4 puts VM_MAY* in place of VM_*: a right the VMA may not have.
      if (newFlags & ~(newFlags >>> 4) & 0x7) throw new MmError('EACCES');
      if (isSealed(v)) throw new MmError('EPERM'); // mprotect_fixup: a sealed VMA, even for the same rights
      const old = v.flags;
      if (newFlags === old) return null;
      if (newFlags & VM_WRITE) {
        if (!(old & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE))) newFlags |= VM_ACCOUNT;
      } else if (old & VM_ACCOUNT && v.backing.kind === 'anon-private' && v.anonVma === null) {
        newFlags &= ~VM_ACCOUNT;
      }
      if ((old & (VM_WRITE | VM_SHARED | VM_LOCKED)) === VM_LOCKED && newFlags & VM_WRITE) cow.push(s, e);
      return { flags: newFlags >>> 0 };
    });
    if (r.holeAt >= 0) failure = NegErrno.ENOMEM;
  } catch (e) {
    if (!(e instanceof MmError)) throw e;
    failure = e.toReturnValue();
  }
  // change_protection: bring the PTEs of the range in line with the VMAs' new rights.
  applyProtection(as, start, end);
  // "Private VM_LOCKED VMA becoming writable: trigger COW to avoid major fault on access" (mprotect_fixup:
  // populate_vma_page_range, errors ignored): write faults replace zero pages and read-only pages by private copies
  // (and give the VMA its anon_vma), so that the mlocked mapping stays fully populated with its own pages.
  for (let i = 0; i < cow.length; i += 2) as.populate(cow[i] as number, cow[i + 1] as number, true);
  return failure;
}

/** The system call. Returns 0 or `-errno`. */
export function sysMprotect(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  protArg: U64Arg,
): SyscallResult {
  const req = decodeMprotect(as, addrArg, lenArg, protArg);
  return typeof req === 'number' ? req : doMprotect(as, req);
}

/**
 * Rewrites the rights of every present PTE in `[start, end)` (pages) from its VMA (Linux `change_protection`):
 * rights the VMA lost are removed; write permission is only granted where the page is not shared copy-on-write (a
 * private page with a single owner, or any page of a shared mapping that was already writable stays writable).
 * Accessed and Dirty are kept. Works VMA by VMA: a VMA without `VM_WRITE` gets one range update.
 * @internal
 */
export function applyProtection(as: AddressSpace, start: number, end: number): void {
  const pt = as.pageTable;
  let cur = start;
  while (cur < end) {
    const v = as.vmas.findFrom(cur);
    if (v === undefined || v.start >= end) break;
    const s = Math.max(v.start, cur);
    const e = Math.min(v.end, end);
    cur = e;
    const readOnly = as.pteFlagsFor(v.flags, false);
    if (!(v.flags & VM_WRITE)) {
      pt.protectRange(s, e, readOnly);
      continue;
    }
    const writable = as.pteFlagsFor(v.flags, true);
    pt.visit(s, e, (vpn, _pfn, flags) => {
      const want = flags & PteFlag.Write ? writable : readOnly;
      if ((flags & RIGHTS) !== want) pt.protect(vpn, want);
    });
  }
  pt.flush();
}

const RIGHTS = PteFlag.Read | PteFlag.Write | PteFlag.Exec | PteFlag.User | PteFlag.Global;
