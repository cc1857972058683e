/**
 * Per-frame metadata: {@link FrameTable}.
 *
 * @module
 */

/** Flag bits of a frame (Linux `page->flags` in spirit). Bits 16–30 are free for upper layers. */
export const FrameFlag = {
  /** The shared zero page: mapped read-only wherever anonymous memory is read before written. */
  ZeroPage: 0x1,
  /** Holds a page table (an upper layer's node). */
  PageTable: 0x2,
  /** Locked in memory (`mlock`): never reclaimed. */
  Locked: 0x4,
  /** Pinned for I/O or by the kernel (`get_user_pages` with FOLL_PIN): must not move or be freed. */
  Pinned: 0x8,
  /** Reserved: never handed out (firmware, kernel image, device memory). */
  Reserved: 0x10,
  /** Anonymous memory (Linux `PageAnon`): its rmap slot names an anon_vma. */
  Anon: 0x20,
} as const;
/** A combination of {@link FrameFlag} bits (and upper-layer bits 16–30). */
export type FrameFlags = number;

/** The rmap slot of a frame with no reverse-map entry. */
export const NO_RMAP = -1;

/**
 * What went wrong in a {@link FrameTable} update (or a `FramePool` call: `not-owned` is a `get`/`put` of a
 * frame with no reference, `in-use` a last `put` while PTEs still map the frame).
 */
export type FrameTableErrorKind =
  | 'out-of-range'
  | 'ref-underflow'
  | 'ref-overflow'
  | 'map-underflow'
  | 'map-overflow'
  | 'bad-value'
  | 'not-owned'
  | 'in-use';

/** Thrown by {@link FrameTable} for a misuse; the table is left unchanged. */
export class FrameTableError extends Error {
  /**
   * @param kind - what went wrong
   * @param pfn - the frame concerned
   * @param detail - a human explanation
   */
  constructor(
    readonly kind: FrameTableErrorKind,
    readonly pfn: number,
    detail?: string,
  ) {
    super(`frame ${pfn}: ${kind}${detail ? ` (${detail})` : ''}`);
    this.name = 'FrameTableError';
  }
}

/** Options of {@link FrameTable}. */
export interface FrameTableOptions {
  /** First frame number described. */
  firstFrame: number;
  /** Number of frames described (1 to 2^32). */
  frameCount: number;
}

const CHUNK_SHIFT = 10;
const CHUNK_FRAMES = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_FRAMES - 1;
/** Int32 fields per frame in a chunk. */
const STRIDE = 4;
const REF = 0;
const MAP = 1;
const FLAGS = 2;
const RMAP = 3;
/** The largest reference or map count (Int32 storage). */
export const MAX_FRAME_COUNT_VALUE = 2 ** 31 - 1;

/**
 * Per-frame metadata for the frames `[firstFrame, firstFrame + frameCount)`, O(1) per frame: a reference count (how
 * many owners hold the frame: mappings, the page cache, a pin), a map count (how many PTEs map it, Linux
 * `_mapcount + 1`), {@link FrameFlag} bits, and an rmap slot (an integer handle an upper layer uses for its reverse
 * map: an anon_vma id, a file mapping id; {@link NO_RMAP} when none).
 *
 * Storage: `Int32Array` chunks of 1024 frames × 4 fields (16 KiB), created on the first change inside the chunk, so
 * a table over 64 GiB of RAM costs host memory only where frames are actually used. A frame of a chunk never
 * created reads as all defaults (counts 0, no flags, `NO_RMAP`).
 *
 * Errors: an out-of-range frame, a count decremented below 0 or incremented past {@link MAX_FRAME_COUNT_VALUE}, or a
 * value that is not an integer throws {@link FrameTableError}, and the table is left unchanged.
 */
export class FrameTable {
  readonly firstFrame: number;
  readonly frameCount: number;
  private readonly chunks: (Int32Array | undefined)[];

