/**
 * Sparse simulated RAM: {@link SparsePhysicalMemory}.
 *
 * @module
 */

import {
  HOST_LITTLE_ENDIAN,
  type MemoryReadResult,
  NOT_MEMORY,
  type PhysicalMemory,
  type U64Pair,
} from '@pagewright/core';

const FRAME_SIZE = 4096;
const FRAME_OFFSET_MASK = 0xfff;
/** Frames per directory chunk (a chunk is one `Int32Array` of slot numbers, created on the first write in it). */
const CHUNK_SHIFT = 8;
const CHUNK_FRAMES = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK_FRAMES - 1;
/** Frames per slab (a slab is one host buffer holding the bytes of up to 64 written frames: 256 KiB). */
const SLAB_SHIFT = 6;
const SLAB_FRAMES = 1 << SLAB_SHIFT;
const SLAB_MASK = SLAB_FRAMES - 1;
const SLAB_BYTES = SLAB_FRAMES * FRAME_SIZE;
/** `slotOf` of a frame that owns no host bytes (it reads as zeros). */
const NO_SLOT = -1;
// On a little-endian host (core's HOST_LITTLE_ENDIAN: every platform Node supports in practice) aligned 32/64-bit
// accesses use a slab's `Int32Array` view directly, which is about twice as fast as `DataView` on V8; a big-endian
// host takes the `DataView` path, which is correct everywhere.

/** The RISC-V `virt` machine's RAM base, the default {@link SparsePhysicalMemoryOptions.base}. */
export const DEFAULT_RAM_BASE = 0x8000_0000;
/** The largest RAM supported: 16 TiB (2^32 frames, so frame indices fit 32 bits). */
export const MAX_RAM_SIZE = 2 ** 44;

/** Options of {@link SparsePhysicalMemory}. */
export interface SparsePhysicalMemoryOptions {
  /** First byte address of RAM; a multiple of 4096. Default `0x8000_0000` (QEMU/Spike `virt`). */
  base?: number | undefined;
  /** Size of RAM in bytes; a positive multiple of 4096, at most {@link MAX_RAM_SIZE}. */
  size: number;
}

/**
 * Simulated RAM whose host bytes exist only for frames that were written.
 *
 * Layout: a directory of chunks (one per 256 frames, created on the first non-zero write inside it) maps each frame
 * to a slot; a slot is 4096 bytes inside a 256 KiB slab. A frame never written (or dropped by {@link zeroFrame})
 * has no slot and reads as zeros, so it costs no host memory beyond its chunk's 4-byte entry (and nothing at all
 * when no frame of its chunk was ever written). Writing zeros to a frame without bytes allocates nothing.
 *
 * Invariants:
 * - `residentFrames` is the number of frames that own a slot; a frame without a slot reads as zeros.
 * - A free slot is all zeros (it is cleared when dropped), so a newly backed frame reads as zeros.
 * - Slots are recycled, not returned to the host: host memory follows the peak number of resident frames.
 * - `read*`/`write*` never throw and allocate only on the first non-zero write to a frame (a slot, and at most a
 *   new slab and a new chunk). Accesses outside RAM, at non-integer addresses, touch nothing and report -1/false.
 *
 * Implements the {@link PhysicalMemory} contract: little-endian, unaligned and frame-crossing accesses allowed.
 *
 * @example
 * ```ts
 * import { SparsePhysicalMemory } from '@pagewright/frames';
 *
 * const ram = new SparsePhysicalMemory({ base: 0x8000_0000, size: 64 * 2 ** 30 }); // 64 GiB, nothing resident yet
 * ram.write32(0x8000_1000, 0xcafe);
 * console.log(ram.read32(0x8000_1000).toString(16), ram.residentFrames); // cafe 1
 * console.log(ram.read32(0x8000_2000)); // 0: an untouched frame reads as zeros
 * ```
 */
export class SparsePhysicalMemory implements PhysicalMemory {
  readonly base: number;
  readonly size: number;
  readonly baseFrame: number;
  readonly frameCount: number;

  /** `chunks[i >>> 10][i & 1023]` is 1 + the slot of frame index `i`, or 0 when the frame has no bytes. */
  private readonly chunks: (Int32Array | undefined)[];
  private readonly slabs: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  private readonly words: Int32Array[] = [];
  /** Per slot, the `Int32Array` view of its 4096 bytes (made with its slab, so `frameWords` never allocates). */
  private readonly slotWords: Int32Array[] = [];
  /** What `frameWords` answers for a frame without bytes: all zeros, never written. */
  private readonly zeroWords = new Int32Array(FRAME_SIZE / 4);
  /** Slots handed out so far (the next never-used slot). */
  private slotHighWater = 0;
  /** Recycled slots (all-zero), a stack. */
  private freeSlots = new Int32Array(64);
  private freeSlotCount = 0;
  private resident = 0;

