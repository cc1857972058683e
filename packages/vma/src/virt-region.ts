/**
 * `VirtRegion`: a half-open range of virtual page numbers `[start, end)` and its algebra.
 *
 * Page-number based (never byte addresses), immutable, and overflow-safe: every bound is an integer in
 * `[0, MAX_VPN]` with `start <= end`, so sums and differences of bounds are exact doubles.
 *
 * @module
 */

import { MAX_ADDRESS, PAGE_SIZE } from '@pagewright/core';

/** The largest page number a region bound may take: 2^53 / 4096 = 2^41 (one past the last page of the model). */
export const MAX_VPN = MAX_ADDRESS / PAGE_SIZE;

/** Thrown when a region is built from bounds that are not integers in `[0, MAX_VPN]` with `start <= end`. */
export class RegionError extends RangeError {
  /**
   * @param start - the offending start
   * @param end - the offending end
   */
  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    super(`invalid virtual region [${String(start)}, ${String(end)})`);
    this.name = 'RegionError';
  }
}

/** True when `[start, end)` is a valid region: integers, `0 <= start <= end <= MAX_VPN`. */
export function isValidRegion(start: number, end: number): boolean {
  return Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= MAX_VPN;
}

/**
 * An immutable half-open range of virtual page numbers `[start, end)`.
 *
 * Invariant: `0 <= start <= end <= MAX_VPN`, both integers. An empty region (`start === end`) is allowed and
 * intersects nothing.
 */
export class VirtRegion {
  /** First page of the region. */
  readonly start: number;
  /** One past the last page of the region. */
  readonly end: number;

  /**
   * @param start - first page
   * @param end - one past the last page
   * @throws {@link RegionError} when the bounds are not valid
   */
  constructor(start: number, end: number) {
    if (!isValidRegion(start, end)) throw new RegionError(start, end);
    this.start = start;
    this.end = end;
  }

  /** The region of `pages` pages starting at `start`; throws {@link RegionError} if it would pass `MAX_VPN`. */
  static ofLength(start: number, pages: number): VirtRegion {
    if (!Number.isInteger(pages) || pages < 0) throw new RegionError(start, start + pages);
    return new VirtRegion(start, start + pages);
  }

  /** Number of pages. */
  get pages(): number {
    return this.end - this.start;
  }

  /** True when the region holds no page. */
  get isEmpty(): boolean {
    return this.start === this.end;
  }

  /** True when page `vpn` lies inside. */
  contains(vpn: number): boolean {
    return vpn >= this.start && vpn < this.end;
  }

  /** True when every page of `other` lies inside this region (an empty `other` is contained anywhere in bounds). */
  containsRegion(other: VirtRegion): boolean {
    return other.start >= this.start && other.end <= this.end;
  }

  /** True when the two regions share at least one page. */
  collides(other: VirtRegion): boolean {
    return this.start < other.end && other.start < this.end && !this.isEmpty && !other.isEmpty;
  }

  /** The pages both regions hold, or `null` when they share none. */
  intersect(other: VirtRegion): VirtRegion | null {
    const s = Math.max(this.start, other.start);
    const e = Math.min(this.end, other.end);
    return s < e ? new VirtRegion(s, e) : null;
  }

  /** The part of this region that lies below `other.start`, or `null` if none. */
  before(other: VirtRegion): VirtRegion | null {
    const e = Math.min(this.end, other.start);
    return this.start < e ? new VirtRegion(this.start, e) : null;
  }

  /** The part of this region that lies at or above `other.end`, or `null` if none. */
  after(other: VirtRegion): VirtRegion | null {
    const s = Math.max(this.start, other.end);
    return s < this.end ? new VirtRegion(s, this.end) : null;
  }

  /**
   * This region minus `other`: up to two pieces, the one below `other` then the one above it
   * (DragonOS's `extract` leftovers).
   */
  subtract(other: VirtRegion): VirtRegion[] {
    if (!this.collides(other)) return this.isEmpty ? [] : [this];
    const out: VirtRegion[] = [];
    const b = this.before(other);
    if (b) out.push(b);
    const a = this.after(other);
    if (a) out.push(a);
    return out;
  }

  /** True when `other` starts exactly where this region ends or ends exactly where it starts. */
  isAdjacentTo(other: VirtRegion): boolean {
    return this.end === other.start || other.end === this.start;
  }

  /** True when both regions have the same bounds. */
  equals(other: VirtRegion): boolean {
    return this.start === other.start && this.end === other.end;
  }

  /** The region moved by `delta` pages; throws {@link RegionError} if it leaves `[0, MAX_VPN]`. */
  shift(delta: number): VirtRegion {
    return new VirtRegion(this.start + delta, this.end + delta);
  }

  /** `[0x<start>, 0x<end>)` in page numbers. */
  toString(): string {
    return `[0x${this.start.toString(16)}, 0x${this.end.toString(16)})`;
  }
}
