/**
 * {@link PageReplacementPolicy}: the plug-in point that chooses which resident page reclaim evicts next — Linux's
 * two-list LRU by default, or FIFO, CLOCK, second chance, random, ARC, or OPT over a recorded reference stream.
 *
 * @module
 */

import type { Rng } from '@pagewright/core';

/**
 * Tests and clears the references of a page since the last probe, as Linux's `folio_referenced` does: the number of
 * mappings whose accessed bit was set (each bit is cleared). A trace-driven simulator answers from its own bits. A
 * probe never changes which pages the policy holds.
 */
export type ReferenceProbe = (page: number) => number;

/** What a {@link PageReplacementPolicy} factory receives. */
export interface PageReplacementContext {
  /** Page ids are integers in `[0, pages)` (a machine uses a frame's index in its RAM). */
  readonly pages: number;
  /** Seeded randomness (use it, never `Math.random`, so runs are reproducible). */
  readonly rng: Rng;
}

/**
 * Chooses the next page to evict among the evictable resident pages it was given.
 *
 * Contract (checked by `checkPageReplacementPolicy` in `@pagewright/reclaim/testing`):
 * - [attach] {@link PageReplacementPolicy.attach} is called once before anything else, with the id range; attaching
 *   again forgets everything. It may refuse a range with a `RangeError` only.
 * - [insert] `insert(page)` makes a page held (it became resident and evictable); inserting a held page, or an id
 *   outside `[0, pages)` or not an integer, throws `RangeError` and changes nothing.
 * - [remove] `remove(page)` forgets a held page (it was freed or became unevictable) and returns true; for a page
 *   not held it returns false and changes nothing.
 * - [size] `size` is the number of held pages.
 * - [victim] `victim(probe)` returns a held page and stops holding it, or -1 exactly when it holds none. It calls
 *   `probe` only with held pages, and returns within a bounded number of probes (at most `8 · size + 8`) whatever
 *   the probe answers. Draining a policy with a probe that never reports a reference returns every held page once.
 * - [touch] `touch(page)` reports a reference the caller saw (a trace simulator calls it on every reference, hits
 *   and misses, after `insert` on a miss); it never throws, and does nothing for a page not held — except that a
 *   policy reading a reference stream (OPT) advances its position on every touch.
 * - [deterministic] The answers depend only on the calls made since `attach` and the seeded `Rng`.
 * - [reset] `reset()` returns to the state right after `attach`.
 */
export interface PageReplacementPolicy {
  /** Name used in options and reports (`"lru"`). */
  readonly name: string;
  /** Pages held. */
  readonly size: number;
  /** Sizes the state for page ids `[0, pages)` and forgets everything (cold). */
  attach(context: PageReplacementContext): void;
  /** `page` became resident and evictable (Linux `folio_add_lru`). */
  insert(page: number): void;
  /** `page` left the policy other than as a victim; false when it was not held. */
  remove(page: number): boolean;
  /** A reference to `page` seen by the caller (Linux `folio_mark_accessed`; trace simulators). */
  touch(page: number): void;
  /** The page to evict, no longer held, or -1 when none is held. */
  victim(probe: ReferenceProbe): number;
  /** Back to the state right after `attach`. */
  reset(): void;
}

/** A probe that never reports a reference. */
export const NO_REFERENCES: ReferenceProbe = () => 0;

/** True when `page` is an integer id in `[0, pages)`. @internal */
export function isPageId(page: number, pages: number): boolean {
  return Number.isInteger(page) && page >= 0 && page < pages;
}

/** Throws the contract's `RangeError` unless `page` is an integer id in `[0, pages)`. @internal */
export function checkPageId(page: number, pages: number): void {
  if (!(Number.isInteger(page) && page >= 0 && page < pages))
    throw new RangeError(`page id must be an integer in [0, ${pages}), got ${String(page)}`);
}
