/**
 * The interface to simulated physical memory.
 *
 * @module
 */

import type { U64Pair } from './hardware.js';
import type { DomainResult } from './result.js';

/** What `read8`/`read16`/`read32` return for an address range that is not RAM. */
export const NOT_MEMORY = -1;

/** What `read8`/`read16`/`read32` return: the value read (unsigned) or {@link NOT_MEMORY}. */
export type MemoryReadResult = DomainResult<'memory-read'>;

/**
 * Simulated physical memory (RAM) starting at a base physical address.
 *
 * Contract (each rule is checked by `checkPhysicalMemory` in `@pagewright/core/testing`, under the id in brackets):
 * - [geometry] `base` and `size` are multiples of 4096; `baseFrame = base / 4096`, `frameCount = size / 4096`.
 * - [contains] `contains(pa, len)` is true exactly when `[pa, pa + len)` is inside RAM (`pa` and `len` integers,
 *   `len >= 0`); `containsFrame(pfn)` exactly for the frames of RAM.
 * - [zero-initial] Memory never written reads as zero, through every accessor.
 * - [byte-access] `write8` stores `value mod 256` at any byte of RAM, first and last included, and returns true.
 * - [little-endian] Byte addresses are numbers; every access is little-endian (`write64` takes the low and high
 *   32-bit halves).
 * - [wide-access] 16/32/64-bit accesses may be unaligned and may cross frames; values are stored modulo `2^width`
 *   and read back unsigned.
 * - [out-of-range-reads], [out-of-range-writes] An access that is not entirely inside RAM (or at a non-integer
 *   address) touches nothing and is reported to the caller: reads return `NOT_MEMORY` (-1; values read are otherwise unsigned),
 *   `read64` returns false leaving `out` unchanged, writes return `false` and change no byte, not even the part
 *   inside RAM. Never a throw, never silently ignored: the MMU turns the report into an access fault.
 * - [bulk] `readBytes`, `writeBytes` and `fill` work across frames; unless the whole range is RAM they return false
 *   and copy or write nothing.
 * - [frame-ops] `zeroFrame` makes a frame read as zeros, `copyFrame` copies all 4096 bytes (the source unchanged),
 *   `isFrameZero` tells whether a frame reads as zeros; outside RAM all three return false and change nothing.
 * - Hot-path methods (`read*`, `write*`) never allocate or throw.
 */
export interface PhysicalMemory {
  /** First byte address of RAM. */
  readonly base: number;
  /** Size of RAM in bytes (a multiple of 4096). */
  readonly size: number;
  /** First frame number of RAM (`base / 4096`). */
  readonly baseFrame: number;
  /** Number of frames of RAM. */
  readonly frameCount: number;

  /** True when the whole range `[pa, pa + len)` is RAM. */
  contains(pa: number, len: number): boolean;
  /** True when frame `pfn` is RAM. */
  containsFrame(pfn: number): boolean;

  /** Reads a byte, or {@link NOT_MEMORY} outside RAM. */
  read8(pa: number): MemoryReadResult;
  /** Reads a 16-bit value, or {@link NOT_MEMORY} outside RAM. */
  read16(pa: number): MemoryReadResult;
  /** Reads an unsigned 32-bit value, or {@link NOT_MEMORY} outside RAM. */
  read32(pa: number): MemoryReadResult;
  /** Reads a 64-bit value into `out` as two halves; false (and `out` unchanged) outside RAM. */
  read64(pa: number, out: U64Pair): boolean;
  /** Writes a byte; false outside RAM. */
  write8(pa: number, value: number): boolean;
  /** Writes a 16-bit value; false outside RAM. */
  write16(pa: number, value: number): boolean;
  /** Writes a 32-bit value; false outside RAM. */
  write32(pa: number, value: number): boolean;
  /** Writes a 64-bit value given as two 32-bit halves; false outside RAM. */
  write64(pa: number, lo: number, hi: number): boolean;

  /** Copies `dst.length` bytes starting at `pa` into `dst`; false (nothing copied) unless the range is RAM. */
  readBytes(pa: number, dst: Uint8Array): boolean;
  /** Copies `src` to memory starting at `pa`; false (nothing written) unless the range is RAM. */
  writeBytes(pa: number, src: Uint8Array): boolean;
  /** Fills `[pa, pa + len)` with `value`; false (nothing written) unless the range is RAM. */
  fill(pa: number, len: number, value: number): boolean;

  /** Makes frame `pfn` read as zeros. False outside RAM. */
  zeroFrame(pfn: number): boolean;
  /** Copies frame `src` to frame `dst`. False outside RAM. */
  copyFrame(dst: number, src: number): boolean;
  /** True when frame `pfn` reads as all zeros (cheap for a frame never written); false outside RAM. */
  isFrameZero(pfn: number): boolean;

  /**
   * Optional fast read path for page walkers: the 1024 little-endian 32-bit words of frame `pfn` as a live,
   * **read-only** view (word `2i` is bits 31:0 of the 64-bit entry `i`, word `2i + 1` bits 63:32; signed, so read
   * them with `>>> 0`), or null when `pfn` is not RAM. The view is valid until the next write or frame operation on
   * this memory (a frame never written may answer a shared all-zero view); never write through it. Present only
   * where it is cheap and exact: a walker uses it when {@link HOST_LITTLE_ENDIAN} and falls back to `read64`
   * otherwise. Never allocates or throws.
   */
  frameWords?(pfn: number): Int32Array | null;
}

/** True on a little-endian host (every platform Node supports in practice): typed-array words are little-endian. */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
