import { createRng } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { MappingTree } from '../src/index.js';

describe('MappingTree', () => {
  it('finds exactly the mappings overlapping a page range, in order', () => {
    const t = new MappingTree<string>();
    t.insert('a', 0, 4);
    t.insert('b', 2, 3);
    t.insert('c', 10, 20);
    expect(t.overlapping(3, 10).map((m) => m.handle)).toEqual(['a']);
    expect(t.overlapping(2, 11).map((m) => m.handle)).toEqual(['a', 'b', 'c']);
    expect(t.overlapping(4, 10)).toEqual([]);
    expect(t.overlapping(5, 5)).toEqual([]);
    expect(t.update('b', 30, 31)).toBe(true);
    expect(t.overlapping(0, 100).map((m) => m.handle)).toEqual(['a', 'c', 'b']);
    expect(t.remove('a')).toBe(true);
    expect(t.remove('a')).toBe(false);
    expect(t.size).toBe(2);
  });

  it('refuses duplicates and bad ranges without changing', () => {
    const t = new MappingTree<string>();
    t.insert('a', 0, 4);
    expect(() => t.insert('a', 5, 6)).toThrow(RangeError);
    expect(() => t.insert('b', 4, 4)).toThrow(RangeError);
    expect(() => t.insert('b', -1, 4)).toThrow(RangeError);
    expect(() => t.update('a', 3, 2)).toThrow(RangeError);
    expect(t.all()).toEqual([{ handle: 'a', firstPage: 0, endPage: 4 }]);
  });

  it('agrees with a scan on random inserts, removes and queries', () => {
    const rng = createRng(3);
    const t = new MappingTree<number>();
    const model = new Map<number, [number, number]>();
    for (let step = 0; step < 2000; step++) {
      const h = rng.nextInt(40);
      if (model.has(h) && rng.nextInt(2) === 0) {
        t.remove(h);
        model.delete(h);
      } else if (!model.has(h)) {
        const a = rng.nextInt(100);
        const b = a + 1 + rng.nextInt(20);
        t.insert(h, a, b);
        model.set(h, [a, b]);
      }
      const qa = rng.nextInt(120);
      const qb = qa + rng.nextInt(30);
      const want = qb > qa ? [...model].filter(([, [a, b]]) => a < qb && qa < b).map(([k]) => k) : [];
      expect(
        t
          .overlapping(qa, qb)
          .map((m) => m.handle)
          .sort((x, y) => x - y),
      ).toEqual(want.sort((x, y) => x - y));
    }
  });
});
