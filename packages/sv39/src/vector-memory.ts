/**
 * {@link VectorMachineMemory}: the physical memory of the machine that produced the Sv39/Sv48 conformance vectors
 * (`conformance/FORMAT.md`), computed by formula with an overlay for writes.
 *
 * @module
 */

import type { PhysicalMemory, U64Pair } from '@pagewright/core';

/** First byte of the page-table region. */
export const VECTOR_PT_BASE = 0x8040_0000;
/** First byte of the data region. */
export const VECTOR_DATA_BASE = 0x8060_0000;
/** First byte of the code region. */
export const VECTOR_CODE_BASE = 0x8080_0000;
/** One past the last byte of memory. */
export const VECTOR_MEMORY_END = 0x80a0_0000;

/**
 * The vector machine's RAM: `[0x80400000, 0x80a00000)`.
 * - PT `[0x80400000, 0x80600000)`: zero.
 * - DATA `[0x80600000, 0x80800000)`: each 8-byte word holds its own address.
 * - CODE `[0x80800000, 0x80a00000)`: the word at PA holds `0x0000007300000000 | (k << 12) | 0x537`,
 *   `k = (PA - 0x80800000) / 8` (`lui a0, k ; ecall`).
 *
 * Words never written are computed from that formula; writes go to an overlay (a map from word address to its two
 * halves), so a fresh case costs nothing: {@link VectorMachineMemory.reset} just clears the overlay.
 * Everything outside the three regions is "not memory" (reads return -1 / false).
 */
export class VectorMachineMemory implements PhysicalMemory {
  readonly base = VECTOR_PT_BASE;
  readonly size = VECTOR_MEMORY_END - VECTOR_PT_BASE;
  readonly baseFrame = VECTOR_PT_BASE / 4096;
  readonly frameCount = (VECTOR_MEMORY_END - VECTOR_PT_BASE) / 4096;
  /** Overlay: word address → [lo, hi]. */
  private readonly overlay = new Map<number, [number, number]>();

  /** Forgets every write: memory is back to its initial contents. */
  reset(): void {
    this.overlay.clear();
  }

  /** The initial contents of the word at 8-aligned `wa`: low half. */
  private static initialLo(wa: number): number {
    if (wa < VECTOR_DATA_BASE) return 0;
    if (wa < VECTOR_CODE_BASE) return wa >>> 0;
    const k = (wa - VECTOR_CODE_BASE) / 8;
    return ((k << 12) | 0x537) >>> 0;
  }

  /** The initial contents of the word at 8-aligned `wa`: high half. */
  private static initialHi(wa: number): number {
    return wa < VECTOR_CODE_BASE ? 0 : 0x73;
  }

  private wordLo(wa: number): number {
    const o = this.overlay.get(wa);
    return o ? o[0] : VectorMachineMemory.initialLo(wa);
  }

  private wordHi(wa: number): number {
    const o = this.overlay.get(wa);
    return o ? o[1] : VectorMachineMemory.initialHi(wa);
  }

  private setWord(wa: number, lo: number, hi: number): void {
    const o = this.overlay.get(wa);
    if (o) {
      o[0] = lo >>> 0;
      o[1] = hi >>> 0;
    } else this.overlay.set(wa, [lo >>> 0, hi >>> 0]);
  }

  private byteAt(pa: number): number {
    const off = pa % 8;
    const wa = pa - off;
    const half = off < 4 ? this.wordLo(wa) : this.wordHi(wa);
    return (half >>> (8 * (off % 4))) & 0xff;
  }

  private setByte(pa: number, value: number): void {
    const off = pa % 8;
    const wa = pa - off;
    let lo = this.wordLo(wa);
    let hi = this.wordHi(wa);
    const shift = 8 * (off % 4);
    const mask = ~(0xff << shift);
    if (off < 4) lo = (lo & mask) | ((value & 0xff) << shift);
    else hi = (hi & mask) | ((value & 0xff) << shift);
    this.setWord(wa, lo, hi);
  }

