/**
 * The interface to simulated physical memory.
 *
 * @module
 */

import type { U64Pair } from './hardware.js';

/**
 * Simulated physical memory (RAM) starting at a base physical address.
 *
 * Contract:
 * - Byte addresses are numbers; every access is little-endian and may be unaligned (it may even cross frames).
 * - An access that is not entirely inside RAM touches nothing and is reported to the caller: reads return `-1`
 *   (values read are otherwise unsigned), writes and bulk operations return `false`. Never a throw, never silently
 *   ignored: the MMU turns the report into an access fault.
 * - Memory never written reads as zero.
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

  /** Reads a byte, or -1 outside RAM. */
  read8(pa: number): number;
  /** Reads a 16-bit value, or -1 outside RAM. */
  read16(pa: number): number;
  /** Reads an unsigned 32-bit value, or -1 outside RAM. */
  read32(pa: number): number;
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
  /** True when frame `pfn` reads as all zeros (cheap for a frame never written). */
  isFrameZero(pfn: number): boolean;
}
