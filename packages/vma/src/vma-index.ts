/**
 * `VmaIndex`: the plug-in interface of an address-ordered set of non-overlapping VMAs with free-gap search.
 *
 * Implementations: {@link VmaTree} (the default: a B+tree with subtree max-gap augmentation, O(log n) for every
 * operation, Linux's maple tree / rb-tree role; also as {@link VmaBTree}), {@link VmaTreap} (a gap-augmented treap,
 * Linux's old rb-tree role) and {@link VmaList} (DragonOS-style unordered array with linear scans, the baseline). `VmaSet` implements split/merge once on top of this interface.
 *
 * ## Gaps
 * The free gap before a VMA `v` is `[prevEnd, startGap(v))`, where `prevEnd` is the end of the VMA below `v` (0
 * when none) and `startGap(v)` is Linux's `vm_start_gap`: `v.start`, minus the stack guard gap when `v` is
 * `VM_GROWSDOWN` (clamped at 0). After the last VMA the gap is `[lastEnd, +inf)`. The gap searches return
 * the placement Linux's `vm_unmapped_area` returns.
 *
 * @module
 */

import { VM_GROWSDOWN } from '@pagewright/core';
import type { CheckedVmaIndex } from './checked-vma-index.js';
import type { Vma } from './vma.js';

/** Linux's default `stack_guard_gap`: 256 pages (1 MiB with 4 KiB pages). */
export const DEFAULT_STACK_GUARD_GAP = 256;

/** Thrown by an index on misuse: overlapping insert, VMA already indexed elsewhere, removing a foreign VMA. */
export class VmaIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VmaIndexError';
  }
}

/** Linux `vm_start_gap`: the lowest page a new mapping below `vma` may end at. */
export function vmaStartGap(vma: Vma, stackGuardGap: number): number {
  if ((vma.flags & VM_GROWSDOWN) === 0) return vma.start;
  const s = vma.start - stackGuardGap;
  return Math.max(s, 0);
}

/**
 * What a gap search looks for. All numbers are page numbers / page counts.
 *
 * Linux semantics (`vm_unmapped_area`): a gap qualifies when its part inside `[low, high)` holds at least
 * `length + alignMask` pages; the area is then placed as high (top-down) or as low (bottom-up) as possible in it with
 * `(start - alignOffset) & alignMask === 0`.
 */
export interface GapQuery {
  /** Pages wanted (>= 1). */
  length: number;
  /** Lowest page the area may start at. */
  low: number;
  /** One past the highest page the area may end at. */
  high: number;
  /** Alignment mask in pages (`align - 1`, align a power of two); 0 for none. */
  alignMask: number;
  /** Alignment offset in pages. */
  alignOffset: number;
}

/**
 * An address-ordered set of non-overlapping VMAs.
 *
 * The contract (each rule is checked by the kit `checkVmaIndex` of `@pagewright/vma/testing`, under the id in
 * brackets; a user's index can also be wrapped in {@link CheckedVmaIndex}, which verifies answers as they happen):
 * - [empty] A new index is empty: `size` 0, `first()`/`last()` undefined, nothing found, iteration yields nothing,
 *   and the gap searches answer for an empty space.
 * - [stack-guard-gap] `stackGuardGap` is the guard gap the index was made with (0 allowed).
 * - [find] `find(vpn)` is the VMA containing `vpn`, or `undefined`.
 * - [ordered] Iteration yields every VMA once, ascending by start, whatever the insert order; `size` counts them.
 *   No two VMAs share a page.
 * - [find-from] `findFrom(vpn)` is the lowest VMA with `end > vpn` (Linux `find_vma`), or `undefined`.
 * - [iterate-from] `iterateFrom(vpn)` yields the VMAs with `end > vpn`, ascending.
 * - [intersecting] `findFirstIntersecting(start, end)` is the lowest VMA sharing a page with `[start, end)`;
 *   `conflicts` says whether one exists; an empty range (`start >= end`) shares no page.
 * - [neighbours] `prevOf`/`nextOf` are the VMAs just below/above; `first()`/`last()` the lowest/highest.
 * - [neighbours-foreign] `prevOf`/`nextOf` of a VMA not in this index throw {@link VmaIndexError}.
 * - [insert-overlap] `insert` of a VMA sharing a page with a member throws {@link VmaIndexError} and changes
 *   nothing (the rejected VMA stays detached).
 * - [insert-twice] `insert` of a VMA already in this or another index throws {@link VmaIndexError} and changes
 *   neither index.
 * - [remove-foreign] `remove` of a VMA not in this index (never inserted, a copy with a member's range, in another
 *   index, already removed) throws {@link VmaIndexError} and changes nothing.
 * - [remove] `remove` takes the VMA out (its pages are no longer found; the others are unaffected) and detaches it:
 *   its `indexSlot` is `null` again — the handle means only "held by some index" and is never reused — so it may be
 *   inserted into this or any other index.
 * - [clear] `clear()` removes every VMA and detaches each.
 * - [updated] After a member's `start`, `end` or `VM_GROWSDOWN` changed in place (still disjoint from its
 *   neighbours), `updated(vma)` makes every lookup and gap search answer for the new range.
 * - [gap-top-down] / [gap-bottom-up] The gap searches return Linux `vm_unmapped_area`'s placement (see
 *   {@link GapQuery} and the module comment), -1 when there is none; the gap above the last VMA is unbounded.
 * - [gap-guard] The free gap below a `VM_GROWSDOWN` VMA ends `stackGuardGap` pages below its start (clamped at 0).
 * - [scale] All of the above hold with hundreds of VMAs through any sequence of inserts, removes and updates.
 *
 * Iterators are invalidated by any mutation. Implementations keep `indexSlot` for themselves (a node, a slot); no
 * one else reads or writes it.
 */
