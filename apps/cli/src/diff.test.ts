import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines } from './diff.js';

describe('diffLines', () => {
  it('marks a split VMA as one removal and two additions', () => {
    const d = diffLines(['a', 'b rw-p', 'c'], ['a', 'b1 rw-p', 'b2 r--p', 'c']);
    expect(d).toEqual([
      { op: ' ', text: 'a' },
      { op: '-', text: 'b rw-p' },
      { op: '+', text: 'b1 rw-p' },
      { op: '+', text: 'b2 r--p' },
      { op: ' ', text: 'c' },
    ]);
  });

  it('replays: the kept and added lines are `after`, the kept and removed lines are `before`', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 12 });
    fc.assert(
      fc.property(lines, lines, (before, after) => {
        const d = diffLines(before, after);
        expect(d.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(before);
        expect(d.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(after);
        // Minimal: the kept lines are as many as a longest common subsequence (computed here by plain recursion).
        const memo = new Map<string, number>();
        const lcs = (i: number, j: number): number => {
          if (i === before.length || j === after.length) return 0;
          const key = `${i},${j}`;
          let v = memo.get(key);
          if (v === undefined) {
            v = before[i] === after[j] ? 1 + lcs(i + 1, j + 1) : Math.max(lcs(i + 1, j), lcs(i, j + 1));
            memo.set(key, v);
          }
          return v;
        };
        expect(d.filter((l) => l.op === ' ').length).toBe(lcs(0, 0));
      }),
    );
  });
});
