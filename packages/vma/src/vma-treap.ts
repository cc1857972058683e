/**
 * `VmaTreap`: an O(log n) {@link VmaIndex} — a treap ordered by start page, each node augmented with the free gap
 * below its VMA and the largest such gap in its subtree (the role of Linux's rb-tree `rb_subtree_gap`, and of the
 * maple tree's gap tracking), so lookups, inserts, removes and free-area searches are all O(log n) expected.
 *
 * Priorities come from a private xorshift generator with a fixed (or given) seed: deterministic, no global state.
 *
 * @module
 */

import { VM_GROWSDOWN } from '@pagewright/core';
import { crossCheckIndex, VmaIndexCorruptError } from './index-scan.js';
import type { Vma } from './vma.js';
import {
  DEFAULT_STACK_GUARD_GAP,
  fitBottomUp,
  fitTopDown,
  type GapQuery,
  type VmaIndex,
  VmaIndexError,
} from './vma-index.js';

/** One tree node; the VMA's `indexSlot` points at it. */
class TreeNode {
  left: TreeNode | null = null;
  right: TreeNode | null = null;
  parent: TreeNode | null = null;
  /** Cached `vma.start` / `vma.end` (the key and the gap bound of the successor). */
  start: number;
  end: number;
  /** `vm_start_gap(vma)`: the end of the free gap below this VMA. */
  startGap: number;
  /** End of the VMA below (0 for the lowest): the start of the free gap below this VMA. */
  gapStart = 0;
  /** `max(0, startGap - gapStart)`. */
  gap = 0;
  /** Largest `gap` in this subtree. */
  maxGap = 0;

  constructor(
    readonly vma: Vma,
    readonly owner: VmaTreap,
    readonly prio: number,
  ) {
    this.start = vma.start;
    this.end = vma.end;
    this.startGap = vma.start;
  }
}

/** Options of {@link VmaTreap}. */
export interface VmaTreapOptions {
  /** Stack guard gap in pages below `VM_GROWSDOWN` VMAs (default 256, Linux `stack_guard_gap`). */
  stackGuardGap?: number | undefined;
  /** Seed of the priority generator (default 0x9e3779b9); any value gives the same observable behaviour. */
  seed?: number | undefined;
}

/**
 * A balanced, gap-augmented tree of VMAs. See {@link VmaIndex} for the contract.
 *
 * Invariants: in-order = ascending start, no overlaps; heap order on `prio`; for every node `gapStart` is the end
 * of its in-order predecessor (0 for none), `gap = max(0, startGap - gapStart)`, `maxGap` = max of `gap` over
 * the subtree.
 */
export class VmaTreap implements VmaIndex {
  readonly name = 'treap';
  readonly stackGuardGap: number;
  private root: TreeNode | null = null;
  private count = 0;
  private rng: number;

  constructor(options: VmaTreapOptions = {}) {
    const g = options.stackGuardGap ?? DEFAULT_STACK_GUARD_GAP;
    if (!Number.isInteger(g) || g < 0) throw new RangeError(`bad stack guard gap ${String(g)}`);
    this.stackGuardGap = g;
    this.rng = (options.seed ?? 0x9e3779b9) | 0 || 1;
  }

  get size(): number {
    return this.count;
  }

  find(vpn: number): Vma | undefined {
    let n = this.root;
    while (n !== null) {
      if (vpn < n.start) n = n.left;
      else if (vpn >= n.end) n = n.right;
      else return n.vma;
    }
    return undefined;
  }

  findFrom(vpn: number): Vma | undefined {
    return this.nodeFrom(vpn)?.vma;
  }

  findFirstIntersecting(start: number, end: number): Vma | undefined {
    const n = this.nodeFrom(start);
    return n !== null && n.start < end && start < end ? n.vma : undefined;
  }

  conflicts(start: number, end: number): boolean {
    return this.findFirstIntersecting(start, end) !== undefined;
  }

  prevOf(vma: Vma): Vma | undefined {
    return predecessor(this.nodeOf(vma))?.vma;
  }

  nextOf(vma: Vma): Vma | undefined {
    return successor(this.nodeOf(vma))?.vma;
  }

  first(): Vma | undefined {
    let n = this.root;
    if (n === null) return undefined;
    while (n.left !== null) n = n.left;
    return n.vma;
  }

  last(): Vma | undefined {
    return this.lastNode()?.vma;
  }

  *iterateFrom(vpn: number): IterableIterator<Vma> {
    for (let n = this.nodeFrom(vpn); n !== null; n = successor(n)) yield n.vma;
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.iterateFrom(0);
  }

