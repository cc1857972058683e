/**
 * {@link TranslatedAccess}: the sized loads, stores and fetches every CPU model builds on its `translate` — one
 * translation per page touched, a page-crossing access translated on both pages before any byte moves, and the
 * physical address checked against memory. Architecture-neutral: a CPU model supplies `translate` and how it
 * reports an address that is not memory (RISC-V: an access fault; x86-64: a machine check).
 *
 * @module
 */

import type { U64Pair } from './hardware.js';
import type { TranslationResult } from './mmu-hart.js';
import type { PhysicalMemory } from './physical-memory.js';

/** Internal sentinel of a page-crossing access (not an integer, so never a PA). */
const CROSSES = 0.5;

/**
 * The translated accesses of a CPU model, as a base class: `load8/16/32/64`, `fetch`, `store8/16/32/64`. Each
 * returns the value (or 0 for a store) or the negative fault code of `translate` / `memoryFault`.
 *
 * Semantics:
 * - an access inside one page translates once and touches memory with one sized read or write;
 * - an access that crosses into the next page translates both pages first, so a fault on the second page touches
 *   nothing, then moves its bytes one by one (little-endian), each to its own page's frame;
 * - a PA (range) that is not memory ends in `memoryFault(va, access)` with the VA of the first byte not in memory
 *   (the first byte of the access, or of its second page), and nothing is written.
 *
 * Never allocates or throws.
 */
export abstract class TranslatedAccess {
  /** The memory the CPU accesses. */
  abstract readonly memory: PhysicalMemory;

  /** Set by `locate` for a page-crossing access: PA of the first byte, of the second page, bytes in the first. */
  private firstPa = 0;
  private secondPa = 0;
  private splitAt = 0;

  /** Translates `va` for `access` (0 load, 1 store, 2 fetch): the PA, or a negative fault code. */
  abstract translate(va: number, access: number): TranslationResult;

  /** Reports that the PA of `va` is not memory; returns the negative fault code the access ends with. */
  protected abstract memoryFault(va: number, access: number): number;

  /**
   * Translates an access of `size` bytes and checks it is memory: the PA of its first byte, a negative fault, or
   * {@link CROSSES} for an access crossing a page boundary (both PAs left in `firstPa`/`secondPa`).
   */
  private locate(va: number, size: number, access: number): number {
    const pa = this.translate(va, access);
    if (pa < 0) return pa;
    const off = pa & 0xfff;
    if (off + size <= 4096) return this.memory.contains(pa, size) ? pa : this.memoryFault(va, access);
    const split = 4096 - off;
    const pa2 = this.translate(va + split, access);
    if (pa2 < 0) return pa2;
    if (!this.memory.contains(pa, split)) return this.memoryFault(va, access);
    if (!this.memory.contains(pa2, size - split)) return this.memoryFault(va + split, access);
    this.firstPa = pa;
    this.secondPa = pa2;
    this.splitAt = split;
    return CROSSES;
  }

  private byteAddress(k: number): number {
    return k < this.splitAt ? this.firstPa + k : this.secondPa + (k - this.splitAt);
  }

  private readSized(va: number, size: number, access: number): number {
    const pa = this.locate(va, size, access);
    if (pa < 0) return pa;
    const mem = this.memory;
    if (pa !== CROSSES) return size === 1 ? mem.read8(pa) : size === 2 ? mem.read16(pa) : mem.read32(pa);
    let value = 0;
    for (let k = 0; k < size; k++) value += mem.read8(this.byteAddress(k)) * 2 ** (8 * k);
    return value;
  }

  /** Loads a byte from `va`: the value (0..255) or a negative fault. */
  load8(va: number): number {
    return this.readSized(va, 1, 0);
  }
  /** Loads a little-endian 16-bit value: the value or a negative fault. */
  load16(va: number): number {
    return this.readSized(va, 2, 0);
  }
  /** Loads an unsigned little-endian 32-bit value: the value or a negative fault. */
  load32(va: number): number {
    return this.readSized(va, 4, 0);
  }
  /** Fetches the 32-bit little-endian instruction word at `va` (access type fetch): the word or a negative fault. */
  fetch(va: number): number {
    return this.readSized(va, 4, 2);
  }

  /** Loads a little-endian 64-bit value into `out` (two halves): 0, or a negative fault (and `out` unchanged). */
  load64(va: number, out: U64Pair): number {
    const pa = this.locate(va, 8, 0);
    if (pa < 0) return pa;
    if (pa !== CROSSES) {
      this.memory.read64(pa, out);
      return 0;
    }
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < 4; k++) lo += this.memory.read8(this.byteAddress(k)) * 2 ** (8 * k);
    for (let k = 0; k < 4; k++) hi += this.memory.read8(this.byteAddress(k + 4)) * 2 ** (8 * k);
    out.lo = lo;
    out.hi = hi;
    return 0;
  }

  /** Stores the low 8 bits of `value`: 0 or a negative fault. */
  store8(va: number, value: number): number {
    return this.writeSized(va, 1, value, 0);
  }
  /** Stores the low 16 bits of `value`, little-endian: 0 or a negative fault. */
  store16(va: number, value: number): number {
    return this.writeSized(va, 2, value, 0);
  }
  /** Stores the low 32 bits of `value`, little-endian: 0 or a negative fault. */
  store32(va: number, value: number): number {
    return this.writeSized(va, 4, value, 0);
  }
  /** Stores a little-endian 64-bit value given as halves: 0 or a negative fault; on a fault nothing is written. */
  store64(va: number, lo: number, hi: number): number {
    return this.writeSized(va, 8, lo, hi);
  }

  private writeSized(va: number, size: number, lo: number, hi: number): number {
    const pa = this.locate(va, size, 1);
    if (pa < 0) return pa;
    const mem = this.memory;
    lo >>>= 0;
    hi >>>= 0;
    if (pa !== CROSSES) {
      if (size === 1) mem.write8(pa, lo & 0xff);
      else if (size === 2) mem.write16(pa, lo & 0xffff);
      else if (size === 4) mem.write32(pa, lo);
      else mem.write64(pa, lo, hi);
      return 0;
    }
    for (let k = 0; k < size; k++) {
      mem.write8(this.byteAddress(k), k < 4 ? (lo >>> (8 * k)) & 0xff : (hi >>> (8 * (k - 4))) & 0xff);
    }
    return 0;
  }
}
