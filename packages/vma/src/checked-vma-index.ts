/**
 * `CheckedVmaIndex`: a {@link VmaIndex} wrapper a machine puts around a user's index. Every answer is verified with
 * cheap checks (O(1) or one extra O(log n) query) before it is returned, and a wrong answer throws
 * `PluginContractError` naming the index and the broken rule, instead of letting the machine build on it.
 *
 * What it checks: a `find` result contains the page; a `findFrom` result ends above the page; a
 * `findFirstIntersecting` result shares a page with the range; `prevOf`/`nextOf` results lie below/above; `first`
 * and `last` agree with `size`; after `insert` the VMA is found at its first and last page and `size` grew by one;
 * an insert over an existing VMA throws `VmaIndexError` and changes nothing; after `remove` the VMA is gone and
 * `size` shrank by one; after `updated` the VMA is found at its new first and last page; a gap-search result lies in
 * `[low, high)`, is aligned, and is free including the guard gap below a `VM_GROWSDOWN` VMA; iteration is ascending
 * and disjoint. It cannot see every lie (a `find` that misses an existing VMA looks like a hole); the contract kit
 * in `@pagewright/vma/testing` checks the whole contract.
 *
 * @module
 */

import { PluginContractError } from '@pagewright/core';
import type { Vma } from './vma.js';
import { type GapQuery, type VmaIndex, VmaIndexError, vmaStartGap } from './vma-index.js';

/** Verifies each answer of `inner` (see the module comment). The inner index must not be used directly. */
export class CheckedVmaIndex implements VmaIndex {
  /** The wrapped index. */
  readonly inner: VmaIndex;

  constructor(inner: VmaIndex) {
    if (typeof inner !== 'object' || inner === null)
      throw new PluginContractError('VmaIndex', `the factory returned ${String(inner)}, not an index`);
    for (const m of [
      'find',
      'findFrom',
      'insert',
      'remove',
      'updated',
      'findGapTopDown',
      'findGapBottomUp',
    ] as const)
      if (typeof (inner as unknown as Record<string, unknown>)[m] !== 'function')
        throw new PluginContractError(`VmaIndex ${String(inner.name)}`, `it has no method ${m}()`);
    this.inner = inner;
    if (inner.size !== 0) this.fail('a new index is empty');
  }

  get name(): string {
    return this.inner.name;
  }

  get size(): number {
    const n = this.inner.size;
    if (!Number.isInteger(n) || n < 0) this.fail(`size is a count (got ${String(n)})`);
    return n;
  }

  get stackGuardGap(): number {
    return this.inner.stackGuardGap;
  }

  find(vpn: number): Vma | undefined {
    const v = this.inner.find(vpn);
    if (v !== undefined && !(v.start <= vpn && vpn < v.end))
      this.fail(`find(${vpn}) returns a VMA containing it, got ${v}`);
    return v;
  }

  findFrom(vpn: number): Vma | undefined {
    const v = this.inner.findFrom(vpn);
    if (v !== undefined && !(v.end > vpn))
      this.fail(`findFrom(${vpn}) returns a VMA ending above it, got ${v}`);
    return v;
  }

  findFirstIntersecting(start: number, end: number): Vma | undefined {
    const v = this.inner.findFirstIntersecting(start, end);
    if (v !== undefined && !(start < end && v.start < end && start < v.end))
      this.fail(
        `findFirstIntersecting(${start}, ${end}) returns a VMA sharing a page with the range, got ${v}`,
      );
    return v;
  }

  conflicts(start: number, end: number): boolean {
    return this.inner.conflicts(start, end);
  }

  prevOf(vma: Vma): Vma | undefined {
    const v = this.inner.prevOf(vma);
    if (v !== undefined && !(v.end <= vma.start)) this.fail(`prevOf(${vma}) lies below it, got ${v}`);
    return v;
  }

  nextOf(vma: Vma): Vma | undefined {
    const v = this.inner.nextOf(vma);
    if (v !== undefined && !(v.start >= vma.end)) this.fail(`nextOf(${vma}) lies above it, got ${v}`);
    return v;
  }