  /**
   * @param options - base and size of RAM
   * @throws RangeError when `base` or `size` is not a non-negative multiple of 4096, `size` is 0 or above
   *   {@link MAX_RAM_SIZE}, or `base + size` exceeds 2^53
   */
  constructor(options: SparsePhysicalMemoryOptions) {
    const base = options.base ?? DEFAULT_RAM_BASE;
    const { size } = options;
    if (!(Number.isSafeInteger(base) && base >= 0 && base % FRAME_SIZE === 0)) {
      throw new RangeError(`SparsePhysicalMemory: base must be a non-negative multiple of 4096, got ${base}`);
    }
    if (!(Number.isSafeInteger(size) && size > 0 && size % FRAME_SIZE === 0 && size <= MAX_RAM_SIZE)) {
      throw new RangeError(
        `SparsePhysicalMemory: size must be a positive multiple of 4096 up to 2^44, got ${size}`,
      );
    }
    if (base + size > 2 ** 53) {
      throw new RangeError(`SparsePhysicalMemory: base + size must not exceed 2^53`);
    }
    this.base = base;
    this.size = size;
    this.baseFrame = base / FRAME_SIZE;
    this.frameCount = size / FRAME_SIZE;
    this.chunks = new Array<Int32Array | undefined>(Math.ceil(this.frameCount / CHUNK_FRAMES)).fill(
      undefined,
    );
  }

  /** Number of frames that currently own host bytes (written and not since zeroed). */
  get residentFrames(): number {
    return this.resident;
  }

  /** Host bytes reserved for frame contents (slabs), including recycled slots. */
  get hostBytes(): number {
    return this.slabs.length * SLAB_BYTES;
  }

  contains(pa: number, len: number): boolean {
    const rel = pa - this.base;
    return rel >= 0 && Number.isInteger(rel) && Number.isInteger(len) && len >= 0 && rel + len <= this.size;
  }

  containsFrame(pfn: number): boolean {
    const i = pfn - this.baseFrame;
    return i >= 0 && i < this.frameCount && Number.isInteger(i);
  }

  /** True when frame `pfn` owns host bytes (it was written and not since zeroed). False outside RAM. */
  isFrameResident(pfn: number): boolean {
    return this.containsFrame(pfn) && this.slotOf(pfn - this.baseFrame) >= 0;
  }

  // ---------------------------------------------------------------------------------------------- reads

  read8(pa: number): MemoryReadResult {
    const rel = pa - this.base;
    if (!(rel >= 0 && rel < this.size) || Math.floor(rel) !== rel) return NOT_MEMORY;
    const idx = Math.floor(rel / FRAME_SIZE);
    const slot = this.slotOf(idx);
    if (slot < 0) return 0;
    return (this.slabs[slot >>> SLAB_SHIFT] as Uint8Array)[
      (slot & SLAB_MASK) * FRAME_SIZE + (rel & FRAME_OFFSET_MASK)
    ] as number;
  }

  read16(pa: number): MemoryReadResult {
    const rel = pa - this.base;
    if (!(rel >= 0 && rel <= this.size - 2) || Math.floor(rel) !== rel) return NOT_MEMORY;
    const off = rel & FRAME_OFFSET_MASK;
    if (off > FRAME_SIZE - 2) return this.readCrossing(rel, 2);
    const slot = this.slotOf(Math.floor(rel / FRAME_SIZE));
    if (slot < 0) return 0;
    return (this.views[slot >>> SLAB_SHIFT] as DataView).getUint16(
      (slot & SLAB_MASK) * FRAME_SIZE + off,
      true,
    );
  }

  read32(pa: number): MemoryReadResult {
    const rel = pa - this.base;
    if (!(rel >= 0 && rel <= this.size - 4) || Math.floor(rel) !== rel) return NOT_MEMORY;
    const off = rel & FRAME_OFFSET_MASK;
    if (off > FRAME_SIZE - 4) return this.readCrossing(rel, 4);
    const slot = this.slotOf(Math.floor(rel / FRAME_SIZE));
    if (slot < 0) return 0;
    const at = (slot & SLAB_MASK) * FRAME_SIZE + off;
    if (HOST_LITTLE_ENDIAN && (off & 3) === 0)
      return (this.words[slot >>> SLAB_SHIFT] as Int32Array)[at >>> 2]! >>> 0;
    return (this.views[slot >>> SLAB_SHIFT] as DataView).getUint32(at, true);
  }

