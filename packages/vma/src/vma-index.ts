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
 * Invariants every implementation keeps: no two VMAs share a page; iteration is in ascending `start`; a VMA is in at
 * most one index at a time. Iterators are invalidated by any mutation.
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