  /** @throws RangeError on a bad range */
  constructor(options: FrameTableOptions) {
    const { firstFrame, frameCount } = options;
    if (!(Number.isSafeInteger(firstFrame) && firstFrame >= 0)) {
      throw new RangeError(`FrameTable: firstFrame must be a non-negative integer, got ${firstFrame}`);
    }
    if (!(Number.isInteger(frameCount) && frameCount >= 1 && frameCount <= 2 ** 32)) {
      throw new RangeError(`FrameTable: frameCount must be an integer in [1, 2^32], got ${frameCount}`);
    }
    this.firstFrame = firstFrame;
    this.frameCount = frameCount;
    this.chunks = new Array<Int32Array | undefined>(Math.ceil(frameCount / CHUNK_FRAMES)).fill(undefined);
  }

  /** True when frame `pfn` is described by this table. */
  contains(pfn: number): boolean {
    const i = pfn - this.firstFrame;
    return i >= 0 && i < this.frameCount && Number.isInteger(i);
  }

  /** The reference count of `pfn`. */
  refCount(pfn: number): number {
    return this.read(pfn, REF, 0);
  }

  /** Adds one reference; returns the new count. */
  incRef(pfn: number): number {
    return this.add(pfn, REF, 1, 'ref-overflow');
  }

  /** Drops one reference; returns the new count (0: the last owner is gone and the frame may be freed). */
  /**
   * Adds a reference to a frame that already has one (a new owner of an owned frame, e.g. a PTE copied by fork):
   * one bounds check and one chunk lookup. Returns the new count.
   * @throws FrameTableError `out-of-range`, `not-owned` when the count is 0, `ref-overflow`; nothing changes then
   */
  incRefOwned(pfn: number): number {
    this.checkPfn(pfn);
    const c = this.chunks[(pfn - this.firstFrame) >>> CHUNK_SHIFT];
    const at = ((pfn - this.firstFrame) & CHUNK_MASK) * STRIDE + REF;
    const v = c === undefined ? 0 : (c[at] as number);
    if (v === 0) throw new FrameTableError('not-owned', pfn, 'a new reference to a frame with no owner');
    if (v >= MAX_FRAME_COUNT_VALUE) {
      throw new FrameTableError('ref-overflow', pfn, `reference count would become ${v + 1}`);
    }
    (c as Int32Array)[at] = v + 1;
    return v + 1;
  }

  decRef(pfn: number): number {
    return this.add(pfn, REF, -1, 'ref-underflow');
  }

  /** Sets the reference count of `pfn` (Linux `set_page_count`), an integer in `[0, MAX_FRAME_COUNT_VALUE]`. */
  setRefCount(pfn: number, count: number): void {
    this.set(pfn, REF, count);
  }

  /** The number of PTEs mapping `pfn`. */
  mapCount(pfn: number): number {
    return this.read(pfn, MAP, 0);
  }

  /** Counts one more PTE mapping `pfn`; returns the new count. */
  incMap(pfn: number): number {
    return this.add(pfn, MAP, 1, 'map-overflow');
  }

  /** Counts one PTE fewer mapping `pfn`; returns the new count. */
  decMap(pfn: number): number {
    return this.add(pfn, MAP, -1, 'map-underflow');
  }

  /** Sets the map count of `pfn`, an integer in `[0, MAX_FRAME_COUNT_VALUE]`. */
  setMapCount(pfn: number, count: number): void {
    this.set(pfn, MAP, count);
  }

  /** The flag bits of `pfn`. */
  flags(pfn: number): FrameFlags {
    return this.read(pfn, FLAGS, 0);
  }

  /** True when every bit of `flags` is set on `pfn`. */
  hasFlags(pfn: number, flags: FrameFlags): boolean {
    return (this.flags(pfn) & flags) === flags;
  }

  /** Sets the bits of `flags` on `pfn` (others unchanged). */
  setFlags(pfn: number, flags: FrameFlags): void {
    this.checkFlags(pfn, flags);
    const c = this.chunkFor(pfn);
    const at = this.slot(pfn) + FLAGS;
    c[at] = (c[at] as number) | flags;
  }

  /** Clears the bits of `flags` on `pfn` (others unchanged). */
  clearFlags(pfn: number, flags: FrameFlags): void {
    this.checkFlags(pfn, flags);
    const c = this.chunks[(pfn - this.firstFrame) >>> CHUNK_SHIFT];
    if (c === undefined) return;
    const at = this.slot(pfn) + FLAGS;
    c[at] = (c[at] as number) & ~flags;
  }

