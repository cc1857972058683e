import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decode16, decode32, newDecoded } from '../src/decode.js';
import { Op } from '../src/opcodes.js';
import { A, halves, harness } from './asm.js';

interface Pair {
  asm: string;
  c: string;
  expanded: string;
}
const PAIRS: Pair[] = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/compressed-pairs.json'), 'utf8'),
);

describe('C extension: every compressed form decodes as its 32-bit expansion (pairs assembled by binutils)', () => {
  it('has the fixture', () => expect(PAIRS.length).toBeGreaterThan(40));
  for (const p of PAIRS) {
    it(p.asm, () => {
      const c = newDecoded();
      const e = newDecoded();
      decode16(Number.parseInt(p.c, 16), c);
      decode32(Number.parseInt(p.expanded, 16) | 0, e);
      expect(c.op).not.toBe(Op.Illegal);
      expect({ ...c, len: 4 }).toEqual(e);
      expect(c.len).toBe(2);
    });
  }
});

describe('C extension: reserved encodings are illegal', () => {
  const reserved: [string, number][] = [
    ['all zeros', 0x0000],
    ['c.addi4spn with nzuimm = 0', 0x0004],
    ['c.addiw with rd = 0', 0x2001],
    ['c.lui with imm = 0', 0x6281],
    ['c.addi16sp with imm = 0', 0x6101],
    ['c.jr with rs1 = 0', 0x8002],
    ['c.lwsp with rd = 0', 0x4002],
    ['c.ldsp with rd = 0', 0x6002],
    ['c.subw-space reserved (funct 10)', 0x9c41],
    ['quadrant 0, funct3 100 (reserved)', 0x8000],
  ];
  for (const [name, h] of reserved) {
    it(name, () => {
      const { hart } = harness(halves([0x0505 /* c.addi a0, 1 */, h, 0, 0]));
      expect(hart.run(5)).toMatchObject({ reason: 'signal', signal: 'SIGILL', pc: 0x10002, instructions: 1 });
    });
  }
});

describe('C extension: mixed 16/32-bit code runs, and a 32-bit instruction may straddle a page', () => {
  it('runs a compressed loop', () => {
    // li a0, 10; li a1, 0; loop: add a1, a1, a0; addi a0, -1; bnez a0, loop; ecall
    const prog = halves([0x4529, 0x4581, 0x95aa, 0x157d, 0xfd75]);
    const { hart, memory } = harness(
      new Uint8Array([...prog, ...new Uint8Array(new Uint32Array([A.ecall()]).buffer)]),
    );
    void memory;
    expect(hart.run(100)).toMatchObject({ reason: 'ecall', instructions: 2 + 30 + 1 });
    expect(hart.reg('a1')).toBe(55n);
  });
  it('a 32-bit instruction across the page boundary fetches both pages', () => {
    const code = new Uint8Array(4096 + 8);
    const nops = halves(new Array(2047).fill(0x0001)); // c.nop × 2047 → 4094 bytes
    code.set(nops, 0);
    code.set(new Uint8Array(new Uint32Array([A.addi(5, 0, 77), A.ecall()]).buffer), 4094);
    const { hart } = harness(code);
    expect(hart.run(5000)).toMatchObject({ reason: 'ecall', instructions: 2047 + 2 });
    expect(hart.reg(5)).toBe(77n);
  });
});
