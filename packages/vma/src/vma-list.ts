/**
 * `VmaList`: the deliberately simple {@link VmaIndex} — an unordered array scanned linearly, as DragonOS's
 * `UserMappings` keeps its VMAs in a `HashSet` (whose own comment calls it slow). Every lookup is O(n); a gap
 * search sorts a copy, O(n log n). It is the baseline for experiments and the reference the tests compare the
 * tree against.
 *
 * @module
 */

import { crossCheckIndex, VmaIndexCorruptError } from './index-scan.js';
import type { Vma } from './vma.js';
import {
  DEFAULT_STACK_GUARD_GAP,
  fitBottomUp,
  fitTopDown,
  type GapQuery,
  type VmaIndex,
  VmaIndexError,
  vmaStartGap,
} from './vma-index.js';

/** Marks a VMA as held by a particular list. */
class ListSlot {
  constructor(
    readonly owner: VmaList,
    public pos: number,
  ) {}
}

/** Options of {@link VmaList}. */
export interface VmaListOptions {
  /** Stack guard gap in pages below `VM_GROWSDOWN` VMAs (default 256). */
  stackGuardGap?: number | undefined;
}

/** An unordered array of VMAs with linear scans. See {@link VmaIndex} for the contract. */
export class VmaList implements VmaIndex {
  readonly name = 'list';
  readonly stackGuardGap: number;
  private readonly items: Vma[] = [];

  constructor(options: VmaListOptions = {}) {
    const g = options.stackGuardGap ?? DEFAULT_STACK_GUARD_GAP;
    if (!Number.isInteger(g) || g < 0) throw new RangeError(`bad stack guard gap ${String(g)}`);
    this.stackGuardGap = g;
  }

  get size(): number {
    return this.items.length;
  }

  find(vpn: number): Vma | undefined {
    for (const v of this.items) if (vpn >= v.start && vpn < v.end) return v;
    return undefined;
  }

  findFrom(vpn: number): Vma | undefined {
    let best: Vma | undefined;
    for (const v of this.items) if (v.end > vpn && (best === undefined || v.start < best.start)) best = v;
    return best;
  }

  findFirstIntersecting(start: number, end: number): Vma | undefined {
    if (!(start < end)) return undefined; // an empty range shares no page (as in the trees)
    let best: Vma | undefined;
    for (const v of this.items)
      if (v.start < end && start < v.end && (best === undefined || v.start < best.start)) best = v;
    return best;
  }

  conflicts(start: number, end: number): boolean {
    if (!(start < end)) return false;
    for (const v of this.items) if (v.start < end && start < v.end) return true;
    return false;
  }

  prevOf(vma: Vma): Vma | undefined {
    this.slotOf(vma);
    let best: Vma | undefined;
    for (const v of this.items)
      if (v.start < vma.start && (best === undefined || v.start > best.start)) best = v;
    return best;
  }

  nextOf(vma: Vma): Vma | undefined {
    this.slotOf(vma);
    let best: Vma | undefined;
    for (const v of this.items)
      if (v.start > vma.start && (best === undefined || v.start < best.start)) best = v;
    return best;
  }

  first(): Vma | undefined {
    return this.findFrom(0);
  }

  last(): Vma | undefined {
    let best: Vma | undefined;
    for (const v of this.items) if (best === undefined || v.start > best.start) best = v;
    return best;
  }

  *iterateFrom(vpn: number): IterableIterator<Vma> {
    const sorted = this.sorted();
    for (const v of sorted) if (v.end > vpn) yield v;
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.iterateFrom(0);
  }

  insert(vma: Vma): void {
    if (vma.indexSlot !== null) throw new VmaIndexError(`VMA ${vma} is already in an index`);
    if (this.conflicts(vma.start, vma.end)) throw new VmaIndexError(`VMA ${vma} overlaps an existing VMA`);
    vma.indexSlot = new ListSlot(this, this.items.length);
    this.items.push(vma);
  }

  remove(vma: Vma): void {
    const slot = this.slotOf(vma);
    const lastV = this.items.pop() as Vma;
    if (lastV !== vma) {
      this.items[slot.pos] = lastV;
      (lastV.indexSlot as ListSlot).pos = slot.pos;
    }
    vma.indexSlot = null;
  }

  updated(vma: Vma): void {
    this.slotOf(vma);
  }

  clear(): void {
    for (const v of this.items) v.indexSlot = null;
    this.items.length = 0;
  }

  findGapTopDown(q: GapQuery): number {
    const s = this.sorted();
    const top = fitTopDown(s.length ? (s[s.length - 1] as Vma).end : 0, Number.POSITIVE_INFINITY, q);
    if (top >= 0) return top;
    for (let i = s.length - 1; i >= 0; i--) {
      const v = s[i] as Vma;
      const gs = i > 0 ? (s[i - 1] as Vma).end : 0;
      const a = fitTopDown(gs, vmaStartGap(v, this.stackGuardGap), q);
      if (a >= 0) return a;
    }
    return -1;
  }

  findGapBottomUp(q: GapQuery): number {
    const s = this.sorted();
    for (let i = 0; i < s.length; i++) {
      const v = s[i] as Vma;
      const gs = i > 0 ? (s[i - 1] as Vma).end : 0;
      const a = fitBottomUp(gs, vmaStartGap(v, this.stackGuardGap), q);
      if (a >= 0) return a;
    }
    return fitBottomUp(s.length ? (s[s.length - 1] as Vma).end : 0, Number.POSITIVE_INFINITY, q);
  }

  /**
   * Checks every invariant and throws {@link VmaIndexCorruptError} on the first broken one (tests; O(n log n) plus
   * O(n) per lookup): every VMA's slot names this list and its array position; no two VMAs overlap; then every
   * lookup, neighbour query and some gap searches against a scan of the sorted VMAs.
   */
  checkInvariants(): void {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      const v = items[i] as Vma;
      const slot = v.indexSlot;
      if (!(slot instanceof ListSlot) || slot.owner !== this || slot.pos !== i)
        throw new VmaIndexCorruptError(this.name, `bad slot at ${v} (position ${i})`);
    }
    crossCheckIndex(this, this.sorted());
  }

  private sorted(): Vma[] {
    return [...this.items].sort((a, b) => a.start - b.start);
  }

  private slotOf(vma: Vma): ListSlot {
    const s = vma.indexSlot;
    if (!(s instanceof ListSlot) || s.owner !== this)
      throw new VmaIndexError(`VMA ${vma} is not in this list`);
    return s;
  }
}
