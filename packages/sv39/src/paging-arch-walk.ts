/**
 * {@link walkPagingArch}: a page walk over any core `PagingArch`, using only its interface (`indexAt`, `kind`,
 * `ppn`, `flags`, `leafAllows`, `withFlags`) — what a `Hart` built with a non-RISC-V architecture translates with.
 *
 * @module
 */

import {
  type Access,
  type AccessContext,
  NO_PHYS_ADDR,
  type PagingArch,
  type PhysicalMemory,
  PteFlag,
  PteKind,
  type TranslationResult,
  type U64Pair,
} from '@pagewright/core';
import type { WalkOptions, WalkResult } from './walk.js';

/** Page-fault cause by access type (load, store, fetch), in RISC-V numbering as `Hart` reports every fault. */
const PAGE_FAULT = [13, 15, 12];
/** Access-fault cause by access type (load, store, fetch). */
const ACCESS_FAULT = [5, 7, 1];
/** The rights a table entry can take away when the architecture combines rights across levels. */
const COMBINED_RIGHTS = PteFlag.Write | PteFlag.Exec | PteFlag.User;

const scratch: U64Pair = { lo: 0, hi: 0 };

function fail(out: WalkResult, cause: number): number {
  out.cause = cause;
  out.pa = NO_PHYS_ADDR;
  out.flags = 0;
  return -cause;
}

/**
 * Translates the signed-number `va` (user half `[0, 2^(vaBits-1))`, upper half negative) for `access` through the
 * tables of `arch` rooted at frame `rootPpn`, writing the details to `out` exactly as {@link walk} does.
 *
 * - From the root (level `levels - 1`) down: read the 8-byte PTE at `table + indexAt(vpn, level) · pteSize`;
 *   `kind` Invalid or Malformed is a page fault; Table descends (a Table at level 0 is a fault); Leaf ends the
 *   walk — a fault above `maxLeafLevel` or when its frame is not aligned to its page size.
 * - Rights: the leaf's `flags`; when `rightsCombineAcrossLevels`, Write, Exec and User are kept only when every
 *   table entry on the path has them too (x86-64: R/W, U/S and XD combine across levels). Global, Accessed and
 *   Dirty come from the leaf alone. Then `leafAllows(rights, access, ctx)` or a page fault.
 * - A/D (leaf only): with `adPolicy: 'svade'`, A = 0 or a store with D = 0 is a page fault; with `'hardware'`,
 *   the walker sets them with `withFlags` and one write of the leaf, after every check passed.
 * - A PTE outside memory gives the fault `options.pteReadFault` selects. Faults use RISC-V's causes
 *   (12/13/15 page, 1/5/7 access). Never allocates or throws for any `arch` that keeps its own contract.
 */
export function walkPagingArch(
  arch: PagingArch,
  memory: PhysicalMemory,
  rootPpn: number,
  va: number,
  access: number,
  ctx: AccessContext,
  options: WalkOptions,
  out: WalkResult,
): TranslationResult {
  out.levelsWalked = 0;
  out.pteAddr = NO_PHYS_ADDR;
  out.level = arch.levels - 1;
  out.lo = 0;
  out.hi = 0;
  out.ppn = 0;
  out.global = false;
  out.adUpdated = false;
  const pageFault = PAGE_FAULT[access] ?? 13;
  const span = 2 ** arch.vaBits;
  if (!(va >= -span / 2 && va < span / 2) || !Number.isInteger(va)) return fail(out, pageFault);
  const v = va < 0 ? va + span : va;
  const vpn = Math.floor(v / 4096);
  const pteFault = options.pteReadFault === 'access' ? (ACCESS_FAULT[access] ?? 5) : pageFault;
  let table = rootPpn * 4096;
  let pathRights = COMBINED_RIGHTS;
  for (let level = arch.levels - 1; level >= 0; level--) {
    const pteAddr = table + arch.indexAt(vpn, level) * arch.pteSize;
    out.level = level;
    out.pteAddr = pteAddr;
    out.levelsWalked++;
    if (!memory.read64(pteAddr, out)) {
      out.lo = 0;
      out.hi = 0;
      return fail(out, pteFault);
    }
    const lo = out.lo;
    const hi = out.hi;
    const kind = arch.kind(lo, hi, level);
    if (kind === PteKind.Table) {
      if (level === 0) return fail(out, pageFault);
      if (arch.rightsCombineAcrossLevels) pathRights &= arch.flags(lo, hi);
      table = arch.ppn(lo, hi, level) * 4096;
      continue;
    }
    if (kind !== PteKind.Leaf || level > arch.maxLeafLevel) return fail(out, pageFault);
    const ppn = arch.ppn(lo, hi, level);
    out.ppn = ppn;
    const frames = arch.pageSizeAt(level) / 4096;
    if (ppn - Math.floor(ppn / frames) * frames !== 0) return fail(out, pageFault);
    let flags = arch.flags(lo, hi) & 0x7f;
    const rights = flags & (~COMBINED_RIGHTS | pathRights);
    if (!arch.leafAllows(rights, access as Access, ctx)) return fail(out, pageFault);
    const need = access === 1 ? PteFlag.Accessed | PteFlag.Dirty : PteFlag.Accessed;
    if ((flags & need) !== need) {
      if (options.adPolicy === 'svade') return fail(out, pageFault);
      arch.withFlags(lo, hi, flags | need, scratch);
      if (!memory.write64(pteAddr, scratch.lo, scratch.hi)) return fail(out, pteFault);
      out.lo = scratch.lo;
      out.hi = scratch.hi;
      out.adUpdated = true;
      flags |= need;
    }
    const size = frames * 4096;
    const pa = ppn * 4096 + (v - Math.floor(v / size) * size);
    out.flags = flags & (~COMBINED_RIGHTS | pathRights);
    out.global = (flags & PteFlag.Global) !== 0;
    out.cause = 0;
    out.pa = pa;
    return pa;
  }
  out.level = 0;
  return fail(out, pageFault);
}
