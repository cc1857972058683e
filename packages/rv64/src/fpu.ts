/**
 * The F and D extensions' arithmetic, exactly as the unprivileged manual defines it: IEEE 754-2008 binary32 and
 * binary64 with the five rounding modes, tininess detected after rounding, the canonical NaN for every NaN result,
 * and the accrued flags (NV, DZ, OF, UF, NX). Every operation is computed exactly on BigInt mantissas and rounded
 * once ({@link round}), so one rounding routine serves add, multiply, divide, square root, fused multiply-add and
 * the conversions. (This is the FP path's cost: it allocates BigInts; the integer path never does.)
 *
 * Values are raw bit patterns as unsigned bigints (a binary32 in the low 32 bits).
 *
 * @module
 */

/** `fflags` bits. */
export const FFLAGS = { NX: 1, UF: 2, OF: 4, DZ: 8, NV: 16 } as const;

/** Rounding modes (`frm` / the instruction's `rm`). */
export const RM = { RNE: 0, RTZ: 1, RDN: 2, RUP: 3, RMM: 4 } as const;

/** A floating-point format. */
export interface FloatFormat {
  /** Stored fraction bits (23 or 52). */
  readonly frac: number;
  /** Exponent bits (8 or 11). */
  readonly expBits: number;
  /** The canonical quiet NaN. */
  readonly qnan: bigint;
}

/** binary32. */
export const F32: FloatFormat = { frac: 23, expBits: 8, qnan: 0x7fc00000n };
/** binary64. */
export const F64: FloatFormat = { frac: 52, expBits: 11, qnan: 0x7ff8000000000000n };

/** Flags raised since the last {@link takeFlags}. */
let flags = 0;

/** Returns the flags raised since the last call and clears them. */
export function takeFlags(): number {
  const f = flags;
  flags = 0;
  return f;
}

const bias = (f: FloatFormat) => (1 << (f.expBits - 1)) - 1;
const maxExp = (f: FloatFormat) => (1 << f.expBits) - 1;
const width = (f: FloatFormat) => BigInt(f.frac + f.expBits + 1);

/** The parts of a value: class, sign, and for a finite value mantissa × 2^exp exactly. */
interface Unpacked {
  kind: 'zero' | 'finite' | 'inf' | 'nan';
  sign: number;
  mant: bigint;
  exp: number;
  signaling: boolean;
}

function unpack(bits: bigint, f: FloatFormat): Unpacked {
  const fracMask = (1n << BigInt(f.frac)) - 1n;
  const sign = Number((bits >> (width(f) - 1n)) & 1n);
  const e = Number((bits >> BigInt(f.frac)) & BigInt(maxExp(f)));
  const frac = bits & fracMask;
  if (e === maxExp(f)) {
    if (frac === 0n) return { kind: 'inf', sign, mant: 0n, exp: 0, signaling: false };
    return { kind: 'nan', sign, mant: 0n, exp: 0, signaling: frac >> BigInt(f.frac - 1) === 0n };
  }
  if (e === 0) {
    if (frac === 0n) return { kind: 'zero', sign, mant: 0n, exp: 0, signaling: false };
    return { kind: 'finite', sign, mant: frac, exp: 1 - bias(f) - f.frac, signaling: false };
  }
  return {
    kind: 'finite',
    sign,
    mant: frac | (1n << BigInt(f.frac)),
    exp: e - bias(f) - f.frac,
    signaling: false,
  };
}

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

const inf = (sign: number, f: FloatFormat) =>
  (BigInt(sign) << (width(f) - 1n)) | (BigInt(maxExp(f)) << BigInt(f.frac));
const zero = (sign: number, f: FloatFormat) => BigInt(sign) << (width(f) - 1n);
const maxFinite = (sign: number, f: FloatFormat) =>
  (BigInt(sign) << (width(f) - 1n)) |
  (BigInt(maxExp(f) - 1) << BigInt(f.frac)) |
  ((1n << BigInt(f.frac)) - 1n);

