/**
 * The conformance suite every `FrameAllocator` here passes: the core contract kit (`checkFrameAllocator`), plain and
 * behind the run-time checker, plus what the kit leaves to implementations (blocks at an unaligned first frame up to
 * order 6, and a property-based run against a model). Adding an allocator is one line in `FACTORIES`.
 */
import { type FrameAllocator, FrameError, type FrameErrorKind, NO_FRAME } from '@pagewright/core';
import { assertContract, checkFrameAllocator } from '@pagewright/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitmapFrameAllocator } from './bitmap-allocator.js';
import { BuddyFrameAllocator } from './buddy-allocator.js';
import { CheckedFrameAllocator } from './checked-frame-allocator.js';
import { FailingAllocator } from './failing-allocator.js';
import { StackFrameAllocator } from './stack-allocator.js';

interface Factory {
  name: string;
  make(firstFrame: number, frameCount: number): FrameAllocator;
  /**
   * True when `allocContiguous(order)` fails only if no aligned run of 2^order free frames exists (bitmap, buddy).
   * False when it may fail earlier (the stack allocator carves blocks from its bump pointer only).
   */
  exactContiguous: boolean;
}

const FACTORIES: Factory[] = [
  {
    name: 'stack',
    make: (f, n) => new StackFrameAllocator({ firstFrame: f, frameCount: n }),
    exactContiguous: false,
  },
  {
    name: 'bitmap',
    make: (f, n) => new BitmapFrameAllocator({ firstFrame: f, frameCount: n }),
    exactContiguous: true,
  },
  {
    name: 'buddy',
    make: (f, n) => new BuddyFrameAllocator({ firstFrame: f, frameCount: n }),
    exactContiguous: true,
  },
  // The fault-injection wrapper, unarmed, must be indistinguishable from what it wraps.
  {
    name: 'buddy (no cache)',
    make: (f, n) => new BuddyFrameAllocator({ firstFrame: f, frameCount: n, cacheSize: 0 }),
    exactContiguous: true,
  },
  {
    name: 'buddy (cache of 3)',
    make: (f, n) => new BuddyFrameAllocator({ firstFrame: f, frameCount: n, cacheSize: 3 }),
    exactContiguous: true,
  },
  {
    name: 'failing(buddy)',
    make: (f, n) => new FailingAllocator(new BuddyFrameAllocator({ firstFrame: f, frameCount: n })),
    exactContiguous: true,
  },
  {
    name: 'failing(bitmap)',
    make: (f, n) => new FailingAllocator(new BitmapFrameAllocator({ firstFrame: f, frameCount: n })),
    exactContiguous: true,
  },
  {
    name: 'failing(stack)',
    make: (f, n) => new FailingAllocator(new StackFrameAllocator({ firstFrame: f, frameCount: n })),
    exactContiguous: false,
  },
];

/** RAM frame numbers of the RISC-V `virt` machine, aligned and not. */
const ALIGNED_FIRST = 0x80000;
const UNALIGNED_FIRST = 0x80003;

function expectFrameError(fn: () => void, kind: FrameErrorKind): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(FrameError);
  expect((caught as FrameError).kind).toBe(kind);
}

function snapshot(a: FrameAllocator): boolean[] {
  const out: boolean[] = [];
  for (let p = a.firstFrame - 2; p < a.firstFrame + a.totalFrames + 2; p++) out.push(a.isAllocated(p));
  return out;
}

function drain(a: FrameAllocator): number[] {
  const got: number[] = [];
  for (let p = a.alloc(); p !== NO_FRAME; p = a.alloc()) got.push(p);
  return got;
}

