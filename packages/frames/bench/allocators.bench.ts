/**
 * Frame allocator throughput: single-frame alloc+free pairs per second for each allocator (fresh and with a quarter
 * of memory allocated at random), and 2 MiB (order 9) contiguous alloc+free pairs per second.
 */
import { createRng, type FrameAllocator, NO_FRAME } from '@pagewright/core';
import {
  BitmapFrameAllocator,
  BuddyFrameAllocator,
  CheckedFrameAllocator,
  FailingAllocator,
  StackFrameAllocator,
} from '../src/index.js';
import { type Case, opsPerSecond, type Row } from './harness.js';

const FIRST = 0x80000;
/** 1 GiB of RAM. */
const FRAMES = 2 ** 18;
const PAIRS = 1000;

const MAKERS: [string, () => FrameAllocator][] = [
  ['stack', () => new StackFrameAllocator({ firstFrame: FIRST, frameCount: FRAMES })],
  ['bitmap', () => new BitmapFrameAllocator({ firstFrame: FIRST, frameCount: FRAMES })],
  ['buddy', () => new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: FRAMES })],
  [
    'buddy (no cache)',
    () => new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: FRAMES, cacheSize: 0 }),
  ],
  [
    'failing(buddy)',
    () => new FailingAllocator(new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: FRAMES })),
  ],
  [
    'checked(buddy)',
    () => new CheckedFrameAllocator(new BuddyFrameAllocator({ firstFrame: FIRST, frameCount: FRAMES })),
  ],
];

/** Allocates a quarter of the frames, then frees a random half of those: a fragmented, realistic state. */
function fragment(a: FrameAllocator): void {
  const rng = createRng(1);
  const held: number[] = [];
  for (let i = 0; i < FRAMES / 4; i++) held.push(a.alloc());
  for (let i = 0; i < held.length; i++) {
    if (rng.nextU32() & 1) a.free(held[i] as number);
  }
}

function pairs(a: FrameAllocator): () => void {
  return () => {
    for (let i = 0; i < PAIRS; i++) {
      const p = a.alloc();
      if (p === NO_FRAME) throw new Error('exhausted');
      a.free(p);
    }
  };
}

function blockPairs(a: FrameAllocator, order: number): () => void {
  return () => {
    for (let i = 0; i < 100; i++) {
      const p = a.allocContiguous(order);
      if (p === NO_FRAME) throw new Error('exhausted');
      a.free(p, order);
    }
  };
}

/** Runs the allocator benchmarks. */
export async function benchAllocators(): Promise<Row[]> {
  const cases: Case[] = [];
  for (const [name, make] of MAKERS) {
    cases.push({ name: `${name}: alloc+free pairs (fresh)`, opsPerCall: PAIRS, fn: pairs(make()) });
    const frag = make();
    fragment(frag);
    cases.push({ name: `${name}: alloc+free pairs (fragmented)`, opsPerCall: PAIRS, fn: pairs(frag) });
  }
  for (const [name, make] of MAKERS.slice(1, 3)) {
    const frag = make();
    fragment(frag);
    cases.push({
      name: `${name}: 2 MiB alloc+free pairs (fragmented)`,
      opsPerCall: 100,
      fn: blockPairs(frag, 9),
    });
  }
  return opsPerSecond(cases);
}