/** Rounds `mant` (an integer ≥ 0) to a multiple of 2^`shift` with `rm`; returns the quotient and the inexactness. */
function roundShift(
  mant: bigint,
  shift: number,
  sticky: boolean,
  sign: number,
  rm: number,
): [bigint, boolean] {
  if (shift <= 0) {
    // `sticky` is always below half of the last place here (callers keep ≥ 2 extra bits when they use it).
    const m = mant << BigInt(-shift);
    if (!sticky) return [m, false];
    const up = (rm === RM.RDN && sign === 1) || (rm === RM.RUP && sign === 0);
    return [up ? m + 1n : m, true];
  }
  const s = BigInt(shift);
  let m = mant >> s;
  const r = mant & ((1n << s) - 1n);
  const half = 1n << (s - 1n);
  const inexact = r !== 0n || sticky;
  let inc = false;
  switch (rm) {
    case RM.RNE:
      inc = r > half || (r === half && (sticky || (m & 1n) === 1n));
      break;
    case RM.RMM:
      inc = r >= half;
      break;
    case RM.RDN:
      inc = inexact && sign === 1;
      break;
    case RM.RUP:
      inc = inexact && sign === 0;
      break;
    default: // RTZ
      break;
  }
  if (inc) m += 1n;
  return [m, inexact];
}

/**
 * Rounds the exact value (−1)^sign × (mant + ε) × 2^exp to format `f` with `rm`, where ε ∈ (0, 1/4) when `sticky`
 * is set (0 otherwise), raising NX, UF (tiny after rounding and inexact) and OF.
 */
export function round(
  sign: number,
  mant: bigint,
  exp: number,
  sticky: boolean,
  f: FloatFormat,
  rm: number,
): bigint {
  if (mant === 0n && !sticky) return zero(sign, f);
  const emin = 1 - bias(f);
  const lead = exp + bitLength(mant) - 1; // exponent of the leading bit
  const qexp = Math.max(lead, emin) - f.frac;
  let [m, inexact] = roundShift(mant, qexp - exp, sticky, sign, rm);
  let q = qexp;
  if (m >> BigInt(f.frac + 1) !== 0n) {
    m >>= 1n;
    q += 1;
  }
  if (inexact) flags |= FFLAGS.NX;
  if (lead < emin && inexact) {
    // Tininess after rounding: round with an unbounded exponent range and see whether it stays below 2^emin.
    const [m2] = roundShift(mant, lead - f.frac - exp, sticky, sign, rm);
    const lead2 = lead + (m2 >> BigInt(f.frac + 1) !== 0n ? 1 : 0);
    if (lead2 < emin) flags |= FFLAGS.UF;
  }
  const hidden = 1n << BigInt(f.frac);
  if (m >= hidden) {
    const biased = q + f.frac + bias(f);
    if (biased >= maxExp(f)) {
      flags |= FFLAGS.OF | FFLAGS.NX;
      const toInf =
        rm === RM.RNE || rm === RM.RMM || (rm === RM.RUP && sign === 0) || (rm === RM.RDN && sign === 1);
      return toInf ? inf(sign, f) : maxFinite(sign, f);
    }
    return (BigInt(sign) << (width(f) - 1n)) | (BigInt(biased) << BigInt(f.frac)) | (m - hidden);
  }
  return (BigInt(sign) << (width(f) - 1n)) | m;
}

function nanResult(f: FloatFormat, ...xs: Unpacked[]): bigint {
  if (xs.some((x) => x.signaling)) flags |= FFLAGS.NV;
  return f.qnan;
}

function invalid(f: FloatFormat): bigint {
  flags |= FFLAGS.NV;
  return f.qnan;
}

/** Exact sum of two finite-or-zero values, rounded. */
function addExact(a: Unpacked, b: Unpacked, f: FloatFormat, rm: number): bigint {
  if (a.kind === 'zero' && b.kind === 'zero') {
    return zero(a.sign === b.sign ? a.sign : rm === RM.RDN ? 1 : 0, f);
  }
  const e = Math.min(a.kind === 'zero' ? b.exp : a.exp, b.kind === 'zero' ? a.exp : b.exp);
  const va = (a.mant << BigInt(a.kind === 'zero' ? 0 : a.exp - e)) * (a.sign ? -1n : 1n);
  const vb = (b.mant << BigInt(b.kind === 'zero' ? 0 : b.exp - e)) * (b.sign ? -1n : 1n);
  const s = va + vb;
  if (s === 0n) return zero(rm === RM.RDN ? 1 : 0, f);
  return round(s < 0n ? 1 : 0, s < 0n ? -s : s, e, false, f, rm);
}

