/**
 * OPT (Bélády's MIN): evicts the held page whose next reference in a recorded reference stream is farthest away
 * (never referenced again counts as farthest). It needs the future, so it only makes sense replaying a recorded
 * trace: its position in the stream advances by one on every `touch` (a simulator touches on every reference,
 * after `insert` on a miss). Ties go to the lowest page id.
 *
 * @module
 */

import {
  checkPageId,
  isPageId,
  type PageReplacementContext,
  type PageReplacementPolicy,
  type ReferenceProbe,
} from '../page-replacement-policy.js';

const NEVER = Number.MAX_SAFE_INTEGER;

/** Bélády's optimal replacement over a known reference stream. */
export class OptPolicy implements PageReplacementPolicy {
  readonly name = 'opt';
  private readonly trace: Int32Array;
  /** For each page, the positions where it is referenced, ascending (`starts` indexes into `positions`). */
  private starts = new Int32Array(1);
  private positions = new Int32Array(0);
  private dense = new Int32Array(0);
  private slot = new Int32Array(0);
  private count = 0;
  private pages = 0;
  private position = 0;

  /** @param trace - the reference stream: page ids, in order */
  constructor(trace: ArrayLike<number>) {
    this.trace = Int32Array.from(trace);
  }

  get size(): number {
    return this.count;
  }

  attach(context: PageReplacementContext): void {
    const pages = context.pages;
    this.pages = pages;
    this.dense = new Int32Array(pages);
    this.slot = new Int32Array(pages).fill(-1);
    this.count = 0;
    this.position = 0;
    const counts = new Int32Array(pages + 1);
    for (const r of this.trace) if (r >= 0 && r < pages) counts[r + 1] = (counts[r + 1] as number) + 1;
    for (let i = 0; i < pages; i++) counts[i + 1] = (counts[i + 1] as number) + (counts[i] as number);
    this.starts = counts.slice();
    const fill = counts.slice(0, pages);
    this.positions = new Int32Array(counts[pages] as number);
    this.trace.forEach((r, i) => {
      if (r < 0 || r >= pages) return;
      const at = fill[r] as number;
      this.positions[at] = i;
      fill[r] = at + 1;
    });
  }

  insert(page: number): void {
    checkPageId(page, this.pages);
    if ((this.slot[page] as number) >= 0) throw new RangeError(`page ${page} is already held`);
    this.slot[page] = this.count;
    this.dense[this.count++] = page;
  }

  remove(page: number): boolean {
    if (!isPageId(page, this.pages)) return false;
    const i = this.slot[page] as number;
    if (i < 0) return false;
    const last = this.dense[--this.count] as number;
    this.dense[i] = last;
    this.slot[last] = i;
    this.slot[page] = -1;
    return true;
  }

  touch(_page: number): void {
    this.position++;
  }

  victim(_probe: ReferenceProbe): number {
    if (this.count === 0) return -1;
    let best = -1;
    let bestNext = -1;
    for (let i = 0; i < this.count; i++) {
      const page = this.dense[i] as number;
      const next = this.nextUse(page);
      if (next > bestNext || (next === bestNext && page < best)) {
        best = page;
        bestNext = next;
      }
    }
    this.remove(best);
    return best;
  }

  reset(): void {
    this.slot.fill(-1);
    this.count = 0;
    this.position = 0;
  }

  /** The first position ≥ the current one where `page` is referenced, or a number past every position. */
  private nextUse(page: number): number {
    let lo = this.starts[page] as number;
    let hi = this.starts[page + 1] as number;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.positions[mid] as number) < this.position) lo = mid + 1;
      else hi = mid;
    }
    return lo < (this.starts[page + 1] as number) ? (this.positions[lo] as number) : NEVER;
  }
}
