import { createRng } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import {
  F32,
  F64,
  FFLAGS,
  fadd,
  fclass,
  fcompare,
  fconvert,
  fdiv,
  ffma,
  fminmax,
  fmul,
  fromInteger,
  fsqrt,
  RM,
  takeFlags,
  toInteger,
} from '../src/fpu.js';
import { A, harness } from './asm.js';

const dv = new DataView(new ArrayBuffer(8));
function d(x: number): bigint {
  dv.setFloat64(0, x);
  return dv.getBigUint64(0);
}
function fromD(b: bigint): number {
  dv.setBigUint64(0, b);
  return dv.getFloat64(0);
}
function s(x: number): bigint {
  dv.setFloat32(0, x);
  return BigInt(dv.getUint32(0));
}
const I32: [bigint, bigint] = [-(1n << 31n), (1n << 31n) - 1n];
const U32: [bigint, bigint] = [0n, (1n << 32n) - 1n];
const { NX, UF, OF, DZ, NV } = FFLAGS;

function flagsOf<T>(f: () => T): [T, number] {
  takeFlags();
  const v = f();
  return [v, takeFlags()];
}

describe('F/D arithmetic: rounding modes and flags as the manual defines them', () => {
  it('fcvt.w.d rounds with each mode; ties to even / away; NX only when inexact', () => {
    const cvt = (x: number, rm: number) => flagsOf(() => toInteger(d(x), F64, rm, ...I32));
    expect(cvt(2.5, RM.RNE)).toEqual([2n, NX]);
    expect(cvt(3.5, RM.RNE)).toEqual([4n, NX]);
    expect(cvt(-2.5, RM.RNE)).toEqual([-2n, NX]);
    expect(cvt(2.5, RM.RMM)).toEqual([3n, NX]);
    expect(cvt(-2.5, RM.RMM)).toEqual([-3n, NX]);
    expect(cvt(-2.7, RM.RTZ)).toEqual([-2n, NX]);
    expect(cvt(-2.1, RM.RDN)).toEqual([-3n, NX]);
    expect(cvt(2.1, RM.RUP)).toEqual([3n, NX]);
    expect(cvt(7, RM.RUP)).toEqual([7n, 0]);
  });
  it("fcvt to integers out of range: NV (not NX) and the manual's table", () => {
    expect(flagsOf(() => toInteger(d(3e9), F64, RM.RNE, ...I32))).toEqual([I32[1], NV]);
    expect(flagsOf(() => toInteger(d(-3e9), F64, RM.RNE, ...I32))).toEqual([I32[0], NV]);
    expect(flagsOf(() => toInteger(d(Number.NaN), F64, RM.RNE, ...I32))).toEqual([I32[1], NV]);
    expect(flagsOf(() => toInteger(d(-1), F64, RM.RNE, ...U32))).toEqual([0n, NV]);
    expect(flagsOf(() => toInteger(d(-0.5), F64, RM.RTZ, ...U32))).toEqual([0n, NX]);
    expect(flagsOf(() => toInteger(d(Number.NEGATIVE_INFINITY), F64, RM.RNE, ...U32))).toEqual([0n, NV]);
  });
  it('underflow is tininess after rounding, and only when inexact', () => {
    // (2^-1022 + 2^-1074) / 2: a tie in the subnormal range → even, tiny and inexact
    expect(flagsOf(() => fmul(0x0010000000000001n, d(0.5), F64, RM.RNE))).toEqual([
      0x0008000000000000n,
      UF | NX,
    ]);
    // (1 − 2^-53)·2^-1022 is exact with an unbounded exponent, so tiny; it rounds to 2^-1022 in the subnormal range
    expect(flagsOf(() => fmul(0x001fffffffffffffn, d(0.5), F64, RM.RNE))).toEqual([
      0x0010000000000000n,
      UF | NX,
    ]);
    // 2^-1022 − 2^-1126 rounds to 2^-1022 even with an unbounded exponent: not tiny after rounding → NX only
    expect(flagsOf(() => fmul(0x000fffffffffffffn, 0x3ff0000000000001n, F64, RM.RNE))).toEqual([
      0x0010000000000000n,
      NX,
    ]);
    // an exact subnormal result raises nothing
    expect(flagsOf(() => fmul(d(2 ** -1022), d(0.5), F64, RM.RNE))).toEqual([d(2 ** -1023), 0]);
  });
  it('overflow: ±∞ or the largest finite value by rounding mode; divide by zero; invalid operations', () => {
    const big = d(1.7e308);
    expect(flagsOf(() => fadd(big, big, F64, RM.RNE))).toEqual([d(Number.POSITIVE_INFINITY), OF | NX]);
    expect(flagsOf(() => fadd(big, big, F64, RM.RTZ))).toEqual([0x7fefffffffffffffn, OF | NX]);
    expect(flagsOf(() => fmul(big, d(-2), F64, RM.RUP))).toEqual([0xffefffffffffffffn, OF | NX]);
    expect(flagsOf(() => fmul(big, d(-2), F64, RM.RDN))).toEqual([d(Number.NEGATIVE_INFINITY), OF | NX]);
    expect(flagsOf(() => fdiv(d(1), d(-0), F64, RM.RNE))).toEqual([d(Number.NEGATIVE_INFINITY), DZ]);
    expect(flagsOf(() => fdiv(d(0), d(0), F64, RM.RNE))).toEqual([F64.qnan, NV]);
    expect(flagsOf(() => fsqrt(d(-1), F64, RM.RNE))).toEqual([F64.qnan, NV]);
    expect(flagsOf(() => fsqrt(d(-0), F64, RM.RNE))).toEqual([d(-0), 0]);
    expect(
      flagsOf(() => fadd(d(Number.POSITIVE_INFINITY), d(Number.NEGATIVE_INFINITY), F64, RM.RNE)),
    ).toEqual([F64.qnan, NV]);
    // ∞·0 + qNaN is invalid for the fused operations
    expect(
      flagsOf(() => ffma(d(Number.POSITIVE_INFINITY), d(0), F64.qnan, F64, RM.RNE, false, false)),
    ).toEqual([F64.qnan, NV]);
  });
  it('signed zeros: x − x is +0, −0 in RDN; −0 + −0 is −0', () => {
    expect(fadd(d(1), d(1), F64, RM.RNE, true)).toBe(d(0));
    expect(fadd(d(1), d(1), F64, RM.RDN, true)).toBe(d(-0));
    expect(fadd(d(-0), d(-0), F64, RM.RNE)).toBe(d(-0));
    expect(ffma(d(1), d(1), d(1), F64, RM.RDN, false, true)).toBe(d(-0));
  });
  it('NaNs: the canonical NaN, NV only for signaling ones; min/max return the number; feq quiet, flt signaling', () => {
    const snan = 0x7ff4000000000000n;
    expect(flagsOf(() => fadd(snan, d(1), F64, RM.RNE))).toEqual([F64.qnan, NV]);
    expect(flagsOf(() => fadd(0xfff8000000000123n, d(1), F64, RM.RNE))).toEqual([F64.qnan, 0]);
    expect(flagsOf(() => fminmax(F64.qnan, d(3), F64, false))).toEqual([d(3), 0]);
    expect(flagsOf(() => fminmax(snan, d(3), F64, true))).toEqual([d(3), NV]);
    expect(fminmax(d(-0), d(0), F64, false)).toBe(d(-0));
    expect(fminmax(d(-0), d(0), F64, true)).toBe(d(0));
    expect(flagsOf(() => fcompare(F64.qnan, d(1), F64, 'eq'))).toEqual([0, 0]);
    expect(flagsOf(() => fcompare(F64.qnan, d(1), F64, 'lt'))).toEqual([0, NV]);
    expect(fcompare(d(-0), d(0), F64, 'eq')).toBe(1);
    expect(fcompare(d(-0), d(0), F64, 'lt')).toBe(0);
    expect(fcompare(d(-1e300), d(1e-300), F64, 'le')).toBe(1);
  });
  it('fclass: one bit per class', () => {
    const cases: [bigint, number][] = [
      [d(Number.NEGATIVE_INFINITY), 0],
      [d(-1), 1],
      [0x800fffffffffffffn, 2],
      [d(-0), 3],
      [d(0), 4],
      [1n, 5],
      [d(1), 6],
      [d(Number.POSITIVE_INFINITY), 7],
      [0x7ff4000000000000n, 8],
      [F64.qnan, 9],
    ];
    for (const [v, bit] of cases) expect(fclass(v, F64)).toBe(1 << bit);
  });
  it('conversions between formats and from integers round with the mode', () => {
    expect(flagsOf(() => fconvert(d(1 / 3), F64, F32, RM.RNE))).toEqual([s(1 / 3), NX]);
    expect(fconvert(d(1 / 3), F64, F32, RM.RTZ)).toBe(s(1 / 3) - 1n); // RNE rounded 1/3 up
    expect(flagsOf(() => fconvert(0x7ff4000000000000n, F64, F32, RM.RNE))).toEqual([F32.qnan, NV]);
    expect(flagsOf(() => fromInteger((1n << 53n) + 1n, F64, RM.RNE))).toEqual([d(2 ** 53), NX]);
    expect(fromInteger((1n << 53n) + 1n, F64, RM.RUP)).toBe(d(2 ** 53 + 2));
    expect(fromInteger(-(1n << 63n), F64, RM.RNE)).toBe(d(-(2 ** 63)));
    expect(flagsOf(() => fromInteger(16777217n, F32, RM.RNE))).toEqual([s(16777216), NX]);
  });
});

