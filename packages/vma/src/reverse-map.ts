/**
 * `ReverseMap`: from a frame to every (address space, page) that maps it, and through the address spaces'
 * {@link VmaSet}s to the VMA — what Linux's rmap walk (`rmap_walk_anon` over a folio's anon_vma) answers, kept as
 * a direct, exact table.
 *
 * The table stores `(mm, vpn)` pairs, never VMA objects, so VMA splits and merges cannot make it stale: the VMA is
 * looked up by address when asked. The caller keeps it exact by mirroring every PTE change:
 * - a frame mapped at `vpn` (fault, COW break, populate) → {@link ReverseMap.add};
 * - a PTE cleared (munmap, DONTNEED, COW break of the old frame, exit) → {@link ReverseMap.remove} /
 *   {@link ReverseMap.removeSpace};
 * - an mremap move of a mapped page → {@link ReverseMap.move};
 * - fork sharing a frame copy-on-write → {@link ReverseMap.add} for the child, or {@link ReverseMap.cloneSpace}.
 *
 * Cost: O(mapcount) per add/remove/move (mapcount is small), O(total entries) for `cloneSpace`/`removeSpace`.
 *
 * @module
 */

import type { Vma } from './vma.js';
import type { VmaSet } from './vma-set.js';

/** One mapping of a frame: address space id and page number. */
export interface RmapEntry {
  /** Address space id (the process's mm id). */
  readonly mm: number;
  /** Page number where the frame is mapped. */
  readonly vpn: number;
}

/** A mapping with the VMA that covers it (or `undefined` if the space is unknown or has no VMA there). */
export interface RmapMapping extends RmapEntry {
  readonly vma: Vma | undefined;
}

/** Thrown on an inconsistent reverse-map update (a duplicate add, a remove of an absent mapping). */
export class ReverseMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReverseMapError';
  }
}

function checkInt(what: string, x: number): void {
  if (!Number.isInteger(x) || x < 0) throw new ReverseMapError(`bad ${what} ${String(x)}`);
}

/**
 * Frame → mappings table.
 *
 * Invariant: a `(pfn, mm, vpn)` triple appears at most once; a frame with no mapping has no entry.
 */
export class ReverseMap {
  /** pfn → flat `[mm, vpn, mm, vpn, ...]`. */
  private readonly table = new Map<number, number[]>();
  private readonly spaces = new Map<number, VmaSet>();
  private entries = 0;

  /** Number of frames that have at least one mapping. */
  get frames(): number {
    return this.table.size;
  }

  /** Total number of mappings. */
  get size(): number {
    return this.entries;
  }

  /** Lets {@link ReverseMap.mappingsOf} resolve VMAs of address space `mm`. */
  registerSpace(mm: number, set: VmaSet): void {
    checkInt('mm', mm);
    this.spaces.set(mm, set);
  }

  /** Forgets the VMA set of `mm` (its entries stay until {@link ReverseMap.removeSpace}). */
  unregisterSpace(mm: number): void {
    this.spaces.delete(mm);
  }

  /** Records that `pfn` is mapped at `vpn` in `mm`. Throws {@link ReverseMapError} if already recorded. */
  add(pfn: number, mm: number, vpn: number): void {
    checkInt('pfn', pfn);
    checkInt('mm', mm);
    checkInt('vpn', vpn);
    let list = this.table.get(pfn);
    if (list === undefined) {
      list = [];
      this.table.set(pfn, list);
    } else if (indexOf(list, mm, vpn) >= 0)
      throw new ReverseMapError(`frame ${pfn} is already mapped at ${mm}:${vpn}`);
    list.push(mm, vpn);
    this.entries++;
  }