describe.each(FACTORIES)('FrameAllocator conformance: $name', ({ name, make, exactContiguous }) => {
  it('keeps every rule of the FrameAllocator contract kit', () => {
    assertContract(checkFrameAllocator((r) => make(r.firstFrame, r.frameCount), { name }));
  });

  it('keeps every rule behind the run-time contract checker, which never objects to it', () => {
    assertContract(
      checkFrameAllocator((r) => new CheckedFrameAllocator(make(r.firstFrame, r.frameCount)), {
        name: `checked(${name})`,
      }),
    );
  });

  it('reports its range and starts all free', () => {
    const a = make(UNALIGNED_FIRST, 100);
    expect(a.firstFrame).toBe(UNALIGNED_FIRST);
    expect(a.totalFrames).toBe(100);
    expect(a.freeFrames).toBe(100);
    expect(a.name.length).toBeGreaterThan(0);
    expect(a.maxOrder).toBeGreaterThanOrEqual(0);
    expect(a.isAllocated(UNALIGNED_FIRST)).toBe(false);
  });

  it.each([ALIGNED_FIRST, UNALIGNED_FIRST])(
    'hands out every frame exactly once, then NO_FRAME (first frame %i)',
    (first) => {
      const a = make(first, 77);
      const got = drain(a);
      expect(got.length).toBe(77);
      expect(new Set(got).size).toBe(77);
      expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: 77 }, (_, i) => first + i));
      for (const p of got) expect(a.isAllocated(p)).toBe(true);
      expect(a.freeFrames).toBe(0);
      expect(a.alloc()).toBe(NO_FRAME);
      expect(a.allocContiguous(0)).toBe(NO_FRAME);
      expect(a.allocContiguous(1)).toBe(NO_FRAME);
      expect(a.isAllocated(first - 1)).toBe(false);
      expect(a.isAllocated(first + 77)).toBe(false);
    },
  );

  it('gives every freed frame back, and recovers from exhaustion', () => {
    const a = make(ALIGNED_FIRST, 50);
    const got = drain(a);
    const freed = got.filter((_, i) => i % 3 === 0);
    for (const p of freed) a.free(p);
    expect(a.freeFrames).toBe(freed.length);
    for (const p of freed) expect(a.isAllocated(p)).toBe(false);
    const again = drain(a);
    expect([...again].sort((x, y) => x - y)).toEqual([...freed].sort((x, y) => x - y));
    for (const p of got) a.free(p);
    expect(a.freeFrames).toBe(50);
    expect(drain(a).length).toBe(50);
  });

  it.each([ALIGNED_FIRST, UNALIGNED_FIRST])('aligns contiguous blocks (first frame %i)', (first) => {
    const a = make(first, 300);
    const held: [number, number][] = [];
    let used = 0;
    for (const order of [0, 1, 2, 3, 4, 5, 6, 2, 1]) {
      const p = a.allocContiguous(order);
      expect(p).not.toBe(NO_FRAME);
      expect(p % 2 ** order).toBe(0);
      expect(p).toBeGreaterThanOrEqual(first);
      expect(p + 2 ** order).toBeLessThanOrEqual(first + 300);
      for (let i = 0; i < 2 ** order; i++) expect(a.isAllocated(p + i)).toBe(true);
      used += 2 ** order;
      expect(a.freeFrames).toBe(300 - used);
      held.push([p, order]);
    }
    const frames = held.flatMap(([p, o]) => Array.from({ length: 2 ** o }, (_, i) => p + i));
    expect(new Set(frames).size).toBe(frames.length);
    for (const [p, o] of held) a.free(p, o);
    expect(a.freeFrames).toBe(300);
    for (const p of frames) expect(a.isAllocated(p)).toBe(false);
  });

  it('refuses orders it cannot serve with NO_FRAME, never a throw', () => {
    const a = make(ALIGNED_FIRST, 64);
    expect(a.allocContiguous(a.maxOrder + 1)).toBe(NO_FRAME);
    expect(a.allocContiguous(-1)).toBe(NO_FRAME);
    expect(a.allocContiguous(1.5)).toBe(NO_FRAME);
    expect(a.allocContiguous(Number.NaN)).toBe(NO_FRAME);
    expect(a.allocContiguous(7)).toBe(NO_FRAME); // 128 frames > 64
    expect(a.freeFrames).toBe(64);
  });

  it('rejects bad frees with a typed error and changes nothing', () => {
    const a = make(ALIGNED_FIRST, 64);
    const single = a.alloc();
    const block = a.allocContiguous(2);
    expect(block).not.toBe(NO_FRAME);
    const other = a.alloc();
    a.free(other);
    let never = ALIGNED_FIRST;
    while (a.isAllocated(never) || never === other) never++;
    const before = snapshot(a);
    const free = a.freeFrames;
    const cases: [() => void, FrameErrorKind][] = [
      [() => a.free(ALIGNED_FIRST - 1), 'out-of-range'],
      [() => a.free(ALIGNED_FIRST + 64), 'out-of-range'],
      [() => a.free(Number.NaN), 'out-of-range'],
      [() => a.free(single + 0.5), 'out-of-range'],
      [() => a.free(never), 'not-allocated'],
      [() => a.free(other), 'double-free'],
      [() => a.free(block, 1), 'wrong-order'],
      [() => a.free(block, 0), 'wrong-order'],
      [() => a.free(block, 3), block % 8 === 0 ? 'wrong-order' : 'misaligned'],
      [() => a.free(block, a.maxOrder + 1), 'wrong-order'],
      [() => a.free(block, -1), 'wrong-order'],
      [() => a.free(block + 1, 1), 'misaligned'],
      [() => a.free(block + 1, 0), 'not-allocated'],
      [() => a.free(single, 1), single % 2 === 0 ? 'wrong-order' : 'misaligned'],
      [() => a.free(ALIGNED_FIRST, 7), 'out-of-range'],
    ];
    for (const [fn, kind] of cases) {
      expectFrameError(fn, kind);
      expect(a.freeFrames).toBe(free);
      expect(snapshot(a)).toEqual(before);
    }
    a.free(single);
    a.free(block, 2);
    expectFrameError(() => a.free(block, 2), 'double-free');
    expectFrameError(() => a.free(single), 'double-free');
    expect(a.freeFrames).toBe(64);
    expect(drain(a).length).toBe(64);
  });

  it('matches a trivial model under random alloc/free sequences', () => {
    type Op =
      | { t: 'alloc' }
      | { t: 'contig'; order: number }
      | { t: 'free'; pick: number }
      | { t: 'bad'; offset: number; order: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.constant<Op>({ t: 'alloc' }) },
      { weight: 2, arbitrary: fc.integer({ min: 0, max: 5 }).map<Op>((order) => ({ t: 'contig', order })) },
      { weight: 4, arbitrary: fc.nat().map<Op>((pick) => ({ t: 'free', pick })) },
      {
        weight: 1,
        arbitrary: fc
          .record({ offset: fc.integer({ min: -2, max: 70 }), order: fc.integer({ min: 0, max: 3 }) })
          .map<Op>((r) => ({ t: 'bad', ...r })),
      },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(ALIGNED_FIRST, UNALIGNED_FIRST, 5),
        fc.integer({ min: 1, max: 100 }),
        fc.array(op, { maxLength: 120 }),
        (first, total, ops) => {
          const a = make(first, total);
          const owner = new Map<number, number>(); // frame -> head of its block
          const held: [number, number][] = [];
          const hasAlignedRun = (order: number): boolean => {
            const n = 2 ** order;
            for (let p = Math.ceil(first / n) * n; p + n <= first + total; p += n) {
              let ok = true;
              for (let i = 0; i < n && ok; i++) ok = !owner.has(p + i);
              if (ok) return true;
            }
            return false;
          };
          for (const o of ops) {
            if (o.t === 'alloc' || o.t === 'contig') {
              const order = o.t === 'alloc' ? 0 : o.order;
              const p = o.t === 'alloc' ? a.alloc() : a.allocContiguous(order);
              if (p === NO_FRAME) {
                if (order === 0 || exactContiguous) expect(hasAlignedRun(order)).toBe(false);
                continue;
              }
              expect(p % 2 ** order).toBe(0);
              expect(p >= first && p + 2 ** order <= first + total).toBe(true);
              for (let i = 0; i < 2 ** order; i++) {
                expect(owner.has(p + i)).toBe(false);
                owner.set(p + i, p);
              }
              held.push([p, order]);
            } else if (o.t === 'free') {
              if (held.length === 0) continue;
              const [[p, order]] = held.splice(o.pick % held.length, 1) as [[number, number]];
              a.free(p, order);
              for (let i = 0; i < 2 ** order; i++) owner.delete(p + i);
            } else {
              const p = first + o.offset;
              if (held.some(([h, ord]) => h === p && ord === o.order)) continue;
              const free = a.freeFrames;
              expect(() => a.free(p, o.order)).toThrow(FrameError);
              expect(a.freeFrames).toBe(free);
            }
            expect(a.freeFrames).toBe(total - owner.size);
          }
          for (let p = first - 1; p <= first + total; p++) expect(a.isAllocated(p)).toBe(owner.has(p));
          for (const [p, order] of held) a.free(p, order);
          expect(a.freeFrames).toBe(total);
          expect(drain(a).length).toBe(total);
        },
      ),
      { numRuns: 150, seed: 0x5eed },
    );
  });
});
