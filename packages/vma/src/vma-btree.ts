/**
 * `VmaBTree`: a B+tree {@link VmaIndex} — VMAs sorted in leaves of up to 32, inner nodes of up to 32 children —
 * augmented with the largest free gap of every subtree, the shape of Linux's maple tree (which stores gaps per
 * node). Height ~ log32(n): 4 levels hold a million VMAs, so lookups touch few cache lines.
 *
 * Leaves may become under-full after removals (an empty node is dropped); the height never exceeds what the
 * largest size ever reached needs, so every operation stays O(log n) in that size.
 *
 * @module
 */

import { VM_GROWSDOWN } from '@pagewright/core';
import type { Vma } from './vma.js';
import {
  DEFAULT_STACK_GUARD_GAP,
  fitBottomUp,
  fitTopDown,
  type GapQuery,
  type VmaIndex,
  VmaIndexError,
} from './vma-index.js';

const CAP = 32;

class Leaf {
  readonly vmas: Vma[] = [];
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** `vm_start_gap` of each VMA. */
  readonly sgs: number[] = [];
  /** Free gap below each VMA: `max(0, sg - end of the VMA before it)`. */
  readonly gaps: number[] = [];
  maxGap = 0;
  parent: Inner | null = null;
  prev: Leaf | null = null;
  next: Leaf | null = null;
  constructor(readonly owner: VmaBTree) {}
}

class Inner {
  readonly children: (Leaf | Inner)[] = [];
  /** `keys[i]` (i >= 1) separates child i-1 (all starts below) from child i (all starts at or above). */
  readonly keys: number[] = [];
  readonly maxGaps: number[] = [];
  maxGap = 0;
  parent: Inner | null = null;
}

type BNode = Leaf | Inner;

/** Options of {@link VmaBTree}. */
export interface VmaBTreeOptions {
  /** Stack guard gap in pages below `VM_GROWSDOWN` VMAs (default 256). */
  stackGuardGap?: number | undefined;
}

