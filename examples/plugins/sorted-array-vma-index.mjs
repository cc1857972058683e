// A VMA index kept as a sorted array with binary search: O(log n) lookups, O(n) inserts, removes and gap searches.
// It implements @pagewright/vma's VmaIndex: Linux's `find_vma` and `vm_unmapped_area` answers, with the stack
// guard gap below VM_GROWSDOWN VMAs.
//
// Use it from the command line:   pnpm -s pagewright demo --vma ./examples/plugins/sorted-array-vma-index.mjs
// or from code:                   new Machine({ vmaIndex: sortedArray })
import { VmaIndexError, vmaStartGap } from '@pagewright/vma';

/** @implements {import('@pagewright/vma').VmaIndex} */
export class SortedArrayVmaIndex {
  name = 'sorted-array';
  /** @param {{ stackGuardGap?: number }} [options] */
  constructor(options = {}) {
    this.stackGuardGap = options.stackGuardGap ?? 256;
    /** @type {import('@pagewright/vma').Vma[]} */
    this.vmas = [];
  }
  get size() {
    return this.vmas.length;
  }
  /** The position of the first VMA with `end > vpn`. */
  lowerBound(vpn) {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vmas[mid].end > vpn) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
  /** The position of a member VMA (by identity), or a thrown VmaIndexError. */
  positionOf(vma) {
    if (vma.indexSlot !== this) throw new VmaIndexError('the VMA is not in this index');
    const i = this.lowerBound(vma.start);
    if (this.vmas[i] !== vma) throw new VmaIndexError('the VMA is not in this index');
    return i;
  }
  find(vpn) {
    const v = this.vmas[this.lowerBound(vpn)];
    return v !== undefined && v.start <= vpn ? v : undefined;
  }
  findFrom(vpn) {
    return this.vmas[this.lowerBound(vpn)];
  }
  findFirstIntersecting(start, end) {
    if (start >= end) return undefined;
    const v = this.vmas[this.lowerBound(start)];
    return v !== undefined && v.start < end ? v : undefined;
  }
  conflicts(start, end) {
    return this.findFirstIntersecting(start, end) !== undefined;
  }
  prevOf(vma) {
    return this.vmas[this.positionOf(vma) - 1];
  }
  nextOf(vma) {
    return this.vmas[this.positionOf(vma) + 1];
  }
  first() {
    return this.vmas[0];
  }
  last() {
    return this.vmas[this.vmas.length - 1];
  }
  *iterateFrom(vpn) {
    for (let i = this.lowerBound(vpn); i < this.vmas.length; i++) yield this.vmas[i];
  }
  [Symbol.iterator]() {
    return this.vmas[Symbol.iterator]();
  }
  insert(vma) {
    if (vma.indexSlot !== null) throw new VmaIndexError('the VMA is already in an index');
    if (this.conflicts(vma.start, vma.end)) throw new VmaIndexError('the VMA overlaps a member');
    this.vmas.splice(this.lowerBound(vma.start), 0, vma);
    vma.indexSlot = this;
  }
  remove(vma) {
    this.vmas.splice(this.positionOf(vma), 1);
    vma.indexSlot = null;
  }
  updated(vma) {
    this.positionOf(vma); // still in place: the order did not change
  }
  clear() {
    for (const v of this.vmas) v.indexSlot = null;
    this.vmas = [];
  }
  /** The free gaps `[start, end)` in ascending order, the last one unbounded. */
  *gaps() {
    let prevEnd = 0;
    for (const v of this.vmas) {
      yield [prevEnd, vmaStartGap(v, this.stackGuardGap)];
      prevEnd = v.end;
    }
    yield [prevEnd, Number.POSITIVE_INFINITY];
  }
  findGapTopDown(q) {
    const gaps = [...this.gaps()].reverse();
    for (const [gs, ge] of gaps) {
      const cs = Math.max(gs, q.low);
      const ce = Math.min(ge, q.high);
      if (ce - cs < q.length + q.alignMask) continue;
      const a = ce - q.length;
      return a - ((a - q.alignOffset) & q.alignMask);
    }
    return -1;
  }
  findGapBottomUp(q) {
    for (const [gs, ge] of this.gaps()) {
      const cs = Math.max(gs, q.low);
      const ce = Math.min(ge, q.high);
      if (ce - cs < q.length + q.alignMask) continue;
      return cs + ((q.alignOffset - cs) & q.alignMask);
    }
    return -1;
  }
}

/** The plug-in: a factory called once per address space with `{ stackGuardGap }`. */
export default function sortedArray(context) {
  return new SortedArrayVmaIndex({ stackGuardGap: context.stackGuardGap });
}