  /** The rmap slot of `pfn`, or {@link NO_RMAP}. */
  rmap(pfn: number): number {
    return this.read(pfn, RMAP, NO_RMAP);
  }

  /** Sets the rmap slot of `pfn` (an integer in `[-1, 2^31)`; {@link NO_RMAP} clears it). */
  setRmap(pfn: number, slot: number): void {
    this.checkPfn(pfn);
    if (!(Number.isInteger(slot) && slot >= NO_RMAP && slot <= MAX_FRAME_COUNT_VALUE)) {
      throw new FrameTableError('bad-value', pfn, `rmap slot must be an integer in [-1, 2^31), got ${slot}`);
    }
    this.chunkFor(pfn)[this.slot(pfn) + RMAP] = slot;
  }

  /** Puts every field of `pfn` back to its default (counts 0, no flags, {@link NO_RMAP}). */
  reset(pfn: number): void {
    this.checkPfn(pfn);
    const c = this.chunks[(pfn - this.firstFrame) >>> CHUNK_SHIFT];
    if (c === undefined) return;
    const at = this.slot(pfn);
    c[at + REF] = 0;
    c[at + MAP] = 0;
    c[at + FLAGS] = 0;
    c[at + RMAP] = NO_RMAP;
  }

  /** True when every field of `pfn` has its default value. */
  isClear(pfn: number): boolean {
    return (
      this.refCount(pfn) === 0 &&
      this.mapCount(pfn) === 0 &&
      this.flags(pfn) === 0 &&
      this.rmap(pfn) === NO_RMAP
    );
  }

  private checkPfn(pfn: number): void {
    if (!this.contains(pfn)) {
      throw new FrameTableError(
        'out-of-range',
        pfn,
        `the table describes [${this.firstFrame}, ${this.firstFrame + this.frameCount})`,
      );
    }
  }

  private checkFlags(pfn: number, flags: number): void {
    this.checkPfn(pfn);
    if (!(Number.isInteger(flags) && flags >= 0 && flags <= MAX_FRAME_COUNT_VALUE)) {
      throw new FrameTableError('bad-value', pfn, `flags must be an integer in [0, 2^31), got ${flags}`);
    }
  }

  /** Index of the first field of `pfn` inside its chunk. */
  private slot(pfn: number): number {
    return ((pfn - this.firstFrame) & CHUNK_MASK) * STRIDE;
  }

  private read(pfn: number, field: number, dflt: number): number {
    this.checkPfn(pfn);
    const c = this.chunks[(pfn - this.firstFrame) >>> CHUNK_SHIFT];
    return c === undefined ? dflt : (c[this.slot(pfn) + field] as number);
  }

  private add(
    pfn: number,
    field: number,
    delta: number,
    kind: 'ref-overflow' | 'ref-underflow' | 'map-overflow' | 'map-underflow',
  ): number {
    const v = this.read(pfn, field, 0) + delta;
    if (v < 0 || v > MAX_FRAME_COUNT_VALUE) {
      throw new FrameTableError(kind, pfn, `${field === REF ? 'reference' : 'map'} count would become ${v}`);
    }
    this.chunkFor(pfn)[this.slot(pfn) + field] = v;
    return v;
  }

  private set(pfn: number, field: number, v: number): void {
    this.checkPfn(pfn);
    if (!(Number.isInteger(v) && v >= 0 && v <= MAX_FRAME_COUNT_VALUE)) {
      throw new FrameTableError('bad-value', pfn, `a count must be an integer in [0, 2^31), got ${v}`);
    }
    this.chunkFor(pfn)[this.slot(pfn) + field] = v;
  }

  private chunkFor(pfn: number): Int32Array {
    const ci = (pfn - this.firstFrame) >>> CHUNK_SHIFT;
    let c = this.chunks[ci];
    if (c === undefined) {
      c = new Int32Array(CHUNK_FRAMES * STRIDE);
      for (let i = RMAP; i < c.length; i += STRIDE) c[i] = NO_RMAP;
      this.chunks[ci] = c;
    }
    return c;
  }
}
