import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameFlag, FrameTable, FrameTableError, MAX_FRAME_COUNT_VALUE, NO_RMAP } from './frame-table.js';

const FIRST = 0x80000;

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FrameTableError);
    return (e as FrameTableError).kind;
  }
  return undefined;
}

describe('FrameTable', () => {
  it('starts every frame clear', () => {
    const t = new FrameTable({ firstFrame: FIRST, frameCount: 5000 });
    for (const p of [FIRST, FIRST + 1023, FIRST + 1024, FIRST + 4999]) {
      expect(t.refCount(p)).toBe(0);
      expect(t.mapCount(p)).toBe(0);
      expect(t.flags(p)).toBe(0);
      expect(t.rmap(p)).toBe(NO_RMAP);
      expect(t.isClear(p)).toBe(true);
    }
  });

  it('counts references and mappings per frame, independently', () => {
    const t = new FrameTable({ firstFrame: FIRST, frameCount: 3000 });
    const a = FIRST + 7;
    const b = FIRST + 2047;
    expect(t.incRef(a)).toBe(1);
    expect(t.incRef(a)).toBe(2);
    expect(t.incRef(b)).toBe(1);
    expect(t.incMap(a)).toBe(1);
    expect(t.refCount(a)).toBe(2);
    expect(t.refCount(b)).toBe(1);
    expect(t.mapCount(a)).toBe(1);
    expect(t.mapCount(b)).toBe(0);
    expect(t.refCount(a + 1)).toBe(0);
    expect(t.decRef(a)).toBe(1);
    expect(t.decMap(a)).toBe(0);
    expect(t.decRef(a)).toBe(0);
    expect(t.isClear(a)).toBe(true);
    expect(t.refCount(b)).toBe(1);
  });

  it('throws on under- and overflow and leaves the count unchanged', () => {
    const t = new FrameTable({ firstFrame: FIRST, frameCount: 10 });
    expect(kindOf(() => t.decRef(FIRST))).toBe('ref-underflow');
    expect(kindOf(() => t.decMap(FIRST))).toBe('map-underflow');
    expect(t.refCount(FIRST)).toBe(0);
    expect(t.mapCount(FIRST)).toBe(0);
    t.setRefCount(FIRST + 1, MAX_FRAME_COUNT_VALUE);
    t.setMapCount(FIRST + 2, MAX_FRAME_COUNT_VALUE);
    expect(kindOf(() => t.incRef(FIRST + 1))).toBe('ref-overflow');
    expect(kindOf(() => t.incMap(FIRST + 2))).toBe('map-overflow');
    expect(t.refCount(FIRST + 1)).toBe(MAX_FRAME_COUNT_VALUE);
    expect(t.mapCount(FIRST + 2)).toBe(MAX_FRAME_COUNT_VALUE);
    expect(t.decRef(FIRST + 1)).toBe(MAX_FRAME_COUNT_VALUE - 1);
    expect(kindOf(() => t.setRefCount(FIRST, -1))).toBe('bad-value');
    expect(kindOf(() => t.setMapCount(FIRST, 2 ** 31))).toBe('bad-value');
    expect(t.refCount(FIRST)).toBe(0);
  });

  it('incRefOwned adds a reference only to an owned frame, else throws and changes nothing', () => {
    const t = new FrameTable({ firstFrame: FIRST, frameCount: 3000 });
    const a = FIRST + 1500;
    expect(kindOf(() => t.incRefOwned(a))).toBe('not-owned');
    expect(t.isClear(a)).toBe(true);
    t.incRef(a);
    expect(t.incRefOwned(a)).toBe(2);
    expect(t.refCount(a)).toBe(2);
    expect(t.refCount(a + 1)).toBe(0);
    t.setRefCount(a, MAX_FRAME_COUNT_VALUE);
    expect(kindOf(() => t.incRefOwned(a))).toBe('ref-overflow');
    expect(t.refCount(a)).toBe(MAX_FRAME_COUNT_VALUE);
    expect(kindOf(() => t.incRefOwned(FIRST + 3000))).toBe('out-of-range');
  });

  it('sets, tests and clears flags without disturbing other bits', () => {
    const t = new FrameTable({ firstFrame: FIRST, frameCount: 10 });
    const p = FIRST + 3;
    t.setFlags(p, FrameFlag.PageTable | FrameFlag.Pinned);
    expect(t.hasFlags(p, FrameFlag.PageTable)).toBe(true);
    expect(t.hasFlags(p, FrameFlag.PageTable | FrameFlag.Pinned)).toBe(true);
    expect(t.hasFlags(p, FrameFlag.PageTable | FrameFlag.Locked)).toBe(false);
    t.setFlags(p, 1 << 20);
    t.clearFlags(p, FrameFlag.Pinned);
    expect(t.flags(p)).toBe(FrameFlag.PageTable | (1 << 20));
    t.clearFlags(FIRST + 9, FrameFlag.Locked);
    expect(t.flags(FIRST + 9)).toBe(0);
    expect(kindOf(() => t.setFlags(p, -1))).toBe('bad-value');
    expect(kindOf(() => t.setFlags(p, 0.5))).toBe('bad-value');
    expect(t.flags(p)).toBe(FrameFlag.PageTable | (1 << 20));
  });

  it('keeps an rmap slot and resets everything', () => {
    const t = new FrameTable({ firstFrame: FIRST, frameCount: 10 });
    const p = FIRST;
    t.setRmap(p, 0);
    expect(t.rmap(p)).toBe(0);
    t.setRmap(p, 12345);
    t.incRef(p);
    t.incMap(p);
    t.setFlags(p, FrameFlag.Anon);
    expect(t.isClear(p)).toBe(false);
    expect(kindOf(() => t.setRmap(p, -2))).toBe('bad-value');
    expect(kindOf(() => t.setRmap(p, 2 ** 31))).toBe('bad-value');
    expect(t.rmap(p)).toBe(12345);
    t.reset(p);
    expect(t.isClear(p)).toBe(true);
    t.reset(FIRST + 5);
    expect(t.isClear(FIRST + 5)).toBe(true);
  });

  it('rejects frames outside its range on every entry point', () => {
    const t = new FrameTable({ firstFrame: FIRST, frameCount: 10 });
    for (const p of [FIRST - 1, FIRST + 10, FIRST + 0.5, Number.NaN]) {
      expect(t.contains(p)).toBe(false);
      expect(kindOf(() => t.refCount(p))).toBe('out-of-range');
      expect(kindOf(() => t.incRef(p))).toBe('out-of-range');
      expect(kindOf(() => t.incMap(p))).toBe('out-of-range');
      expect(kindOf(() => t.setFlags(p, 1))).toBe('out-of-range');
      expect(kindOf(() => t.setRmap(p, 1))).toBe('out-of-range');
      expect(kindOf(() => t.reset(p))).toBe('out-of-range');
    }
  });

  it('rejects bad configurations', () => {
    expect(() => new FrameTable({ firstFrame: -1, frameCount: 1 })).toThrow(RangeError);
    expect(() => new FrameTable({ firstFrame: 0, frameCount: 0 })).toThrow(RangeError);
    expect(() => new FrameTable({ firstFrame: 0, frameCount: 2 ** 33 })).toThrow(RangeError);
  });

  it('describes 64 GiB of RAM (16 Mi frames) lazily', () => {
    const t = new FrameTable({ firstFrame: FIRST, frameCount: 2 ** 24 });
    const last = FIRST + 2 ** 24 - 1;
    expect(t.incRef(last)).toBe(1);
    expect(t.refCount(last)).toBe(1);
    expect(t.refCount(last - 1)).toBe(0);
  });

  it('matches a map model under random count updates', () => {
    type Op = { frame: number; field: 'ref' | 'map'; up: boolean };
    const op = fc.record({
      frame: fc.integer({ min: 0, max: 2100 }),
      field: fc.constantFrom<'ref' | 'map'>('ref', 'map'),
      up: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops: Op[]) => {
        const t = new FrameTable({ firstFrame: FIRST, frameCount: 2101 });
        const model = new Map<string, number>();
        for (const o of ops) {
          const key = `${o.field}${o.frame}`;
          const cur = model.get(key) ?? 0;
          const p = FIRST + o.frame;
          if (o.up) {
            expect(o.field === 'ref' ? t.incRef(p) : t.incMap(p)).toBe(cur + 1);
            model.set(key, cur + 1);
          } else if (cur === 0) {
            expect(kindOf(() => (o.field === 'ref' ? t.decRef(p) : t.decMap(p)))).toBe(
              `${o.field}-underflow`,
            );
          } else {
            expect(o.field === 'ref' ? t.decRef(p) : t.decMap(p)).toBe(cur - 1);
            model.set(key, cur - 1);
          }
        }
        for (let f = 0; f <= 2100; f += 7) {
          expect(t.refCount(FIRST + f)).toBe(model.get(`ref${f}`) ?? 0);
          expect(t.mapCount(FIRST + f)).toBe(model.get(`map${f}`) ?? 0);
        }
      }),
      { numRuns: 50, seed: 3 },
    );
  });
});
