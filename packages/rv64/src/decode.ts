/**
 * Instruction decoding: a 32-bit RV64IMAFD + Zicsr + Zifencei word or a 16-bit RV64C parcel into a {@link Decoded}
 * record (operation, registers, immediate). A compressed instruction decodes to exactly the fields of its 32-bit
 * expansion (The RISC-V Instruction Set Manual, Volume I, "C" Standard Extension, tables 16.5–16.7), so the
 * executor has one case per operation. Encodings the manual reserves (and the Q extension's) decode to
 * {@link Op.Illegal}; OP-FP and the fused multiply-adds decode to one operation each whose `imm` is the whole word
 * (the executor checks their fields). Decoding never allocates or throws.
 *
 * @module
 */

import { Op } from './opcodes.js';

/** A decoded instruction. `imm` is sign-extended to 32 bits; for CSR instructions it is the CSR number. */
export interface Decoded {
  /** The operation (see {@link Op}). */
  op: number;
  /** Destination register. */
  rd: number;
  /** First source register (the zero-extended 5-bit immediate of `csrr*i`). */
  rs1: number;
  /** Second source register. */
  rs2: number;
  /** Immediate, shift amount or CSR number. */
  imm: number;
  /** Instruction length in bytes: 2 or 4. */
  len: number;
}

/** A fresh, empty {@link Decoded} record. */
export function newDecoded(): Decoded {
  return { op: Op.None, rd: 0, rs1: 0, rs2: 0, imm: 0, len: 4 };
}

function set(
  out: Decoded,
  op: number,
  rd: number,
  rs1: number,
  rs2: number,
  imm: number,
  len: number,
): number {
  out.op = op;
  out.rd = rd;
  out.rs1 = rs1;
  out.rs2 = rs2;
  out.imm = imm;
  out.len = len;
  return op;
}

function illegal(out: Decoded, len: number): number {
  return set(out, Op.Illegal, 0, 0, 0, 0, len);
}

const LOADS = [Op.Lb, Op.Lh, Op.Lw, Op.Ld, Op.Lbu, Op.Lhu, Op.Lwu, Op.Illegal];
const STORES = [Op.Sb, Op.Sh, Op.Sw, Op.Sd, Op.Illegal, Op.Illegal, Op.Illegal, Op.Illegal];
const BRANCHES = [Op.Beq, Op.Bne, Op.Illegal, Op.Illegal, Op.Blt, Op.Bge, Op.Bltu, Op.Bgeu];
const OPS = [Op.Add, Op.Sll, Op.Slt, Op.Sltu, Op.Xor, Op.Srl, Op.Or, Op.And];
const MULDIV = [Op.Mul, Op.Mulh, Op.Mulhsu, Op.Mulhu, Op.Div, Op.Divu, Op.Rem, Op.Remu];
const MULDIVW = [Op.Mulw, Op.Illegal, Op.Illegal, Op.Illegal, Op.Divw, Op.Divuw, Op.Remw, Op.Remuw];
const CSRS = [Op.Illegal, Op.Csrrw, Op.Csrrs, Op.Csrrc, Op.Illegal, Op.Csrrwi, Op.Csrrsi, Op.Csrrci];
/** AMO operations by funct5 (bits 31:27), for .W; the .D operation is the .W one + 11. */
const AMOS: Record<number, number> = {
  0: Op.AmoAddW,
  1: Op.AmoSwapW,
  2: Op.LrW,
  3: Op.ScW,
  4: Op.AmoXorW,
  8: Op.AmoOrW,
  12: Op.AmoAndW,
  16: Op.AmoMinW,
  20: Op.AmoMaxW,
  24: Op.AmoMinuW,
  28: Op.AmoMaxuW,
};