  /** Forgets that `pfn` is mapped at `vpn` in `mm`. Returns false (and changes nothing) if it was not recorded. */
  remove(pfn: number, mm: number, vpn: number): boolean {
    const list = this.table.get(pfn);
    if (list === undefined) return false;
    const i = indexOf(list, mm, vpn);
    if (i < 0) return false;
    const last = list.length - 2;
    list[i] = list[last] as number;
    list[i + 1] = list[last + 1] as number;
    list.length = last;
    if (last === 0) this.table.delete(pfn);
    this.entries--;
    return true;
  }

  /** mremap move: `pfn` mapped at `oldVpn` in `mm` is now mapped at `newVpn`. Throws if not recorded. */
  move(pfn: number, mm: number, oldVpn: number, newVpn: number): void {
    checkInt('vpn', newVpn);
    const list = this.table.get(pfn);
    const i = list === undefined ? -1 : indexOf(list, mm, oldVpn);
    if (list === undefined || i < 0)
      throw new ReverseMapError(`frame ${pfn} is not mapped at ${mm}:${oldVpn}`);
    if (indexOf(list, mm, newVpn) >= 0)
      throw new ReverseMapError(`frame ${pfn} is already mapped at ${mm}:${newVpn}`);
    list[i + 1] = newVpn;
  }

  /** Number of mappings of `pfn` (Linux `folio_mapcount` for a small folio). */
  mapcount(pfn: number): number {
    const list = this.table.get(pfn);
    return list === undefined ? 0 : list.length / 2;
  }

  /** Every mapping of `pfn`, in insertion order (order is not significant). */
  mappersOf(pfn: number): RmapEntry[] {
    const list = this.table.get(pfn);
    const out: RmapEntry[] = [];
    if (list !== undefined)
      for (let i = 0; i < list.length; i += 2)
        out.push({ mm: list[i] as number, vpn: list[i + 1] as number });
    return out;
  }

  /** Every mapping of `pfn` with its VMA, resolved through the registered spaces. */
  mappingsOf(pfn: number): RmapMapping[] {
    return this.mappersOf(pfn).map((e) => ({ ...e, vma: this.spaces.get(e.mm)?.find(e.vpn) }));
  }

  /**
   * Fork: for every mapping of `parentMm` whose page `keep(vpn)` accepts (the child got a copy of the VMA and the
   * page is shared copy-on-write), records the same frame at the same page in `childMm`. Returns the count added.
   */
  cloneSpace(parentMm: number, childMm: number, keep: (vpn: number) => boolean): number {
    checkInt('mm', childMm);
    let added = 0;
    for (const list of this.table.values()) {
      const n = list.length;
      for (let i = 0; i < n; i += 2) {
        if (list[i] !== parentMm) continue;
        const vpn = list[i + 1] as number;
        if (keep(vpn) && indexOf(list, childMm, vpn) < 0) {
          list.push(childMm, vpn);
          added++;
        }
      }
    }
    this.entries += added;
    return added;
  }

  /** Exit / exec: forgets every mapping of `mm`. Returns the frames that lost their last mapping. */
  removeSpace(mm: number): number[] {
    const orphaned: number[] = [];
    for (const [pfn, list] of this.table) {
      let w = 0;
      for (let r = 0; r < list.length; r += 2) {
        if (list[r] === mm) continue;
        list[w++] = list[r] as number;
        list[w++] = list[r + 1] as number;
      }
      this.entries -= (list.length - w) / 2;
      list.length = w;
      if (w === 0) {
        this.table.delete(pfn);
        orphaned.push(pfn);
      }
    }
    return orphaned;
  }

  /** Every `(pfn, mm, vpn)` triple (tests, debugging). */
  *triples(): IterableIterator<[number, number, number]> {
    for (const [pfn, list] of this.table)
      for (let i = 0; i < list.length; i += 2) yield [pfn, list[i] as number, list[i + 1] as number];
  }
}

function indexOf(list: readonly number[], mm: number, vpn: number): number {
  for (let i = 0; i < list.length; i += 2) if (list[i] === mm && list[i + 1] === vpn) return i;
  return -1;
}
