/**
 * `LeafTableCache`: the one-page fast paths of `map`, `mapPhys` and `unmap` at level 0. It caches the last leaf
 * (level-0) table found and edits one entry of it without a transaction when nothing can need undoing; anything
 * else it declines with {@link FALLBACK} and the general path (the range walk) runs.
 *
 * @module
 */

import {
  type FrameAllocator,
  HOST_LITTLE_ENDIAN,
  NO_FRAME,
  PAGE_SIZE,
  type PagingArch,
  type PhysicalMemory,
  PteFlag,
  type PteFlags,
  PteKind,
  type TlbFlusher,
  type U64Pair,
} from '@pagewright/core';
import { ALL_FLAGS, type EntryFacts } from './entry-facts.js';
import { recordError } from './error-record.js';
import { MapperError, type MapperErrorInfo } from './errors.js';
import type { TableInfo, TableStore, TableWatcher } from './table-store.js';
import type { FrameRelease } from './types.js';

/** The fast path declines; take the general path. */
export const FALLBACK = -100;

/** A memory that lends its frames' words (`PhysicalMemory.frameWords`). */
type WordMemory = PhysicalMemory & { frameWords(pfn: number): Int32Array | null };

/**
 * `LEAF_FLAGS_OK[f]` is 1 when `f` (< 128) is a valid set of leaf flags: R or X, and W only with R. One table load
 * replaces the flag validation on the fast paths. A constant: filled once here, never written again.
 */
const LEAF_FLAGS_OK: Readonly<Uint8Array> = (() => {
  const ok = new Uint8Array(ALL_FLAGS + 1);
  for (let f = 0; f <= ALL_FLAGS; f++) {
    const rwx = f & 7;
    ok[f] = rwx !== 0 && (rwx & (PteFlag.Write | PteFlag.Read)) !== PteFlag.Write ? 1 : 0;
  }
  return ok;
})();

/**
 * The leaf-table cache of one mapper: the table covering pages `[tag · entries, (tag + 1) · entries)` and its
 * record; the store tells it when a table leaves (then it forgets the table).
 *
 * Owns: the cached table and a memo of the last leaf it wrote. Never owns a frame; edits go to the store's counts
 * directly (a single entry write that cannot fail after it starts needs no undo log).
 */
export class LeafTableCache implements TableWatcher {
  /** The mapper's root (-1 once destroyed). */
  root = -1;
  /** Flags every leaf gets. */
  forced = 0;
  private tag = -1;
  private table = -1;
  private info: TableInfo | null = null;
  /**
   * The last leaf written by the map path: the entry `(memoLo, memoHi)` is a level-0 leaf of frame `memoPfn`
   * (`encodeLeaf`'s contract), so an unmap that reads exactly these words skips `kind` and `ppn`. -1 (no 32-bit
   * half is -1 after `>>> 0` normalisation by the memory): empty.
   */
  private memoLo = -1;
  private memoHi = -1;
  private memoPfn = -1;
  private readonly entries: number;
  private readonly pteSize: number;
  private readonly levels: number;
  private readonly zeroIsInvalid: boolean;
  /** The memory lends its frames' words and entries are 8 bytes: read them from the words. */
  private readonly direct: boolean;
  private readonly s: U64Pair = { lo: 0, hi: 0 };
  private readonly pte: U64Pair = { lo: 0, hi: 0 };

  constructor(
    private readonly arch: PagingArch,
    private readonly memory: PhysicalMemory,
    private readonly allocator: FrameAllocator,
    private readonly store: TableStore,
    private readonly facts: EntryFacts,
    private readonly error: MapperErrorInfo,
    /** End (exclusive) of the pages the fast paths may edit (the kernel half is excluded when shared). */
    private readonly fastEnd: number,
    /** Free emptied tables (the fast unmap declines to empty one). */
    private readonly reclaim: boolean,
  ) {
    this.entries = arch.entriesPerTable;
    this.pteSize = arch.pteSize;
    this.levels = arch.levels;
    this.zeroIsInvalid = facts.zeroIsInvalid;
    this.direct = HOST_LITTLE_ENDIAN && arch.pteSize === 8 && memory.frameWords !== undefined;
    store.watch(this);
  }

  /**
   * Reads entry `index` of `table` (at `addr`) into `s`: from the frame's words when the memory lends them (one
   * call, two loads), else through `read64`. The table is one of this mapper's, so it is memory.
   */
  private readEntry(table: number, index: number, addr: number, s: U64Pair): void {
    const words = this.direct ? (this.memory as WordMemory).frameWords(table) : null;
    if (words !== null) {
      s.lo = (words[index * 2] as number) >>> 0;
      s.hi = (words[index * 2 + 1] as number) >>> 0;
    } else this.memory.read64(addr, s);
  }

