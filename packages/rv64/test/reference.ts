/**
 * An independent, deliberately simple BigInt model of the RV64IM register-register and register-immediate
 * operations, written from the manual's definitions, for the seeded random differential test.
 */
const M64 = (1n << 64n) - 1n;
const u = (v: bigint) => BigInt.asUintN(64, v);
const sx = (v: bigint) => BigInt.asIntN(64, v);
const w = (v: bigint) => u(BigInt.asIntN(32, v)); // sign-extend the low 32 bits
const u32 = (v: bigint) => BigInt.asUintN(32, v);
const s32 = (v: bigint) => BigInt.asIntN(32, v);

function divS(a: bigint, b: bigint, bits: 32 | 64, rem: boolean): bigint {
  const min = -(1n << BigInt(bits - 1));
  if (b === 0n) return rem ? a : -1n;
  if (a === min && b === -1n) return rem ? 0n : a;
  return rem ? a % b : a / b; // BigInt division truncates, as RISC-V's
}
function divU(a: bigint, b: bigint, bits: 32 | 64, rem: boolean): bigint {
  if (b === 0n) return rem ? a : (1n << BigInt(bits)) - 1n;
  return rem ? a % b : a / b;
}

/** The value written to rd by `op` with unsigned 64-bit operands `a` (rs1) and `b` (rs2 or the immediate). */
export const REFERENCE: Record<string, (a: bigint, b: bigint) => bigint> = {
  add: (a, b) => u(a + b),
  sub: (a, b) => u(a - b),
  sll: (a, b) => u(a << (b & 63n)),
  srl: (a, b) => a >> (b & 63n),
  sra: (a, b) => u(sx(a) >> (b & 63n)),
  slt: (a, b) => (sx(a) < sx(b) ? 1n : 0n),
  sltu: (a, b) => (a < b ? 1n : 0n),
  xor: (a, b) => a ^ b,
  or: (a, b) => a | b,
  and: (a, b) => a & b,
  addw: (a, b) => w(a + b),
  subw: (a, b) => w(a - b),
  sllw: (a, b) => w(u32(a) << (b & 31n)),
  srlw: (a, b) => w(u32(a) >> (b & 31n)),
  sraw: (a, b) => w(s32(a) >> (b & 31n)),
  mul: (a, b) => u(a * b),
  mulh: (a, b) => u((sx(a) * sx(b)) >> 64n),
  mulhsu: (a, b) => u((sx(a) * b) >> 64n),
  mulhu: (a, b) => (a * b) >> 64n,
  div: (a, b) => u(divS(sx(a), sx(b), 64, false)),
  divu: (a, b) => divU(a, b, 64, false) & M64,
  rem: (a, b) => u(divS(sx(a), sx(b), 64, true)),
  remu: (a, b) => divU(a, b, 64, true),
  mulw: (a, b) => w(a * b),
  divw: (a, b) => w(divS(s32(a), s32(b), 32, false)),
  divuw: (a, b) => w(divU(u32(a), u32(b), 32, false)),
  remw: (a, b) => w(divS(s32(a), s32(b), 32, true)),
  remuw: (a, b) => w(divU(u32(a), u32(b), 32, true)),
};

/** Immediate forms: `b` is the sign-extended 12-bit immediate (or the shift amount), as an unsigned 64-bit value. */
export const REFERENCE_IMM: Record<string, (a: bigint, imm: bigint) => bigint> = {
  addi: (a, i) => u(a + i),
  slti: (a, i) => (sx(a) < sx(i) ? 1n : 0n),
  sltiu: (a, i) => (a < i ? 1n : 0n),
  xori: (a, i) => a ^ i,
  ori: (a, i) => a | i,
  andi: (a, i) => a & i,
  slli: (a, i) => u(a << i),
  srli: (a, i) => a >> i,
  srai: (a, i) => u(sx(a) >> i),
  addiw: (a, i) => w(a + i),
  slliw: (a, i) => w(u32(a) << i),
  srliw: (a, i) => w(u32(a) >> i),
  sraiw: (a, i) => w(s32(a) >> i),
};
