/**
 * {@link VectorMachineMemory}: the physical memory of the machine that produced the Sv39/Sv48 conformance vectors
 * (`conformance/FORMAT.md`), computed by formula with an overlay for writes.
 *
 * @module
 */

import { FormulaMemory } from '@pagewright/core';

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
 * Words never written are computed from that formula; writes go to an overlay (core's `FormulaMemory`), so a fresh
 * case costs nothing: {@link VectorMachineMemory.reset} just clears the overlay.
 * Everything outside the three regions is "not memory" (reads return -1 / false).
 */
export class VectorMachineMemory extends FormulaMemory {
  constructor() {
    super(VECTOR_PT_BASE, VECTOR_MEMORY_END);
  }

  protected initialLo(wa: number): number {
    if (wa < VECTOR_DATA_BASE) return 0;
    if (wa < VECTOR_CODE_BASE) return wa >>> 0;
    const k = (wa - VECTOR_CODE_BASE) / 8;
    return ((k << 12) | 0x537) >>> 0;
  }

  protected initialHi(wa: number): number {
    return wa < VECTOR_CODE_BASE ? 0 : 0x73;
  }
}