  read64(pa: number, out: U64Pair): boolean {
    const rel = pa - this.base;
    if (!(rel >= 0 && rel <= this.size - 8) || Math.floor(rel) !== rel) return false;
    const off = rel & FRAME_OFFSET_MASK;
    if (off > FRAME_SIZE - 8) {
      out.lo = this.readCrossing(rel, 4);
      out.hi = this.readCrossing(rel + 4, 4);
      return true;
    }
    const slot = this.slotOf(Math.floor(rel / FRAME_SIZE));
    if (slot < 0) {
      out.lo = 0;
      out.hi = 0;
      return true;
    }
    const at = (slot & SLAB_MASK) * FRAME_SIZE + off;
    if (HOST_LITTLE_ENDIAN && (off & 3) === 0) {
      const words = this.words[slot >>> SLAB_SHIFT] as Int32Array;
      out.lo = words[at >>> 2]! >>> 0;
      out.hi = words[(at >>> 2) + 1]! >>> 0;
      return true;
    }
    const view = this.views[slot >>> SLAB_SHIFT] as DataView;
    out.lo = view.getUint32(at, true);
    out.hi = view.getUint32(at + 4, true);
    return true;
  }

  // --------------------------------------------------------------------------------------------- writes

  write8(pa: number, value: number): boolean {
    const rel = pa - this.base;
    if (!(rel >= 0 && rel < this.size) || Math.floor(rel) !== rel) return false;
    this.storeByte(rel, value & 0xff);
    return true;
  }

  write16(pa: number, value: number): boolean {
    const rel = pa - this.base;
    if (!(rel >= 0 && rel <= this.size - 2) || Math.floor(rel) !== rel) return false;
    const off = rel & FRAME_OFFSET_MASK;
    if (off > FRAME_SIZE - 2) {
      this.storeByte(rel, value & 0xff);
      this.storeByte(rel + 1, (value >>> 8) & 0xff);
      return true;
    }
    const v = value & 0xffff;
    const slot = this.slotForWrite(Math.floor(rel / FRAME_SIZE), v);
    if (slot >= 0) {
      (this.views[slot >>> SLAB_SHIFT] as DataView).setUint16((slot & SLAB_MASK) * FRAME_SIZE + off, v, true);
    }
    return true;
  }

  write32(pa: number, value: number): boolean {
    const rel = pa - this.base;
    if (!(rel >= 0 && rel <= this.size - 4) || Math.floor(rel) !== rel) return false;
    const off = rel & FRAME_OFFSET_MASK;
    const v = value >>> 0;
    if (off > FRAME_SIZE - 4) {
      this.writeCrossing32(rel, v);
      return true;
    }
    const slot = this.slotForWrite(Math.floor(rel / FRAME_SIZE), v);
    if (slot >= 0) {
      const at = (slot & SLAB_MASK) * FRAME_SIZE + off;
      if (HOST_LITTLE_ENDIAN && (off & 3) === 0)
        (this.words[slot >>> SLAB_SHIFT] as Int32Array)[at >>> 2] = v;
      else (this.views[slot >>> SLAB_SHIFT] as DataView).setUint32(at, v, true);
    }
    return true;
  }

  write64(pa: number, lo: number, hi: number): boolean {
    const rel = pa - this.base;
    if (!(rel >= 0 && rel <= this.size - 8) || Math.floor(rel) !== rel) return false;
    const off = rel & FRAME_OFFSET_MASK;
    const l = lo >>> 0;
    const h = hi >>> 0;
    if (off > FRAME_SIZE - 8) {
      this.writeCrossing32(rel, l);
      this.writeCrossing32(rel + 4, h);
      return true;
    }
    const slot = this.slotForWrite(Math.floor(rel / FRAME_SIZE), l | h);
    if (slot >= 0) {
      const at = (slot & SLAB_MASK) * FRAME_SIZE + off;
      if (HOST_LITTLE_ENDIAN && (off & 3) === 0) {
        const words = this.words[slot >>> SLAB_SHIFT] as Int32Array;
        words[at >>> 2] = l;
        words[(at >>> 2) + 1] = h;
      } else {
        const view = this.views[slot >>> SLAB_SHIFT] as DataView;
        view.setUint32(at, l, true);
        view.setUint32(at + 4, h, true);
      }
    }
    return true;
  }

