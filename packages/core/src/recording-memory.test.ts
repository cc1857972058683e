import { describe, expect, it } from 'vitest';
import { FormulaMemory } from './formula-memory.js';
import { RecordingMemory } from './recording-memory.js';

describe('RecordingMemory', () => {
  it('records reads, keeps writes to itself, and a re-read sees its own write', () => {
    const inner = FormulaMemory.of(
      0x1000,
      0x2000,
      (wa) => wa,
      () => 7,
    );
    const rec = new RecordingMemory(inner);
    const out = { lo: 0, hi: 0 };
    expect(rec.read64(0x1010, out)).toBe(true);
    expect(rec.read64(0x3000, out)).toBe(false);
    expect(rec.reads).toEqual([
      { pa: 0x1010, ok: true, lo: 0x1010, hi: 7 },
      { pa: 0x3000, ok: false, lo: 0, hi: 0 },
    ]);
    expect(rec.write64(0x1010, 0xffff_ffff, 1)).toBe(true);
    expect(rec.write64(0x3000, 1, 1)).toBe(false);
    expect(rec.writes).toEqual([{ pa: 0x1010, lo: 0xffff_ffff, hi: 1 }]);
    expect(rec.read64(0x1010, out)).toBe(true);
    expect(out).toEqual({ lo: 0xffff_ffff, hi: 1 });
    expect(rec.reads.length).toBe(2);
    expect(rec.firstRead(0x1010)?.lo).toBe(0x1010);
    // The memory underneath never changed.
    expect(inner.read32(0x1010)).toBe(0x1010);
    expect(rec.write8(0x1010) && rec.fill(0x1000, 16) && rec.zeroFrame(1)).toBe(true);
    expect(inner.read8(0x1000)).toBe(0);
    expect(inner.read8(0x1001)).toBe(0x10);
  });
});
