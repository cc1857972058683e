/**
 * `TableStore`: the page-table frames one mapper owns and what it knows about each (occupied-entry count, parent,
 * level, pinned). One per mapper; the mapper's {@link PageTableTransaction} and walks edit it.
 *
 * @module
 */

/** What the mapper knows about one table it owns. */
export interface TableInfo {
  /** Occupied entries in the table: valid ones, and inaccessible (PROT_NONE) level-0 entries. */
  count: number;
  /** The parent table's frame, -1 for the root. */
  parent: number;
  /** The index of this table's entry in the parent. */
  index: number;
  /** The level of this table (root = levels - 1). */
  level: number;
  /** Never reclaimed (the root, the kernel's shared top-level children). */
  pinned: boolean;
}

/** Something that caches tables of a store and must forget them when one leaves it. */
export interface TableWatcher {
  /** A table left the store: forget every cached table. */
  tableRemoved(): void;
}

/**
 * The owned table frames of one mapper. Invariant: a frame is in the store exactly when this mapper took it from
 * the allocator for a table that is (or, inside an open transaction, is about to be) reachable from its root; the
 * kernel's shared tables are never in a user mapper's store.
 */
export class TableStore {
  private readonly infos = new Map<number, TableInfo>();
  /** Told whenever a table leaves the store (the leaf-table cache, which must not keep a freed table). */
  private readonly watchers: TableWatcher[] = [];

  /** @param entries - entries per table (what {@link TableStore.occupiedCount} answers for a table not owned) */
  constructor(readonly entries: number) {}

  /** Registers `w` to be told when a table leaves the store. */
  watch(w: TableWatcher): void {
    this.watchers.push(w);
  }

  /** Number of owned tables. */
  get size(): number {
    return this.infos.size;
  }

  /** The record of an owned table, or undefined. */
  get(table: number): TableInfo | undefined {
    return this.infos.get(table);
  }

  /** True when `table` is owned. */
  has(table: number): boolean {
    return this.infos.has(table);
  }

  /** Records a new owned table and returns its record. */
  add(
    table: number,
    count: number,
    parent: number,
    index: number,
    level: number,
    pinned: boolean,
  ): TableInfo {
    const info: TableInfo = { count, parent, index, level, pinned };
    this.infos.set(table, info);
    return info;
  }

  /** Forgets an owned table (its frame is the caller's to free). */
  remove(table: number): void {
    this.infos.delete(table);
    this.notify();
  }

  /** Forgets every table and returns their frames. */
  clear(): number[] {
    const frames = [...this.infos.keys()];
    this.infos.clear();
    this.notify();
    return frames;
  }

  private notify(): void {
    for (const w of this.watchers) w.tableRemoved();
  }

  /**
   * Occupied entries of `table`, or `entries` for a table this mapper does not own (the kernel's shared ones: no
   * count known, scan everything).
   */
  occupiedCount(table: number): number {
    const info = this.infos.get(table);
    return info === undefined ? this.entries : info.count;
  }
}
