/**
 * TLB replacement policies as plug-ins: {@link ReplacementPolicy} and four implementations (LRU, FIFO, random,
 * tree pseudo-LRU).
 *
 * @module
 */

import { createRng, type Rng } from '@pagewright/core';

/**
 * Chooses which way of a full set a TLB replaces. One instance serves one TLB (it keeps per-slot state).
 *
 * Contract: the TLB calls {@link ReplacementPolicy.attach} once before anything else; `touch`, `fill` and `victim`
 * are hot paths and must not allocate or throw. The TLB fills invalid ways first by itself and asks for a
 * `victim` only when every way of the set is valid.
 */
export interface ReplacementPolicy {
  /** Name used in specs and reports (`"lru"`). */
  readonly name: string;
  /** Sizes the state for `sets × ways`; throws a `RangeError` when the geometry is unsupported (cold). */
  attach(sets: number, ways: number): void;
  /** Way `way` of `set` was hit by a lookup. */
  touch(set: number, way: number): void;
  /** Way `way` of `set` was (re)filled. */
  fill(set: number, way: number): void;
  /** The way of the full `set` to replace, in `[0, ways)`. */
  victim(set: number): number;
  /** Forgets all state (after a full flush; optional bookkeeping). */
  reset(): void;
}

/**
 * Least recently used: a global counter stamps every hit and fill; the victim has the oldest stamp.
 * A hit on the way its set stamped last is skipped (its stamp is already the newest of the set, so the order, and
 * every victim, stay the same): repeated hits on one page cost one compare.
 */
export class LruPolicy implements ReplacementPolicy {
  readonly name = 'lru';
  private ways = 1;
  private stamps = new Float64Array(1);
  /** Per set, the way stamped last (the most recently used), or -1. */
  private newest = new Int32Array(1);
  private clock = 0;

  attach(sets: number, ways: number): void {
    this.ways = ways;
    this.stamps = new Float64Array(sets * ways);
    this.newest = new Int32Array(sets).fill(-1);
    this.clock = 0;
  }
  touch(set: number, way: number): void {
    if (this.newest[set] === way) return;
    this.newest[set] = way;
    this.stamps[set * this.ways + way] = ++this.clock;
  }
  fill(set: number, way: number): void {
    this.newest[set] = way;
    this.stamps[set * this.ways + way] = ++this.clock;
  }
  victim(set: number): number {
    return oldest(this.stamps, set * this.ways, this.ways);
  }
  reset(): void {
    this.stamps.fill(0);
    this.newest.fill(-1);
    this.clock = 0;
  }
}

/** First in, first out: stamps only fills; hits do not matter. */
export class FifoPolicy implements ReplacementPolicy {
  readonly name = 'fifo';
  private ways = 1;
  private stamps = new Float64Array(1);
  private clock = 0;

  attach(sets: number, ways: number): void {
    this.ways = ways;
    this.stamps = new Float64Array(sets * ways);
    this.clock = 0;
  }
  touch(_set: number, _way: number): void {}
  fill(set: number, way: number): void {
    this.stamps[set * this.ways + way] = ++this.clock;
  }
  victim(set: number): number {
    return oldest(this.stamps, set * this.ways, this.ways);
  }
  reset(): void {
    this.stamps.fill(0);
    this.clock = 0;
  }
}

/** Uniformly random victim from a seeded {@link Rng} (the same seed replays the same choices). */
export class RandomPolicy implements ReplacementPolicy {
  readonly name = 'random';
  private ways = 1;
  /** @param rng - the source of choices (default: seed 1). */
  constructor(private readonly rng: Rng = createRng(1)) {}

  attach(_sets: number, ways: number): void {
    this.ways = ways;
  }
  touch(_set: number, _way: number): void {}
  fill(_set: number, _way: number): void {}
  victim(_set: number): number {
    return this.ways === 1 ? 0 : this.rng.nextInt(this.ways);
  }
  reset(): void {}
}

/**
 * Tree pseudo-LRU (as in many L1 TLBs): a binary tree of `ways - 1` bits per set; each hit or fill points the bits
 * on its path away from the way, the victim follows the bits. Needs a power-of-two number of ways.
 */
export class TreePlruPolicy implements ReplacementPolicy {
  readonly name = 'plru';
  private ways = 1;
  private depth = 0;
  /** Per set, nodes 1..ways-1 of a heap-ordered tree; bit = side (0 left, 1 right) holding the next victim. */
  private bits = new Uint8Array(1);

  attach(sets: number, ways: number): void {
    if ((ways & (ways - 1)) !== 0)
      throw new RangeError(`tree-PLRU needs a power-of-two number of ways, got ${ways}`);
    this.ways = ways;
    this.depth = Math.log2(ways);
    this.bits = new Uint8Array(sets * ways);
  }
  touch(set: number, way: number): void {
    this.point(set, way);
  }
  fill(set: number, way: number): void {
    this.point(set, way);
  }
  private point(set: number, way: number): void {
    const base = set * this.ways;
    let node = 1;
    for (let k = this.depth - 1; k >= 0; k--) {
      const bit = (way >>> k) & 1;
      this.bits[base + node] = bit ^ 1;
      node = node * 2 + bit;
    }
  }
  victim(set: number): number {
    const base = set * this.ways;
    let node = 1;
    let way = 0;
    for (let k = 0; k < this.depth; k++) {
      const bit = this.bits[base + node] as number;
      way = way * 2 + bit;
      node = node * 2 + bit;
    }
    return way;
  }
  reset(): void {
    this.bits.fill(0);
  }
}

function oldest(stamps: Float64Array, base: number, ways: number): number {
  let best = 0;
  let bestStamp = stamps[base] as number;
  for (let w = 1; w < ways; w++) {
    const s = stamps[base + w] as number;
    if (s < bestStamp) {
      bestStamp = s;
      best = w;
    }
  }
  return best;
}

/** The names {@link createReplacementPolicy} accepts. */
export const REPLACEMENT_POLICY_NAMES = ['lru', 'fifo', 'random', 'plru'] as const;
/** One of {@link REPLACEMENT_POLICY_NAMES}. */
export type ReplacementPolicyName = (typeof REPLACEMENT_POLICY_NAMES)[number];

/** A fresh policy by name (`random` draws from `rng`, default seed 1); throws a `RangeError` on an unknown name. */
export function createReplacementPolicy(name: string, rng?: Rng): ReplacementPolicy {
  switch (name) {
    case 'lru':
      return new LruPolicy();
    case 'fifo':
      return new FifoPolicy();
    case 'random':
      return new RandomPolicy(rng);
    case 'plru':
      return new TreePlruPolicy();
    default:
      throw new RangeError(
        `unknown TLB replacement policy "${name}" (expected one of ${REPLACEMENT_POLICY_NAMES.join(', ')})`,
      );
  }
}
