/**
 * Addresses, page and frame numbers, and the page math every layer needs.
 *
 * "Page" is virtual, "frame" is physical. All four kinds are plain `number`s at run time (a 44-bit PPN and a
 * 48-bit VA fit a double exactly); the brands only keep them apart at compile time and cost nothing.
 * Every helper here is exact for integers in `[0, 2^53]` and refuses anything beyond (see {@link MAX_ADDRESS}).
 *
 * @module
 */

declare const brand: unique symbol;
/** A nominal brand on a primitive type; costs nothing at run time. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A virtual page number (virtual address / 4096). */
export type Vpn = Brand<number, 'Vpn'>;
/** A physical frame number (physical address / 4096), RISC-V's PPN. */
export type Pfn = Brand<number, 'Pfn'>;
/** A virtual byte address. */
export type VirtAddr = Brand<number, 'VirtAddr'>;
/** A physical byte address. */
export type PhysAddr = Brand<number, 'PhysAddr'>;

/** log2 of the base page size. */
export const PAGE_SHIFT = 12;
/** The base page size in bytes (4 KiB). */
export const PAGE_SIZE = 4096;
/** Mask of the offset bits inside a base page. */
export const PAGE_MASK = 0xfff;
/**
 * The largest byte address or length the page math accepts: 2^53. Every integer up to it is exact in a double;
 * the helpers refuse (return {@link OVERFLOW} or throw {@link AddressRangeError}) beyond it.
 */
export const MAX_ADDRESS = 2 ** 53;
/** Sentinel returned by the rounding helpers when the rounded result would exceed {@link MAX_ADDRESS}. */
export const OVERFLOW = -1;

/** Thrown by the checked constructors when a value is not a non-negative integer within range. */
export class AddressRangeError extends RangeError {
  /**
   * @param what - the kind of value that was being built (`"VirtAddr"`, `"Vpn"`, ...)
   * @param value - the offending value
   */
  constructor(
    readonly what: string,
    readonly value: unknown,
  ) {
    super(`${what} out of range: ${String(value)}`);
    this.name = 'AddressRangeError';
  }
}

/** True when `x` is an integer in `[0, MAX_ADDRESS]`. */
export function isAddressValue(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= MAX_ADDRESS;
}

function checked<T>(what: string, x: number, limit: number): T {
  if (!(Number.isInteger(x) && x >= 0 && x <= limit)) throw new AddressRangeError(what, x);
  return x as T;
}

/** Checked constructor of a {@link VirtAddr}: an integer in `[0, 2^53]`. */
export function virtAddr(x: number): VirtAddr {
  return checked<VirtAddr>('VirtAddr', x, MAX_ADDRESS);
}
/** Checked constructor of a {@link PhysAddr}: an integer in `[0, 2^53]`. */
export function physAddr(x: number): PhysAddr {
  return checked<PhysAddr>('PhysAddr', x, MAX_ADDRESS);
}
/** Checked constructor of a {@link Vpn}: an integer in `[0, 2^41]`. */
export function vpn(x: number): Vpn {
  return checked<Vpn>('Vpn', x, MAX_ADDRESS / PAGE_SIZE);
}
/** Checked constructor of a {@link Pfn}: an integer in `[0, 2^44)` (RISC-V's 44-bit PPN). */
export function pfn(x: number): Pfn {
  return checked<Pfn>('Pfn', x, 2 ** 44 - 1);
}

/** True when `x` is a multiple of the page size. Exact for every integer up to 2^53 (`&` keeps the low 32 bits). */
export function isPageAligned(x: number): boolean {
  return (x & PAGE_MASK) === 0;
}

/** The offset of an address inside its 4 KiB page. */
export function offsetInPage(addr: number): number {
  return addr & PAGE_MASK;
}

/** The page (or frame) number that holds `addr`. */
export function pageOf(addr: number): number {
  return Math.floor(addr / PAGE_SIZE);
}

/** The first byte address of page (or frame) `n`. */
export function addrOfPage(n: number): number {
  return n * PAGE_SIZE;
}

/** Rounds `addr` down to a page boundary. */
export function pageAlignDown(addr: number): number {
  return addr - (addr & PAGE_MASK);
}

/**
 * Rounds `addr` up to a page boundary, or returns {@link OVERFLOW} when the result would exceed 2^53
 * (Linux's `PAGE_ALIGN` wraps to 0 at 2^64; callers decide which errno that is).
 */
export function pageAlignUp(addr: number): number {
  const rem = addr & PAGE_MASK;
  if (rem === 0) return addr;
  const up = addr - rem + PAGE_SIZE;
  return up > MAX_ADDRESS ? OVERFLOW : up;
}

/**
 * Number of pages needed to hold `len` bytes, or {@link OVERFLOW} when rounding `len` up to a page would exceed
 * 2^53 or `len` is not a non-negative integer.
 */
export function pagesForBytes(len: number): number {
  if (!isAddressValue(len)) return OVERFLOW;
  const up = pageAlignUp(len);
  return up === OVERFLOW ? OVERFLOW : up / PAGE_SIZE;
}

/** True when `align` is a power of two in `[1, 2^52]`. */
export function isPowerOfTwo(align: number): boolean {
  if (!Number.isInteger(align) || align < 1 || align > 2 ** 52) return false;
  return 2 ** Math.round(Math.log2(align)) === align;
}

function checkAlign(align: number): void {
  if (!isPowerOfTwo(align)) throw new AddressRangeError('alignment', align);
}

/** Rounds `x` down to a multiple of `align` (a power of two). */
export function alignDown(x: number, align: number): number {
  checkAlign(align);
  return x - (x % align);
}

/** Rounds `x` up to a multiple of `align` (a power of two), or {@link OVERFLOW} past 2^53. */
export function alignUp(x: number, align: number): number {
  checkAlign(align);
  const rem = x % align;
  if (rem === 0) return x;
  const up = x - rem + align;
  return up > MAX_ADDRESS ? OVERFLOW : up;
}

/** True when `x` is a multiple of `align` (a power of two). */
export function isAligned(x: number, align: number): boolean {
  checkAlign(align);
  return x % align === 0;
}
