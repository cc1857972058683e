/**
 * `VmaBTree`: a B+tree {@link VmaIndex} — VMAs sorted in leaves of up to 32, inner nodes of up to 32 children —
 * augmented with the largest free gap of every subtree, the shape of Linux's maple tree (which stores gaps per
 * node). Height ~ log16..log32(n): 4 levels hold a million VMAs, so lookups touch few cache lines. It is the
 * engine of the default {@link VmaTree}.
 *
 * Leaves may become under-full after removals (an empty node is dropped); the height never exceeds what the
 * largest size ever reached needs, so every operation stays O(log n) in that size.
 *
 * ## Performance notes
 * One node class for leaves and inner nodes (a single hidden class, so property access stays monomorphic); keys,
 * ends, start gaps and gaps live in fixed-capacity `Float64Array`s allocated with the node; `find`, `insert`,
 * `remove`, `updated` and the gap searches allocate nothing (only a split allocates its new node). `insert` does one
 * descent that both checks for overlap and finds the slot; `remove` starts at the VMA's leaf (its `indexSlot`);
 * max-gap propagation stops at the first ancestor whose recorded value does not change.
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

/** Most entries a node holds between operations (it holds CAP + 1 for an instant before it splits). */
const CAP = 32;
const EMPTY = new Float64Array(0);

/**
 * A leaf or an inner node (one class, one shape).
 *
 * Leaf: `items[i]` is the i-th VMA, `keys[i]` its start, `ends[i]` its end, `sgs[i]` its `vm_start_gap`, `gaps[i]` the
 * free gap below it. Inner: `items[i]` is child i, `keys[i]` (i >= 1) is exactly the lowest start in child i's
 * subtree, `keys[0] = -Infinity`, `gaps[i]` the child's `maxGap`. Exact separators make every VMA of child i-1 end
 * at or below `keys[i]` (VMAs are disjoint), so a descent by any page of a VMA, not only its start, reaches its leaf.
 */
class BNode {
  count = 0;
  maxGap = 0;
  parent: BNode | null = null;
  prev: BNode | null = null;
  next: BNode | null = null;
  readonly keys = new Float64Array(CAP + 1);
  readonly gaps = new Float64Array(CAP + 1);
  readonly ends: Float64Array;
  readonly sgs: Float64Array;
  readonly items: (Vma | BNode | null)[];

  constructor(
    readonly owner: VmaBTree,
    readonly leaf: boolean,
  ) {
    this.ends = leaf ? new Float64Array(CAP + 1) : EMPTY;
    this.sgs = leaf ? new Float64Array(CAP + 1) : EMPTY;
    const items: (Vma | BNode | null)[] = new Array(CAP + 1);
    for (let i = 0; i <= CAP; i++) items[i] = null;
    this.items = items;
  }
}

/** Options of {@link VmaBTree}. */
export interface VmaBTreeOptions {
  /** Stack guard gap in pages below `VM_GROWSDOWN` VMAs (default 256). */
  stackGuardGap?: number | undefined;
}

/** Index of the last of `a[0..n)` (ascending) that is `<= x`, or -1. */
function lastLE(a: Float64Array, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function maxOf(a: Float64Array, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) {
    const g = a[i] as number;
    if (g > m) m = g;
  }
  return m;
}

/** The lowest start in `n`'s subtree (its first leaf's first key). */
function lowestStart(n: BNode): number {
  let m = n;
  while (!m.leaf) m = m.items[0] as BNode;
  return m.keys[0] as number;
}

function childIndex(p: BNode, child: BNode): number {
  const items = p.items;
  for (let i = 0; i < p.count; i++) if (items[i] === child) return i;
  return -1;
}

/** Recomputes `n.maxGap` and carries a change up, stopping at the first ancestor that already records it. */
function pullUp(n: BNode): void {
  let m = maxOf(n.gaps, n.count);
  if (m === n.maxGap) return;
  n.maxGap = m;
  let child = n;
  for (let p = n.parent; p !== null; p = p.parent) {
    const i = childIndex(p, child);
    if (p.gaps[i] === m) return;
    p.gaps[i] = m;
    m = maxOf(p.gaps, p.count);
    if (m === p.maxGap) return;
    p.maxGap = m;
    child = p;
  }
}

/**
 * Sets `n.gaps[pos]` to `g` and carries the change up. Needs every `maxGap` on the path to be exact before the call;
 * a node is rescanned only when its maximum shrank (the old value was the maximum and the new one is below it),
 * and the walk stops at the first node whose maximum does not change.
 */