  contains(pa: number, len: number): boolean {
    return Number.isInteger(pa) && len >= 0 && pa >= VECTOR_PT_BASE && pa + len <= VECTOR_MEMORY_END;
  }

  containsFrame(pfn: number): boolean {
    return Number.isInteger(pfn) && pfn >= this.baseFrame && pfn < this.baseFrame + this.frameCount;
  }

  private readN(pa: number, n: number): number {
    if (!this.contains(pa, n)) return -1;
    let v = 0;
    for (let k = 0; k < n; k++) v += this.byteAt(pa + k) * 2 ** (8 * k);
    return v;
  }

  private writeN(pa: number, n: number, value: number): boolean {
    if (!this.contains(pa, n)) return false;
    for (let k = 0; k < n; k++) this.setByte(pa + k, (value >>> (8 * k)) & 0xff);
    return true;
  }

  read8(pa: number): number {
    return this.readN(pa, 1);
  }
  read16(pa: number): number {
    return this.readN(pa, 2);
  }
  read32(pa: number): number {
    if (pa % 4 === 0 && this.contains(pa, 4)) {
      const wa = pa - (pa % 8);
      return pa === wa ? this.wordLo(wa) : this.wordHi(wa);
    }
    return this.readN(pa, 4);
  }
  read64(pa: number, out: U64Pair): boolean {
    if (!this.contains(pa, 8)) return false;
    if (pa % 8 === 0) {
      out.lo = this.wordLo(pa);
      out.hi = this.wordHi(pa);
    } else {
      out.lo = this.readN(pa, 4);
      out.hi = this.readN(pa + 4, 4);
    }
    return true;
  }
  write8(pa: number, value: number): boolean {
    return this.writeN(pa, 1, value);
  }
  write16(pa: number, value: number): boolean {
    return this.writeN(pa, 2, value);
  }
  write32(pa: number, value: number): boolean {
    return this.writeN(pa, 4, value);
  }
  write64(pa: number, lo: number, hi: number): boolean {
    if (!this.contains(pa, 8)) return false;
    if (pa % 8 === 0) this.setWord(pa, lo, hi);
    else {
      this.writeN(pa, 4, lo);
      this.writeN(pa + 4, 4, hi);
    }
    return true;
  }

  readBytes(pa: number, dst: Uint8Array): boolean {
    if (!this.contains(pa, dst.length)) return false;
    for (let k = 0; k < dst.length; k++) dst[k] = this.byteAt(pa + k);
    return true;
  }
  writeBytes(pa: number, src: Uint8Array): boolean {
    if (!this.contains(pa, src.length)) return false;
    for (let k = 0; k < src.length; k++) this.setByte(pa + k, src[k] as number);
    return true;
  }
  fill(pa: number, len: number, value: number): boolean {
    if (!this.contains(pa, len)) return false;
    for (let k = 0; k < len; k++) this.setByte(pa + k, value);
    return true;
  }
  zeroFrame(pfn: number): boolean {
    if (!this.containsFrame(pfn)) return false;
    for (let wa = pfn * 4096; wa < pfn * 4096 + 4096; wa += 8) this.setWord(wa, 0, 0);
    return true;
  }
  copyFrame(dst: number, src: number): boolean {
    if (!this.containsFrame(dst) || !this.containsFrame(src)) return false;
    for (let k = 0; k < 4096; k += 8) {
      this.setWord(dst * 4096 + k, this.wordLo(src * 4096 + k), this.wordHi(src * 4096 + k));
    }
    return true;
  }
  isFrameZero(pfn: number): boolean {
    if (!this.containsFrame(pfn)) return false;
    for (let wa = pfn * 4096; wa < pfn * 4096 + 4096; wa += 8) {
      if (this.wordLo(wa) !== 0 || this.wordHi(wa) !== 0) return false;
    }
    return true;
  }
}