  first(): Vma | undefined {
    const v = this.inner.first();
    if ((v === undefined) !== (this.inner.size === 0))
      this.fail('first() is undefined exactly when the index is empty');
    return v;
  }

  last(): Vma | undefined {
    const v = this.inner.last();
    if ((v === undefined) !== (this.inner.size === 0))
      this.fail('last() is undefined exactly when the index is empty');
    return v;
  }

  *iterateFrom(vpn: number): IterableIterator<Vma> {
    let prev: Vma | undefined;
    for (const v of this.inner.iterateFrom(vpn)) {
      if (prev === undefined ? !(v.end > vpn) : !(v.start >= prev.end))
        this.fail(
          `iterateFrom(${vpn}) yields VMAs ending above ${vpn}, ascending and disjoint (got ${v} after ${String(prev)})`,
        );
      prev = v;
      yield v;
    }
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.iterateFrom(0);
  }

  insert(vma: Vma): void {
    const before = this.inner.size;
    const overlaps = this.inner.conflicts(vma.start, vma.end);
    try {
      this.inner.insert(vma);
    } catch (e) {
      if (!(e instanceof VmaIndexError))
        this.fail(`insert throws VmaIndexError on misuse (threw ${String(e)})`);
      if (this.inner.size !== before) this.fail('a rejected insert leaves the index unchanged');
      throw e;
    }
    if (overlaps) this.fail(`insert of ${vma}, which overlaps an existing VMA, throws VmaIndexError`);
    if (this.inner.size !== before + 1) this.fail(`insert of ${vma} grows size by one`);
    if (this.inner.find(vma.start) !== vma || this.inner.find(vma.end - 1) !== vma)
      this.fail(`an inserted VMA ${vma} is found at its first and last page`);
  }

  remove(vma: Vma): void {
    const before = this.inner.size;
    try {
      this.inner.remove(vma);
    } catch (e) {
      if (!(e instanceof VmaIndexError))
        this.fail(`remove throws VmaIndexError on misuse (threw ${String(e)})`);
      if (this.inner.size !== before) this.fail('a rejected remove leaves the index unchanged');
      throw e;
    }
    if (this.inner.size !== before - 1) this.fail(`remove of ${vma} shrinks size by one`);
    if (this.inner.find(vma.start) === vma || this.inner.find(vma.end - 1) === vma)
      this.fail(`a removed VMA ${vma} is no longer found`);
    if (vma.indexSlot !== null) this.fail(`a removed VMA ${vma} is detached (indexSlot null)`);
  }

  updated(vma: Vma): void {
    this.inner.updated(vma);
    if (this.inner.find(vma.start) !== vma || this.inner.find(vma.end - 1) !== vma)
      this.fail(`after updated(${vma}) the VMA is found at its new first and last page`);
  }

  clear(): void {
    this.inner.clear();
    if (this.inner.size !== 0) this.fail('clear() empties the index');
  }

  findGapTopDown(q: GapQuery): number {
    const a = this.inner.findGapTopDown(q);
    this.checkGap(a, q, 'findGapTopDown');
    return a;
  }

  findGapBottomUp(q: GapQuery): number {
    const a = this.inner.findGapBottomUp(q);
    this.checkGap(a, q, 'findGapBottomUp');
    return a;
  }

  private checkGap(a: number, q: GapQuery, what: string): void {
    if (a === -1) return;
    const e = a + q.length;
    if (!Number.isInteger(a) || a < q.low || e > q.high || ((a - q.alignOffset) & q.alignMask) !== 0)
      this.fail(
        `${what} returns -1 or an aligned area inside [low, high) (got ${a} for ${JSON.stringify(q)})`,
      );
    const above = this.inner.findFrom(a);
    if (above !== undefined && vmaStartGap(above, this.inner.stackGuardGap) < e)
      this.fail(`${what} returns a free area below the next VMA's start gap (got ${a}, next ${above})`);
  }

  private fail(rule: string): never {
    throw new PluginContractError(`VmaIndex ${this.inner.name}`, rule);
  }
}