function setGap(n: BNode, pos: number, g: number): void {
  let node = n;
  let i = pos;
  let value = g;
  for (;;) {
    const old = node.gaps[i] as number;
    if (old === value) return;
    node.gaps[i] = value;
    const max = node.maxGap;
    let m: number;
    if (value >= max) m = value;
    else if (old < max) return;
    else m = maxOf(node.gaps, node.count);
    if (m === max) return;
    node.maxGap = m;
    const p = node.parent;
    if (p === null) return;
    i = childIndex(p, node);
    node = p;
    value = m;
  }
}

/**
 * The lowest start in `n`'s subtree is now `low`: set the one separator that records it, in the nearest ancestor
 * where the path does not enter through child 0 (none when `n` is on the tree's left edge).
 */
function setSeparator(n: BNode, low: number): void {
  let child = n;
  for (let p = n.parent; p !== null; p = p.parent) {
    const i = childIndex(p, child);
    if (i > 0) {
      p.keys[i] = low;
      return;
    }
    child = p;
  }
}

/** Opens slot `pos` of `n` (shifting `[pos, count)` right by one). */
function openSlot(n: BNode, pos: number): void {
  const c = n.count;
  // Plain loops: the spans are short (at most CAP), where a builtin call costs more than the copy.
  const { keys, gaps, items } = n;
  for (let i = c; i > pos; i--) {
    keys[i] = keys[i - 1] as number;
    gaps[i] = gaps[i - 1] as number;
    items[i] = items[i - 1] as Vma | BNode;
  }
  if (n.leaf) {
    const { ends, sgs } = n;
    for (let i = c; i > pos; i--) {
      ends[i] = ends[i - 1] as number;
      sgs[i] = sgs[i - 1] as number;
    }
  }
  n.count = c + 1;
}

/** Closes slot `pos` of `n` (shifting `(pos, count)` left by one). */
function closeSlot(n: BNode, pos: number): void {
  const c = n.count - 1;
  const { keys, gaps, items } = n;
  for (let i = pos; i < c; i++) {
    keys[i] = keys[i + 1] as number;
    gaps[i] = gaps[i + 1] as number;
    items[i] = items[i + 1] as Vma | BNode;
  }
  if (n.leaf) {
    const { ends, sgs } = n;
    for (let i = pos; i < c; i++) {
      ends[i] = ends[i + 1] as number;
      sgs[i] = sgs[i + 1] as number;
    }
  }
  n.items[c] = null;
  n.count = c;
}

/** Moves entries `[from, count)` of `src` to the empty node `dst`. */
function moveTail(src: BNode, dst: BNode, from: number): void {
  const c = src.count;
  dst.keys.set(src.keys.subarray(from, c));
  dst.gaps.set(src.gaps.subarray(from, c));
  if (src.leaf) {
    dst.ends.set(src.ends.subarray(from, c));
    dst.sgs.set(src.sgs.subarray(from, c));
  }
  for (let i = from; i < c; i++) {
    dst.items[i - from] = src.items[i] as Vma | BNode;
    src.items[i] = null;
  }
  dst.count = c - from;
  src.count = from;
}

/** Iterator over a leaf chain (no generator: a plain object with a fixed shape). */
class LeafIterator implements IterableIterator<Vma> {
  constructor(
    private leaf: BNode | null,
    private pos: number,
  ) {}

  next(): IteratorResult<Vma> {
    let l = this.leaf;
    while (l !== null && this.pos >= l.count) {
      l = l.next;
      this.pos = 0;
    }
    this.leaf = l;
    if (l === null) return { done: true, value: undefined };
    return { done: false, value: l.items[this.pos++] as Vma };
  }

  [Symbol.iterator](): IterableIterator<Vma> {
    return this;
  }
}

/**
 * A gap-augmented B+tree of VMAs. See {@link VmaIndex} for the contract.
 *
 * Invariants: leaves in order hold the VMAs in ascending start, without overlap; `keys[i]` (i >= 1) of an inner node
 * equals the lowest start in child i, so every VMA of the subtree lies wholly (start and end) within the separators
 * on its root-to-leaf path; `gaps`/`maxGap` are exact; no node is empty (except an empty root leaf).
 * `checkInvariants()` checks all of them and cross-checks every lookup against a scan of the leaves.
 */
export class VmaBTree implements VmaIndex {
  readonly name: string = 'btree';
  readonly stackGuardGap: number;
  private root: BNode;
  private count = 0;

