/**
 * The contract kit of {@link FrameAllocator}: {@link checkFrameAllocator} runs every rule of the interface's TSDoc on
 * allocators made by your factory and reports which rules hold.
 *
 * ```ts
 * import { assertContract, checkFrameAllocator } from '@pagewright/core/testing';
 * assertContract(checkFrameAllocator((range) => new MyAllocator(range), { name: 'mine' }));
 * ```
 *
 * @module
 */

import { type FrameAllocator, FrameError, type FrameErrorKind, NO_FRAME } from '../frame-allocator.js';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  ensureEqual,
  type KitOptions,
  RuleFailure,
  runContract,
} from './kit.js';

/** The frames a factory is asked to manage: `[firstFrame, firstFrame + frameCount)`. */
export interface FrameRange {
  /** First frame number managed. */
  readonly firstFrame: number;
  /** Number of frames managed. */
  readonly frameCount: number;
}

/** Makes a fresh allocator over `range` (every call a new, independent allocator). */
export type FrameAllocatorFactory = (range: FrameRange) => FrameAllocator;

/** A frame number aligned to every order up to 19 (the RISC-V `virt` RAM base frame). */
const ALIGNED_FIRST = 0x80000;
/** A non-zero first frame aligned to no order above 0. */
const UNALIGNED_FIRST = 0x80003;
/** The range most rules use. */
const FRAMES = 64;

function make(factory: FrameAllocatorFactory, firstFrame: number, frameCount: number): FrameAllocator {
  const a = factory({ firstFrame, frameCount });
  ensure(typeof a === 'object' && a !== null, `the factory returned ${String(a)}, not an allocator`);
  return a;
}

