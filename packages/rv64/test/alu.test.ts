import { createRng } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { A, exec1, harness } from './asm.js';
import { REFERENCE, REFERENCE_IMM } from './reference.js';

const M = (1n << 64n) - 1n;
const MIN = 1n << 63n;
const T0 = 5;
const T1 = 6;
const T2 = 7;
const rr = (name: keyof typeof A, a: bigint, b: bigint) =>
  exec1((A[name] as (d: number, s1: number, s2: number) => number)(T2, T0, T1), a & M, b & M);
const ri = (name: keyof typeof A, a: bigint, imm: number) =>
  exec1((A[name] as (d: number, s1: number, i: number) => number)(T2, T0, imm), a & M);

describe("M extension edge cases (the manual's table of division results)", () => {
  it('division by zero: quotient all ones, remainder the dividend', () => {
    expect(rr('div', 42n, 0n)).toBe(M);
    expect(rr('divu', 42n, 0n)).toBe(M);
    expect(rr('rem', -42n, 0n)).toBe(-42n & M);
    expect(rr('remu', 42n, 0n)).toBe(42n);
    expect(rr('divw', 42n, 0n)).toBe(M);
    expect(rr('divuw', 42n, 0n)).toBe(M);
    expect(rr('remw', 0xffffffff_80000001n, 0n)).toBe(0xffffffff_80000001n);
    expect(rr('remuw', 0x12345678_9abcdef0n, 0n)).toBe(0xffffffff_9abcdef0n);
  });
  it('signed overflow: −2^63 / −1 = −2^63, remainder 0 (and the 32-bit forms)', () => {
    expect(rr('div', MIN, -1n)).toBe(MIN);
    expect(rr('rem', MIN, -1n)).toBe(0n);
    expect(rr('divw', 0x80000000n, -1n)).toBe(0xffffffff_80000000n);
    expect(rr('remw', 0x80000000n, -1n)).toBe(0n);
  });
  it("division truncates toward zero; the remainder has the dividend's sign", () => {
    expect(rr('div', -7n, 2n)).toBe(-3n & M);
    expect(rr('rem', -7n, 2n)).toBe(-1n & M);
    expect(rr('rem', 7n, -2n)).toBe(1n);
    expect(rr('divu', M, 3n)).toBe(M / 3n);
    expect(rr('div', 0x7fffffff_ffffffffn, -0x10000000_00000001n)).toBe(-7n & M);
  });
  it('high multiplies: mulh, mulhsu, mulhu of extreme operands', () => {
    expect(rr('mulhu', M, M)).toBe(M - 1n);
    expect(rr('mulh', M, M)).toBe(0n); // (−1)(−1) = 1
    expect(rr('mulh', MIN, MIN)).toBe(1n << 62n);
    expect(rr('mulhsu', M, M)).toBe(M); // −1 · (2^64 − 1) = −2^64 + 1 → high −1
    expect(rr('mulhsu', 1n, M)).toBe(0n);
    expect(rr('mul', 0xffffffff_ffffffffn, 0xffffffff_ffffffffn)).toBe(1n);
    expect(rr('mulw', 0x7fffffffn, 2n)).toBe(0xffffffff_fffffffen);
  });
});