  constructor(options: VmaBTreeOptions = {}) {
    const g = options.stackGuardGap ?? DEFAULT_STACK_GUARD_GAP;
    if (!Number.isInteger(g) || g < 0) throw new RangeError(`bad stack guard gap ${String(g)}`);
    this.stackGuardGap = g;
    this.root = new BNode(this, true);
  }

  get size(): number {
    return this.count;
  }

  find(vpn: number): Vma | undefined {
    const l = this.leafFor(vpn);
    const i = lastLE(l.keys, l.count, vpn);
    return i >= 0 && (l.ends[i] as number) > vpn ? (l.items[i] as Vma) : undefined;
  }

  findFrom(vpn: number): Vma | undefined {
    const l = this.leafFor(vpn);
    const i = lastLE(l.keys, l.count, vpn);
    if (i >= 0 && (l.ends[i] as number) > vpn) return l.items[i] as Vma;
    if (i + 1 < l.count) return l.items[i + 1] as Vma;
    const n = l.next;
    return n === null ? undefined : (n.items[0] as Vma);
  }

  findFirstIntersecting(start: number, end: number): Vma | undefined {
    if (!(start < end)) return undefined;
    const v = this.findFrom(start);
    return v !== undefined && v.start < end ? v : undefined;
  }

  conflicts(start: number, end: number): boolean {
    return this.findFirstIntersecting(start, end) !== undefined;
  }

  prevOf(vma: Vma): Vma | undefined {
    const l = this.leafOf(vma);
    const i = this.posIn(l, vma);
    if (i > 0) return l.items[i - 1] as Vma;
    const p = l.prev;
    return p === null ? undefined : (p.items[p.count - 1] as Vma);
  }

  nextOf(vma: Vma): Vma | undefined {
    const l = this.leafOf(vma);
    const i = this.posIn(l, vma);
    if (i + 1 < l.count) return l.items[i + 1] as Vma;
    const n = l.next;
    return n === null ? undefined : (n.items[0] as Vma);
  }

  first(): Vma | undefined {
    let n = this.root;
    while (!n.leaf) n = n.items[0] as BNode;
    return n.count > 0 ? (n.items[0] as Vma) : undefined;
  }

  last(): Vma | undefined {
    const l = this.lastLeaf();
    return l.count > 0 ? (l.items[l.count - 1] as Vma) : undefined;
  }

  iterateFrom(vpn: number): IterableIterator<Vma> {
    const l = this.leafFor(vpn);
    const i = lastLE(l.keys, l.count, vpn);
    // The first VMA with end > vpn: entry i when it contains vpn, else entry i + 1 (possibly in the next leaf).
    return new LeafIterator(l, i >= 0 && (l.ends[i] as number) > vpn ? i : i + 1);
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.iterateFrom(0);
  }

  insert(vma: Vma): void {
    if (vma.indexSlot !== null) throw new VmaIndexError(`VMA ${vma} is already in an index`);
    const start = vma.start;
    const end = vma.end;
    const l = this.leafFor(start);
    const pos = lastLE(l.keys, l.count, start) + 1;
    // Overlap check on the neighbours found by the same descent: the VMA before (end > start) or after (start < end).
    const p = l.prev;
    const predEnd = pos > 0 ? (l.ends[pos - 1] as number) : p === null ? 0 : (p.ends[p.count - 1] as number);
    let succLeaf: BNode | null = l;
    let succPos = pos;
    if (pos >= l.count) {
      succLeaf = l.next;
      succPos = 0;
    }
    if (predEnd > start || (succLeaf !== null && (succLeaf.keys[succPos] as number) < end))
      throw new VmaIndexError(`VMA ${vma} overlaps an existing VMA`);
    const sg = this.startGapOf(vma);
    openSlot(l, pos);
    l.keys[pos] = start;
    l.ends[pos] = end;
    l.sgs[pos] = sg;
    l.gaps[pos] = sg > predEnd ? sg - predEnd : 0;
    l.items[pos] = vma;
    vma.indexSlot = l;
    this.count++;
    if (pos === 0) setSeparator(l, start);
    if (succLeaf === l) succPos++;
    if (succLeaf !== null) {
      const ssg = succLeaf.sgs[succPos] as number;
      succLeaf.gaps[succPos] = ssg > end ? ssg - end : 0;
      if (succLeaf !== l) pullUp(succLeaf);
    }
    pullUp(l);
    if (l.count > CAP) this.splitLeaf(l);
  }

