/**
 * {@link X86VectorMemory}: the physical memory of the machine that recorded the x86-64 conformance vectors
 * (`conformance/FORMAT.md`), computed by formula with an overlay for the words written.
 *
 * @module
 */

import { FormulaMemory } from '@pagewright/core';

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
export class X86VectorMemory extends FormulaMemory {
  constructor() {
    super(X86_VECTOR_PT_BASE, X86_VECTOR_MEMORY_END);
  }

  protected initialLo(wa: number): number {
    if (wa < X86_VECTOR_DATA_BASE) return 0;
    if (wa < X86_VECTOR_CODE_BASE) return wa >>> 0;
    return (0xb8 | (((wa - X86_VECTOR_CODE_BASE) / 8) << 8)) >>> 0;
  }

  protected initialHi(wa: number): number {
    return wa < X86_VECTOR_CODE_BASE ? 0 : 0x9080_cd00;
  }
}