  // ----------------------------------------------------------------------------------------------- bulk

  readBytes(pa: number, dst: Uint8Array): boolean {
    if (!this.contains(pa, dst.length)) return false;
    let rel = pa - this.base;
    let done = 0;
    while (done < dst.length) {
      const off = rel & FRAME_OFFSET_MASK;
      const n = Math.min(FRAME_SIZE - off, dst.length - done);
      const slot = this.slotOf(Math.floor(rel / FRAME_SIZE));
      if (slot < 0) {
        dst.fill(0, done, done + n);
      } else {
        const at = (slot & SLAB_MASK) * FRAME_SIZE + off;
        dst.set((this.slabs[slot >>> SLAB_SHIFT] as Uint8Array).subarray(at, at + n), done);
      }
      done += n;
      rel += n;
    }
    return true;
  }

  writeBytes(pa: number, src: Uint8Array): boolean {
    if (!this.contains(pa, src.length)) return false;
    let rel = pa - this.base;
    let done = 0;
    while (done < src.length) {
      const off = rel & FRAME_OFFSET_MASK;
      const n = Math.min(FRAME_SIZE - off, src.length - done);
      const idx = Math.floor(rel / FRAME_SIZE);
      let slot = this.slotOf(idx);
      if (slot < 0 && !isAllZero(src, done, done + n)) slot = this.attachSlot(idx);
      if (slot >= 0) {
        const at = (slot & SLAB_MASK) * FRAME_SIZE + off;
        (this.slabs[slot >>> SLAB_SHIFT] as Uint8Array).set(src.subarray(done, done + n), at);
      }
      done += n;
      rel += n;
    }
    return true;
  }

  fill(pa: number, len: number, value: number): boolean {
    if (!this.contains(pa, len)) return false;
    const v = value & 0xff;
    let rel = pa - this.base;
    let left = len;
    while (left > 0) {
      const off = rel & FRAME_OFFSET_MASK;
      const n = Math.min(FRAME_SIZE - off, left);
      const idx = Math.floor(rel / FRAME_SIZE);
      if (v === 0 && n === FRAME_SIZE) {
        this.dropFrame(idx);
      } else {
        let slot = this.slotOf(idx);
        if (slot < 0 && v !== 0) slot = this.attachSlot(idx);
        if (slot >= 0) {
          const at = (slot & SLAB_MASK) * FRAME_SIZE + off;
          (this.slabs[slot >>> SLAB_SHIFT] as Uint8Array).fill(v, at, at + n);
        }
      }
      left -= n;
      rel += n;
    }
    return true;
  }

  /** Makes frame `pfn` read as zeros by dropping its bytes (O(1) host work plus clearing one 4 KiB slot). */
  zeroFrame(pfn: number): boolean {
    if (!this.containsFrame(pfn)) return false;
    this.dropFrame(pfn - this.baseFrame);
    return true;
  }

  copyFrame(dst: number, src: number): boolean {
    if (!(this.containsFrame(dst) && this.containsFrame(src))) return false;
    if (dst === src) return true;
    const s = this.slotOf(src - this.baseFrame);
    if (s < 0) {
      this.dropFrame(dst - this.baseFrame);
      return true;
    }
    let d = this.slotOf(dst - this.baseFrame);
    if (d < 0) d = this.attachSlot(dst - this.baseFrame);
    // One bulk copy between the two slots' views (distinct slots never overlap; no view is made per copy).
    (this.slotWords[d] as Int32Array).set(this.slotWords[s] as Int32Array);
    return true;
  }

  /**
   * `PhysicalMemory.frameWords`: the live word view of frame `pfn` (its slot's view, made with the slab; a shared
   * all-zero view for a frame without bytes), or null outside RAM. Read-only, valid until the next write or frame
   * operation. Never allocates.
   */
  frameWords(pfn: number): Int32Array | null {
    const idx = pfn - this.baseFrame;
    // `>>> 0` keeps exactly the integers in [0, 2^32): frame indices (frameCount ≤ 2^32).
    if (!(idx >>> 0 === idx && idx < this.frameCount)) return null;
    const chunk = this.chunks[idx >>> CHUNK_SHIFT];
    if (chunk === undefined) return this.zeroWords;
    const slot = (chunk[idx & CHUNK_MASK] as number) - 1;
    return slot < 0 ? this.zeroWords : (this.slotWords[slot] as Int32Array);
  }