  remove(vma: Vma): void {
    const l = this.leafOf(vma);
    const pos = this.posIn(l, vma);
    closeSlot(l, pos);
    vma.indexSlot = null;
    this.count--;
    // The leaf's lowest start rose: the separator above it must follow (a VMA inserted or grown below it could
    // otherwise cross a stale, too-low separator and be unreachable for its upper pages).
    if (pos === 0 && l.count > 0) setSeparator(l, l.keys[0] as number);
    // The successor now follows the predecessor: position pos here, or the next leaf's first.
    let succLeaf: BNode | null = l;
    let succPos = pos;
    if (pos >= l.count) {
      succLeaf = l.next;
      succPos = 0;
    }
    if (succLeaf !== null) {
      const p = l.prev;
      const predEnd =
        pos > 0 ? (l.ends[pos - 1] as number) : p === null ? 0 : (p.ends[p.count - 1] as number);
      const ssg = succLeaf.sgs[succPos] as number;
      succLeaf.gaps[succPos] = ssg > predEnd ? ssg - predEnd : 0;
      if (succLeaf !== l) pullUp(succLeaf);
    }
    if (l.count === 0 && l !== this.root) this.dropLeaf(l);
    else pullUp(l);
  }

  updated(vma: Vma): void {
    const l = this.leafOf(vma);
    const pos = this.posIn(l, vma);
    const oldStart = l.keys[pos] as number;
    l.keys[pos] = vma.start;
    l.ends[pos] = vma.end;
    l.sgs[pos] = this.startGapOf(vma);
    // The gaps below the VMA and below its successor change; each is carried up incrementally (setGap).
    setGap(l, pos, this.gapAt(l, pos));
    if (pos + 1 < l.count) setGap(l, pos + 1, this.gapAt(l, pos + 1));
    else if (l.next !== null) setGap(l.next, 0, this.gapAt(l.next, 0));
    if (pos === 0 && vma.start !== oldStart) setSeparator(l, vma.start);
  }

  clear(): void {
    for (let l: BNode | null = this.firstLeaf(); l !== null; l = l.next)
      for (let i = 0; i < l.count; i++) (l.items[i] as Vma).indexSlot = null;
    this.root = new BNode(this, true);
    this.count = 0;
  }

  findGapTopDown(q: GapQuery): number {
    const l = this.lastLeaf();
    const a = fitTopDown(l.count === 0 ? 0 : (l.ends[l.count - 1] as number), Number.POSITIVE_INFINITY, q);
    if (a >= 0) return a;
    return this.topDown(this.root, q, q.length + q.alignMask);
  }

  findGapBottomUp(q: GapQuery): number {
    const a = this.bottomUp(this.root, q, q.length + q.alignMask);
    if (a >= 0) return a;
    const l = this.lastLeaf();
    return fitBottomUp(l.count === 0 ? 0 : (l.ends[l.count - 1] as number), Number.POSITIVE_INFINITY, q);
  }

