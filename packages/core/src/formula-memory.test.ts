import { describe, expect, it } from 'vitest';
import { FormulaMemory } from './formula-memory.js';
import { assertContract } from './testing/kit.js';
import { checkPhysicalMemory } from './testing/physical-memory-kit.js';

/** Each word initially holds its own address in the low half and 0xabcd in the high half. */
const addressMemory = (base: number, end: number) =>
  FormulaMemory.of(
    base,
    end,
    (wa) => wa,
    () => 0xabcd,
  );

describe('FormulaMemory', () => {
  it('with a zero formula keeps the PhysicalMemory contract', () => {
    assertContract(
      checkPhysicalMemory((layout) => FormulaMemory.of(layout.base, layout.base + layout.size, () => 0), {
        name: 'FormulaMemory(zero)',
      }),
    );
  });

  it('reads the formula until written, and reset restores it', () => {
    const m = addressMemory(0x1000, 0x3000);
    expect(m.baseFrame).toBe(1);
    expect(m.frameCount).toBe(2);
    const out = { lo: 0, hi: 0 };
    expect(m.read64(0x1008, out)).toBe(true);
    expect(out).toEqual({ lo: 0x1008, hi: 0xabcd });
    expect(m.read32(0x100c)).toBe(0xabcd);
    expect(m.read8(0x1009)).toBe(0x10);
    expect(m.write16(0x1009, 0xbeef)).toBe(true);
    expect(m.read32(0x1008)).toBe(0xbeef08);
    expect(m.isFrameZero(1)).toBe(false);
    m.reset();
    expect(m.read32(0x1008)).toBe(0x1008);
    expect(m.copyFrame(2, 1)).toBe(true);
    expect(m.read32(0x2008)).toBe(0x1008);
    expect(m.zeroFrame(2) && m.isFrameZero(2)).toBe(true);
  });

  it('refuses every access outside [base, end) and changes nothing', () => {
    const m = addressMemory(0x1000, 0x2000);
    expect(m.read8(0x2000)).toBe(-1);
    expect(m.write64(0x1ffc, 1, 2)).toBe(false);
    expect(m.read32(0x1ffc)).toBe(0xabcd);
    expect(m.contains(0x1000, 0.5)).toBe(false);
    expect(m.containsFrame(2)).toBe(false);
  });
});