  insert(vma: Vma): void {
    if (vma.indexSlot !== null) throw new VmaIndexError(`VMA ${vma} is already in an index`);
    const start = vma.start;
    const end = vma.end;
    // One descent to the leaf position; the in-order neighbours of that position are on the path.
    let parent: TreeNode | null = null;
    let pred: TreeNode | null = null;
    let succ: TreeNode | null = null;
    let n = this.root;
    while (n !== null) {
      parent = n;
      if (start < n.start) {
        succ = n;
        n = n.left;
      } else {
        pred = n;
        n = n.right;
      }
    }
    if ((pred !== null && pred.end > start) || (succ !== null && succ.start < end))
      throw new VmaIndexError(`VMA ${vma} overlaps an existing VMA`);
    const node = new TreeNode(vma, this, this.nextPrio());
    node.startGap = this.startGapOf(vma);
    node.parent = parent;
    if (parent === null) this.root = node;
    else if (start < parent.start) parent.left = node;
    else parent.right = node;
    vma.indexSlot = node;
    this.count++;
    // Gap bookkeeping while the node is a leaf (its successor is an ancestor), then rotate it up.
    node.gapStart = pred === null ? 0 : pred.end;
    setGap(node);
    node.maxGap = node.gap;
    if (succ !== null) {
      succ.gapStart = end;
      setGap(succ);
    }
    pullUpFrom(parent);
    while (node.parent !== null && node.parent.prio < node.prio) this.rotateUp(node);
  }

  remove(vma: Vma): void {
    const node = this.nodeOf(vma);
    const pred = predecessor(node);
    const succ = successor(node);
    // Rotate the node down to a leaf.
    for (;;) {
      const l = node.left;
      const r = node.right;
      if (l === null && r === null) break;
      if (r === null || (l !== null && l.prio > r.prio)) this.rotateUp(l as TreeNode);
      else this.rotateUp(r);
    }
    const p = node.parent;
    if (p === null) this.root = null;
    else if (p.left === node) p.left = null;
    else p.right = null;
    node.parent = null;
    vma.indexSlot = null;
    this.count--;
    // The successor of a leaf is one of its ancestors, so one pull-up from the parent covers its new gap.
    if (succ !== null) {
      succ.gapStart = pred === null ? 0 : pred.end;
      setGap(succ);
    }
    pullUpFrom(p);
  }

  updated(vma: Vma): void {
    const node = this.nodeOf(vma);
    node.start = vma.start;
    node.end = vma.end;
    node.startGap = this.startGapOf(vma);
    setGap(node);
    pullUpFrom(node);
    const succ = successor(node);
    if (succ !== null) {
      succ.gapStart = node.end;
      setGap(succ);
      pullUpFrom(succ);
    }
  }

  clear(): void {
    for (const v of [...this]) v.indexSlot = null;
    this.root = null;
    this.count = 0;
  }

  findGapTopDown(q: GapQuery): number {
    const last = this.lastNode();
    const a = fitTopDown(last === null ? 0 : last.end, Number.POSITIVE_INFINITY, q);
    if (a >= 0) return a;
    return topDown(this.root, q, q.length + q.alignMask);
  }

  findGapBottomUp(q: GapQuery): number {
    const a = bottomUp(this.root, q, q.length + q.alignMask);
    if (a >= 0) return a;
    const last = this.lastNode();
    return fitBottomUp(last === null ? 0 : last.end, Number.POSITIVE_INFINITY, q);
  }

