/**
 * System-call arguments as Linux sees them: unsigned 64-bit words.
 *
 * Every system call of {@link AddressSpace} takes `number | bigint` arguments and first normalises them here, so the
 * rest of the code only ever sees exact values:
 * - a `bigint` (or an integral `number`) is taken modulo 2^64, as C's conversion to `unsigned long` does: `-1`
 *   becomes `0xffff_ffff_ffff_ffff`, `2^64 + 5` becomes `5`;
 * - a `number` that is not an integer (`0.5`, `NaN`, `Infinity`) has no Linux equivalent; it is reported as
 *   {@link BAD_ARG} and every call answers it with `EINVAL` (documented choice).
 *
 * Arithmetic that Linux does in `unsigned long` (and that may wrap: `addr + len`, `PAGE_ALIGN(len)`) is done here in
 * `bigint` on the cold system-call path; values are turned back into `number`s only once they are known to lie inside
 * the user address space.
 *
 * @module
 */

/** A raw system-call argument: an integral `number` or a `bigint`, taken modulo 2^64. */
export type U64Arg = number | bigint;

/** 2^64. */
export const U64_MOD = 1n << 64n;
/** 2^64 − 1. */
export const U64_MAX = U64_MOD - 1n;
/** Returned by {@link toU64} for a `number` that is not an integer (or a value of another type). */
export const BAD_ARG = -1n;

/**
 * The unsigned 64-bit value of a raw argument, or {@link BAD_ARG} (`-1n`) for a non-integral number.
 */
export function toU64(x: U64Arg): bigint {
  if (typeof x === 'bigint') return BigInt.asUintN(64, x);
  if (typeof x !== 'number' || !Number.isInteger(x)) return BAD_ARG;
  return BigInt.asUintN(64, BigInt(x));
}

/** The signed 32-bit value of an `int` argument (flags, prot, advice), or `undefined` for a non-integer. */
export function toInt32(x: U64Arg): number | undefined {
  if (typeof x === 'number' && (x | 0) === x) return x;
  if (typeof x === 'bigint') return Number(BigInt.asIntN(32, x));
  if (typeof x !== 'number' || !Number.isInteger(x)) return undefined;
  return Number(BigInt.asIntN(32, BigInt(x)));
}

/** `(a + b) mod 2^64`. */
export function add64(a: bigint, b: bigint): bigint {
  return (a + b) & U64_MAX;
}

/** Linux's `PAGE_ALIGN(x)` on an unsigned long: rounds up to 4096, wrapping to 0 past 2^64 − 4096. */
export function pageAlign64(x: bigint): bigint {
  return (x + 0xfffn) & U64_MAX & ~0xfffn;
}

/** True when the low 12 bits are zero. */
export function isPageAligned64(x: bigint): boolean {
  return (x & 0xfffn) === 0n;
}

/**
 * The unsigned 64-bit value of a raw argument as a `number`: exact up to 2^53, rounded above (such values lie far
 * beyond any user address, which is all they are compared with); -1 for a non-integral number. A non-negative safe
 * integer — the common case — is returned as is, without BigInt.
 */
export function u64Value(x: U64Arg): number {
  if (typeof x === 'number') {
    if (x >= 0 && x <= Number.MAX_SAFE_INTEGER && Number.isInteger(x)) return x;
    if (!Number.isInteger(x)) return -1;
  } else if (typeof x !== 'bigint') return -1;
  return Number(BigInt.asUintN(64, BigInt(x)));
}

/** The low 12 bits (offset in a page) of a raw argument's u64 value, exactly; -1 for a non-integral number. */
export function u64PageOffset(x: U64Arg): number {
  if (typeof x === 'number') {
    if (x >= 0 && x <= Number.MAX_SAFE_INTEGER && Number.isInteger(x)) return x % 4096;
    if (!Number.isInteger(x)) return -1;
  } else if (typeof x !== 'bigint') return -1;
  return Number(BigInt.asUintN(64, BigInt(x)) & 0xfffn);
}
