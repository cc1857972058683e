/**
 * `mincore(addr, len, vec)` (mm/mincore.c): one byte per page, bit 0 set when the page is resident — a present PTE
 * (the shared zero page included) or, for a shared anonymous mapping, a page its object holds, or for a file
 * mapping (private ones too: `mincore_page` asks the file's mapping) a page the page cache holds.
 *
 * @module
 */

import { PAGE_SIZE } from '@pagewright/core';
import type { Vma } from '@pagewright/vma';
import type { AddressSpace } from './address-space.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { fileOf } from './file-mmap.js';
import { NOT_MAPPED } from './page-table.js';
import { BAD_ARG, toU64, type U64Arg } from './u64.js';

/** Where `mincore` writes its bytes: a kernel-side buffer, or a copy-out to user memory (false: EFAULT). */
export type MincoreVector = Uint8Array | ((offset: number, bytes: Uint8Array) => boolean);

/** A checked `mincore`: the first page and the page count. */
export interface MincoreRequest {
  vpn: number;
  pages: number;
}

/**
 * Every check `mincore` makes before it looks at a VMA, in Linux's order (a kernel-side `vec` too short is EFAULT):
 * the request, or `-errno`.
 */
export function decodeMincore(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  vec: MincoreVector,
): MincoreRequest | SyscallResult {
  const start0 = toU64(addrArg);
  const len = toU64(lenArg);
  if (start0 === BAD_ARG || len === BAD_ARG) return NegErrno.EINVAL;
  if (start0 & 0xfffn) return NegErrno.EINVAL;
  const taskSize = BigInt(as.limits.taskSize);
  if (start0 + len > taskSize) return NegErrno.ENOMEM;
  const pages = Number(len >> 12n) + (len & 0xfffn ? 1 : 0);
  if (vec instanceof Uint8Array && vec.length < pages) return NegErrno.EFAULT;
  return { vpn: Number(start0) / PAGE_SIZE, pages };
}

/**
 * Reports the residency of a checked range into `vec`: 0, `-ENOMEM` at a hole (the bytes before it written, as in
 * Linux) or `-EFAULT` when the copy-out fails.
 */
export function doMincore(as: AddressSpace, req: MincoreRequest, vec: MincoreVector): SyscallResult {
  const pages = req.pages;
  let vpn = req.vpn;
  let done = 0;
  while (done < pages) {
    const v = as.vmas.find(vpn);
    if (v === undefined) return NegErrno.ENOMEM;
    const n = Math.min(v.end - vpn, pages - done);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = resident(as, v, vpn + i) ? 1 : 0;
    if (vec instanceof Uint8Array) vec.set(out, done);
    else if (!vec(done, out)) return NegErrno.EFAULT;
    done += n;
    vpn += n;
  }
  return 0;
}

/**
 * The system call. `vec` receives one byte per page: a `Uint8Array` (kernel-side buffer; too short → EFAULT), or a
 * user address written through {@link AddressSpace} copy-out (`writeUser`). Returns 0 or `-errno`; on ENOMEM the
 * bytes for the pages before the hole have been written, as in Linux.
 */
export function sysMincore(
  as: AddressSpace,
  addrArg: U64Arg,
  lenArg: U64Arg,
  vec: MincoreVector,
): SyscallResult {
  const req = decodeMincore(as, addrArg, lenArg, vec);
  return typeof req === 'number' ? req : doMincore(as, req, vec);
}

function resident(as: AddressSpace, v: Vma, vpn: number): boolean {
  if (as.pageTable.lookup(vpn) !== NOT_MAPPED) return true;
  const slot = as.pageTable.swap.get(vpn); // a swapped-out page: resident while in the swap cache (mincore_swap)
  if (slot >= 0) return as.m.reclaim !== null && as.m.reclaim.cachedFrame(slot) >= 0;
  if (v.backing.kind === 'anon-shared') return as.m.shared.frameOf(v.backing.object, v.pgoffAt(vpn)) >= 0;
  if (v.backing.kind === 'file') {
    const inode = fileOf(v).inode;
    return !inode.mapsAsAnonymous && inode.pages.has(v.pgoffAt(vpn));
  }
  return false;
}
