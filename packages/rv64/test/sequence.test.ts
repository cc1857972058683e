import { createRng } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { A, DATA, harness } from './asm.js';
import { REFERENCE, REFERENCE_IMM } from './reference.js';

const M = (1n << 64n) - 1n;
const BASE = 31; // holds DATA, never written
const SOAK = process.env.PAGEWRIGHT_SOAK === '1';

type Step = { word: number; apply: (x: bigint[], mem: DataView) => void };

const LOADS: Record<string, [number, boolean]> = {
  lb: [1, true],
  lh: [2, true],
  lw: [4, true],
  ld: [8, true],
  lbu: [1, false],
  lhu: [2, false],
  lwu: [4, false],
};
const STORES: Record<string, number> = { sb: 1, sh: 2, sw: 4, sd: 8 };

function read(mem: DataView, off: number, size: number, signed: boolean): bigint {
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(mem.getUint8(off + k));
  return signed ? BigInt.asUintN(64, BigInt.asIntN(size * 8, v)) : v;
}

/** One random instruction and its effect on the reference state (registers x1–x15, the 16 KiB at DATA). */
function randomStep(rng: ReturnType<typeof createRng>): Step {
  const reg = () => 1 + rng.nextInt(15);
  const kind = rng.nextInt(10);
  const rd = reg();
  const rs1 = reg();
  if (kind < 4) {
    const names = Object.keys(REFERENCE);
    const name = names[rng.nextInt(names.length)] as string;
    const rs2 = reg();
    const enc = A[name as keyof typeof A] as (a: number, b: number, c: number) => number;
    return {
      word: enc(rd, rs1, rs2),
      apply: (x) =>
        (x[rd] = (REFERENCE[name] as (a: bigint, b: bigint) => bigint)(x[rs1] as bigint, x[rs2] as bigint)),
    };
  }
  if (kind < 7) {
    const names = Object.keys(REFERENCE_IMM);
    const name = names[rng.nextInt(names.length)] as string;
    const shift = name.startsWith('s') && name !== 'slti' && name !== 'sltiu';
    const imm = shift ? rng.nextInt(name.endsWith('w') ? 32 : 64) : rng.nextInt(4096) - 2048;
    const enc = A[name as keyof typeof A] as (a: number, b: number, c: number) => number;
    return {
      word: enc(rd, rs1, imm),
      apply: (x) =>
        (x[rd] = (REFERENCE_IMM[name] as (a: bigint, b: bigint) => bigint)(
          x[rs1] as bigint,
          BigInt(imm) & M,
        )),
    };
  }
  const off = rng.nextInt(2040); // any alignment: misaligned accesses are emulated
  if (kind < 9) {
    const names = Object.keys(LOADS);
    const name = names[rng.nextInt(names.length)] as string;
    const [size, signed] = LOADS[name] as [number, boolean];
    const enc = A[name as keyof typeof A] as (a: number, b: number, c: number) => number;
    return { word: enc(rd, BASE, off), apply: (x, mem) => (x[rd] = read(mem, off, size, signed)) };
  }
  const names = Object.keys(STORES);
  const name = names[rng.nextInt(names.length)] as string;
  const size = STORES[name] as number;
  const enc = A[name as keyof typeof A] as (a: number, b: number, c: number) => number;
  return {
    word: enc(rd /* rs2 */, BASE, off),
    apply: (x, mem) => {
      let v = x[rd] as bigint;
      for (let k = 0; k < size; k++) {
        mem.setUint8(off + k, Number(v & 0xffn));
        v >>= 8n;
      }
    },
  };
}

describe('seeded random instruction sequences against a BigInt reference interpreter', () => {
  it(`${SOAK ? 2000 : 60} sequences of 300 instructions: same registers and memory`, () => {
    const rng = createRng(77);
    for (let s = 0; s < (SOAK ? 2000 : 60); s++) {
      const steps = Array.from({ length: 300 }, () => randomStep(rng));
      const { hart, memory } = harness([...steps.map((t) => t.word), A.ecall()]);
      const x: bigint[] = new Array(32).fill(0n);
      const init = new Uint8Array(4096);
      for (let k = 0; k < init.length; k++) init[k] = rng.nextInt(256);
      memory.write(DATA, init);
      const mem = new DataView(init.slice().buffer);
      for (let r = 1; r < 16; r++) {
        const v = (BigInt(rng.nextInt(2 ** 32)) << 32n) | BigInt(rng.nextInt(2 ** 32));
        x[r] = v;
        hart.setReg(r, v);
      }
      x[BASE] = BigInt(DATA);
      hart.setReg(BASE, DATA);
      for (const t of steps) t.apply(x, mem);
      expect(hart.run(1000)).toMatchObject({ reason: 'ecall', instructions: 301 });
      for (let r = 0; r < 32; r++) expect(hart.reg(r), `sequence ${s}, x${r}`).toBe(x[r]);
      expect(memory.read(DATA, 4096), `sequence ${s}, memory`).toEqual(new Uint8Array(mem.buffer));
    }
  });
});