  /**
   * Checks every invariant and throws {@link VmaIndexCorruptError} on the first broken one (tests and debugging;
   * O(n log n)): parent links, heap order, slots, in-order = ascending and disjoint, every VMA's whole range within
   * the bounds its ancestors' keys put on its subtree, cached bounds, gaps and max gaps; then every lookup, neighbour
   * query and some gap searches against a scan of the in-order sequence.
   */
  checkInvariants(): void {
    const fail = (message: string): never => {
      throw new VmaIndexCorruptError(this.name, message);
    };
    let prevEnd = 0;
    let prevStart = -1;
    let count = 0;
    const stored: Vma[] = [];
    const check = (n: TreeNode | null, parent: TreeNode | null, lo: number, hi: number): number => {
      if (n === null) return 0;
      if (n.parent !== parent) fail('bad parent link');
      if (n.owner !== this || n.vma.indexSlot !== n) fail(`bad slot at ${n.vma}`);
      if (parent !== null && parent.prio < n.prio) fail('heap order broken');
      // A left subtree lies below its ancestor's start, a right subtree at or above its ancestor's end.
      if (n.start < lo || n.end > hi) fail(`${n.vma} is not within [${lo}, ${hi}) its ancestors allow`);
      const lm = check(n.left, n, lo, n.start);
      if (n.start <= prevStart || n.start < prevEnd) fail(`order/overlap broken at ${n.vma}`);
      if (n.start !== n.vma.start || n.end !== n.vma.end) fail(`stale node at ${n.vma}`);
      if (n.gapStart !== prevEnd) fail(`stale gapStart at ${n.vma}`);
      if (n.startGap !== this.startGapOf(n.vma)) fail(`stale startGap at ${n.vma}`);
      if (n.gap !== Math.max(0, n.startGap - n.gapStart)) fail(`stale gap at ${n.vma}`);
      prevEnd = n.end;
      prevStart = n.start;
      count++;
      stored.push(n.vma);
      const rm = check(n.right, n, n.end, hi);
      const m = Math.max(n.gap, lm, rm);
      if (m !== n.maxGap) fail(`stale maxGap at ${n.vma}`);
      return m;
    };
    check(this.root, null, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    if (count !== this.count) fail('size mismatch');
    crossCheckIndex(this, stored);
  }

  private startGapOf(vma: Vma): number {
    if ((vma.flags & VM_GROWSDOWN) === 0) return vma.start;
    const s = vma.start - this.stackGuardGap;
    return Math.max(s, 0);
  }

  private nodeOf(vma: Vma): TreeNode {
    const n = vma.indexSlot;
    if (!(n instanceof TreeNode) || n.owner !== this)
      throw new VmaIndexError(`VMA ${vma} is not in this tree`);
    return n;
  }

  private nodeFrom(vpn: number): TreeNode | null {
    let n = this.root;
    let best: TreeNode | null = null;
    while (n !== null) {
      if (n.end > vpn) {
        best = n;
        n = n.left;
      } else n = n.right;
    }
    return best;
  }

  private lastNode(): TreeNode | null {
    let n = this.root;
    if (n === null) return null;
    while (n.right !== null) n = n.right;
    return n;
  }

  private nextPrio(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    return x >>> 0;
  }

  /** Rotates `n` above its parent, keeping in-order and recomputing both nodes' `maxGap`. */
  private rotateUp(n: TreeNode): void {
    const p = n.parent as TreeNode;
    const g = p.parent;
    if (p.left === n) {
      p.left = n.right;
      if (n.right !== null) n.right.parent = p;
      n.right = p;
    } else {
      p.right = n.left;
      if (n.left !== null) n.left.parent = p;
      n.left = p;
    }
    p.parent = n;
    n.parent = g;
    if (g === null) this.root = n;
    else if (g.left === p) g.left = n;
    else g.right = n;
    recompute(p);
    recompute(n);
  }
}

function setGap(n: TreeNode): void {
  const g = n.startGap - n.gapStart;
  n.gap = Math.max(g, 0);
}

function recompute(n: TreeNode): void {
  let m = n.gap;
  if (n.left !== null && n.left.maxGap > m) m = n.left.maxGap;
  if (n.right !== null && n.right.maxGap > m) m = n.right.maxGap;
  n.maxGap = m;
}

function pullUpFrom(n: TreeNode | null): void {
  for (; n !== null; n = n.parent) recompute(n);
}

function predecessor(n: TreeNode): TreeNode | null {
  if (n.left !== null) {
    let m = n.left;
    while (m.right !== null) m = m.right;
    return m;
  }
  let c = n;
  let p = n.parent;
  while (p !== null && p.left === c) {
    c = p;
    p = p.parent;
  }
  return p;
}

function successor(n: TreeNode): TreeNode | null {
  if (n.right !== null) {
    let m = n.right;
    while (m.left !== null) m = m.left;
    return m;
  }
  let c = n;
  let p = n.parent;
  while (p !== null && p.right === c) {
    c = p;
    p = p.parent;
  }
  return p;
}

function topDown(n: TreeNode | null, q: GapQuery, need: number): number {
  if (n === null || n.maxGap < need) return -1;
  if (n.end < q.high) {
    const r = topDown(n.right, q, need);
    if (r >= 0) return r;
  }
  if (n.gap >= need) {
    const a = fitTopDown(n.gapStart, n.startGap, q);
    if (a >= 0) return a;
  }
  return n.gapStart > q.low ? topDown(n.left, q, need) : -1;
}

function bottomUp(n: TreeNode | null, q: GapQuery, need: number): number {
  if (n === null || n.maxGap < need) return -1;
  if (n.gapStart > q.low) {
    const r = bottomUp(n.left, q, need);
    if (r >= 0) return r;
  }
  if (n.gap >= need) {
    const a = fitBottomUp(n.gapStart, n.startGap, q);
    if (a >= 0) return a;
  }
  return n.end < q.high ? bottomUp(n.right, q, need) : -1;
}
