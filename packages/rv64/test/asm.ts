/**
 * A tiny RV64 encoder for the directed tests (each function returns one instruction word), and a harness that
 * writes a program into a {@link BareMemory} and runs it.
 */
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { BareMemory } from '../src/bare-memory.js';
import { Rv64Hart } from '../src/hart.js';

const r = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const i = (imm: number, rs1: number, f3: number, rd: number, op: number) =>
  (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const s = (imm: number, rs2: number, rs1: number, f3: number, op: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | op) >>> 0;
const b = (imm: number, rs2: number, rs1: number, f3: number) =>
  ((((imm >> 12) & 1) << 31) |
    (((imm >> 5) & 0x3f) << 25) |
    (rs2 << 20) |
    (rs1 << 15) |
    (f3 << 12) |
    (((imm >> 1) & 0xf) << 8) |
    (((imm >> 11) & 1) << 7) |
    0x63) >>>
  0;

/** Encoders, named after the instructions. */
export const A = {
  lui: (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0,
  auipc: (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17) >>> 0,
  jal: (rd: number, imm: number) =>
    ((((imm >> 20) & 1) << 31) |
      (((imm >> 1) & 0x3ff) << 21) |
      (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) |
      (rd << 7) |
      0x6f) >>>
    0,
  jalr: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x67),
  beq: (rs1: number, rs2: number, imm: number) => b(imm, rs2, rs1, 0),
  bne: (rs1: number, rs2: number, imm: number) => b(imm, rs2, rs1, 1),
  blt: (rs1: number, rs2: number, imm: number) => b(imm, rs2, rs1, 4),
  bge: (rs1: number, rs2: number, imm: number) => b(imm, rs2, rs1, 5),
  bltu: (rs1: number, rs2: number, imm: number) => b(imm, rs2, rs1, 6),
  bgeu: (rs1: number, rs2: number, imm: number) => b(imm, rs2, rs1, 7),
  lb: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 3),
  lh: (rd: number, rs1: number, imm: number) => i(imm, rs1, 1, rd, 3),
  lw: (rd: number, rs1: number, imm: number) => i(imm, rs1, 2, rd, 3),
  ld: (rd: number, rs1: number, imm: number) => i(imm, rs1, 3, rd, 3),
  lbu: (rd: number, rs1: number, imm: number) => i(imm, rs1, 4, rd, 3),
  lhu: (rd: number, rs1: number, imm: number) => i(imm, rs1, 5, rd, 3),
  lwu: (rd: number, rs1: number, imm: number) => i(imm, rs1, 6, rd, 3),
  sb: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 0, 0x23),
  sh: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 1, 0x23),
  sw: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 2, 0x23),
  sd: (rs2: number, rs1: number, imm: number) => s(imm, rs2, rs1, 3, 0x23),
  addi: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x13),
  slti: (rd: number, rs1: number, imm: number) => i(imm, rs1, 2, rd, 0x13),
  sltiu: (rd: number, rs1: number, imm: number) => i(imm, rs1, 3, rd, 0x13),
  xori: (rd: number, rs1: number, imm: number) => i(imm, rs1, 4, rd, 0x13),
  ori: (rd: number, rs1: number, imm: number) => i(imm, rs1, 6, rd, 0x13),
  andi: (rd: number, rs1: number, imm: number) => i(imm, rs1, 7, rd, 0x13),
  slli: (rd: number, rs1: number, sh: number) => i(sh, rs1, 1, rd, 0x13),
  srli: (rd: number, rs1: number, sh: number) => i(sh, rs1, 5, rd, 0x13),
  srai: (rd: number, rs1: number, sh: number) => i(0x400 | sh, rs1, 5, rd, 0x13),
  add: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 0, rd, 0x33),
  sub: (rd: number, rs1: number, rs2: number) => r(0x20, rs2, rs1, 0, rd, 0x33),
  sll: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 1, rd, 0x33),
  slt: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 2, rd, 0x33),
  sltu: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 3, rd, 0x33),
  xor: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 4, rd, 0x33),
  srl: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 5, rd, 0x33),
  sra: (rd: number, rs1: number, rs2: number) => r(0x20, rs2, rs1, 5, rd, 0x33),
  or: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 6, rd, 0x33),
  and: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 7, rd, 0x33),
  addiw: (rd: number, rs1: number, imm: number) => i(imm, rs1, 0, rd, 0x1b),
  slliw: (rd: number, rs1: number, sh: number) => i(sh, rs1, 1, rd, 0x1b),
  srliw: (rd: number, rs1: number, sh: number) => i(sh, rs1, 5, rd, 0x1b),
  sraiw: (rd: number, rs1: number, sh: number) => i(0x400 | sh, rs1, 5, rd, 0x1b),
  addw: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 0, rd, 0x3b),
  subw: (rd: number, rs1: number, rs2: number) => r(0x20, rs2, rs1, 0, rd, 0x3b),
  sllw: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 1, rd, 0x3b),
  srlw: (rd: number, rs1: number, rs2: number) => r(0, rs2, rs1, 5, rd, 0x3b),
  sraw: (rd: number, rs1: number, rs2: number) => r(0x20, rs2, rs1, 5, rd, 0x3b),
  mul: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 0, rd, 0x33),
  mulh: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 1, rd, 0x33),
  mulhsu: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 2, rd, 0x33),
  mulhu: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 3, rd, 0x33),
  div: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 4, rd, 0x33),
  divu: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 5, rd, 0x33),
  rem: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 6, rd, 0x33),
  remu: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 7, rd, 0x33),
  mulw: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 0, rd, 0x3b),
  divw: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 4, rd, 0x3b),
  divuw: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 5, rd, 0x3b),
  remw: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 6, rd, 0x3b),
  remuw: (rd: number, rs1: number, rs2: number) => r(1, rs2, rs1, 7, rd, 0x3b),
  /** An AMO / LR / SC: `funct5` as in the manual, `f3` 2 (.W) or 3 (.D). */
  amo: (funct5: number, f3: number, rd: number, rs1: number, rs2: number) =>
    r(funct5 << 2, rs2, rs1, f3, rd, 0x2f),
  csrrw: (rd: number, csr: number, rs1: number) => i(csr, rs1, 1, rd, 0x73),
  csrrs: (rd: number, csr: number, rs1: number) => i(csr, rs1, 2, rd, 0x73),
  csrrc: (rd: number, csr: number, rs1: number) => i(csr, rs1, 3, rd, 0x73),
  csrrwi: (rd: number, csr: number, uimm: number) => i(csr, uimm, 5, rd, 0x73),
  csrrsi: (rd: number, csr: number, uimm: number) => i(csr, uimm, 6, rd, 0x73),
  csrrci: (rd: number, csr: number, uimm: number) => i(csr, uimm, 7, rd, 0x73),
  fence: () => 0x0ff0000f,
  fenceI: () => 0x0000100f,
  ecall: () => 0x00000073,
  ebreak: () => 0x00100073,
};