// ---- binary64 round-to-nearest-even fast paths (host doubles; the exact path decides every other case) ----

let fastPaths = true;
/** Turns the binary64 RNE fast paths on or off (tests compare both); they give the same bits and flags. */
export function useFastPaths(on: boolean): void {
  fastPaths = on;
}

const hostView = new DataView(new ArrayBuffer(8));
function toHost(b: bigint): number {
  hostView.setBigUint64(0, b);
  return hostView.getFloat64(0);
}
function fromHost(x: number): bigint {
  hostView.setFloat64(0, x);
  return hostView.getBigUint64(0);
}
/** Results at least this large are normal and their product/quotient errors are representable (Dekker). */
const SAFE_LOW = 2 ** -968;
/** Operands below this can be split (Veltkamp) without overflow. */
const SAFE_HIGH = 2 ** 995;
const SPLITTER = 134217729; // 2^27 + 1

/** The rounding error of the host product a·b = p + e (exact under the bounds above). */
function productError(a: number, b: number, p: number): number {
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** `fadd` (`negateB` for `fsub`). */
export function fadd(x: bigint, y: bigint, f: FloatFormat, rm: number, negateB = false): bigint {
  if (fastPaths && f === F64 && rm === RM.RNE) {
    const a = toHost(x);
    const b = negateB ? -toHost(y) : toHost(y);
    const r = a + b;
    if (Math.abs(r) >= 2 ** -1022 && Math.abs(r) < Number.POSITIVE_INFINITY) {
      const bb = r - a;
      if (a - (r - bb) + (b - bb) !== 0) flags |= FFLAGS.NX; // TwoSum's exact error
      return fromHost(r);
    }
  }
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (negateB) b.sign ^= 1;
  if (a.kind === 'nan' || b.kind === 'nan') return nanResult(f, a, b);
  if (a.kind === 'inf' || b.kind === 'inf') {
    if (a.kind === 'inf' && b.kind === 'inf' && a.sign !== b.sign) return invalid(f);
    return inf(a.kind === 'inf' ? a.sign : b.sign, f);
  }
  return addExact(a, b, f, rm);
}

/** `fmul`. */
export function fmul(x: bigint, y: bigint, f: FloatFormat, rm: number): bigint {
  if (fastPaths && f === F64 && rm === RM.RNE) {
    const a = toHost(x);
    const b = toHost(y);
    const r = a * b;
    const ar = Math.abs(r);
    if (
      ar >= SAFE_LOW &&
      ar < Number.POSITIVE_INFINITY &&
      Math.abs(a) < SAFE_HIGH &&
      Math.abs(b) < SAFE_HIGH
    ) {
      if (productError(a, b, r) !== 0) flags |= FFLAGS.NX;
      return fromHost(r);
    }
  }
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (a.kind === 'nan' || b.kind === 'nan') return nanResult(f, a, b);
  const sign = a.sign ^ b.sign;
  if (a.kind === 'inf' || b.kind === 'inf') {
    if (a.kind === 'zero' || b.kind === 'zero') return invalid(f);
    return inf(sign, f);
  }
  if (a.kind === 'zero' || b.kind === 'zero') return zero(sign, f);
  return round(sign, a.mant * b.mant, a.exp + b.exp, false, f, rm);
}

/** `fdiv`. */
export function fdiv(x: bigint, y: bigint, f: FloatFormat, rm: number): bigint {
  if (fastPaths && f === F64 && rm === RM.RNE) {
    const a = toHost(x);
    const b = toHost(y);
    const r = a / b;
    const ar = Math.abs(r);
    if (
      ar >= SAFE_LOW &&
      ar < SAFE_HIGH &&
      Math.abs(a) >= SAFE_LOW &&
      Math.abs(b) >= SAFE_LOW &&
      Math.abs(b) < SAFE_HIGH
    ) {
      // exact iff r·b = a exactly
      const p = r * b;
      if (p !== a || productError(r, b, p) !== 0) flags |= FFLAGS.NX;
      return fromHost(r);
    }
  }
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (a.kind === 'nan' || b.kind === 'nan') return nanResult(f, a, b);
  const sign = a.sign ^ b.sign;
  if (a.kind === 'inf') return b.kind === 'inf' ? invalid(f) : inf(sign, f);
  if (b.kind === 'inf') return zero(sign, f);
  if (b.kind === 'zero') {
    if (a.kind === 'zero') return invalid(f);
    flags |= FFLAGS.DZ;
    return inf(sign, f);
  }
  if (a.kind === 'zero') return zero(sign, f);
  const k = Math.max(0, f.frac + 4 + bitLength(b.mant) - bitLength(a.mant));
  const num = a.mant << BigInt(k);
  const q = num / b.mant;
  return round(sign, q, a.exp - b.exp - k, q * b.mant !== num, f, rm);
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** `fsqrt`. */
export function fsqrt(x: bigint, f: FloatFormat, rm: number): bigint {
  const a = unpack(x, f);
  if (a.kind === 'nan') return nanResult(f, a);
  if (a.kind === 'zero') return x;
  if (a.sign === 1) return invalid(f);
  if (a.kind === 'inf') return x;
  let m = a.mant;
  let e = a.exp;
  if (e % 2 !== 0) {
    m <<= 1n;
    e -= 1;
  }
  const k = Math.max(0, f.frac + 4 - Math.floor(bitLength(m) / 2)) + 1;
  const scaled = m << BigInt(2 * k);
  const s = isqrt(scaled);
  return round(0, s, (e - 2 * k) / 2, s * s !== scaled, f, rm);
}

/** `fmadd` (and with `negateProduct`/`negateAddend`, `fmsub`, `fnmsub`, `fnmadd`): (±a·b) ± c rounded once. */
export function ffma(
  x: bigint,
  y: bigint,
  z: bigint,
  f: FloatFormat,
  rm: number,
  negateProduct: boolean,
  negateAddend: boolean,
): bigint {
  const a = unpack(x, f);
  const b = unpack(y, f);
  const c = unpack(z, f);
  if (negateAddend) c.sign ^= 1;
  // ∞ × 0 is invalid even when the addend is a quiet NaN (the manual's rule for the fused operations).
  const infTimesZero = (a.kind === 'inf' && b.kind === 'zero') || (a.kind === 'zero' && b.kind === 'inf');
  if (a.kind === 'nan' || b.kind === 'nan' || c.kind === 'nan') {
    if (infTimesZero) flags |= FFLAGS.NV;
    return nanResult(f, a, b, c);
  }
  if (infTimesZero) return invalid(f);
  const ps = a.sign ^ b.sign ^ (negateProduct ? 1 : 0);
  if (a.kind === 'inf' || b.kind === 'inf') {
    if (c.kind === 'inf' && c.sign !== ps) return invalid(f);
    return inf(ps, f);
  }
  if (c.kind === 'inf') return inf(c.sign, f);
  const p: Unpacked =
    a.kind === 'zero' || b.kind === 'zero'
      ? { kind: 'zero', sign: ps, mant: 0n, exp: 0, signaling: false }
      : { kind: 'finite', sign: ps, mant: a.mant * b.mant, exp: a.exp + b.exp, signaling: false };
  return addExact(p, c, f, rm);
}

/** `fmin`/`fmax` (IEEE 754-2019 minimumNumber/maximumNumber, −0 < +0). */
export function fminmax(x: bigint, y: bigint, f: FloatFormat, max: boolean): bigint {
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (a.signaling || b.signaling) flags |= FFLAGS.NV;
  if (a.kind === 'nan' && b.kind === 'nan') return f.qnan;
  if (a.kind === 'nan') return y;
  if (b.kind === 'nan') return x;
  const lt = less(a, b) || (a.kind === 'zero' && b.kind === 'zero' && a.sign > b.sign);
  return lt === max ? y : x;
}

/** The order of two non-NaN values: −1, 0 or 1 (−0 = +0). */
function compare(a: Unpacked, b: Unpacked): number {
  const sa = a.kind === 'zero' ? 0 : a.sign ? -1 : 1;
  const sb = b.kind === 'zero' ? 0 : b.sign ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  let mag: number;
  if (a.kind === 'inf' || b.kind === 'inf') mag = a.kind === b.kind ? 0 : a.kind === 'inf' ? 1 : -1;
  else {
    const e = Math.min(a.exp, b.exp);
    const ma = a.mant << BigInt(a.exp - e);
    const mb = b.mant << BigInt(b.exp - e);
    mag = ma === mb ? 0 : ma > mb ? 1 : -1;
  }
  return sa * mag;
}

function less(a: Unpacked, b: Unpacked): boolean {
  return compare(a, b) < 0;
}

/** `feq` (quiet: NV only for a signaling NaN), `flt`/`fle` (signaling: NV for any NaN). 1 or 0. */
export function fcompare(x: bigint, y: bigint, f: FloatFormat, kind: 'eq' | 'lt' | 'le'): number {
  const a = unpack(x, f);
  const b = unpack(y, f);
  if (a.kind === 'nan' || b.kind === 'nan') {
    if (kind !== 'eq' || a.signaling || b.signaling) flags |= FFLAGS.NV;
    return 0;
  }
  const c = compare(a, b);
  if (kind === 'eq') return c === 0 ? 1 : 0;
  if (kind === 'lt') return c < 0 ? 1 : 0;
  return c <= 0 ? 1 : 0;
}

/** `fclass`: the one-hot class mask. */
export function fclass(x: bigint, f: FloatFormat): number {
  const u = unpack(x, f);
  const subnormal = u.kind === 'finite' && u.mant >> BigInt(f.frac) === 0n;
  switch (u.kind) {
    case 'inf':
      return u.sign ? 1 << 0 : 1 << 7;
    case 'zero':
      return u.sign ? 1 << 3 : 1 << 4;
    case 'nan':
      return u.signaling ? 1 << 8 : 1 << 9;
    default:
      return u.sign ? (subnormal ? 1 << 2 : 1 << 1) : subnormal ? 1 << 5 : 1 << 6;
  }
}

/** `fcvt.s.d` / `fcvt.d.s`. */
export function fconvert(x: bigint, from: FloatFormat, to: FloatFormat, rm: number): bigint {
  const a = unpack(x, from);
  if (a.kind === 'nan') return nanResult(to, a);
  if (a.kind === 'inf') return inf(a.sign, to);
  if (a.kind === 'zero') return zero(a.sign, to);
  return round(a.sign, a.mant, a.exp, false, to, rm);
}

/** `fcvt.{s,d}.{w,wu,l,lu}`: the integer `v` (exact, any sign) rounded to `f`. */
export function fromInteger(v: bigint, f: FloatFormat, rm: number): bigint {
  if (v === 0n) return 0n;
  return round(v < 0n ? 1 : 0, v < 0n ? -v : v, 0, false, f, rm);
}

/**
 * `fcvt.{w,wu,l,lu}.{s,d}`: the value rounded to an integer with `rm`, as a bigint in [min, max]; out of range, ∞
 * and NaN are invalid (NV, not NX) and give the manual's table: NaN and too large → max, too small → min.
 */
export function toInteger(x: bigint, f: FloatFormat, rm: number, min: bigint, max: bigint): bigint {
  const a = unpack(x, f);
  if (a.kind === 'nan') {
    flags |= FFLAGS.NV;
    return max;
  }
  if (a.kind === 'inf') {
    flags |= FFLAGS.NV;
    return a.sign ? min : max;
  }
  if (a.kind === 'zero') return 0n;
  const [m, inexact] = roundShift(a.mant, -a.exp, false, a.sign, rm);
  const v = a.sign ? -m : m;
  if (v < min || v > max) {
    flags |= FFLAGS.NV;
    return a.sign ? min : max;
  }
  if (inexact) flags |= FFLAGS.NX;
  return v;
}
