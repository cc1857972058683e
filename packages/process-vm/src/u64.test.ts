import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Machine } from './machine.js';
import { toU64, u64PageOffset, u64Value } from './u64.js';

const BASE = 0x2000000000;
const interesting = fc.oneof(
  fc.constantFrom(0, 1, 4095, 4096, 4097, BASE, BASE + 1, 2 ** 47 - 4096, 2 ** 47, 2 ** 52, 2 ** 53 - 1),
  fc.integer({ min: 0, max: 2 ** 40 }),
  fc.integer({ min: -(2 ** 40), max: -1 }),
  fc.bigInt({ min: -(2n ** 66n), max: 2n ** 66n }),
);

describe('u64 arguments without BigInt', () => {
  it('u64Value and u64PageOffset agree with the exact BigInt conversion', () => {
    fc.assert(
      fc.property(interesting, (x) => {
        const exact = toU64(x);
        expect(u64Value(x)).toBe(Number(exact));
        expect(u64PageOffset(x)).toBe(Number(exact & 0xfffn));
      }),
      { seed: 7, numRuns: 500 },
    );
    expect(u64Value(0.5)).toBe(-1);
    expect(u64PageOffset(Number.NaN)).toBe(-1);
  });

  it('mmap, munmap and mprotect answer a number and its BigInt alike', () => {
    fc.assert(
      fc.property(interesting, interesting, fc.constantFrom(0, 1, 3), (a, l, prot) => {
        const run = (big: boolean) => {
          const m = new Machine({ memoryBytes: 8 * 1024 * 1024, harts: 1 });
          const p = m.spawn();
          const arg = (x: number | bigint) => (big ? BigInt(x) : x);
          const fixed = p.mmap(BASE, 16 * 4096, 3, 0x32); // MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
          return [
            fixed,
            p.mprotect(arg(a), arg(l), prot),
            p.mmap(arg(a), arg(l), prot, 0x22),
            p.mmap(arg(a), arg(l), prot, 0x32),
            p.munmap(arg(a), arg(l)),
            p.maps(),
          ];
        };
        expect(run(false)).toEqual(run(true));
      }),
      { seed: 11, numRuns: 120 },
    );
  });
});