export interface VmaIndex extends Iterable<Vma> {
  /** A short name for reports (`"tree"`, `"list"`). */
  readonly name: string;
  /** Number of VMAs. */
  readonly size: number;
  /** The stack guard gap (pages) the gap bookkeeping subtracts below `VM_GROWSDOWN` VMAs. */
  readonly stackGuardGap: number;
  /** The VMA containing page `vpn`, or `undefined`. */
  find(vpn: number): Vma | undefined;
  /** The first VMA with `end > vpn` (Linux `find_vma`), or `undefined`. */
  findFrom(vpn: number): Vma | undefined;
  /** The lowest VMA sharing a page with `[start, end)`, or `undefined`. */
  findFirstIntersecting(start: number, end: number): Vma | undefined;
  /** True when some VMA shares a page with `[start, end)`. */
  conflicts(start: number, end: number): boolean;
  /** The VMA just below `vma` (which must be in this index), or `undefined`. */
  prevOf(vma: Vma): Vma | undefined;
  /** The VMA just above `vma` (which must be in this index), or `undefined`. */
  nextOf(vma: Vma): Vma | undefined;
  /** The lowest VMA. */
  first(): Vma | undefined;
  /** The highest VMA. */
  last(): Vma | undefined;
  /** The VMAs with `end > vpn`, ascending. */
  iterateFrom(vpn: number): IterableIterator<Vma>;
  /** Adds `vma`. Throws {@link VmaIndexError} if it overlaps a VMA or is already in an index. */
  insert(vma: Vma): void;
  /** Removes `vma`. Throws {@link VmaIndexError} if it is not in this index. */
  remove(vma: Vma): void;
  /**
   * Tells the index that `vma`'s `start`, `end` or `VM_GROWSDOWN` changed in place. Precondition: the VMA still does
   * not overlap its neighbours (so the order is unchanged).
   */
  updated(vma: Vma): void;
  /** Removes every VMA. */
  clear(): void;
  /** The highest placement satisfying `q`, or -1 (Linux `unmapped_area_topdown`). */
  findGapTopDown(q: GapQuery): number;
  /** The lowest placement satisfying `q`, or -1 (Linux `unmapped_area`). */
  findGapBottomUp(q: GapQuery): number;
}

/**
 * The placement inside the free gap `[gs, ge)` for query `q`, top-down, or -1. Shared by the implementations.
 * @internal
 */
export function fitTopDown(gs: number, ge: number, q: GapQuery): number {
  const cs = Math.max(gs, q.low);
  const ce = Math.min(ge, q.high);
  if (ce - cs < q.length + q.alignMask) return -1;
  let a = ce - q.length;
  a -= (a - q.alignOffset) & q.alignMask;
  return a;
}

/**
 * The placement inside the free gap `[gs, ge)` for query `q`, bottom-up, or -1.
 * @internal
 */
export function fitBottomUp(gs: number, ge: number, q: GapQuery): number {
  const cs = Math.max(gs, q.low);
  const ce = Math.min(ge, q.high);
  if (ce - cs < q.length + q.alignMask) return -1;
  return cs + ((q.alignOffset - cs) & q.alignMask);
}
