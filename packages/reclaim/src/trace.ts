/**
 * `simulateTrace`: replays a reference stream against `frames` page frames under a policy, as OSTEP's
 * paging-policy simulator does — a hit touches the page, a miss evicts a victim when memory is full, then inserts
 * and touches the page. Every reference is reported once, through `touch` (Linux's `folio_mark_accessed`); the
 * probe a victim choice gets reports none (a machine's probe reads the PTE accessed bits instead).
 *
 * @module
 */

import { createRng } from '@pagewright/core';
import { NO_REFERENCES, type PageReplacementPolicy } from './page-replacement-policy.js';
import { type PageReplacementSpec, resolvePageReplacementPolicy } from './policy-registry.js';

/** What {@link simulateTrace} counted. */
export interface TraceResult {
  readonly references: number;
  readonly hits: number;
  readonly misses: number;
  /** Misses that evicted a page (the others filled a free frame). */
  readonly evictions: number;
}

/**
 * Replays `trace` (page ids in `[0, pages)`, `pages` default: one past the largest) with `frames` frames.
 *
 * @throws RangeError for a bad frame count or a page id out of range
 */
export function simulateTrace(
  spec: PageReplacementSpec | PageReplacementPolicy,
  trace: ArrayLike<number>,
  frames: number,
  options: { pages?: number; seed?: number } = {},
): TraceResult {
  if (!(Number.isInteger(frames) && frames >= 1)) throw new RangeError(`frames must be ≥ 1, got ${frames}`);
  let pages = options.pages ?? 0;
  if (options.pages === undefined)
    for (let i = 0; i < trace.length; i++) pages = Math.max(pages, (trace[i] as number) + 1);
  const policy = resolvePageReplacementPolicy(spec, { pages, rng: createRng(options.seed ?? 1) });
  const resident = new Uint8Array(pages);
  const probe = NO_REFERENCES;
  let hits = 0;
  let evictions = 0;
  let held = 0;
  for (let i = 0; i < trace.length; i++) {
    const page = trace[i] as number;
    if (!(Number.isInteger(page) && page >= 0 && page < pages))
      throw new RangeError(`reference ${i} is page ${page}, outside [0, ${pages})`);
    if (resident[page] === 1) hits++;
    else {
      if (held === frames) {
        const v = policy.victim(probe);
        resident[v] = 0;
        held--;
        evictions++;
      }
      policy.insert(page);
      resident[page] = 1;
      held++;
    }
    policy.touch(page);
  }
  return { references: trace.length, hits, misses: trace.length - hits, evictions };
}