describe("F/D in round-to-nearest-even agree with the host's IEEE arithmetic (seeded random operands)", () => {
  const rng = createRng(31337);
  const randomDouble = () => {
    const k = rng.nextInt(3);
    if (k === 0) return (BigInt(rng.nextInt(2 ** 32)) << 32n) | BigInt(rng.nextInt(2 ** 32));
    if (k === 1) return d((rng.nextInt(2000) - 1000) * 2 ** (rng.nextInt(60) - 30));
    return (
      BigInt(rng.nextInt(2 ** 32)) | (BigInt(rng.nextInt(2 ** 20)) << 32n) | (BigInt(rng.nextInt(2)) << 63n)
    ); // subnormal
  };
  const norm = (b: bigint) => (Number.isNaN(fromD(b)) ? F64.qnan : b);
  it('binary64 add, sub, mul, div, sqrt', () => {
    for (let k = 0; k < 3000; k++) {
      const a = randomDouble();
      const b = randomDouble();
      const x = fromD(a);
      const y = fromD(b);
      expect(fadd(a, b, F64, RM.RNE)).toBe(norm(d(x + y)));
      expect(fadd(a, b, F64, RM.RNE, true)).toBe(norm(d(x - y)));
      expect(fmul(a, b, F64, RM.RNE)).toBe(norm(d(x * y)));
      expect(fdiv(a, b, F64, RM.RNE)).toBe(norm(d(x / y)));
      expect(fsqrt(a, F64, RM.RNE)).toBe(norm(d(Math.sqrt(x))));
    }
  });
  it('binary32 add, mul, div, sqrt (rounding the exact double result once more is exact for these)', () => {
    for (let k = 0; k < 3000; k++) {
      const a = BigInt(rng.nextInt(2 ** 32));
      const b = BigInt(rng.nextInt(2 ** 32));
      dv.setUint32(0, Number(a));
      const x = dv.getFloat32(0);
      dv.setUint32(0, Number(b));
      const y = dv.getFloat32(0);
      const n32 = (v: number) => (Number.isNaN(v) ? F32.qnan : s(v));
      expect(fadd(a, b, F32, RM.RNE)).toBe(n32(Math.fround(x + y)));
      expect(fmul(a, b, F32, RM.RNE)).toBe(n32(Math.fround(x * y)));
      expect(fdiv(a, b, F32, RM.RNE)).toBe(n32(Math.fround(x / y)));
      expect(fsqrt(a, F32, RM.RNE)).toBe(n32(Math.fround(Math.sqrt(x))));
    }
  });
});

