/**
 * {@link ReplacementPolicy}: the plug-in point that chooses which way of a full TLB set is replaced.
 *
 * @module
 */

import type { Rng } from '@pagewright/core';

/**
 * Chooses which way of a full set a TLB replaces. One instance serves one whole TLB (it keeps its state for every
 * set, indexed by set and way), never two.
 *
 * Contract (checked by `checkReplacementPolicy` in `@pagewright/tlb/testing`):
 * - The TLB calls {@link ReplacementPolicy.attach} once, before anything else; it may throw a `RangeError` for a
 *   geometry it does not support (cold). Attaching again re-sizes and forgets everything.
 * - `touch`, `fill` and `victim` are hot paths: they never allocate or throw for `set` in `[0, sets)` and `way` in
 *   `[0, ways)`.
 * - `victim(set)` returns an integer way in `[0, ways)` (a TLB reports any other answer as a
 *   `PluginContractError` naming the policy). The TLB fills invalid ways by itself first and asks for a victim
 *   only when every way of the set is valid.
 * - The answers depend only on the calls made since `attach` (and, for a randomized policy, on its seeded `Rng`):
 *   the same call sequence replays the same victims. `reset()` returns to the state right after `attach`.
 * - A set's answers depend only on the calls made for that set (sets are independent), except through a shared
 *   seeded `Rng`.
 */
export interface ReplacementPolicy {
  /** Name used in specs and reports (`"lru"`). */
  readonly name: string;
  /** Sizes the state for `sets × ways`; throws a `RangeError` when the geometry is unsupported (cold). */
  attach(sets: number, ways: number): void;
  /** Way `way` of `set` was hit by a lookup. */
  touch(set: number, way: number): void;
  /** Way `way` of `set` was (re)filled. */
  fill(set: number, way: number): void;
  /** The way of the full `set` to replace, in `[0, ways)`. */
  victim(set: number): number;
  /** Forgets all state (after a full flush): back to the state right after `attach`. */
  reset(): void;
}

/**
 * What a {@link ReplacementPolicy} factory receives: the geometry of the one TLB it serves, and the seeded
 * randomness of that TLB. A factory is called once per TLB (not per set).
 */
export interface ReplacementPolicyContext {
  /** Sets of the TLB. */
  readonly sets: number;
  /** Ways per set. */
  readonly ways: number;
  /** Seeded randomness (use it, never `Math.random`, so runs are reproducible). */
  readonly rng: Rng;
}
