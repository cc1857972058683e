/**
 * 64-bit integer arithmetic on two signed 32-bit halves, without BigInt where it can be done exactly with
 * doubles: the full 128-bit product (16-bit limbs) and division with a double fast path for operands below 2^53.
 * Results go to {@link result} (`[lo, hi]` as signed 32-bit halves, or `[lo, hi, lo2, hi2]` for 128 bits).
 *
 * @module
 */

/** The last result: `result[0]` low half, `result[1]` high half (and `[2]`, `[3]` the high 64 bits of a product). */
export const result = new Int32Array(4);

const TWO32 = 4294967296;
const limbA = new Float64Array(4);
const limbB = new Float64Array(4);
const limbR = new Float64Array(8);

/** The unsigned 128-bit product of two 64-bit values into `result[0..3]`. */
export function mulU128(alo: number, ahi: number, blo: number, bhi: number): void {
  limbA[0] = alo & 0xffff;
  limbA[1] = alo >>> 16;
  limbA[2] = ahi & 0xffff;
  limbA[3] = ahi >>> 16;
  limbB[0] = blo & 0xffff;
  limbB[1] = blo >>> 16;
  limbB[2] = bhi & 0xffff;
  limbB[3] = bhi >>> 16;
  limbR.fill(0);
  for (let i = 0; i < 4; i++) {
    const a = limbA[i] as number;
    if (a === 0) continue;
    for (let j = 0; j < 4; j++) limbR[i + j] = (limbR[i + j] as number) + a * (limbB[j] as number);
  }
  let carry = 0;
  for (let k = 0; k < 8; k++) {
    const v = (limbR[k] as number) + carry;
    const low = v % 65536;
    limbR[k] = low;
    carry = (v - low) / 65536;
  }
  result[0] = (limbR[0] as number) | ((limbR[1] as number) << 16);
  result[1] = (limbR[2] as number) | ((limbR[3] as number) << 16);
  result[2] = (limbR[4] as number) | ((limbR[5] as number) << 16);
  result[3] = (limbR[6] as number) | ((limbR[7] as number) << 16);
}

/** The low 64 bits of a product (`mul`) into `result[0..1]`. */
export function mulLow(alo: number, ahi: number, blo: number, bhi: number): void {
  // alo * blo exactly as 64 bits, from 16-bit pieces.
  const a0 = alo & 0xffff;
  const a1 = alo >>> 16;
  const b0 = blo & 0xffff;
  const b1 = blo >>> 16;
  const p00 = a0 * b0;
  const mid = a1 * b0 + a0 * b1; // < 2^33
  const low = p00 + (mid % 65536) * 65536; // < 2^49
  const lo32 = low % TWO32;
  const hi32 = a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / TWO32);
  result[0] = lo32 | 0;
  result[1] = (hi32 + Math.imul(alo, bhi) + Math.imul(ahi, blo)) | 0;
}

/** `mulh`/`mulhsu`/`mulhu`: the high 64 bits of the product, operands signed as asked, into `result[0..1]`. */
export function mulHigh(
  alo: number,
  ahi: number,
  aSigned: boolean,
  blo: number,
  bhi: number,
  bSigned: boolean,
): void {
  mulU128(alo, ahi, blo, bhi);
  let lo = result[2] as number;
  let hi = result[3] as number;
  // Signed correction: (a - 2^64·[a<0]) (b - 2^64·[b<0]) = ab - 2^64 (b[a<0] + a[b<0]) (mod 2^128).
  if (aSigned && ahi < 0) {
    const l = (lo >>> 0) - (blo >>> 0);
    hi = (hi - bhi - (l < 0 ? 1 : 0)) | 0;
    lo = l | 0;
  }
  if (bSigned && bhi < 0) {
    const l = (lo >>> 0) - (alo >>> 0);
    hi = (hi - ahi - (l < 0 ? 1 : 0)) | 0;
    lo = l | 0;
  }
  result[0] = lo;
  result[1] = hi;
}

/** True when the 64-bit value (signed) lies in (−2^53, 2^53), so that a double holds it exactly. */
function safeSigned(hi: number): boolean {
  return hi >= -0x200000 && hi < 0x200000;
}

function fromNumber(v: number): void {
  const h = Math.floor(v / TWO32);
  result[0] = (v - h * TWO32) | 0;
  result[1] = h | 0;
}

function fromBig(v: bigint): void {
  result[0] = Number(BigInt.asIntN(32, v));
  result[1] = Number(BigInt.asIntN(32, v >> 32n));
}

function big(lo: number, hi: number, signed: boolean): bigint {
  const v = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  return signed ? v : BigInt.asUintN(64, v);
}

/**
 * `div`/`divu`/`rem`/`remu` into `result[0..1]`, as the M extension defines them: division by zero gives all ones
 * (quotient) or the dividend (remainder); the signed overflow −2^63 / −1 gives −2^63 and remainder 0.
 */
export function divRem(
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
  signed: boolean,
  rem: boolean,
): void {
  if (blo === 0 && bhi === 0) {
    if (rem) {
      result[0] = alo;
      result[1] = ahi;
    } else {
      result[0] = -1;
      result[1] = -1;
    }
    return;
  }
  if (signed) {
    if (ahi === -0x80000000 && alo === 0 && blo === -1 && bhi === -1) {
      result[0] = rem ? 0 : 0;
      result[1] = rem ? 0 : -0x80000000;
      return;
    }
    if (safeSigned(ahi) && safeSigned(bhi)) {
      const a = ahi * TWO32 + (alo >>> 0);
      const b = bhi * TWO32 + (blo >>> 0);
      const q = Math.trunc(a / b);
      fromNumber(rem ? a - q * b : q);
      return;
    }
  } else if (ahi >= 0 && ahi < 0x200000 && bhi >= 0 && bhi < 0x200000) {
    const a = ahi * TWO32 + (alo >>> 0);
    const b = bhi * TWO32 + (blo >>> 0);
    const q = Math.floor(a / b);
    fromNumber(rem ? a - q * b : q);
    return;
  }
  // Operands beyond 2^53: exact BigInt division (never reached by values a double holds).
  const a = big(alo, ahi, signed);
  const b = big(blo, bhi, signed);
  fromBig(rem ? a % b : a / b);
}

/** `divw`/`divuw`/`remw`/`remuw`: the 32-bit result (to be sign-extended), with the M extension's special cases. */
export function divRemW(a: number, b: number, signed: boolean, rem: boolean): number {
  if (b === 0) return rem ? a | 0 : -1;
  if (signed) {
    if (a === -0x80000000 && b === -1) return rem ? 0 : a;
    return rem ? (a % b) | 0 : (a / b) | 0;
  }
  const ua = a >>> 0;
  const ub = b >>> 0;
  return rem ? (ua % ub) | 0 : Math.floor(ua / ub) | 0;
}