/** Index of the last element `<= x` in ascending `a`, or -1. */
function lastLE(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function leafMax(l: Leaf): number {
  let m = 0;
  for (const g of l.gaps) if (g > m) m = g;
  return m;
}

function innerMax(n: Inner): number {
  let m = 0;
  for (const g of n.maxGaps) if (g > m) m = g;
  return m;
}

/** Recomputes maxGap from `n` up to the root. */
function pullUp(n: BNode): void {
  n.maxGap = n instanceof Leaf ? leafMax(n) : innerMax(n);
  let child: BNode = n;
  for (let p = n.parent; p !== null; p = p.parent) {
    const i = p.children.indexOf(child);
    if (p.maxGaps[i] === child.maxGap) return;
    p.maxGaps[i] = child.maxGap;
    p.maxGap = innerMax(p);
    child = p;
  }
}

/**
 * A gap-augmented B+tree of VMAs. See {@link VmaIndex} for the contract.
 *
 * Invariants: leaves in order hold the VMAs in ascending start, without overlap; `keys[i]` (i >= 1) is above every
 * start in child i-1 and at most every start in child i; `gaps`/`maxGap(s)` are exact; no node is empty (except
 * an empty root leaf).
 */
export class VmaBTree implements VmaIndex {
  readonly name = 'btree';
  readonly stackGuardGap: number;
  private root: BNode;
  private count = 0;

  constructor(options: VmaBTreeOptions = {}) {
    const g = options.stackGuardGap ?? DEFAULT_STACK_GUARD_GAP;
    if (!Number.isInteger(g) || g < 0) throw new RangeError(`bad stack guard gap ${String(g)}`);
    this.stackGuardGap = g;
    this.root = new Leaf(this);
  }

  get size(): number {
    return this.count;
  }

  find(vpn: number): Vma | undefined {
    const l = this.leafFor(vpn);
    const i = lastLE(l.starts, vpn);
    return i >= 0 && (l.ends[i] as number) > vpn ? l.vmas[i] : undefined;
  }

  findFrom(vpn: number): Vma | undefined {
    const l = this.leafFor(vpn);
    const i = lastLE(l.starts, vpn);
    if (i >= 0 && (l.ends[i] as number) > vpn) return l.vmas[i];
    if (i + 1 < l.vmas.length) return l.vmas[i + 1];
    return l.next?.vmas[0];
  }

  findFirstIntersecting(start: number, end: number): Vma | undefined {
    const v = this.findFrom(start);
    return v !== undefined && v.start < end && start < end ? v : undefined;
  }

  conflicts(start: number, end: number): boolean {
    return this.findFirstIntersecting(start, end) !== undefined;
  }

  prevOf(vma: Vma): Vma | undefined {
    const [l, i] = this.locate(vma);
    if (i > 0) return l.vmas[i - 1];
    const p = l.prev;
    return p === null ? undefined : p.vmas[p.vmas.length - 1];
  }

  nextOf(vma: Vma): Vma | undefined {
    const [l, i] = this.locate(vma);
    if (i + 1 < l.vmas.length) return l.vmas[i + 1];
    return l.next?.vmas[0];
  }

  first(): Vma | undefined {
    let n = this.root;
    while (n instanceof Inner) n = n.children[0] as BNode;
    return n.vmas[0];
  }

  last(): Vma | undefined {
    const l = this.lastLeaf();
    return l.vmas[l.vmas.length - 1];
  }

  *iterateFrom(vpn: number): IterableIterator<Vma> {
    const v = this.findFrom(vpn);
    if (v === undefined) return;
    const [l, start] = this.locate(v);
    let i = start;
    for (let leaf: Leaf | null = l; leaf !== null; leaf = leaf.next, i = 0)
      for (; i < leaf.vmas.length; i++) yield leaf.vmas[i] as Vma;
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.iterateFrom(0);
  }

  insert(vma: Vma): void {
    if (vma.indexSlot !== null) throw new VmaIndexError(`VMA ${vma} is already in an index`);
    if (this.conflicts(vma.start, vma.end)) throw new VmaIndexError(`VMA ${vma} overlaps an existing VMA`);
    const l = this.leafFor(vma.start);
    const pos = lastLE(l.starts, vma.start) + 1;
    const sg = this.startGapOf(vma);
    l.vmas.splice(pos, 0, vma);
    l.starts.splice(pos, 0, vma.start);
    l.ends.splice(pos, 0, vma.end);
    l.sgs.splice(pos, 0, sg);
    l.gaps.splice(pos, 0, 0);
    vma.indexSlot = l;
    this.count++;
    this.refreshGap(l, pos);
    const succLeaf = this.refreshSuccessor(l, pos);
    pullUp(l);
    if (succLeaf !== l && succLeaf !== null) pullUp(succLeaf);
    if (l.vmas.length > CAP) this.splitLeaf(l);
  }

  remove(vma: Vma): void {
    const [l, pos] = this.locate(vma);
    l.vmas.splice(pos, 1);
    l.starts.splice(pos, 1);
    l.ends.splice(pos, 1);
    l.sgs.splice(pos, 1);
    l.gaps.splice(pos, 1);
    vma.indexSlot = null;
    this.count--;
    const nextLeaf = l.next;
    if (l.vmas.length === 0 && l !== this.root) this.dropLeaf(l);
    else if (pos < l.vmas.length) this.refreshGap(l, pos);
    // The successor now follows the predecessor: position pos here, or the next leaf's first.
    if (pos >= l.vmas.length && nextLeaf !== null) {
      this.refreshGap(nextLeaf, 0);
      pullUp(nextLeaf);
    }
    if (l.vmas.length > 0 || l === this.root) pullUp(l);
  }

  updated(vma: Vma): void {
    const [l, pos] = this.locate(vma);
    const oldStart = l.starts[pos] as number;
    l.starts[pos] = vma.start;
    l.ends[pos] = vma.end;
    l.sgs[pos] = this.startGapOf(vma);
    this.refreshGap(l, pos);
    const succLeaf = this.refreshSuccessor(l, pos);
    if (vma.start < oldStart && pos === 0) this.lowerKeys(l, vma.start);
    if (vma.start > oldStart && pos === l.vmas.length - 1) this.raiseKeys(l);
    pullUp(l);
    if (succLeaf !== l && succLeaf !== null) pullUp(succLeaf);
  }

  clear(): void {
    for (const v of [...this]) v.indexSlot = null;
    this.root = new Leaf(this);
    this.count = 0;
  }

  findGapTopDown(q: GapQuery): number {
    const lastV = this.last();
    const a = fitTopDown(lastV === undefined ? 0 : lastV.end, Number.POSITIVE_INFINITY, q);
    if (a >= 0) return a;
    return this.topDown(this.root, q, q.length + q.alignMask);
  }

  findGapBottomUp(q: GapQuery): number {
    const a = this.bottomUp(this.root, q, q.length + q.alignMask);
    if (a >= 0) return a;
    const lastV = this.last();
    return fitBottomUp(lastV === undefined ? 0 : lastV.end, Number.POSITIVE_INFINITY, q);
  }

  /** Checks every invariant; throws on the first broken one (tests; O(n)). */
  checkInvariants(): void {
    let prevEnd = 0;
    let prevStart = -1;
    let n = 0;
    let prevLeaf: Leaf | null = null;
    const walk = (node: BNode, parent: Inner | null, lo: number, hi: number): number => {
      if (node.parent !== parent) throw new Error('bad parent link');
      if (node instanceof Leaf) {
        if (node.vmas.length === 0 && node !== this.root) throw new Error('empty leaf');
        if (node.prev !== prevLeaf) throw new Error('bad leaf list');
        if (prevLeaf !== null && prevLeaf.next !== node) throw new Error('bad leaf list');
        prevLeaf = node;
        for (let i = 0; i < node.vmas.length; i++) {
          const v = node.vmas[i] as Vma;
          if (v.indexSlot !== node) throw new Error(`bad slot at ${v}`);
          if (node.starts[i] !== v.start || node.ends[i] !== v.end) throw new Error(`stale bounds at ${v}`);
          if (v.start <= prevStart || v.start < prevEnd) throw new Error(`order/overlap at ${v}`);
          if (v.start < lo || v.start >= hi) throw new Error(`separator broken at ${v}`);
          if (node.sgs[i] !== this.startGapOf(v)) throw new Error(`stale start gap at ${v}`);
          if (node.gaps[i] !== Math.max(0, (node.sgs[i] as number) - prevEnd))
            throw new Error(`stale gap at ${v}`);
          prevEnd = v.end;
          prevStart = v.start;
          n++;
        }
        if (node.maxGap !== leafMax(node)) throw new Error('stale leaf maxGap');
        return node.maxGap;
      }
      if (node.children.length === 0) throw new Error('empty inner node');
      for (let i = 0; i < node.children.length; i++) {
        const clo = i === 0 ? lo : (node.keys[i] as number);
        const chi = i + 1 < node.children.length ? (node.keys[i + 1] as number) : hi;
        const m = walk(node.children[i] as BNode, node, clo, chi);
        if (node.maxGaps[i] !== m) throw new Error('stale child maxGap');
      }
      if (node.maxGap !== innerMax(node)) throw new Error('stale inner maxGap');
      return node.maxGap;
    };
    walk(this.root, null, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    if (prevLeaf !== null && (prevLeaf as Leaf).next !== null) throw new Error('bad leaf list end');
    if (n !== this.count) throw new Error('size mismatch');
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private startGapOf(vma: Vma): number {
    if ((vma.flags & VM_GROWSDOWN) === 0) return vma.start;
    return Math.max(0, vma.start - this.stackGuardGap);
  }

  private leafFor(vpn: number): Leaf {
    let n = this.root;
    while (n instanceof Inner) {
      const i = lastLE(n.keys, vpn);
      n = n.children[Math.max(i, 0)] as BNode;
    }
    return n;
  }

  private lastLeaf(): Leaf {
    let n = this.root;
    while (n instanceof Inner) n = n.children[n.children.length - 1] as BNode;
    return n;
  }

  private locate(vma: Vma): [Leaf, number] {
    const l = vma.indexSlot;
    if (!(l instanceof Leaf) || l.owner !== this) throw new VmaIndexError(`VMA ${vma} is not in this tree`);
    let i = lastLE(l.starts, vma.start);
    if (l.vmas[i] !== vma) i = l.vmas.indexOf(vma); // during updated(), starts[] may still hold the old start
    if (i < 0) throw new VmaIndexError(`VMA ${vma} is not in this tree`);
    return [l, i];
  }

  /** End of the VMA just below position `pos` of `l` (0 when none). */
  private predEnd(l: Leaf, pos: number): number {
    if (pos > 0) return l.ends[pos - 1] as number;
    const p = l.prev;
    return p === null ? 0 : (p.ends[p.ends.length - 1] as number);
  }

  private refreshGap(l: Leaf, pos: number): void {
    l.gaps[pos] = Math.max(0, (l.sgs[pos] as number) - this.predEnd(l, pos));
  }

  /** Refreshes the gap of the VMA after position `pos`; returns its leaf (or null). */
  private refreshSuccessor(l: Leaf, pos: number): Leaf | null {
    if (pos + 1 < l.vmas.length) {
      this.refreshGap(l, pos + 1);
      return l;
    }
    if (l.next !== null) {
      this.refreshGap(l.next, 0);
      return l.next;
    }
    return null;
  }

  /** A start at position 0 of `l` moved down to `start`: lower the separators above it. */
  private lowerKeys(l: Leaf, start: number): void {
    let child: BNode = l;
    for (let p = l.parent; p !== null; p = p.parent) {
      const i = p.children.indexOf(child);
      if (i > 0) {
        if ((p.keys[i] as number) > start) p.keys[i] = start;
        return;
      }
      child = p;
    }
  }

  /**
   * The last start of `l` moved up: make the separator between `l` and the next leaf exact (the next leaf's first
   * start), so it stays above every start on the left.
   */
  private raiseKeys(l: Leaf): void {
    const nxt = l.next;
    if (nxt === null) return;
    let child: BNode = l;
    for (let p = l.parent; p !== null; p = p.parent) {
      const i = p.children.indexOf(child);
      if (i + 1 < p.children.length) {
        p.keys[i + 1] = nxt.starts[0] as number;
        return;
      }
      child = p;
    }
  }

  private splitLeaf(l: Leaf): void {
    const half = l.vmas.length >>> 1;
    const r = new Leaf(this);
    r.vmas.push(...l.vmas.splice(half));
    r.starts.push(...l.starts.splice(half));
    r.ends.push(...l.ends.splice(half));
    r.sgs.push(...l.sgs.splice(half));
    r.gaps.push(...l.gaps.splice(half));
    for (const v of r.vmas) v.indexSlot = r;
    r.next = l.next;
    if (r.next !== null) r.next.prev = r;
    r.prev = l;
    l.next = r;
    l.maxGap = leafMax(l);
    r.maxGap = leafMax(r);
    this.insertChild(l, r, r.starts[0] as number);
  }

  /** Puts `right` just after `left` in `left`'s parent (making a new root if needed), splitting upward. */
  private insertChild(left: BNode, right: BNode, key: number): void {
    let p = left.parent;
    if (p === null) {
      p = new Inner();
      p.children.push(left);
      p.keys.push(Number.NEGATIVE_INFINITY);
      p.maxGaps.push(left.maxGap);
      left.parent = p;
      this.root = p;
    }
    const i = p.children.indexOf(left);
    p.children.splice(i + 1, 0, right);
    p.keys.splice(i + 1, 0, key);
    p.maxGaps[i] = left.maxGap;
    p.maxGaps.splice(i + 1, 0, right.maxGap);
    right.parent = p;
    if (p.children.length > CAP) {
      const half = p.children.length >>> 1;
      const q = new Inner();
      q.children.push(...p.children.splice(half));
      q.keys.push(...p.keys.splice(half));
      q.maxGaps.push(...p.maxGaps.splice(half));
      for (const c of q.children) c.parent = q;
      p.maxGap = innerMax(p);
      q.maxGap = innerMax(q);
      this.insertChild(p, q, q.keys[0] as number);
    } else pullUp(p);
  }

  /** Removes an empty leaf from the leaf list and its parent, dropping emptied ancestors. */
  private dropLeaf(l: Leaf): void {
    if (l.prev !== null) l.prev.next = l.next;
    if (l.next !== null) l.next.prev = l.prev;
    let child: BNode = l;
    let p = l.parent;
    while (p !== null) {
      const i = p.children.indexOf(child);
      p.children.splice(i, 1);
      p.keys.splice(i, 1);
      p.maxGaps.splice(i, 1);
      child.parent = null;
      if (p.children.length > 0) {
        if (i === 0) p.keys[0] = Number.NEGATIVE_INFINITY;
        pullUp(p);
        break;
      }
      child = p;
      p = p.parent;
    }
    // Collapse a root with a single child.
    while (this.root instanceof Inner && this.root.children.length === 1) {
      const c = this.root.children[0] as BNode;
      c.parent = null;
      this.root = c;
    }
    if (this.root instanceof Inner && this.root.children.length === 0) this.root = new Leaf(this);
  }

  private topDown(n: BNode, q: GapQuery, need: number): number {
    if (n.maxGap < need) return -1;
    if (n instanceof Leaf) {
      for (let i = n.vmas.length - 1; i >= 0; i--) {
        // Gaps end at or below their VMA's start (starts ascend; start gaps may not).
        if ((n.starts[i] as number) <= q.low) break;
        const sg = n.sgs[i] as number;
        const g = n.gaps[i] as number;
        if (g < need) continue;
        const a = fitTopDown(sg - g, sg, q);
        if (a >= 0) return a;
      }
      return -1;
    }
    for (let i = n.children.length - 1; i >= 0; i--) {
      if ((n.maxGaps[i] as number) < need) continue;
      if (i >= 2 && (n.keys[i - 1] as number) >= q.high) continue;
      if (i + 1 < n.children.length && (n.keys[i + 1] as number) <= q.low) break;
      const a = this.topDown(n.children[i] as BNode, q, need);
      if (a >= 0) return a;
    }
    return -1;
  }

  private bottomUp(n: BNode, q: GapQuery, need: number): number {
    if (n.maxGap < need) return -1;
    if (n instanceof Leaf) {
      for (let i = 0; i < n.vmas.length; i++) {
        // Gaps start at the previous VMA's end (ascending).
        if (i > 0 && (n.ends[i - 1] as number) >= q.high) break;
        const sg = n.sgs[i] as number;
        const g = n.gaps[i] as number;
        if (g < need || sg <= q.low) continue;
        const a = fitBottomUp(sg - g, sg, q);
        if (a >= 0) return a;
      }
      return -1;
    }
    for (let i = 0; i < n.children.length; i++) {
      if ((n.maxGaps[i] as number) < need) continue;
      if (i + 1 < n.children.length && (n.keys[i + 1] as number) <= q.low) continue;
      if (i >= 2 && (n.keys[i - 1] as number) >= q.high) break;
      const a = this.bottomUp(n.children[i] as BNode, q, need);
      if (a >= 0) return a;
    }
    return -1;
  }
}
