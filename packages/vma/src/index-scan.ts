/**
 * Linear-scan reference answers of a {@link VmaIndex}, computed from a plain ascending array of VMAs, and the
 * cross-check every built-in index's `checkInvariants()` runs: each lookup the index answers through its own
 * structure must equal the answer of a scan over the VMAs it stores. A structure whose search paths disagree with
 * its contents (a stale separator, a stale gap) is caught here even when each field looks locally plausible.
 *
 * @module
 */

import type { Vma } from './vma.js';
import { fitBottomUp, fitTopDown, type GapQuery, type VmaIndex, vmaStartGap } from './vma-index.js';

/** Thrown by a `checkInvariants()` when an index's structure is broken. */
export class VmaIndexCorruptError extends Error {
  constructor(
    readonly index: string,
    message: string,
  ) {
    super(`${index}: ${message}`);
    this.name = 'VmaIndexCorruptError';
  }
}

/** `vm_unmapped_area` top-down over an ascending, disjoint array (the reference the indexes are checked against). */
export function scanGapTopDown(sorted: readonly Vma[], stackGuardGap: number, q: GapQuery): number {
  const n = sorted.length;
  const top = fitTopDown(n > 0 ? (sorted[n - 1] as Vma).end : 0, Number.POSITIVE_INFINITY, q);
  if (top >= 0) return top;
  for (let i = n - 1; i >= 0; i--) {
    const gs = i > 0 ? (sorted[i - 1] as Vma).end : 0;
    const a = fitTopDown(gs, vmaStartGap(sorted[i] as Vma, stackGuardGap), q);
    if (a >= 0) return a;
  }
  return -1;
}

/** `vm_unmapped_area` bottom-up over an ascending, disjoint array. */
export function scanGapBottomUp(sorted: readonly Vma[], stackGuardGap: number, q: GapQuery): number {
  const n = sorted.length;
  for (let i = 0; i < n; i++) {
    const gs = i > 0 ? (sorted[i - 1] as Vma).end : 0;
    const a = fitBottomUp(gs, vmaStartGap(sorted[i] as Vma, stackGuardGap), q);
    if (a >= 0) return a;
  }
  return fitBottomUp(n > 0 ? (sorted[n - 1] as Vma).end : 0, Number.POSITIVE_INFINITY, q);
}

/** The VMA of an ascending, disjoint array containing `vpn` (binary search), or `undefined`. */
export function scanFind(sorted: readonly Vma[], vpn: number): Vma | undefined {
  const i = scanFromIndex(sorted, vpn);
  const v = sorted[i];
  return v !== undefined && v.start <= vpn ? v : undefined;
}

/** Position of the first VMA with `end > vpn` in an ascending, disjoint array (`length` when none). */
export function scanFromIndex(sorted: readonly Vma[], vpn: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as Vma).end > vpn) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Checks that `stored` (the VMAs the index holds, in the order its own structure lists them) is ascending and
 * disjoint, and that every lookup, neighbour query and a set of gap searches the index answers through its search
 * structure equals the scan over `stored`. O(n log n) for a tree. Throws {@link VmaIndexCorruptError}.
 */
export function crossCheckIndex(index: VmaIndex, stored: readonly Vma[]): void {
  const fail = (message: string): never => {
    throw new VmaIndexCorruptError(index.name, message);
  };
  const n = stored.length;
  if (index.size !== n) fail(`size ${index.size} but ${n} VMAs stored`);
  for (let i = 0; i < n; i++) {
    const v = stored[i] as Vma;
    if (!(v.start < v.end)) fail(`empty VMA ${v}`);
    const p = stored[i - 1];
    if (p !== undefined && p.end > v.start) fail(`order/overlap: ${p} before ${v}`);
  }
  if (index.first() !== stored[0]) fail('first() is not the lowest stored VMA');
  if (index.last() !== stored[n - 1]) fail('last() is not the highest stored VMA');
  const expectFind = (vpn: number, want: Vma | undefined, what: string): void => {
    if (vpn < 0) return;
    const got = index.find(vpn);
    if (got !== want) fail(`find(${vpn}) (${what}) gave ${String(got)}, a scan gives ${String(want)}`);
  };
  for (let i = 0; i < n; i++) {
    const v = stored[i] as Vma;
    const p = stored[i - 1];
    const x = stored[i + 1];
    expectFind(v.start, v, `start of ${v}`);
    expectFind(v.end - 1, v, `last page of ${v}`);
    expectFind(v.start + ((v.end - v.start) >>> 1), v, `middle of ${v}`);
    expectFind(v.start - 1, p !== undefined && p.end === v.start ? p : undefined, `below ${v}`);
    expectFind(v.end, x !== undefined && x.start === v.end ? x : undefined, `above ${v}`);
    if (index.findFrom(v.end - 1) !== v) fail(`findFrom(${v.end - 1}) is not ${v}`);
    if (index.findFrom(v.end) !== x) fail(`findFrom(${v.end}) is not the VMA above ${v}`);
    if (index.findFrom(p === undefined ? 0 : p.end) !== v) fail(`findFrom(end of the VMA below) is not ${v}`);
    if (index.findFirstIntersecting(v.start, v.end) !== v) fail(`findFirstIntersecting misses ${v}`);
    if (index.prevOf(v) !== p) fail(`prevOf(${v}) is not ${String(p)}`);
    if (index.nextOf(v) !== x) fail(`nextOf(${v}) is not ${String(x)}`);
    const gapStart = p === undefined ? 0 : p.end;
    if (gapStart < v.start && index.conflicts(gapStart, v.start)) fail(`the free gap below ${v} conflicts`);
  }
  // Gap searches: the largest useful lengths exercise the augmentation (a stale max gap prunes a real gap).
  const guard = index.stackGuardGap;
  const lengths = new Set<number>([1]);
  for (let i = 0; i < n; i++) {
    const v = stored[i] as Vma;
    const g = vmaStartGap(v, guard) - (i > 0 ? (stored[i - 1] as Vma).end : 0);
    if (g > 0) lengths.add(g);
  }
  const hi = n > 0 ? (stored[n - 1] as Vma).end : 0;
  // At most 33 lengths (evenly spaced over the distinct gap sizes, the largest included): linear indexes stay cheap.
  const sortedLengths = [...lengths].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(sortedLengths.length / 32));
  const picked = sortedLengths.filter((_, i) => i % step === 0);
  picked.push(sortedLengths[sortedLengths.length - 1] as number);
  for (const length of picked) {
    const q: GapQuery = { length, low: 0, high: hi, alignMask: 0, alignOffset: 0 };
    const td = index.findGapTopDown(q);
    if (td !== scanGapTopDown(stored, guard, q)) fail(`findGapTopDown(length ${length}) gave ${td}`);
    const bu = index.findGapBottomUp(q);
    if (bu !== scanGapBottomUp(stored, guard, q)) fail(`findGapBottomUp(length ${length}) gave ${bu}`);
  }
}