describe('RV64I edge cases', () => {
  it('x0 is hard-wired to zero', () => {
    const { hart } = harness([A.addi(0, 0, 5), A.add(5, 0, 0), A.ecall()]);
    hart.setReg(0, 99n);
    hart.run(10);
    expect(hart.reg(0)).toBe(0n);
    expect(hart.reg(5)).toBe(0n);
  });
  it('shifts by 63 and the shift amount taken modulo 64 (32 for W forms)', () => {
    expect(ri('slli', 1n, 63)).toBe(MIN);
    expect(ri('srli', MIN, 63)).toBe(1n);
    expect(ri('srai', MIN, 63)).toBe(M);
    expect(rr('sll', 1n, 64n + 63n)).toBe(MIN);
    expect(rr('sra', MIN, 127n)).toBe(M);
    expect(rr('sllw', 1n, 63n)).toBe(0xffffffff_80000000n);
    expect(rr('srlw', 0x80000000n, 32n)).toBe(0xffffffff_80000000n);
    expect(ri('sraiw', 0x80000000n, 31)).toBe(M);
    expect(ri('srliw', 0xffffffff_80000000n, 31)).toBe(1n);
  });
  it('W operations sign-extend their 32-bit result', () => {
    expect(rr('addw', 0x7fffffffn, 1n)).toBe(0xffffffff_80000000n);
    expect(rr('subw', 0n, 1n)).toBe(M);
    expect(ri('addiw', 0x1_ffffffffn, 0)).toBe(M); // sext.w
    expect(ri('addiw', 0xffffffff_7fffffffn, 1)).toBe(0xffffffff_80000000n);
  });
  it('comparisons: signed and unsigned, immediates sign-extended (sltiu x, -1 compares with 2^64 − 1)', () => {
    expect(rr('slt', M, 0n)).toBe(1n);
    expect(rr('sltu', M, 0n)).toBe(0n);
    expect(ri('sltiu', 5n, -1)).toBe(1n);
    expect(ri('slti', MIN, -2048)).toBe(1n);
    expect(ri('sltiu', 0n, 1)).toBe(1n); // seqz
    expect(ri('xori', 0x1234n, -1)).toBe(~0x1234n & M); // not
  });
  it('lui and auipc sign-extend bit 31; jal and jalr link and jump (jalr clears bit 0, rd = rs1 reads first)', () => {
    const { hart } = harness([
      A.lui(5, 0x80000), // t0 = 0xffffffff80000000
      A.auipc(6, 1), // t1 = pc + 4096
      A.jal(1, 8), // ra = pc + 4, skip one
      A.ebreak(),
      A.addi(7, 0, 0x11), // t2 = 0x11 (odd)
      A.auipc(8, 0),
      A.add(7, 7, 8), // t2 = pc(auipc) + 0x11 → the ecall at auipc + 0x10 once bit 0 is cleared
      A.jalr(7, 7, 0), // t2 = link (rs1 read before rd is written)
      A.ebreak(),
      A.ecall(),
    ]);
    const out = hart.run(20);
    expect(out.reason).toBe('ecall');
    expect(hart.reg(5)).toBe(0xffffffff_80000000n);
    expect(hart.reg(6)).toBe(0x10000n + 4n + 4096n);
    expect(hart.reg(1)).toBe(0x10000n + 12n);
    expect(out.pc).toBe(0x10024);
    expect(hart.reg(7)).toBe(0x10000n + 0x20n);
  });
  it('branches: signed vs unsigned, taken and not', () => {
    // t2 counts taken branches; each branch skips an addi when taken.
    const prog = [
      A.addi(5, 0, -1), // t0 = -1
      A.addi(6, 0, 1), // t1 = 1
      A.blt(5, 6, 8),
      A.addi(7, 7, 100),
      A.addi(7, 7, 1), // taken (-1 < 1)
      A.bltu(5, 6, 8),
      A.addi(7, 7, 1),
      A.addi(7, 7, 0), // not taken (2^64-1 > 1): +1
      A.bge(6, 5, 8),
      A.addi(7, 7, 100),
      A.addi(7, 7, 1), // taken
      A.bgeu(6, 5, 8),
      A.addi(7, 7, 10),
      A.addi(7, 7, 0), // not taken: +10
      A.beq(5, 5, 8),
      A.addi(7, 7, 100),
      A.bne(5, 5, 8),
      A.addi(7, 7, 1000), // beq taken, bne not: +1000
      A.ecall(),
    ];
    const { hart } = harness(prog);
    hart.run(100);
    expect(hart.reg(7)).toBe(1n + 1n + 1n + 10n + 1000n);
  });
});

describe('seeded random differential test against an independent BigInt model', () => {
  const interesting = [
    0n,
    1n,
    2n,
    M,
    M - 1n,
    MIN,
    MIN - 1n,
    0x7fffffffn,
    0x80000000n,
    0xffffffffn,
    0x1_00000000n,
  ];
  const rng = createRng(2026);
  const value = (): bigint => {
    const r = rng.nextInt(4);
    if (r === 0) return interesting[rng.nextInt(interesting.length)] as bigint;
    const a = BigInt(rng.nextInt(0x10000)) << 48n;
    const b = BigInt(rng.nextInt(0x1000000)) << 24n;
    const c = BigInt(rng.nextInt(0x1000000));
    return r === 1 ? c : (a | b | c) & M;
  };
  it('every register-register operation', () => {
    for (const [name, ref] of Object.entries(REFERENCE)) {
      for (let k = 0; k < 300; k++) {
        const a = value();
        const b = value();
        expect(rr(name as keyof typeof A, a, b), `${name} ${a} ${b}`).toBe(ref(a, b));
      }
    }
  });
  it('every register-immediate operation', () => {
    for (const [name, ref] of Object.entries(REFERENCE_IMM)) {
      const shift = name.startsWith('s') && name !== 'slti' && name !== 'sltiu';
      const bits = name.endsWith('w') ? 32 : 64;
      for (let k = 0; k < 200; k++) {
        const a = value();
        const imm = shift ? rng.nextInt(bits) : rng.nextInt(4096) - 2048;
        expect(ri(name as keyof typeof A, a, imm), `${name} ${a} ${imm}`).toBe(ref(a, BigInt(imm) & M));
      }
    }
  });
});