describe('F/D on the hart: NaN-boxing, fcsr, illegal rounding modes', () => {
  const R = (f7: number, rs2: number, rs1: number, f3: number, rd: number) =>
    ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x53) >>> 0;
  it('a binary32 operand that is not NaN-boxed reads as the canonical NaN; results are boxed; flags accrue', () => {
    const { hart } = harness([
      R(0x00, 2, 1, 7, 3), // fadd.s f3, f1, f2 (dynamic rm)
      R(0x00, 1, 1, 0, 4), // fadd.s f4, f1, f1
      R(0x0c, 5, 1, 0, 6), // fdiv.s f6, f1, f5 (f5 = +0 boxed → DZ)
      A.csrrs(10, 0x001, 0), // a0 = fflags
      A.ecall(),
    ]);
    hart.setFreg(1, 0xffffffff_00000000n | s(1.5));
    hart.setFreg(2, d(2.0)); // not boxed
    hart.setFreg(5, 0xffffffff_00000000n);
    expect(hart.run(10).reason).toBe('ecall');
    expect(hart.freg(3)).toBe(0xffffffff_00000000n | F32.qnan);
    expect(hart.freg(4)).toBe(0xffffffff_00000000n | s(3));
    expect(hart.freg(6)).toBe(0xffffffff_00000000n | s(Number.POSITIVE_INFINITY));
    expect(hart.reg('a0')).toBe(BigInt(DZ));
  });
  it('a reserved rounding mode (5, 6, or 7 with frm ≥ 5) is SIGILL', () => {
    expect(harness([R(0x01, 2, 1, 5, 3)]).hart.run(5)).toMatchObject({ signal: 'SIGILL' });
    const { hart } = harness([A.csrrwi(0, 0x002, 6), R(0x01, 2, 1, 7, 3)]);
    expect(hart.run(5)).toMatchObject({ signal: 'SIGILL', pc: 0x10004 });
  });
  it('fld/fsd/flw/fsw and fmv move raw bits (fsw and fmv.x.w do not check boxing)', () => {
    const FLD = (rd: number, rs1: number, imm: number) =>
      ((imm << 20) | (rs1 << 15) | (3 << 12) | (rd << 7) | 0x07) >>> 0;
    const FSW = (rs2: number, rs1: number, imm: number) =>
      ((rs2 << 20) | (rs1 << 15) | (2 << 12) | (imm << 7) | 0x27) >>> 0;
    const { hart, memory } = harness([
      A.lui(5, 0x20), // t0 = 0x20000
      FSW(1, 5, 0), // fsw f1, 0(t0)
      FLD(2, 5, 0), // fld f2, 0(t0)
      R(0x70, 0, 1, 0, 10), // fmv.x.w a0, f1
      R(0x71, 0, 1, 0, 11), // fmv.x.d a1, f1
      A.ecall(),
    ]);
    memory.write(0x20004, new Uint8Array([1, 2, 3, 4]));
    hart.setFreg(1, 0x12345678_89abcdefn);
    expect(hart.run(10).reason).toBe('ecall');
    expect(hart.freg(2)).toBe(0x04030201_89abcdefn);
    expect(hart.reg('a0')).toBe(0xffffffff_89abcdefn);
    expect(hart.reg('a1')).toBe(0x12345678_89abcdefn);
  });
});

