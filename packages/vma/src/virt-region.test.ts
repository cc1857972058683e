import { describe, expect, it } from 'vitest';
import { MAX_VPN, RegionError, VirtRegion } from './virt-region.js';

describe('VirtRegion', () => {
  const r = new VirtRegion(10, 20);

  it('measures and tests membership with an exclusive end', () => {
    expect(r.pages).toBe(10);
    expect(r.contains(10)).toBe(true);
    expect(r.contains(19)).toBe(true);
    expect(r.contains(20)).toBe(false);
    expect(r.contains(9)).toBe(false);
    expect(new VirtRegion(5, 5).isEmpty).toBe(true);
  });

  it('intersects, collides and finds the pieces before and after another region', () => {
    const o = new VirtRegion(15, 30);
    expect(r.intersect(o)?.toString()).toBe('[0xf, 0x14)');
    expect(r.collides(o)).toBe(true);
    expect(r.collides(new VirtRegion(20, 25))).toBe(false);
    expect(r.intersect(new VirtRegion(20, 25))).toBeNull();
    expect(r.before(o)?.equals(new VirtRegion(10, 15))).toBe(true);
    expect(r.after(o)).toBeNull();
    expect(r.after(new VirtRegion(0, 12))?.equals(new VirtRegion(12, 20))).toBe(true);
    expect(r.subtract(new VirtRegion(12, 14)).map(String)).toEqual(['[0xa, 0xc)', '[0xe, 0x14)']);
    expect(r.subtract(new VirtRegion(0, 100))).toEqual([]);
    expect(r.subtract(new VirtRegion(30, 40))).toEqual([r]);
    expect(r.containsRegion(new VirtRegion(11, 20))).toBe(true);
    expect(r.containsRegion(new VirtRegion(11, 21))).toBe(false);
    expect(r.isAdjacentTo(new VirtRegion(20, 21))).toBe(true);
    expect(r.isAdjacentTo(new VirtRegion(8, 10))).toBe(true);
    expect(r.isAdjacentTo(new VirtRegion(21, 22))).toBe(false);
  });

  it('empty regions collide with nothing', () => {
    expect(new VirtRegion(12, 12).collides(r)).toBe(false);
  });

  it('refuses bad bounds and overflow with a typed error', () => {
    expect(() => new VirtRegion(5, 4)).toThrow(RegionError);
    expect(() => new VirtRegion(-1, 4)).toThrow(RegionError);
    expect(() => new VirtRegion(0.5, 4)).toThrow(RegionError);
    expect(() => new VirtRegion(0, MAX_VPN + 1)).toThrow(RegionError);
    expect(() => VirtRegion.ofLength(MAX_VPN - 1, 2)).toThrow(RegionError);
    expect(() => r.shift(-11)).toThrow(RegionError);
    expect(new VirtRegion(0, MAX_VPN).pages).toBe(MAX_VPN);
    expect(r.shift(5).equals(new VirtRegion(15, 25))).toBe(true);
  });
});
