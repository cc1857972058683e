/**
 * Which accesses a cached x86 translation may serve without a walk, precomputed for every (processor context,
 * access, cached flags) so that a TLB hit is a tag compare and one table read.
 *
 * @module
 */

import { PteFlag } from '@pagewright/core';
import { X86Ctl } from './walk.js';

/** The {@link X86Ctl} bits that decide whether a cached entry may serve an access. */
const CONTEXT_BITS = [X86Ctl.User, X86Ctl.Wp, X86Ctl.SmapBlock, X86Ctl.Smep, X86Ctl.Pke] as const;
/** Number of distinct contexts (2^5). */
const CONTEXTS = 1 << CONTEXT_BITS.length;

/** The context number of a `ctl` word (0..31). */
export function servableContext(ctl: number): number {
  let c = 0;
  for (let k = 0; k < CONTEXT_BITS.length; k++) if ((ctl & (CONTEXT_BITS[k] as number)) !== 0) c |= 1 << k;
  return c;
}

/**
 * True when a TLB entry with the translation's arch-neutral `flags` (Write = combined R/W, User = combined U/S,
 * Exec = no XD, Accessed, Dirty) may serve `access` under `ctl` without a walk: the SDM §4.6 rules hold, A = 1,
 * D = 1 for a store (the walk must set D in memory), and — with CR4.PKE on a user page for a data access — never,
 * because the protection key is not cached (the walk re-reads it; not caching is always permitted, SDM §4.10.2).
 */
export function servable(ctl: number, access: number, flags: number): boolean {
  if ((flags & PteFlag.Accessed) === 0) return false;
  if (access === 1 && (flags & PteFlag.Dirty) === 0) return false;
  const user = (ctl & X86Ctl.User) !== 0;
  const us = (flags & PteFlag.User) !== 0;
  const rw = (flags & PteFlag.Write) !== 0;
  const exec = (flags & PteFlag.Exec) !== 0;
  if (user && !us) return false;
  if ((ctl & X86Ctl.Pke) !== 0 && us && access !== 2) return false;
  if (access === 2) return exec && (user || !((ctl & X86Ctl.Smep) !== 0 && us));
  if (user) return access === 0 || rw;
  if ((ctl & X86Ctl.SmapBlock) !== 0 && us) return false;
  return access === 0 || rw || (ctl & X86Ctl.Wp) === 0;
}

/** `SERVABLE[(context * 3 + access) * 128 + flags]`: 1 when {@link servable}. */
export const SERVABLE: Uint8Array = (() => {
  const t = new Uint8Array(CONTEXTS * 3 * 128);
  for (let c = 0; c < CONTEXTS; c++) {
    let ctl = 0;
    for (let k = 0; k < CONTEXT_BITS.length; k++) if ((c & (1 << k)) !== 0) ctl |= CONTEXT_BITS[k] as number;
    for (let access = 0; access < 3; access++) {
      for (let f = 0; f < 128; f++) t[(c * 3 + access) * 128 + f] = servable(ctl, access, f) ? 1 : 0;
    }
  }
  return t;
})();

/** The offset of (`ctl`, `access`) in {@link SERVABLE}. */
export function servableBase(ctl: number, access: number): number {
  return (servableContext(ctl) * 3 + access) * 128;
}