describe("binary64 fast paths give the exact path's bits and flags", () => {
  it('add, sub, mul, div on seeded random operands (normal, subnormal, huge, exact and inexact)', async () => {
    const { useFastPaths } = await import('../src/fpu.js');
    const rng = createRng(4242);
    const pick = (): bigint => {
      const k = rng.nextInt(4);
      if (k === 0) return (BigInt(rng.nextInt(2 ** 32)) << 32n) | BigInt(rng.nextInt(2 ** 32));
      if (k === 1) return d((rng.nextInt(4000) - 2000) * 2 ** (rng.nextInt(80) - 40));
      if (k === 2) return d((rng.nextInt(2000) + 1) * 2 ** (rng.nextInt(2000) - 1070));
      return d(rng.nextInt(2) ? 2 ** 1000 * (rng.nextInt(100) + 1) : 2 ** -1000 * (rng.nextInt(100) + 1));
    };
    const ops = [
      (a: bigint, b: bigint) => fadd(a, b, F64, RM.RNE),
      (a: bigint, b: bigint) => fadd(a, b, F64, RM.RNE, true),
      (a: bigint, b: bigint) => fmul(a, b, F64, RM.RNE),
      (a: bigint, b: bigint) => fdiv(a, b, F64, RM.RNE),
    ];
    try {
      for (let k = 0; k < 4000; k++) {
        const a = pick();
        const b = pick();
        for (const op of ops) {
          useFastPaths(true);
          const fast = flagsOf(() => op(a, b));
          useFastPaths(false);
          const exact = flagsOf(() => op(a, b));
          expect(fast, `${a.toString(16)} ${b.toString(16)}`).toEqual(exact);
        }
      }
    } finally {
      useFastPaths(true);
    }
  });
});
