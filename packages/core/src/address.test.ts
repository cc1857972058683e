import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AddressRangeError,
  alignDown,
  alignUp,
  isAligned,
  isPageAligned,
  MAX_ADDRESS,
  OVERFLOW,
  offsetInPage,
  PAGE_SIZE,
  pageAlignDown,
  pageAlignUp,
  pageOf,
  pagesForBytes,
  pfn,
  virtAddr,
  vpn,
} from './address.js';

describe('page math at the edges', () => {
  it('handles 0', () => {
    expect(pageAlignUp(0)).toBe(0);
    expect(pageAlignDown(0)).toBe(0);
    expect(pagesForBytes(0)).toBe(0);
    expect(pageOf(0)).toBe(0);
    expect(isPageAligned(0)).toBe(true);
  });

  it('handles 2^32 and its neighbours (beyond 32-bit operators)', () => {
    const x = 2 ** 32;
    expect(isPageAligned(x)).toBe(true);
    expect(isPageAligned(x + 1)).toBe(false);
    expect(offsetInPage(x + 0x123)).toBe(0x123);
    expect(pageAlignUp(x + 1)).toBe(x + PAGE_SIZE);
    expect(pageAlignDown(x + 4095)).toBe(x);
    expect(pageOf(x + 4095)).toBe(2 ** 20);
    expect(pageAlignDown(x - 1)).toBe(x - PAGE_SIZE);
  });

  it('handles 2^52', () => {
    const x = 2 ** 52;
    expect(pageAlignUp(x + 1)).toBe(x + PAGE_SIZE);
    expect(pagesForBytes(x)).toBe(2 ** 40);
    expect(offsetInPage(x + 4095)).toBe(4095);
  });

  it('handles 2^53 and refuses what is beyond', () => {
    expect(pageAlignUp(MAX_ADDRESS)).toBe(MAX_ADDRESS);
    expect(pageAlignUp(MAX_ADDRESS - 1)).toBe(MAX_ADDRESS);
    expect(pagesForBytes(MAX_ADDRESS)).toBe(2 ** 41);
    expect(pagesForBytes(MAX_ADDRESS - PAGE_SIZE + 1)).toBe(2 ** 41);
    expect(pagesForBytes(MAX_ADDRESS + 2)).toBe(OVERFLOW);
    expect(pagesForBytes(-1)).toBe(OVERFLOW);
    expect(pagesForBytes(1.5)).toBe(OVERFLOW);
    expect(pagesForBytes(Number.NaN)).toBe(OVERFLOW);
    expect(() => virtAddr(MAX_ADDRESS + 2)).toThrow(AddressRangeError);
  });

  it('rounds unaligned values', () => {
    expect(pageAlignUp(1)).toBe(PAGE_SIZE);
    expect(pageAlignUp(4097)).toBe(2 * PAGE_SIZE);
    expect(pageAlignDown(8191)).toBe(PAGE_SIZE);
    expect(pagesForBytes(1)).toBe(1);
    expect(pagesForBytes(4096)).toBe(1);
    expect(pagesForBytes(4097)).toBe(2);
  });

  it('agrees with BigInt arithmetic on every address up to 2^53', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER - 4096 }), (x) => {
        const b = BigInt(x);
        expect(BigInt(pageAlignDown(x))).toBe(b - (b % 4096n));
        expect(BigInt(pageAlignUp(x))).toBe(((b + 4095n) / 4096n) * 4096n);
        expect(BigInt(offsetInPage(x))).toBe(b % 4096n);
        expect(BigInt(pageOf(x))).toBe(b / 4096n);
      }),
    );
  });
});

describe('general alignment', () => {
  it('aligns to powers of two', () => {
    expect(alignUp(0x201000, 0x200000)).toBe(0x400000);
    expect(alignDown(0x3fffff, 0x200000)).toBe(0x200000);
    expect(isAligned(2 ** 40, 2 ** 30)).toBe(true);
    expect(isAligned(2 ** 40 + 4096, 2 ** 30)).toBe(false);
    expect(alignUp(MAX_ADDRESS - 5, 2 ** 30)).toBe(MAX_ADDRESS);
  });

  it('refuses an alignment that is not a power of two', () => {
    expect(() => alignUp(10, 3)).toThrow(AddressRangeError);
    expect(() => alignDown(10, 0)).toThrow(AddressRangeError);
  });
});

describe('checked constructors', () => {
  it('accept valid values and refuse bad ones', () => {
    expect(virtAddr(0x1000)).toBe(0x1000);
    expect(vpn(2 ** 41)).toBe(2 ** 41);
    expect(pfn(2 ** 44 - 1)).toBe(2 ** 44 - 1);
    for (const bad of [-1, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => virtAddr(bad)).toThrow(AddressRangeError);
    }
    expect(() => pfn(2 ** 44)).toThrow(AddressRangeError);
    expect(() => vpn(2 ** 41 + 1)).toThrow(AddressRangeError);
  });
});
