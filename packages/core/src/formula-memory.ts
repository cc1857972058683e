/**
 * {@link FormulaMemory}: a {@link PhysicalMemory} whose words never written are computed by a formula, with an
 * overlay for the words written — the memory of a recorded test machine (conformance vectors), where every case
 * starts from the same initial contents and resetting must cost nothing.
 *
 * @module
 */

import type { U64Pair } from './hardware.js';
import type { PhysicalMemory } from './physical-memory.js';

/**
 * Memory `[base, end)` whose initial 8-byte word at every 8-aligned address `wa` is `(initialHi(wa), initialLo(wa))`
 * (a subclass supplies the formula). Writes go to an overlay, a map from word address to its two halves, so
 * {@link FormulaMemory.reset} (back to the initial contents) only clears the map. Everything outside `[base, end)`
 * is not memory: reads return -1 / false, writes false, as the `PhysicalMemory` contract says.
 *
 * It is not a zero-initialised RAM (it models a machine's initial contents, not memory to allocate from), so it
 * does not pass the contract's zero-initial rule unless the formula is zero. Little-endian, unaligned and
 * frame-crossing accesses allowed. Cold: a test fixture, not a hot path.
 */
export abstract class FormulaMemory implements PhysicalMemory {
  readonly base: number;
  readonly size: number;
  readonly baseFrame: number;
  readonly frameCount: number;
  private readonly end: number;
  /** Word address → [lo, hi] of every word written. */
  private readonly overlay = new Map<number, [number, number]>();

  /**
   * @param base - first byte (4096-aligned)
   * @param end - the byte after the last (4096-aligned)
   */
  constructor(base: number, end: number) {
    this.base = base;
    this.end = end;
    this.size = end - base;
    this.baseFrame = base / 4096;
    this.frameCount = (end - base) / 4096;
  }

  /**
   * A memory whose initial words are `(hi(wa), lo(wa))`, without writing a subclass (for tests and small fixtures).
   * @param base - first byte (4096-aligned)
   * @param end - the byte after the last (4096-aligned)
   */
  static of(
    base: number,
    end: number,
    lo: (wa: number) => number,
    hi: (wa: number) => number = () => 0,
  ): FormulaMemory {
    return new (class extends FormulaMemory {
      protected initialLo(wa: number): number {
        return lo(wa);
      }
      protected initialHi(wa: number): number {
        return hi(wa);
      }
    })(base, end);
  }

  /** Bits 31:0 of the initial word at 8-aligned `wa` (inside memory). */
  protected abstract initialLo(wa: number): number;
  /** Bits 63:32 of the initial word at 8-aligned `wa` (inside memory). */
  protected abstract initialHi(wa: number): number;

  /** Forgets every write: memory is back to its initial contents. */
  reset(): void {
    this.overlay.clear();
  }

  private lo(wa: number): number {
    const o = this.overlay.get(wa);
    return o !== undefined ? o[0] : this.initialLo(wa) >>> 0;
  }

  private hi(wa: number): number {
    const o = this.overlay.get(wa);
    return o !== undefined ? o[1] : this.initialHi(wa) >>> 0;
  }

  private setWord(wa: number, lo: number, hi: number): void {
    const o = this.overlay.get(wa);
    if (o !== undefined) {
      o[0] = lo >>> 0;
      o[1] = hi >>> 0;
    } else this.overlay.set(wa, [lo >>> 0, hi >>> 0]);
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
    const mask = ~(0xff << shift);
    if (off < 4) lo = (lo & mask) | ((value & 0xff) << shift);
    else hi = (hi & mask) | ((value & 0xff) << shift);
    this.setWord(wa, lo, hi);
  }

  contains(pa: number, len: number): boolean {
    return (
      Number.isInteger(pa) && Number.isInteger(len) && len >= 0 && pa >= this.base && pa + len <= this.end
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
    const v = value >>> 0;
    for (let k = 0; k < n; k++) this.setByte(pa + k, (v >>> (8 * k)) & 0xff);
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
      return pa === wa ? this.lo(wa) : this.hi(wa);
    }
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