/** Decodes the 32-bit instruction `w` (bits 1:0 = 11) into `out`; returns the operation. */
export function decode32(w: number, out: Decoded): number {
  const opcode = w & 0x7f;
  const rd = (w >>> 7) & 31;
  const f3 = (w >>> 12) & 7;
  const rs1 = (w >>> 15) & 31;
  const rs2 = (w >>> 20) & 31;
  const f7 = w >>> 25;
  const immI = w >> 20;
  switch (opcode) {
    case 0x37:
      return set(out, Op.Lui, rd, 0, 0, w & 0xfffff000, 4);
    case 0x17:
      return set(out, Op.Auipc, rd, 0, 0, w & 0xfffff000, 4);
    case 0x6f: {
      const imm =
        ((w >> 31) << 20) |
        (((w >>> 12) & 0xff) << 12) |
        (((w >>> 20) & 1) << 11) |
        (((w >>> 21) & 0x3ff) << 1);
      return set(out, Op.Jal, rd, 0, 0, imm, 4);
    }
    case 0x67:
      return f3 === 0 ? set(out, Op.Jalr, rd, rs1, 0, immI, 4) : illegal(out, 4);
    case 0x63: {
      const imm =
        ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
      return set(out, BRANCHES[f3] as number, 0, rs1, rs2, imm, 4);
    }
    case 0x03:
      return set(out, LOADS[f3] as number, rd, rs1, 0, immI, 4);
    case 0x23: {
      const imm = ((w >> 25) << 5) | ((w >>> 7) & 31);
      return set(out, STORES[f3] as number, 0, rs1, rs2, imm, 4);
    }
    case 0x13:
      switch (f3) {
        case 0:
          return set(out, Op.Addi, rd, rs1, 0, immI, 4);
        case 2:
          return set(out, Op.Slti, rd, rs1, 0, immI, 4);
        case 3:
          return set(out, Op.Sltiu, rd, rs1, 0, immI, 4);
        case 4:
          return set(out, Op.Xori, rd, rs1, 0, immI, 4);
        case 6:
          return set(out, Op.Ori, rd, rs1, 0, immI, 4);
        case 7:
          return set(out, Op.Andi, rd, rs1, 0, immI, 4);
        case 1:
          return w >>> 26 === 0 ? set(out, Op.Slli, rd, rs1, 0, (w >>> 20) & 63, 4) : illegal(out, 4);
        default: {
          const top = w >>> 26;
          if (top === 0) return set(out, Op.Srli, rd, rs1, 0, (w >>> 20) & 63, 4);
          if (top === 0x10) return set(out, Op.Srai, rd, rs1, 0, (w >>> 20) & 63, 4);
          return illegal(out, 4);
        }
      }
    case 0x1b:
      if (f3 === 0) return set(out, Op.Addiw, rd, rs1, 0, immI, 4);
      if (f3 === 1) return f7 === 0 ? set(out, Op.Slliw, rd, rs1, 0, rs2, 4) : illegal(out, 4);
      if (f3 === 5) {
        if (f7 === 0) return set(out, Op.Srliw, rd, rs1, 0, rs2, 4);
        if (f7 === 0x20) return set(out, Op.Sraiw, rd, rs1, 0, rs2, 4);
      }
      return illegal(out, 4);
    case 0x33:
      if (f7 === 0) return set(out, OPS[f3] as number, rd, rs1, rs2, 0, 4);
      if (f7 === 1) return set(out, MULDIV[f3] as number, rd, rs1, rs2, 0, 4);
      if (f7 === 0x20) {
        if (f3 === 0) return set(out, Op.Sub, rd, rs1, rs2, 0, 4);
        if (f3 === 5) return set(out, Op.Sra, rd, rs1, rs2, 0, 4);
      }
      return illegal(out, 4);
    case 0x3b:
      if (f7 === 0) {
        if (f3 === 0) return set(out, Op.Addw, rd, rs1, rs2, 0, 4);
        if (f3 === 1) return set(out, Op.Sllw, rd, rs1, rs2, 0, 4);
        if (f3 === 5) return set(out, Op.Srlw, rd, rs1, rs2, 0, 4);
      } else if (f7 === 0x20) {
        if (f3 === 0) return set(out, Op.Subw, rd, rs1, rs2, 0, 4);
        if (f3 === 5) return set(out, Op.Sraw, rd, rs1, rs2, 0, 4);
      } else if (f7 === 1) return set(out, MULDIVW[f3] as number, rd, rs1, rs2, 0, 4);
      return illegal(out, 4);
    case 0x0f:
      // FENCE (any pred/succ/fm, as hardware ignores unknown fm values) and FENCE.I.
      if (f3 === 0) return set(out, Op.Fence, 0, 0, 0, 0, 4);
      if (f3 === 1) return set(out, Op.FenceI, 0, 0, 0, 0, 4);
      return illegal(out, 4);
    case 0x73:
      if (f3 === 0) {
        if (w === 0x00000073) return set(out, Op.Ecall, 0, 0, 0, 0, 4);
        if (w === 0x00100073) return set(out, Op.Ebreak, 0, 0, 0, 0, 4);
        return illegal(out, 4); // mret, sret, wfi, sfence.vma …: privileged, illegal in U-mode
      }
      return set(out, CSRS[f3] as number, rd, rs1, 0, (w >>> 20) & 0xfff, 4);
    case 0x2f: {
      if (f3 !== 2 && f3 !== 3) return illegal(out, 4);
      const w5 = AMOS[w >>> 27];
      if (w5 === undefined) return illegal(out, 4);
      // LR with rs2 ≠ 0 is reserved.
      if (w5 === Op.LrW && rs2 !== 0) return illegal(out, 4);
      return set(out, f3 === 2 ? w5 : w5 + 11, rd, rs1, rs2, 0, 4);
    }
    case 0x07:
      if (f3 === 2) return set(out, Op.Flw, rd, rs1, 0, immI, 4);
      if (f3 === 3) return set(out, Op.Fld, rd, rs1, 0, immI, 4);
      return illegal(out, 4);
    case 0x27: {
      const imm = ((w >> 25) << 5) | ((w >>> 7) & 31);
      if (f3 === 2) return set(out, Op.Fsw, 0, rs1, rs2, imm, 4);
      if (f3 === 3) return set(out, Op.Fsd, 0, rs1, rs2, imm, 4);
      return illegal(out, 4);
    }
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f:
      return ((w >>> 25) & 3) < 2 ? set(out, Op.Fma, rd, rs1, rs2, w, 4) : illegal(out, 4);
    case 0x53:
      return set(out, Op.FpOp, rd, rs1, rs2, w, 4);
    default:
      return illegal(out, 4);
  }
}

