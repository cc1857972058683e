/**
 * Random replacement: a uniformly chosen resident page, drawn from the seeded `Rng` (reproducible).
 *
 * @module
 */

import type { Rng } from '@pagewright/core';
import {
  checkPageId,
  isPageId,
  type PageReplacementContext,
  type PageReplacementPolicy,
  type ReferenceProbe,
} from '../page-replacement-policy.js';

/** Evicts a random held page. */
export class RandomPagePolicy implements PageReplacementPolicy {
  readonly name = 'random';
  /** Held pages, densely. */
  private dense = new Int32Array(0);
  /** Index of a page in `dense`, or -1. */
  private slot = new Int32Array(0);
  private count = 0;
  private pages = 0;
  private rng: Rng | null = null;

  get size(): number {
    return this.count;
  }

  attach(context: PageReplacementContext): void {
    this.pages = context.pages;
    this.rng = context.rng;
    this.dense = new Int32Array(context.pages);
    this.slot = new Int32Array(context.pages).fill(-1);
    this.count = 0;
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

  touch(_page: number): void {}

  victim(_probe: ReferenceProbe): number {
    if (this.count === 0 || this.rng === null) return -1;
    const p = this.dense[this.rng.nextInt(this.count)] as number;
    this.remove(p);
    return p;
  }

  reset(): void {
    this.slot.fill(-1);
    this.count = 0;
  }
}