/** Calls `f`, failing the rule (with `what`) when it throws: allocation must never throw. */
function noThrow<T>(f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    throw new RuleFailure(`${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

/** Allocates single frames until NO_FRAME (at most `2 * totalFrames + 2` calls); returns each frame once. */
function drain(a: FrameAllocator, limit = 2 * a.totalFrames + 2): number[] {
  const got = new Set<number>();
  for (let i = 0; i < limit; i++) {
    const p = noThrow(() => a.alloc(), 'alloc()');
    if (p === NO_FRAME) break;
    got.add(p);
  }
  return [...got];
}

function range(first: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => first + i);
}

function describeCall(pfn: number, order: number): string {
  return `free(${pfn}, ${order})`;
}

/** The state a bad free must leave alone: `freeFrames` and `isAllocated` of every frame in and around the range. */
function snapshot(a: FrameAllocator): string {
  let s = `${a.freeFrames}:`;
  for (let p = a.firstFrame - 2; p < a.firstFrame + a.totalFrames + 2; p++) s += a.isAllocated(p) ? '1' : '0';
  return s;
}

/** Fails unless `free(pfn, order)` throws a {@link FrameError} of `kind` and leaves the allocator unchanged. */
function ensureBadFree(a: FrameAllocator, pfn: number, order: number, kind: FrameErrorKind): void {
  const before = snapshot(a);
  let caught: unknown;
  let threw = false;
  try {
    a.free(pfn, order);
  } catch (e) {
    threw = true;
    caught = e;
  }
  const call = describeCall(pfn, order);
  ensure(threw, `${call}: expected FrameError '${kind}', returned normally`);
  ensure(
    caught instanceof FrameError,
    `${call}: expected FrameError '${kind}', threw ${caught instanceof Error ? caught.name : String(caught)}`,
  );
  ensureEqual(caught.kind, kind, `${call}: FrameError kind`);
  ensure(snapshot(a) === before, `${call}: the refused free changed freeFrames or isAllocated`);
}

/**
 * The allocator every bad-free rule starts from (over `[ALIGNED_FIRST, ALIGNED_FIRST + 64)`): `single` (order 0)
 * and `block` (order 2, when `maxOrder >= 2`) allocated, `other` allocated and freed, `never` an in-range frame never
 * handed out.
 */
interface FreeScene {
  a: FrameAllocator;
  single: number;
  block: number | undefined;
  other: number;
  never: number;
}

function freeScene(factory: FrameAllocatorFactory): FreeScene {
  const a = make(factory, ALIGNED_FIRST, FRAMES);
  const single = a.alloc();
  const block = a.maxOrder >= 2 ? a.allocContiguous(2) : undefined;
  const other = a.alloc();
  ensure(
    single !== NO_FRAME && block !== NO_FRAME && other !== NO_FRAME,
    'a fresh allocator refused to allocate',
  );
  a.free(other);
  let never = ALIGNED_FIRST;
  while (never < ALIGNED_FIRST + FRAMES && (a.isAllocated(never) || never === other)) never++;
  return { a, single, block, other, never };
}

/** The kind a bad free of `order` deserves: `kind`, unless the order itself is past `maxOrder`. */
function unlessOrderTooBig(a: FrameAllocator, order: number, kind: FrameErrorKind): FrameErrorKind {
  return order > a.maxOrder ? 'wrong-order' : kind;
}

/** Every rule of the {@link FrameAllocator} contract, in the order the interface's TSDoc states them. */
export const FRAME_ALLOCATOR_RULES: readonly ContractRule<FrameAllocatorFactory>[] = [
  {
    id: 'identity',
    text: 'reports the range it was given, a non-empty name and an integer maxOrder >= 0, and starts with every frame free',
    check(factory) {
      const a = make(factory, ALIGNED_FIRST, FRAMES);
      ensure(
        typeof a.name === 'string' && a.name.length > 0,
        `name must be a non-empty string, got '${a.name}'`,
      );
      ensureEqual(a.firstFrame, ALIGNED_FIRST, 'firstFrame');
      ensureEqual(a.totalFrames, FRAMES, 'totalFrames');
      ensureEqual(a.freeFrames, FRAMES, 'freeFrames of a fresh allocator');
      ensure(
        Number.isInteger(a.maxOrder) && a.maxOrder >= 0,
        `maxOrder must be an integer >= 0, got ${a.maxOrder}`,
      );
      for (let p = ALIGNED_FIRST; p < ALIGNED_FIRST + FRAMES; p++)
        ensure(!a.isAllocated(p), `frame ${p} is allocated in a fresh allocator`);
    },
  },
  {
    id: 'alloc-unique',
    text: 'never hands out a frame that is already allocated (single frames or inside blocks)',
    check(factory) {
      const a = make(factory, ALIGNED_FIRST, FRAMES);
      const owner = new Map<number, string>();
      const take = (p: number, order: number, call: string): void => {
        if (p === NO_FRAME) return;
        for (let i = 0; i < 2 ** order; i++) {
          const prev = owner.get(p + i);
          ensure(prev === undefined, `${call} returned frame ${p + i}, still held from ${prev}`);
          owner.set(p + i, call);
        }
      };
      for (const order of [1, 2, 0, 3]) {
        if (order <= a.maxOrder)
          take(
            noThrow(() => a.allocContiguous(order), 'allocContiguous'),
            order,
            `allocContiguous(${order})`,
          );
      }
      for (let i = 0; i < 2 * FRAMES + 2; i++) {
        const p = noThrow(() => a.alloc(), 'alloc()');
        if (p === NO_FRAME) break;
        take(p, 0, `alloc() #${i + 1}`);
      }
    },
  },
  {
    id: 'alloc-in-range',
    text: 'every frame handed out, and every frame of a block, lies in [firstFrame, firstFrame + totalFrames); a block larger than what is left of the range is NO_FRAME',
    check(factory) {
      const n = 70; // not a multiple of 8: the last aligned 8-frame block would end past the range
      const end = ALIGNED_FIRST + n;
      const a = make(factory, ALIGNED_FIRST, n);
      if (a.maxOrder >= 7) {
        const big = noThrow(() => a.allocContiguous(7), 'allocContiguous(7)');
        ensureEqual(big, NO_FRAME, 'allocContiguous(7) over 70 frames (128 frames cannot fit)');
      }
      if (a.maxOrder >= 3) {
        for (let i = 0; i < 12; i++) {
          const p = noThrow(() => a.allocContiguous(3), 'allocContiguous(3)');
          if (p === NO_FRAME) break;
          ensure(
            p >= ALIGNED_FIRST && p + 8 <= end,
            `allocContiguous(3) returned [${p}, ${p + 8}), outside [${ALIGNED_FIRST}, ${end})`,
          );
        }
      }
      for (const p of drain(a))
        ensure(p >= ALIGNED_FIRST && p < end, `alloc() returned ${p}, outside [${ALIGNED_FIRST}, ${end})`);
    },
  },
  {
    id: 'exhaustion',
    text: 'alloc succeeds while freeFrames > 0; when no frame is free, alloc and allocContiguous return NO_FRAME and never throw',
    check(factory) {
      const a = make(factory, ALIGNED_FIRST, FRAMES);
      for (let i = 0; i < 2 * FRAMES && a.freeFrames > 0; i++) {
        const free = a.freeFrames;
        const p = noThrow(() => a.alloc(), 'alloc()');
        ensure(p !== NO_FRAME, `alloc() returned NO_FRAME with ${free} frames free`);
      }
      ensureEqual(a.freeFrames, 0, 'freeFrames after allocating every frame');
      ensureEqual(
        noThrow(() => a.alloc(), 'alloc()'),
        NO_FRAME,
        'alloc() when exhausted',
      );
      ensureEqual(
        noThrow(() => a.allocContiguous(0), 'allocContiguous(0)'),
        NO_FRAME,
        'allocContiguous(0) when exhausted',
      );
      ensureEqual(
        noThrow(() => a.allocContiguous(1), 'allocContiguous(1)'),
        NO_FRAME,
        'allocContiguous(1) when exhausted',
      );
      ensureEqual(
        noThrow(() => a.alloc(), 'alloc()'),
        NO_FRAME,
        'alloc() when exhausted, asked again',
      );
    },
  },
  {
    id: 'contiguous-aligned',
    text: 'on a fresh allocator allocContiguous(order <= maxOrder) serves blocks that fit; a block of order k starts at a multiple of 2^k',
    check(factory) {
      const a = make(factory, ALIGNED_FIRST, 300);
      for (const order of [0, 1, 2, 3, 4, 5, 6, 2, 1]) {
        if (order > a.maxOrder) continue;
        const p = noThrow(() => a.allocContiguous(order), `allocContiguous(${order})`);
        ensure(
          p !== NO_FRAME,
          `allocContiguous(${order}) returned NO_FRAME on an allocator with room for it`,
        );
        ensure(
          p % 2 ** order === 0,
          `allocContiguous(${order}) returned ${p}, not a multiple of ${2 ** order}`,
        );
      }
    },
  },
  {
    id: 'contiguous-order-limit',
    text: 'allocContiguous(order) with order > maxOrder, negative, fractional or NaN returns NO_FRAME, never throws and changes nothing',
    check(factory) {
      const a = make(factory, ALIGNED_FIRST, FRAMES);
      for (const order of [a.maxOrder + 1, a.maxOrder + 5, -1, 1.5, Number.NaN]) {
        const p = noThrow(() => a.allocContiguous(order), `allocContiguous(${order})`);
        ensureEqual(p, NO_FRAME, `allocContiguous(${order}) (maxOrder ${a.maxOrder})`);
        ensureEqual(a.freeFrames, FRAMES, `freeFrames after allocContiguous(${order})`);
      }
    },
  },
  {
    id: 'free-frames',
    text: 'freeFrames + frames allocated (counting 2^order per block) === totalFrames at all times',
    check(factory) {
      const a = make(factory, ALIGNED_FIRST, FRAMES);
      const held: [number, number][] = [];
      let used = 0;
      const expectCount = (after: string): void =>
        ensureEqual(a.freeFrames, FRAMES - used, `freeFrames after ${after}`);
      for (const order of [0, 2, 0, 1, 3, 0]) {
        if (order > a.maxOrder) continue;
        const p = a.allocContiguous(order);
        if (p === NO_FRAME) continue;
        held.push([p, order]);
        used += 2 ** order;
        expectCount(`allocContiguous(${order})`);
      }
      for (let i = 0; i < 5; i++) {
        const p = a.alloc();
        if (p === NO_FRAME) break;
        held.push([p, 0]);
        used++;
        expectCount('alloc()');
      }
      for (let i = held.length - 1; i >= 0; i -= 2) {
        const [p, order] = held.splice(i, 1)[0] as [number, number];
        a.free(p, order);
        used -= 2 ** order;
        expectCount(`free(${p}, ${order})`);
      }
      for (const [p, order] of held) {
        a.free(p, order);
        used -= 2 ** order;
        expectCount(`free(${p}, ${order})`);
      }
    },
  },
  {
    id: 'is-allocated',
    text: 'isAllocated(pfn) is true exactly for frames handed out (alone or inside a block) and not freed; false outside the range',
    check(factory) {
      const a = make(factory, ALIGNED_FIRST, FRAMES);
      const held = new Set<number>();
      const blocks: [number, number][] = [];
      for (const order of [2, 0, 1]) {
        if (order > a.maxOrder) continue;
        const p = a.allocContiguous(order);
        if (p === NO_FRAME) continue;
        blocks.push([p, order]);
        for (let i = 0; i < 2 ** order; i++) held.add(p + i);
      }
      for (let i = 0; i < 6; i++) {
        const p = a.alloc();
        if (p !== NO_FRAME) {
          held.add(p);
          blocks.push([p, 0]);
        }
      }
      const verify = (when: string): void => {
        for (let p = ALIGNED_FIRST - 3; p < ALIGNED_FIRST + FRAMES + 3; p++)
          ensureEqual(a.isAllocated(p), held.has(p), `isAllocated(${p}) ${when}`);
        ensureEqual(a.isAllocated(ALIGNED_FIRST + 0.5), false, `isAllocated(${ALIGNED_FIRST + 0.5}) ${when}`);
      };
      verify('after allocating');
      for (let i = 0; i < blocks.length; i += 2) {
        const [p, order] = blocks[i] as [number, number];
        a.free(p, order);
        for (let j = 0; j < 2 ** order; j++) held.delete(p + j);
      }
      verify('after freeing some');
      const all = drain(a);
      for (const p of all) held.add(p);
      verify('after allocating the rest');
    },
  },
  {
    id: 'reuse',
    text: 'freed frames are handed out again: after exhaustion, alloc returns exactly the frames freed since; after freeing everything, every frame can be allocated again (as single frames: an allocator may serve blocks only while fresh)',
    check(factory) {
      const a = make(factory, ALIGNED_FIRST, FRAMES);
      const got = drain(a);
      ensureEqual(got.length, FRAMES, 'distinct frames allocated before exhaustion');
      const freed = got.filter((_, i) => i % 3 === 0);
      for (const p of freed) a.free(p);
      const again = drain(a).sort((x, y) => x - y);
      const want = [...freed].sort((x, y) => x - y);
      ensure(
        again.length === want.length && again.every((p, i) => p === want[i]),
        `after freeing [${want.join(', ')}], alloc() handed out [${again.join(', ')}]`,
      );
      for (const p of got) a.free(p);
      ensureEqual(drain(a).length, FRAMES, 'frames allocated after freeing every frame');
    },
  },
  {
    id: 'free-out-of-range',
    text: "free of a frame outside the range, or of a non-integer frame, throws FrameError 'out-of-range' and changes nothing",
    check(factory) {
      const { a, single } = freeScene(factory);
      for (const pfn of [
        ALIGNED_FIRST - 1,
        ALIGNED_FIRST + FRAMES,
        ALIGNED_FIRST + FRAMES + 100,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        single + 0.5,
      ])
        ensureBadFree(a, pfn, 0, 'out-of-range');
    },
  },
  {
    id: 'free-not-allocated',
    text: "free of a frame never handed out, or of a frame inside a block that is not the block's head, throws FrameError 'not-allocated' and changes nothing",
    check(factory) {
      const { a, block, never } = freeScene(factory);
      ensureBadFree(a, never, 0, 'not-allocated');
      if (block === undefined) return;
      ensureBadFree(a, block + 1, 0, 'not-allocated');
      ensureBadFree(a, block + 2, 1, 'not-allocated');
    },
  },
  {
    id: 'free-double',
    text: "free of a block head that was already freed (and not handed out again) throws FrameError 'double-free' and changes nothing",
    check(factory) {
      const { a, single, block, other } = freeScene(factory);
      ensureBadFree(a, other, 0, 'double-free');
      if (block !== undefined) {
        a.free(block, 2);
        ensureBadFree(a, block, 2, 'double-free');
      }
      a.free(single);
      ensureBadFree(a, single, 0, 'double-free');
    },
  },
  {
    id: 'free-wrong-order',
    text: "free of a block head with an order other than its allocation's, or an order that is not an integer in [0, maxOrder], throws FrameError 'wrong-order' and changes nothing",
    check(factory) {
      const { a, single, block } = freeScene(factory);
      const [head, orders] = block === undefined ? [single, [] as number[]] : [block, [1, 0]];
      for (const order of [...orders, a.maxOrder + 1, -1, 1.5, Number.NaN])
        ensureBadFree(a, head, order, 'wrong-order');
    },
  },
  {
    id: 'free-misaligned',
    text: "free(pfn, order) with pfn not a multiple of 2^order throws FrameError 'misaligned' and changes nothing",
    check(factory) {
      const { a, block, never } = freeScene(factory);
      if (block !== undefined) {
        ensureBadFree(a, block + 1, 1, 'misaligned');
        ensureBadFree(a, block + 2, 2, 'misaligned');
      }
      const odd = never % 2 === 1 ? never : never + 1;
      ensureBadFree(a, odd, 1, unlessOrderTooBig(a, 1, 'misaligned'));
    },
  },
  {
    id: 'free-error-precedence',
    text:
      'when several kinds apply, the first of these wins: out-of-range (the frame), wrong-order (order not an integer in [0, maxOrder]), ' +
      'misaligned, out-of-range (the block ends past the range), then by the frame: not-allocated (inside a live block), ' +
      'double-free (a freed head), not-allocated (never handed out), wrong-order (a live head of another order)',
    check(factory) {
      const { a, single, block, other } = freeScene(factory);
      const last = ALIGNED_FIRST + FRAMES - 1;
      const m = a.maxOrder;
      ensureBadFree(a, ALIGNED_FIRST - 1, m + 1, 'out-of-range');
      ensureBadFree(a, ALIGNED_FIRST - 1, 1, 'out-of-range');
      ensureBadFree(a, Number.NaN, Number.NaN, 'out-of-range');
      ensureBadFree(a, last, 1, unlessOrderTooBig(a, 1, 'misaligned'));
      ensureBadFree(a, ALIGNED_FIRST, 7, unlessOrderTooBig(a, 7, 'out-of-range'));
      ensureBadFree(a, ALIGNED_FIRST + FRAMES - 4, 3, unlessOrderTooBig(a, 3, 'misaligned'));
      ensureBadFree(a, single, 1, unlessOrderTooBig(a, 1, single % 2 === 0 ? 'wrong-order' : 'misaligned'));
      ensureBadFree(a, other, 1, unlessOrderTooBig(a, 1, other % 2 === 0 ? 'double-free' : 'misaligned'));
      if (block === undefined) return;
      ensureBadFree(a, block + 1, -1, 'wrong-order');
      ensureBadFree(a, block + 1, m + 1, 'wrong-order');
      ensureBadFree(a, block, 3, unlessOrderTooBig(a, 3, block % 8 === 0 ? 'wrong-order' : 'misaligned'));
    },
  },
  {
    id: 'first-frame-offset',
    text: 'a range may start at any frame: with a non-zero firstFrame aligned to nothing, alignment stays absolute (a multiple of 2^order) and every frame of the range is served once',
    check(factory) {
      const n = 77;
      const end = UNALIGNED_FIRST + n;
      const a = make(factory, UNALIGNED_FIRST, n);
      ensureEqual(a.firstFrame, UNALIGNED_FIRST, 'firstFrame');
      const held: [number, number][] = [];
      for (const order of [2, 1, 3]) {
        if (order > a.maxOrder) continue;
        const p = noThrow(() => a.allocContiguous(order), `allocContiguous(${order})`);
        ensure(
          p !== NO_FRAME,
          `allocContiguous(${order}) returned NO_FRAME on a fresh allocator of ${n} frames`,
        );
        ensure(
          p % 2 ** order === 0,
          `allocContiguous(${order}) returned ${p}, not a multiple of ${2 ** order}`,
        );
        ensure(
          p >= UNALIGNED_FIRST && p + 2 ** order <= end,
          `allocContiguous(${order}) returned [${p}, ${p + 2 ** order}), outside [${UNALIGNED_FIRST}, ${end})`,
        );
        held.push([p, order]);
      }
      for (const [p, order] of held) a.free(p, order);
      const got = drain(a).sort((x, y) => x - y);
      const want = range(UNALIGNED_FIRST, n);
      ensure(
        got.length === n && got.every((p, i) => p === want[i]),
        `the frames handed out are not exactly [${UNALIGNED_FIRST}, ${end}): got ${got.length} frames from ${got[0]} to ${got[got.length - 1]}`,
      );
      ensureBadFree(a, UNALIGNED_FIRST - 1, 0, 'out-of-range');
      ensureBadFree(a, end, 0, 'out-of-range');
    },
  },
];

/**
 * Runs every rule of the {@link FrameAllocator} contract on allocators made by `factory` and reports which held.
 * Each rule builds its own allocators (over ranges of 64 to 300 frames at frame `0x80000`, and 77 frames at
 * `0x80003`); rules about blocks skip the orders above the allocator's `maxOrder` (0 is allowed: single frames only).
 * Never throws for a broken rule; pass the report to `assertContract` to throw.
 */
export function checkFrameAllocator(
  factory: FrameAllocatorFactory,
  options: KitOptions = {},
): ContractReport {
  return runContract('FrameAllocator', FRAME_ALLOCATOR_RULES, factory, options);
}
