import { describe, expect, it } from 'vitest';
import { createRng } from './rng.js';

describe('Rng', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const sa = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(sa);
  });

  it('gives values in range with a roughly uniform spread', () => {
    const r = createRng(7);
    const counts = new Array(10).fill(0);
    let outOfRange = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = r.nextInt(10);
      if (!(x >= 0 && x < 10)) outOfRange++;
      else counts[x]++;
    }
    expect(outOfRange).toBe(0);
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
    const f = r.nextFloat();
    expect(f >= 0 && f < 1).toBe(true);
  });

  it('refuses a bad bound', () => {
    expect(() => createRng(1).nextInt(0)).toThrow(RangeError);
    expect(() => createRng(1).nextInt(1.5)).toThrow(RangeError);
  });

  it('forks an independent, reproducible stream', () => {
    const x = createRng(5).fork();
    const y = createRng(5).fork();
    expect(x.nextU32()).toBe(y.nextU32());
  });
});
