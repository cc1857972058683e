/**
 * Seeded, reproducible randomness: the {@link Rng} interface and its default implementation (xoshiro128**,
 * seeded through splitmix32). Every random choice in pagewright (ASLR, random TLB replacement, fault injection)
 * comes from an `Rng`, so a seed reproduces a run exactly.
 *
 * @module
 */

/** A seeded pseudo-random generator. */
export interface Rng {
  /** The next unsigned 32-bit value. */
  nextU32(): number;
  /** A float in `[0, 1)`. */
  nextFloat(): number;
  /** An integer in `[0, bound)`; `bound` is an integer in `[1, 2^32]`. */
  nextInt(bound: number): number;
  /** An independent generator derived from this one's stream (for handing to a sub-component). */
  fork(): Rng;
}

function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return [s, (z ^ (z >>> 16)) >>> 0];
}

/** xoshiro128** (Blackman & Vigna), 128 bits of state, period 2^128 − 1. */
export class Xoshiro128 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** @param seed - any number; equal seeds give equal streams. */
  constructor(seed: number) {
    let s = Math.trunc(seed) >>> 0;
    let v: number;
    [s, v] = splitmix32(s ^ Math.trunc(seed / 2 ** 32));
    this.a = v;
    [s, v] = splitmix32(s);
    this.b = v;
    [s, v] = splitmix32(s);
    this.c = v;
    [, v] = splitmix32(s);
    this.d = v;
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  nextFloat(): number {
    return this.nextU32() / 2 ** 32;
  }

  nextInt(bound: number): number {
    if (!(Number.isInteger(bound) && bound >= 1 && bound <= 2 ** 32)) {
      throw new RangeError(`Rng.nextInt: bound must be an integer in [1, 2^32], got ${bound}`);
    }
    // Rejection sampling keeps the result unbiased.
    const limit = 2 ** 32 - (2 ** 32 % bound);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % bound;
  }

  fork(): Rng {
    return new Xoshiro128(this.nextU32() * 2 ** 20 + (this.nextU32() >>> 12));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The default generator for a seed. */
export function createRng(seed: number): Rng {
  return new Xoshiro128(seed);
}
