/**
 * `SwapPtes`: the swap entries of one page table — for each page whose contents were swapped out, the swap slot
 * that holds them (what Linux keeps in a non-present PTE, `swp_entry_t`). The hardware sees these pages as not
 * present (their PTE is empty); the fault handler finds the slot here and swaps the page in.
 *
 * The entries follow the page table's range operations through its hooks: a zap (munmap, `MADV_DONTNEED`, exit)
 * drops them, an mremap move moves them, a fork copy duplicates them (each copy is one more reference on the slot,
 * Linux `swap_duplicate` in `copy_nonpresent_pte`).
 *
 * Host cost: nothing until the first swap-out of the space; then one `Map` entry per swapped page (a small-integer
 * key and value).
 *
 * @module
 */

/** The swap slots' reference counts, as the page table's hooks change them. */
export interface SwapSlotRefs {
  /** One more swap entry names `slot` (fork). */
  dup(slot: number): void;
  /** One swap entry less names `slot` (zap, exit); the slot (and its swap-cache page) goes when none is left. */
  put(slot: number): void;
}

/** Swap entries by page number. Invariant: a page has a swap entry only while its PTE is empty. */
export class SwapPtes {
  private entries: Map<number, number> | null = null;

  /** Pages with a swap entry (Linux `MM_SWAPENTS`). */
  get size(): number {
    return this.entries === null ? 0 : this.entries.size;
  }

  /** The slot of page `vpn`'s swap entry, or -1. */
  get(vpn: number): number {
    const e = this.entries;
    if (e === null) return -1;
    const s = e.get(vpn);
    return s === undefined ? -1 : s;
  }

  /** Page `vpn` (whose PTE was just cleared) now has a swap entry for `slot`. */
  set(vpn: number, slot: number): void {
    if (this.entries === null) this.entries = new Map();
    this.entries.set(vpn, slot);
  }

  /** Forgets page `vpn`'s entry (swap-in); returns its slot or -1. */
  take(vpn: number): number {
    const s = this.get(vpn);
    if (s >= 0) (this.entries as Map<number, number>).delete(vpn);
    return s;
  }

  /** Swap entries with `start <= vpn < end`, counted. */
  countIn(start: number, end: number): number {
    let n = 0;
    this.forEachIn(start, end, () => {
      n++;
    });
    return n;
  }

  /** Visits the entries with `start <= vpn < end` (in no particular order); the visitor must not change them. */
  forEachIn(start: number, end: number, visit: (vpn: number, slot: number) => void): void {
    const e = this.entries;
    if (e === null || e.size === 0 || !(start < end)) return;
    if (end - start <= e.size) {
      for (let v = start; v < end; v++) {
        const s = e.get(v);
        if (s !== undefined) visit(v, s);
      }
    } else for (const [v, s] of e) if (v >= start && v < end) visit(v, s);
  }

  /** Zap: drops every entry of `[start, end)`, giving each slot reference back. */
  dropRange(start: number, end: number, slots: SwapSlotRefs): void {
    const e = this.entries;
    if (e === null || e.size === 0) return;
    const gone: number[] = [];
    this.forEachIn(start, end, (v) => gone.push(v));
    for (const v of gone) {
      slots.put(e.get(v) as number);
      e.delete(v);
    }
  }

  /** mremap: moves the entries of `[src, src + pages)` to `[dst, dst + pages)` (the destination has none). */
  moveRange(src: number, dst: number, pages: number): void {
    const e = this.entries;
    if (e === null || e.size === 0) return;
    const moved: [number, number][] = [];
    this.forEachIn(src, src + pages, (v, s) => moved.push([v, s]));
    for (const [v] of moved) e.delete(v);
    for (const [v, s] of moved) e.set(v - src + dst, s);
  }

  /** Fork: copies `from`'s entries of `[start, end)` into this (empty there) table, one slot reference each. */
  copyRange(from: SwapPtes, start: number, end: number, slots: SwapSlotRefs): void {
    from.forEachIn(start, end, (v, s) => {
      slots.dup(s);
      this.set(v, s);
    });
  }

  /** Exit: drops every entry. */
  dropAll(slots: SwapSlotRefs): void {
    const e = this.entries;
    if (e === null) return;
    for (const s of e.values()) slots.put(s);
    e.clear();
  }

  /** Every entry as `[vpn, slot]` (checks, views). */
  all(): [number, number][] {
    return this.entries === null ? [] : [...this.entries];
  }
}