  /** A table left the store: forget the cached one. */
  tableRemoved(): void {
    this.tag = -1;
    this.table = -1;
    this.info = null;
  }

  /**
   * Maps one 4 KiB page whose leaf table exists below `root`. `pfn` NaN: a fresh zeroed frame. Returns the frame,
   * an error, or {@link FALLBACK} (which also covers bad arguments: the general path reports them).
   *
   * Kept small on purpose, so that V8 inlines the memory accesses into it.
   */
  map(vpn: number, pfn: number, flags: PteFlags): number {
    const root = this.root;
    const forced = this.forced;
    // Integer VPN inside the editable half, integer flags < 128 that make a valid leaf, a live mapper.
    if (
      !(vpn >= 0 && vpn < this.fastEnd && Number.isInteger(vpn)) ||
      (flags & ALL_FLAGS) !== flags ||
      LEAF_FLAGS_OK[flags] === 0 ||
      root < 0
    ) {
      return FALLBACK;
    }
    const entries = this.entries;
    const tag = Math.floor(vpn / entries);
    const table = tag === this.tag ? this.table : this.find(root, vpn, tag);
    if (table < 0) return FALLBACK;
    const { arch, memory } = this;
    const addr = table * PAGE_SIZE + (vpn - tag * entries) * this.pteSize;
    const s = this.s;
    this.readEntry(table, vpn - tag * entries, addr, s);
    if (
      !(s.lo === 0 && s.hi === 0 && this.zeroIsInvalid) &&
      (arch.kind(s.lo, s.hi, 0) !== PteKind.Invalid || this.facts.isProtNoneEntry(s.lo, s.hi))
    ) {
      return recordError(this.error, MapperError.PageAlreadyMapped, vpn, 0, 'page is already mapped');
    }
    if (Number.isNaN(pfn)) {
      // The only failure point, before any write: nothing to undo.
      pfn = this.allocator.alloc();
      if (pfn === NO_FRAME)
        return recordError(this.error, MapperError.FrameAllocationFailed, vpn, 0, 'no frame for the page');
      memory.zeroFrame(pfn);
    }
    const pte = this.pte;
    arch.encodeLeaf(pfn, flags | forced, 0, pte);
    memory.write64(addr, pte.lo, pte.hi);
    (this.info as TableInfo).count++;
    this.memoLo = pte.lo >>> 0;
    this.memoHi = pte.hi >>> 0;
    this.memoPfn = pfn;
    return pfn;
  }

  /**
   * Unmaps one 4 KiB leaf whose table keeps other entries, queueing its flush (and `release`) on `flusher`;
   * returns its frame, or {@link FALLBACK}.
   */
  unmap(vpn: number, release: FrameRelease | undefined, flusher: TlbFlusher): number {
    const root = this.root;
    if (!(vpn >= 0 && vpn < this.fastEnd && Number.isInteger(vpn)) || root < 0) return FALLBACK;
    const entries = this.entries;
    const tag = Math.floor(vpn / entries);
    const table = tag === this.tag ? this.table : this.find(root, vpn, tag);
    if (table < 0) return FALLBACK;
    const info = this.info as TableInfo;
    if (info.count <= 1 && this.reclaim) return FALLBACK; // the table empties: the general path reclaims it
    const { arch, memory } = this;
    const addr = table * PAGE_SIZE + (vpn - tag * entries) * this.pteSize;
    const s = this.s;
    this.readEntry(table, vpn - tag * entries, addr, s);
    let pfn: number;
    if (s.lo === this.memoLo && s.hi === this.memoHi) pfn = this.memoPfn;
    else {
      if (arch.kind(s.lo, s.hi, 0) !== PteKind.Leaf) return FALLBACK;
      pfn = arch.ppn(s.lo, s.hi);
    }
    memory.write64(addr, 0, 0);
    info.count--;
    flusher.flushPage(vpn);
    if (release !== undefined) flusher.deferFree(pfn, release);
    return pfn;
  }

  /**
   * The level-0 table holding page `vpn`'s entry when it exists, else -1 (walks from the root and fills the
   * cache). Never allocates.
   */
  private find(root: number, vpn: number, tag: number): number {
    const { arch, memory } = this;
    const s = this.s;
    let table = root;
    for (let level = this.levels - 1; level > 0; level--) {
      memory.read64(table * PAGE_SIZE + arch.indexAt(vpn, level) * this.pteSize, s);
      if (arch.kind(s.lo, s.hi, level) !== PteKind.Table) return -1;
      table = arch.ppn(s.lo, s.hi, level);
    }
    const info = this.store.get(table);
    if (info === undefined) return -1;
    this.tag = tag;
    this.table = table;
    this.info = info;
    return table;
  }
}