  /**
   * Checks every invariant and throws {@link VmaIndexCorruptError} on the first broken one (tests; O(n log n)):
   * links, slots, order and disjointness; every VMA's whole range `[start, end)` within the separators on its
   * root-to-leaf path and every separator equal to its child's lowest start; cached bounds, start gaps, gaps and
   * every node's max gap; then every lookup, neighbour query and some gap searches against a scan of the leaves.
   */
  checkInvariants(): void {
    const fail = (message: string): never => {
      throw new VmaIndexCorruptError(this.name, message);
    };
    let prevEnd = 0;
    let prevStart = -1;
    let n = 0;
    let prevLeaf: BNode | null = null;
    const stored: Vma[] = [];
    /** Checks the subtree of `node` (its VMAs must lie in `[lo, hi)`); returns its max gap. */
    const walk = (node: BNode, parent: BNode | null, lo: number, hi: number): number => {
      if (node.parent !== parent) fail('bad parent link');
      if (node.owner !== this) fail('foreign node');
      for (let i = node.count; i <= CAP; i++) if (node.items[i] !== null) fail('stale slot');
      if (node.count > CAP) fail('over-full node');
      if (node.leaf) {
        if (node.count === 0 && node !== this.root) fail('empty leaf');
        if (node.prev !== prevLeaf) fail('bad leaf list');
        if (prevLeaf !== null && prevLeaf.next !== node) fail('bad leaf list');
        prevLeaf = node;
        for (let i = 0; i < node.count; i++) {
          const v = node.items[i] as Vma;
          if (v.indexSlot !== node) fail(`bad slot at ${v}`);
          if (node.keys[i] !== v.start || node.ends[i] !== v.end) fail(`stale bounds at ${v}`);
          if (v.start <= prevStart || v.start < prevEnd) fail(`order/overlap at ${v}`);
          if (v.start < lo || v.end > hi)
            fail(`${v} is not within the separators [${lo}, ${hi}) on its root-to-leaf path`);
          if (node.sgs[i] !== this.startGapOf(v)) fail(`stale start gap at ${v}`);
          if (node.gaps[i] !== Math.max(0, (node.sgs[i] as number) - prevEnd)) fail(`stale gap at ${v}`);
          prevEnd = v.end;
          prevStart = v.start;
          stored.push(v);
          n++;
        }
      } else {
        if (node.count === 0) fail('empty inner node');
        if (node.keys[0] !== Number.NEGATIVE_INFINITY) fail('bad first key');
        for (let i = 0; i < node.count; i++) {
          const child = node.items[i] as BNode;
          const k = node.keys[i] as number;
          if (i > 0 && k !== lowestStart(child))
            fail(`separator ${k} is not the lowest start ${lowestStart(child)} of its child`);
          const clo = i === 0 ? lo : k;
          const chi = i + 1 < node.count ? (node.keys[i + 1] as number) : hi;
          if (!(clo < chi)) fail(`separators out of order: ${clo} >= ${chi}`);
          const m = walk(child, node, clo, chi);
          if (node.gaps[i] !== m) fail('stale child maxGap');
        }
      }
      if (node.maxGap !== maxOf(node.gaps, node.count)) fail('stale maxGap');
      return node.maxGap;
    };
    walk(this.root, null, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    if (prevLeaf !== null && (prevLeaf as BNode).next !== null) fail('bad leaf list end');
    if (n !== this.count) fail('size mismatch');
    crossCheckIndex(this, stored);
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private startGapOf(vma: Vma): number {
    if ((vma.flags & VM_GROWSDOWN) === 0) return vma.start;
    const s = vma.start - this.stackGuardGap;
    return Math.max(s, 0);
  }

  /** The leaf whose range holds `vpn` (inner `keys[0]` is -Infinity, so the search never falls off the left). */
  private leafFor(vpn: number): BNode {
    let n = this.root;
    while (!n.leaf) n = n.items[lastLE(n.keys, n.count, vpn)] as BNode;
    return n;
  }

  private firstLeaf(): BNode {
    let n = this.root;
    while (!n.leaf) n = n.items[0] as BNode;
    return n;
  }

  private lastLeaf(): BNode {
    let n = this.root;
    while (!n.leaf) n = n.items[n.count - 1] as BNode;
    return n;
  }

  private leafOf(vma: Vma): BNode {
    const l = vma.indexSlot;
    if (!(l instanceof BNode) || l.owner !== this) throw new VmaIndexError(`VMA ${vma} is not in this tree`);
    return l;
  }

  /** Position of `vma` in its leaf `l`. */
  private posIn(l: BNode, vma: Vma): number {
    const i = lastLE(l.keys, l.count, vma.start);
    if (i >= 0 && l.items[i] === vma) return i;
    // During updated(), keys[] may still hold the old start.
    for (let j = 0; j < l.count; j++) if (l.items[j] === vma) return j;
    throw new VmaIndexError(`VMA ${vma} is not in this tree`);
  }

  /** End of the VMA just below position `pos` of `l` (0 when none). */
  private predEnd(l: BNode, pos: number): number {
    if (pos > 0) return l.ends[pos - 1] as number;
    const p = l.prev;
    return p === null ? 0 : (p.ends[p.count - 1] as number);
  }

  /** The free gap below position `pos` of leaf `l`, from its start gap and the end of the VMA before it. */
  private gapAt(l: BNode, pos: number): number {
    const g = (l.sgs[pos] as number) - this.predEnd(l, pos);
    return Math.max(g, 0);
  }

  private splitLeaf(l: BNode): void {
    const r = new BNode(this, true);
    moveTail(l, r, l.count >>> 1);
    for (let i = 0; i < r.count; i++) (r.items[i] as Vma).indexSlot = r;
    r.next = l.next;
    if (r.next !== null) r.next.prev = r;
    r.prev = l;
    l.next = r;
    l.maxGap = maxOf(l.gaps, l.count);
    r.maxGap = maxOf(r.gaps, r.count);
    this.insertChild(l, r, r.keys[0] as number);
  }

  /** Puts `right` just after `left` in `left`'s parent (making a new root if needed), splitting upward. */
  private insertChild(left: BNode, right: BNode, key: number): void {
    let p = left.parent;
    if (p === null) {
      p = new BNode(this, false);
      p.items[0] = left;
      p.keys[0] = Number.NEGATIVE_INFINITY;
      p.gaps[0] = left.maxGap;
      p.count = 1;
      left.parent = p;
      this.root = p;
    }
    const i = childIndex(p, left);
    openSlot(p, i + 1);
    p.items[i + 1] = right;
    p.keys[i + 1] = key;
    p.gaps[i] = left.maxGap;
    p.gaps[i + 1] = right.maxGap;
    right.parent = p;
    if (p.count > CAP) {
      const q = new BNode(this, false);
      moveTail(p, q, p.count >>> 1);
      const qKey = q.keys[0] as number;
      q.keys[0] = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < q.count; j++) (q.items[j] as BNode).parent = q;
      p.maxGap = maxOf(p.gaps, p.count);
      q.maxGap = maxOf(q.gaps, q.count);
      this.insertChild(p, q, qKey);
    } else {
      p.maxGap = -1; // force pullUp to record and carry the new maximum
      pullUp(p);
    }
  }

  /** Removes an empty leaf from the leaf list and its parent, dropping emptied ancestors. */
  private dropLeaf(l: BNode): void {
    if (l.prev !== null) l.prev.next = l.next;
    if (l.next !== null) l.next.prev = l.prev;
    l.prev = null;
    l.next = null;
    let child = l;
    let p = l.parent;
    while (p !== null) {
      const i = childIndex(p, child);
      closeSlot(p, i);
      child.parent = null;
      if (p.count > 0) {
        if (i === 0) {
          // The old child 1 is child 0 now: its separator (its lowest start) is the subtree's new lowest start.
          const low = p.keys[0] as number;
          p.keys[0] = Number.NEGATIVE_INFINITY;
          setSeparator(p, low);
        }
        pullUp(p);
        break;
      }
      child = p;
      p = p.parent;
    }
    // Collapse a root with a single child.
    while (!this.root.leaf && this.root.count === 1) {
      const c = this.root.items[0] as BNode;
      c.parent = null;
      this.root = c;
    }
    if (!this.root.leaf && this.root.count === 0) this.root = new BNode(this, true);
  }

  private topDown(n: BNode, q: GapQuery, need: number): number {
    if (n.maxGap < need) return -1;
    if (n.leaf) {
      for (let i = n.count - 1; i >= 0; i--) {
        // Gaps end at or below their VMA's start (starts ascend; start gaps may not).
        if ((n.keys[i] as number) <= q.low) break;
        const g = n.gaps[i] as number;
        if (g < need) continue;
        const sg = n.sgs[i] as number;
        const a = fitTopDown(sg - g, sg, q);
        if (a >= 0) return a;
      }
      return -1;
    }
    for (let i = n.count - 1; i >= 0; i--) {
      if ((n.gaps[i] as number) < need) continue;
      if (i >= 2 && (n.keys[i - 1] as number) >= q.high) continue;
      if (i + 1 < n.count && (n.keys[i + 1] as number) <= q.low) break;
      const a = this.topDown(n.items[i] as BNode, q, need);
      if (a >= 0) return a;
    }
    return -1;
  }

  private bottomUp(n: BNode, q: GapQuery, need: number): number {
    if (n.maxGap < need) return -1;
    if (n.leaf) {
      for (let i = 0; i < n.count; i++) {
        // Gaps start at the previous VMA's end (ascending).
        if (i > 0 && (n.ends[i - 1] as number) >= q.high) break;
        const g = n.gaps[i] as number;
        const sg = n.sgs[i] as number;
        if (g < need || sg <= q.low) continue;
        const a = fitBottomUp(sg - g, sg, q);
        if (a >= 0) return a;
      }
      return -1;
    }
    for (let i = 0; i < n.count; i++) {
      if ((n.gaps[i] as number) < need) continue;
      if (i + 1 < n.count && (n.keys[i + 1] as number) <= q.low) continue;
      if (i >= 2 && (n.keys[i - 1] as number) >= q.high) break;
      const a = this.bottomUp(n.items[i] as BNode, q, need);
      if (a >= 0) return a;
    }
    return -1;
  }
}