/** Decodes the 16-bit compressed instruction `h` (bits 1:0 ≠ 11) into `out`, as its 32-bit expansion; returns the operation. */
export function decode16(h: number, out: Decoded): number {
  const quadrant = h & 3;
  const f3 = (h >>> 13) & 7;
  const rdp = ((h >>> 2) & 7) + 8; // rd'/rs2'
  const rs1p = ((h >>> 7) & 7) + 8; // rs1'/rd'
  const rd = (h >>> 7) & 31;
  const rs2 = (h >>> 2) & 31;
  if (quadrant === 0) {
    switch (f3) {
      case 0: {
        // c.addi4spn: addi rd', x2, nzuimm[9:2]
        const imm =
          (((h >>> 7) & 0xf) << 6) |
          (((h >>> 11) & 3) << 4) |
          (((h >>> 5) & 1) << 3) |
          (((h >>> 6) & 1) << 2);
        return imm === 0 ? illegal(out, 2) : set(out, Op.Addi, rdp, 2, 0, imm, 2);
      }
      case 2: // c.lw
        return set(out, Op.Lw, rdp, rs1p, 0, cLwImm(h), 2);
      case 3: // c.ld
        return set(out, Op.Ld, rdp, rs1p, 0, cLdImm(h), 2);
      case 6: // c.sw
        return set(out, Op.Sw, 0, rs1p, rdp, cLwImm(h), 2);
      case 7: // c.sd
        return set(out, Op.Sd, 0, rs1p, rdp, cLdImm(h), 2);
      case 1: // c.fld
        return set(out, Op.Fld, rdp, rs1p, 0, cLdImm(h), 2);
      case 5: // c.fsd
        return set(out, Op.Fsd, 0, rs1p, rdp, cLdImm(h), 2);
      default: // reserved
        return illegal(out, 2);
    }
  }
  if (quadrant === 1) {
    const imm6 = (((h << 19) >> 31) << 5) | ((h >>> 2) & 31); // sign-extended imm[5:0]
    switch (f3) {
      case 0: // c.nop / c.addi (nzimm = 0 with rd ≠ 0 is a HINT: executes as addi)
        return set(out, Op.Addi, rd, rd, 0, imm6, 2);
      case 1: // c.addiw (rd = 0 reserved)
        return rd === 0 ? illegal(out, 2) : set(out, Op.Addiw, rd, rd, 0, imm6, 2);
      case 2: // c.li
        return set(out, Op.Addi, rd, 0, 0, imm6, 2);
      case 3: {
        if (rd === 2) {
          // c.addi16sp
          const imm =
            (((h << 19) >> 31) << 9) |
            (((h >>> 3) & 3) << 7) |
            (((h >>> 5) & 1) << 6) |
            (((h >>> 2) & 1) << 5) |
            (((h >>> 6) & 1) << 4);
          return imm === 0 ? illegal(out, 2) : set(out, Op.Addi, 2, 2, 0, imm, 2);
        }
        // c.lui (nzimm = 0 reserved)
        return imm6 === 0 ? illegal(out, 2) : set(out, Op.Lui, rd, 0, 0, imm6 << 12, 2);
      }
      case 4: {
        const f2 = (h >>> 10) & 3;
        const shamt = (((h >>> 12) & 1) << 5) | ((h >>> 2) & 31);
        if (f2 === 0) return set(out, Op.Srli, rs1p, rs1p, 0, shamt, 2);
        if (f2 === 1) return set(out, Op.Srai, rs1p, rs1p, 0, shamt, 2);
        if (f2 === 2) return set(out, Op.Andi, rs1p, rs1p, 0, imm6, 2);
        const sub = (h >>> 5) & 3;
        if (((h >>> 12) & 1) === 0) {
          const op = sub === 0 ? Op.Sub : sub === 1 ? Op.Xor : sub === 2 ? Op.Or : Op.And;
          return set(out, op, rs1p, rs1p, rdp, 0, 2);
        }
        if (sub === 0) return set(out, Op.Subw, rs1p, rs1p, rdp, 0, 2);
        if (sub === 1) return set(out, Op.Addw, rs1p, rs1p, rdp, 0, 2);
        return illegal(out, 2);
      }
      case 5: // c.j
        return set(out, Op.Jal, 0, 0, 0, cjImm(h), 2);
      case 6: // c.beqz
        return set(out, Op.Beq, 0, rs1p, 0, cbImm(h), 2);
      default: // c.bnez
        return set(out, Op.Bne, 0, rs1p, 0, cbImm(h), 2);
    }
  }
  // quadrant 2
  switch (f3) {
    case 0: {
      // c.slli (rd = 0 is a HINT)
      const shamt = (((h >>> 12) & 1) << 5) | ((h >>> 2) & 31);
      return set(out, Op.Slli, rd, rd, 0, shamt, 2);
    }
    case 2: {
      // c.lwsp (rd = 0 reserved)
      const imm = (((h >>> 2) & 3) << 6) | (((h >>> 12) & 1) << 5) | (((h >>> 4) & 7) << 2);
      return rd === 0 ? illegal(out, 2) : set(out, Op.Lw, rd, 2, 0, imm, 2);
    }
    case 3: {
      // c.ldsp (rd = 0 reserved)
      const imm = (((h >>> 2) & 7) << 6) | (((h >>> 12) & 1) << 5) | (((h >>> 5) & 3) << 3);
      return rd === 0 ? illegal(out, 2) : set(out, Op.Ld, rd, 2, 0, imm, 2);
    }
    case 4: {
      const bit12 = (h >>> 12) & 1;
      if (bit12 === 0) {
        if (rs2 === 0) return rd === 0 ? illegal(out, 2) : set(out, Op.Jalr, 0, rd, 0, 0, 2); // c.jr
        return set(out, Op.Add, rd, 0, rs2, 0, 2); // c.mv
      }
      if (rs2 === 0) {
        if (rd === 0) return set(out, Op.Ebreak, 0, 0, 0, 0, 2); // c.ebreak
        return set(out, Op.Jalr, 1, rd, 0, 0, 2); // c.jalr
      }
      return set(out, Op.Add, rd, rd, rs2, 0, 2); // c.add
    }
    case 6: {
      // c.swsp
      const imm = (((h >>> 7) & 3) << 6) | (((h >>> 9) & 0xf) << 2);
      return set(out, Op.Sw, 0, 2, rs2, imm, 2);
    }
    case 7: {
      // c.sdsp
      const imm = (((h >>> 7) & 7) << 6) | (((h >>> 10) & 7) << 3);
      return set(out, Op.Sd, 0, 2, rs2, imm, 2);
    }
    case 1: {
      // c.fldsp
      const imm = (((h >>> 2) & 7) << 6) | (((h >>> 12) & 1) << 5) | (((h >>> 5) & 3) << 3);
      return set(out, Op.Fld, rd, 2, 0, imm, 2);
    }
    default: {
      // c.fsdsp (f3 = 5)
      const imm = (((h >>> 7) & 7) << 6) | (((h >>> 10) & 7) << 3);
      return set(out, Op.Fsd, 0, 2, rs2, imm, 2);
    }
  }
}

