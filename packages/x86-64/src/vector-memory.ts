/**
 * {@link X86VectorMemory}: the physical memory of the machine that recorded the x86-64 conformance vectors
 * (`conformance/FORMAT.md`), computed by formula with an overlay for the words written.
 *
 * @module
 */

import type { PhysicalMemory, U64Pair } from '@pagewright/core';

/** First byte of the page-table region (initially zero). */
export const X86_VECTOR_PT_BASE = 0x200_0000;
/** First byte of the data region (each 8-byte word holds its own address). */
export const X86_VECTOR_DATA_BASE = 0x220_0000;
/** First byte of the code region (`mov $k, %eax ; int $0x80 ; nop` in slot k). */
export const X86_VECTOR_CODE_BASE = 0x240_0000;
/** One past the last byte of memory. */
export const X86_VECTOR_MEMORY_END = 0x260_0000;

/**
 * The vector machine's RAM, `[0x2000000, 0x2600000)`: PT zero, DATA word at PA = PA, CODE word at PA =
 * `0x9080cd00000000b8 | (k << 8)` with `k = (PA - 0x2400000) / 8`. Words never written come from the formula;
 * writes go to an overlay, so {@link X86VectorMemory.reset} (a fresh case) only clears it. Everything outside the
 * three regions is not memory. (It is not a zero-initialised RAM: it models that machine, not a `PhysicalMemory`
 * to allocate from.)
 */
export class X86VectorMemory implements PhysicalMemory {
  readonly base = X86_VECTOR_PT_BASE;
  readonly size = X86_VECTOR_MEMORY_END - X86_VECTOR_PT_BASE;
  readonly baseFrame = X86_VECTOR_PT_BASE / 4096;
  readonly frameCount = (X86_VECTOR_MEMORY_END - X86_VECTOR_PT_BASE) / 4096;
  /** Word address → [lo, hi] of every word written. */
  private readonly overlay = new Map<number, [number, number]>();

  /** Forgets every write. */
  reset(): void {
    this.overlay.clear();
  }

  private lo(wa: number): number {
    const o = this.overlay.get(wa);
    if (o !== undefined) return o[0];
    if (wa < X86_VECTOR_DATA_BASE) return 0;
    if (wa < X86_VECTOR_CODE_BASE) return wa >>> 0;
    return (0xb8 | (((wa - X86_VECTOR_CODE_BASE) / 8) << 8)) >>> 0;
  }

  private hi(wa: number): number {
    const o = this.overlay.get(wa);
    if (o !== undefined) return o[1];
    return wa < X86_VECTOR_CODE_BASE ? 0 : 0x9080_cd00;
  }

  private setWord(wa: number, lo: number, hi: number): void {
    this.overlay.set(wa, [lo >>> 0, hi >>> 0]);
  }

  private byteAt(pa: number): number {
    const off = pa % 8;
    const wa = pa - off;
    return ((off < 4 ? this.lo(wa) : this.hi(wa)) >>> (8 * (off % 4))) & 0xff;
  }

  private setByte(pa: number, value: number): void {
    const off = pa % 8;
    const wa = pa - off;
    let lo = this.lo(wa);
    let hi = this.hi(wa);
    const shift = 8 * (off % 4);
    if (off < 4) lo = (lo & ~(0xff << shift)) | ((value & 0xff) << shift);
    else hi = (hi & ~(0xff << shift)) | ((value & 0xff) << shift);
    this.setWord(wa, lo, hi);
  }

  contains(pa: number, len: number): boolean {
    return (
      Number.isInteger(pa) &&
      Number.isInteger(len) &&
      len >= 0 &&
      pa >= X86_VECTOR_PT_BASE &&
      pa + len <= X86_VECTOR_MEMORY_END
    );
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
    for (let k = 0; k < n; k++) this.setByte(pa + k, Math.floor(value / 2 ** (8 * k)) & 0xff);
    return true;
  }

  read8(pa: number): number {
    return this.readN(pa, 1);
  }
  read16(pa: number): number {
    return this.readN(pa, 2);
  }
  read32(pa: number): number {
    return this.readN(pa, 4);
  }
  read64(pa: number, out: U64Pair): boolean {
    if (!this.contains(pa, 8)) return false;
    if (pa % 8 === 0) {
      out.lo = this.lo(pa);
      out.hi = this.hi(pa);
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
    return this.writeN(pa, 4, value >>> 0);
  }
  write64(pa: number, lo: number, hi: number): boolean {
    if (!this.contains(pa, 8)) return false;
    if (pa % 8 === 0) this.setWord(pa, lo, hi);
    else {
      this.writeN(pa, 4, lo >>> 0);
      this.writeN(pa + 4, 4, hi >>> 0);
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
    for (let k = 0; k < 4096; k += 8)
      this.setWord(dst * 4096 + k, this.lo(src * 4096 + k), this.hi(src * 4096 + k));
    return true;
  }
  isFrameZero(pfn: number): boolean {
    if (!this.containsFrame(pfn)) return false;
    for (let wa = pfn * 4096; wa < pfn * 4096 + 4096; wa += 8) {
      if (this.lo(wa) !== 0 || this.hi(wa) !== 0) return false;
    }
    return true;
  }
}
