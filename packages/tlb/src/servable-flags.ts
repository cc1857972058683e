/**
 * {@link ServableFlags}: the architecture's answer, precomputed, to "may a cached entry with these flags serve
 * this access without a walk?" — the neutral hook that keeps a TLB's hit test free of any one architecture's rules.
 *
 * @module
 */

import type { PteFlags } from '@pagewright/core';

/** Entries of a {@link ServableFlags} table: one per 7-bit arch-neutral flag set (R W X U G A D). */
export const SERVABLE_FLAGS_SIZE = 128;

/**
 * A table indexed by an entry's cached arch-neutral flags (`PteFlag` bits R W X U G A D, 0..127): non-zero when an
 * entry with those flags may serve one kind of access, in one privilege context, without a page walk. The CPU model
 * builds one table per (context, access) when its privilege state changes, from its architecture's permission rules
 * (and its A/D policy: typically A = 1 always, D = 1 for a store), and passes it to
 * `SetAssociativeTlb.lookupPpn`. A TLB never interprets flags itself.
 */
export type ServableFlags = Uint8Array;

/**
 * A fresh {@link ServableFlags} table: entry `f` is 1 when `serves(f)` (cold: called for all 128 flag sets).
 *
 * @param serves - whether an entry with arch-neutral flags `f` may serve the access without a walk
 */
export function servableFlags(serves: (flags: PteFlags) => boolean): ServableFlags {
  const table = new Uint8Array(SERVABLE_FLAGS_SIZE);
  for (let f = 0; f < SERVABLE_FLAGS_SIZE; f++) table[f] = serves(f) ? 1 : 0;
  return table;
}

/** A table that serves nothing: every hit test fails (for an access type that is not one). Do not write to it. */
export const NEVER_SERVABLE: ServableFlags = new Uint8Array(SERVABLE_FLAGS_SIZE);