/** AMO funct5 values. */
export const AMO = {
  lr: 0x02,
  sc: 0x03,
  swap: 0x01,
  add: 0x00,
  xor: 0x04,
  and: 0x0c,
  or: 0x08,
  min: 0x10,
  max: 0x14,
  minu: 0x18,
  maxu: 0x1c,
};

/** Where the harness puts code and data. */
export const CODE = 0x10000;
export const DATA = 0x20000;

/** A hart over bare memory: code (r-x) at {@link CODE}, 4 pages of data (rw-) at {@link DATA}. */
export function harness(program: readonly number[] | Uint8Array, options: { codeProt?: number } = {}) {
  const physical = new SparsePhysicalMemory({ size: 64 * 4096 });
  const memory = new BareMemory(physical);
  memory.map(CODE, 2 * 4096, options.codeProt ?? PROT_READ | PROT_EXEC);
  memory.map(DATA, 4 * 4096, PROT_READ | PROT_WRITE);
  const bytes = program instanceof Uint8Array ? program : words(program);
  memory.write(CODE, bytes);
  const hart = new Rv64Hart(memory, { pc: CODE });
  return { hart, memory, physical };
}

/** 32-bit words as little-endian bytes. */
export function words(ws: readonly number[]): Uint8Array {
  const out = new Uint8Array(ws.length * 4);
  const v = new DataView(out.buffer);
  ws.forEach((w, k) => {
    v.setUint32(4 * k, w >>> 0, true);
  });
  return out;
}

/** 16-bit parcels as little-endian bytes. */
export function halves(hs: readonly number[]): Uint8Array {
  const out = new Uint8Array(hs.length * 2);
  const v = new DataView(out.buffer);
  hs.forEach((h, k) => {
    v.setUint16(2 * k, h, true);
  });
  return out;
}

/**
 * Runs one R-type/I-type operation: x5 = a, x6 = b (set directly), then `insn` (which should write x7), then
 * returns x7 as an unsigned bigint.
 */
export function exec1(insn: number, a: bigint, b: bigint = 0n): bigint {
  const { hart } = harness([insn, A.ecall()]);
  hart.setReg(5, a);
  hart.setReg(6, b);
  const out = hart.run(10);
  if (out.reason !== 'ecall') throw new Error(`expected ecall, got ${JSON.stringify(out)}`);
  return hart.reg(7);
}