  isFrameZero(pfn: number): boolean {
    if (!this.containsFrame(pfn)) return false;
    const slot = this.slotOf(pfn - this.baseFrame);
    if (slot < 0) return true;
    const words = this.words[slot >>> SLAB_SHIFT] as Int32Array;
    const start = (slot & SLAB_MASK) * (FRAME_SIZE / 4);
    const end = start + FRAME_SIZE / 4;
    for (let i = start; i < end; i++) if (words[i] !== 0) return false;
    return true;
  }

  // ------------------------------------------------------------------------------------------- internals

  /** The slot of frame index `idx`, or {@link NO_SLOT} when it has no bytes. */
  private slotOf(idx: number): number {
    const chunk = this.chunks[idx >>> CHUNK_SHIFT];
    if (chunk === undefined) return NO_SLOT;
    return (chunk[idx & CHUNK_MASK] as number) - 1;
  }

  /** The slot to write `nonZero`-ness into: attaches one unless the frame has none and the value is zero. */
  private slotForWrite(idx: number, value: number): number {
    const slot = this.slotOf(idx);
    if (slot >= 0 || value === 0) return slot;
    return this.attachSlot(idx);
  }

  private storeByte(rel: number, v: number): void {
    const slot = this.slotForWrite(Math.floor(rel / FRAME_SIZE), v);
    if (slot >= 0) {
      (this.slabs[slot >>> SLAB_SHIFT] as Uint8Array)[
        (slot & SLAB_MASK) * FRAME_SIZE + (rel & FRAME_OFFSET_MASK)
      ] = v;
    }
  }

  private loadByte(rel: number): number {
    const slot = this.slotOf(Math.floor(rel / FRAME_SIZE));
    if (slot < 0) return 0;
    return (this.slabs[slot >>> SLAB_SHIFT] as Uint8Array)[
      (slot & SLAB_MASK) * FRAME_SIZE + (rel & FRAME_OFFSET_MASK)
    ] as number;
  }

  /** Little-endian read of `n` (2 or 4) bytes that may cross a frame boundary. */
  private readCrossing(rel: number, n: number): number {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + this.loadByte(rel + i);
    return v;
  }

  private writeCrossing32(rel: number, v: number): void {
    this.storeByte(rel, v & 0xff);
    this.storeByte(rel + 1, (v >>> 8) & 0xff);
    this.storeByte(rel + 2, (v >>> 16) & 0xff);
    this.storeByte(rel + 3, v >>> 24);
  }

  /** Gives frame index `idx` (which has no slot) an all-zero slot and returns it. */
  private attachSlot(idx: number): number {
    let chunk = this.chunks[idx >>> CHUNK_SHIFT];
    if (chunk === undefined) {
      chunk = new Int32Array(CHUNK_FRAMES);
      this.chunks[idx >>> CHUNK_SHIFT] = chunk;
    }
    let slot: number;
    if (this.freeSlotCount > 0) {
      slot = this.freeSlots[--this.freeSlotCount] as number;
    } else {
      slot = this.slotHighWater++;
      if ((slot & SLAB_MASK) === 0) {
        const slab = new Uint8Array(SLAB_BYTES);
        this.slabs.push(slab);
        this.views.push(new DataView(slab.buffer));
        this.words.push(new Int32Array(slab.buffer));
        for (let k = 0; k < SLAB_FRAMES; k++)
          this.slotWords.push(new Int32Array(slab.buffer, k * FRAME_SIZE, FRAME_SIZE / 4));
      }
    }
    chunk[idx & CHUNK_MASK] = slot + 1;
    this.resident++;
    return slot;
  }

  /** Drops the bytes of frame index `idx` (if any): clears its slot and recycles it. */
  private dropFrame(idx: number): void {
    const chunk = this.chunks[idx >>> CHUNK_SHIFT];
    if (chunk === undefined) return;
    const slot = (chunk[idx & CHUNK_MASK] as number) - 1;
    if (slot < 0) return;
    chunk[idx & CHUNK_MASK] = 0;
    const start = (slot & SLAB_MASK) * (FRAME_SIZE / 4);
    (this.words[slot >>> SLAB_SHIFT] as Int32Array).fill(0, start, start + FRAME_SIZE / 4);
    if (this.freeSlotCount === this.freeSlots.length) {
      const grown = new Int32Array(this.freeSlots.length * 2);
      grown.set(this.freeSlots);
      this.freeSlots = grown;
    }
    this.freeSlots[this.freeSlotCount++] = slot;
    this.resident--;
  }
}

function isAllZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}
