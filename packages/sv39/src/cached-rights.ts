/**
 * Cached rights: which accesses a TLB entry may serve without a page walk, precomputed per entry as one bit mask
 * over every (privilege, SUM, MXR, access) combination — and, for the architecture-neutral TLBs of
 * `@pagewright/tlb`, the same rules as one {@link ServableFlags} table per combination ({@link servableFor}), so a
 * TLB hit is a tag compare and one table test.
 *
 * @module
 */

import { type Access, type PagingArch, PteFlag } from '@pagewright/core';
import { NEVER_SERVABLE, type ServableFlags, servableFlags } from '@pagewright/tlb';
import { leafAllowsNeutral, RiscvPagingArch } from './riscv-arch.js';

/**
 * The bit of (`privilege`, `sum`, `mxr`, `access`) in a {@link cachedRightsOf} mask: `1 << (context * 3 + access)`
 * with `context = (privilege === 0 ? 0 : 4) + (sum ? 2 : 0) + (mxr ? 1 : 0)` — 8 contexts × 3 accesses = 24 bits.
 * Any privilege other than 0 counts as S-mode (M-mode does not translate). 0 for an `access` other than 0, 1, 2.
 */
export function cachedRightsBit(privilege: number, sum: boolean, mxr: boolean, access: number): number {
  if (access !== 0 && access !== 1 && access !== 2) return 0;
  const context = (privilege === 0 ? 0 : 4) + (sum ? 2 : 0) + (mxr ? 1 : 0);
  return 1 << (context * 3 + access);
}

function computeRights(flags: number): number {
  let mask = 0;
  for (let context = 0; context < 8; context++) {
    const privilege = context < 4 ? 0 : 1;
    const sum = (context & 2) !== 0;
    const mxr = (context & 1) !== 0;
    for (let access = 0; access < 3; access++) {
      let ok = leafAllowsNeutral(flags, access, privilege, sum, mxr);
      // A cached entry serves an access only when the walk would not write: A = 1, and D = 1 for a store (the A/D
      // update must go to memory, so such an access walks; under Svade it faults there).
      if ((flags & PteFlag.Accessed) === 0) ok = false;
      if (access === 1 && (flags & PteFlag.Dirty) === 0) ok = false;
      if (ok) mask |= 1 << (context * 3 + access);
    }
  }
  return mask;
}

/** `RIGHTS[flags]` for every 7-bit arch-neutral flag set (R W X U G A D). */
const RIGHTS = new Int32Array(128);
for (let flags = 0; flags < 128; flags++) RIGHTS[flags] = computeRights(flags);

/**
 * The accesses a cached leaf with arch-neutral `flags` (R W X U G A D; bits above 0x7f ignored) may serve without a
 * walk, as a mask of {@link cachedRightsBit} bits: the leaf permission rules of the privileged spec
 * (`leafAllowsNeutral`), and A = 1, and D = 1 for a store. Never allocates or throws.
 */
export function cachedRightsOf(flags: number): number {
  return RIGHTS[flags & 0x7f] as number;
}

/**
 * `SERVABLE[context * 3 + access]`: the {@link ServableFlags} table of each (privilege, SUM, MXR, access), with
 * `context` as in {@link cachedRightsBit}: entry `f` is 1 exactly when `cachedRightsOf(f)` has that bit.
 */
const SERVABLE: readonly ServableFlags[] = Array.from({ length: 24 }, (_, k) =>
  servableFlags((flags) => (cachedRightsOf(flags) & (1 << k)) !== 0),
);

/**
 * The `@pagewright/tlb` {@link ServableFlags} table of (`privilege`, `sum`, `mxr`, `access`): the arch-neutral
 * flag sets a cached entry may have to serve that access without a walk, by the same rules as
 * {@link cachedRightsOf}. {@link NEVER_SERVABLE} for an `access` other than 0, 1, 2. A shared table: do not write
 * to it. Never allocates.
 */
export function servableFor(privilege: number, sum: boolean, mxr: boolean, access: number): ServableFlags {
  if (access !== 0 && access !== 1 && access !== 2) return NEVER_SERVABLE;
  const context = (privilege === 0 ? 0 : 4) + (sum ? 2 : 0) + (mxr ? 1 : 0);
  return SERVABLE[context * 3 + access] as ServableFlags;
}

/**
 * The 24 {@link ServableFlags} tables of `arch`, indexed `context * 3 + access` as in {@link cachedRightsBit}:
 * for a RISC-V architecture the shared tables {@link servableFor} returns; for any other `PagingArch`, fresh
 * tables from its own `leafAllows` (with A = 1, and D = 1 for a store, as a cached entry needs). Cold.
 */
export function servableTables(arch: PagingArch): readonly ServableFlags[] {
  if (arch instanceof RiscvPagingArch) return SERVABLE;
  return Array.from({ length: 24 }, (_, k) => {
    const context = Math.floor(k / 3);
    const access = (k % 3) as Access;
    const ctx = { privilege: context < 4 ? 0 : 1, sum: (context & 2) !== 0, mxr: (context & 1) !== 0 };
    return servableFlags(
      (flags) =>
        (flags & PteFlag.Accessed) !== 0 &&
        (access !== 1 || (flags & PteFlag.Dirty) !== 0) &&
        arch.leafAllows(flags, access, ctx),
    );
  });
}
