/**
 * {@link RandomPolicy}: seeded uniformly random replacement.
 *
 * @module
 */

import { createRng, type Rng } from '@pagewright/core';
import type { ReplacementPolicy } from './replacement-policy.js';

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