function cLwImm(h: number): number {
  return (((h >>> 5) & 1) << 6) | (((h >>> 10) & 7) << 3) | (((h >>> 6) & 1) << 2);
}

function cLdImm(h: number): number {
  return (((h >>> 5) & 3) << 6) | (((h >>> 10) & 7) << 3);
}

function cjImm(h: number): number {
  return (
    (((h << 19) >> 31) << 11) |
    (((h >>> 8) & 1) << 10) |
    (((h >>> 9) & 3) << 8) |
    (((h >>> 6) & 1) << 7) |
    (((h >>> 7) & 1) << 6) |
    (((h >>> 2) & 1) << 5) |
    (((h >>> 11) & 1) << 4) |
    (((h >>> 3) & 7) << 1)
  );
}

function cbImm(h: number): number {
  return (
    (((h << 19) >> 31) << 8) |
    (((h >>> 5) & 3) << 6) |
    (((h >>> 2) & 1) << 5) |
    (((h >>> 10) & 3) << 3) |
    (((h >>> 3) & 3) << 1)
  );
}

/** Decodes the instruction whose first parcel is `low16` (and, for a 32-bit one, whose word is `word`) into `out`. */
export function decode(word: number, out: Decoded): void {
  if ((word & 3) === 3) decode32(word | 0, out);
  else if ((word & 0xffff) === 0)
    illegal(out, 2); // the all-zero parcel is defined illegal
  else decode16(word & 0xffff, out);
}
