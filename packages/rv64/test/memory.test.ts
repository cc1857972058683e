import { PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { describe, expect, it } from 'vitest';
import { BareMemory } from '../src/bare-memory.js';
import { CSR, Rv64Error, Rv64Hart } from '../src/hart.js';
import { A, AMO, CODE, DATA, harness, words } from './asm.js';

const M = (1n << 64n) - 1n;
const li = (rd: number, v: number) => [A.lui(rd, (v + 0x800) >>> 12), A.addi(rd, rd, v & 0xfff)];

describe('loads and stores through the MMU', () => {
  it('sign- and zero-extend each width', () => {
    const { hart, memory } = harness([
      ...li(5, DATA),
      A.lb(6, 5, 0),
      A.lbu(7, 5, 0),
      A.lh(8, 5, 0),
      A.lhu(9, 5, 0),
      A.lw(10, 5, 0),
      A.lwu(11, 5, 0),
      A.ld(12, 5, 0),
      A.ecall(),
    ]);
    memory.write(DATA, words([0x89abcdef, 0x01234567]));
    expect(hart.run(20).reason).toBe('ecall');
    expect(hart.reg(6)).toBe(0xffffffff_ffffffefn);
    expect(hart.reg(7)).toBe(0xefn);
    expect(hart.reg(8)).toBe(0xffffffff_ffffcdefn);
    expect(hart.reg(9)).toBe(0xcdefn);
    expect(hart.reg(10)).toBe(0xffffffff_89abcdefn);
    expect(hart.reg(11)).toBe(0x89abcdefn);
    expect(hart.reg(12)).toBe(0x01234567_89abcdefn);
  });
  it('stores each width, little-endian', () => {
    const { hart, memory } = harness([
      ...li(5, DATA),
      A.sd(6, 5, 0),
      A.sw(6, 5, 8),
      A.sh(6, 5, 12),
      A.sb(6, 5, 14),
      A.ecall(),
    ]);
    hart.setReg(6, 0x0102030405060708n);
    hart.run(20);
    expect([...memory.read(DATA, 15)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5, 8, 7, 8]);
  });
  it('misaligned accesses succeed, also across a page boundary (Linux emulates them for user space)', () => {
    const { hart, memory } = harness([
      ...li(5, DATA + 4093),
      A.sd(6, 5, 0),
      A.ld(7, 5, 0),
      A.lw(8, 5, 1),
      A.ecall(),
    ]);
    hart.setReg(6, 0x1122334455667788n);
    expect(hart.run(20).reason).toBe('ecall');
    expect(hart.reg(7)).toBe(0x1122334455667788n);
    expect(hart.reg(8)).toBe(0x44556677n);
    expect([...memory.read(DATA + 4093, 8)]).toEqual([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
  });
  it('SIGSEGV: MAPERR for an unmapped page, ACCERR for a store to a read-only one; pc stays on the instruction', () => {
    let { hart } = harness([...li(5, 0x40000), A.lw(6, 5, 4), A.ecall()]);
    expect(hart.run(10)).toEqual({
      reason: 'signal',
      signal: 'SIGSEGV',
      code: 'SEGV_MAPERR',
      addr: 0x40004,
      pc: CODE + 8,
      instructions: 2,
    });
    ({ hart } = harness([...li(5, CODE), A.sw(6, 5, 0), A.ecall()]));
    expect(hart.run(10)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_ACCERR', addr: CODE, pc: CODE + 8 });
    expect(hart.pc).toBe(CODE + 8);
  });
  it('a store that faults on its second page writes nothing on the first', () => {
    const { hart, memory } = harness([...li(5, DATA + 4 * 4096 - 4), A.sd(6, 5, 0), A.ecall()]);
    hart.setReg(6, M);
    expect(hart.run(10)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: DATA + 4 * 4096 });
    expect([...memory.read(DATA + 4 * 4096 - 4, 4)]).toEqual([0, 0, 0, 0]);
  });
  it('fetching from a page without execute permission: SIGSEGV ACCERR at the target', () => {
    const { hart } = harness([...li(5, DATA), A.jalr(0, 5, 0)]);
    expect(hart.run(10)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_ACCERR', addr: DATA, pc: DATA });
  });
});

describe('A extension', () => {
  const amo = (funct5: number, f3: number) => A.amo(funct5, f3, 7, 5, 6);
  function runAmo(insn: number, old: bigint, operand: bigint, width: 4 | 8) {
    const { hart, memory } = harness([...li(5, DATA), insn, A.ecall()]);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, old & M, true);
    memory.write(DATA, bytes.subarray(0, width));
    hart.setReg(6, operand & M);
    const out = hart.run(10);
    const mem = memory.read(DATA, 8);
    const dv = new DataView(mem.buffer);
    return {
      out,
      rd: hart.reg(7),
      mem: width === 8 ? dv.getBigUint64(0, true) : BigInt(dv.getUint32(0, true)),
    };
  }
  it('AMO*.D: the old value to rd, the operation to memory', () => {
    const cases: [number, bigint, bigint, bigint][] = [
      [AMO.swap, 5n, 9n, 9n],
      [AMO.add, M, 2n, 1n],
      [AMO.xor, 0xf0n, 0xffn, 0x0fn],
      [AMO.and, 0xf0n, 0x3cn, 0x30n],
      [AMO.or, 0xf0n, 0x0fn, 0xffn],
      [AMO.min, -5n & M, 3n, -5n & M],
      [AMO.max, -5n & M, 3n, 3n],
      [AMO.minu, -5n & M, 3n, 3n],
      [AMO.maxu, -5n & M, 3n, -5n & M],
    ];
    for (const [f, old, b, stored] of cases) {
      const r = runAmo(amo(f, 3), old, b, 8);
      expect(r.out.reason).toBe('ecall');
      expect(r.rd).toBe(old);
      expect(r.mem).toBe(stored);
    }
  });
  it('AMO*.W: operate on 32 bits, sign-extend the old value into rd', () => {
    const cases: [number, bigint, bigint, bigint][] = [
      [AMO.add, 0xffffffffn, 2n, 1n],
      [AMO.min, 0x80000000n, 1n, 0x80000000n],
      [AMO.maxu, 0x80000000n, 1n, 0x80000000n],
      [AMO.max, 0x80000000n, 1n, 1n],
      [AMO.minu, 0x80000000n, 0xffffffff_00000001n, 1n],
    ];
    for (const [f, old, b, stored] of cases) {
      const r = runAmo(amo(f, 2), old, b, 4);
      expect(r.rd).toBe(BigInt.asUintN(64, BigInt.asIntN(32, old)));
      expect(r.mem).toBe(stored);
    }
  });
  it('a misaligned AMO raises SIGBUS BUS_ADRALN', () => {
    const { hart } = harness([...li(5, DATA + 4), A.amo(AMO.add, 3, 7, 5, 6), A.ecall()]);
    expect(hart.run(10)).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRALN', addr: DATA + 4 });
  });
  it('LR/SC: succeeds after LR to the same address, once; fails without LR, elsewhere, or after a trap', () => {
    const { hart, memory } = harness([
      ...li(5, DATA),
      A.addi(6, 0, 11),
      A.amo(AMO.lr, 3, 7, 5, 0), // lr.d t2, (t0)
      A.amo(AMO.sc, 3, 8, 5, 6), // sc.d s0, t1, (t0) → 0
      A.amo(AMO.sc, 3, 9, 5, 6), // again → 1 (the reservation is gone)
      A.amo(AMO.lr, 2, 7, 5, 0), // lr.w
      A.addi(10, 5, 8),
      A.amo(AMO.sc, 2, 11, 10, 6), // sc.w elsewhere → 1, writes nothing
      A.amo(AMO.sc, 2, 12, 5, 6), // reservation cleared by the failed SC → 1
      A.amo(AMO.lr, 2, 7, 5, 0), // lr.w, then ecall: the return to user space clears it
      A.ecall(),
      A.amo(AMO.sc, 2, 13, 5, 6), // → 1
      A.amo(AMO.lr, 2, 7, 5, 0),
      A.amo(AMO.sc, 3, 14, 5, 6), // sc.d after lr.w: not inside the reserved bytes → 1
      A.ecall(),
    ]);
    memory.write(DATA, words([7, 0, 0x55]));
    expect(hart.run(100).reason).toBe('ecall');
    expect([hart.reg(8), hart.reg(9), hart.reg(11), hart.reg(12)]).toEqual([0n, 1n, 1n, 1n]);
    expect(memory.read(DATA + 8, 1)[0]).toBe(0x55);
    expect(hart.run(100).reason).toBe('ecall');
    expect([hart.reg(13), hart.reg(14)]).toEqual([1n, 1n]);
    expect(memory.read(DATA, 1)[0]).toBe(11);
  });
  it('a failed SC does not touch memory, even an unmapped address', () => {
    const { hart } = harness([...li(5, 0x50000), A.amo(AMO.sc, 3, 8, 5, 6), A.ecall()]);
    expect(hart.run(10).reason).toBe('ecall');
    expect(hart.reg(8)).toBe(1n);
  });
});

describe('system instructions', () => {
  it('ecall reports a7 and a0–a5, with pc past the ecall', () => {
    const { hart } = harness([A.addi(17, 0, 64), A.addi(10, 0, -1), A.addi(15, 0, 6), A.ecall(), A.ecall()]);
    const out = hart.run(100);
    expect(out).toEqual({
      reason: 'ecall',
      instructions: 4,
      pc: CODE + 12,
      number: 64,
      args: [M, 0n, 0n, 0n, 0n, 6n],
    });
    expect(hart.pc).toBe(CODE + 16);
    expect(hart.instret).toBe(4);
  });
  it('ebreak: SIGTRAP TRAP_BRKPT; illegal, privileged and all-zero instructions: SIGILL at their pc', () => {
    expect(harness([A.ebreak()]).hart.run(5)).toMatchObject({
      signal: 'SIGTRAP',
      code: 'TRAP_BRKPT',
      addr: CODE,
    });
    for (const bad of [
      0x30200073 /* mret */, 0x10500073 /* wfi */, 0x12000073 /* sfence.vma */, 0, 0xffffffff,
      0x00005053 /* fadd.s with the reserved rm 5 */,
    ]) {
      const { hart } = harness([A.addi(5, 0, 1), bad]);
      expect(hart.run(5)).toMatchObject({
        reason: 'signal',
        signal: 'SIGILL',
        code: 'ILL_ILLOPC',
        pc: CODE + 4,
        addr: CODE + 4,
        instructions: 1,
      });
    }
  });
  it('Zicsr: fflags/frm/fcsr read-modify-write; cycle/instret count retired instructions; writes to them are illegal', () => {
    const { hart } = harness([
      A.csrrwi(5, CSR.fcsr, 0x1f), // t0 = 0, fcsr = 0x1f
      A.csrrsi(6, CSR.frm, 3), // t1 = 0, frm = 3
      A.csrrci(7, CSR.fflags, 1), // t2 = 0x1f, fflags = 0x1e
      A.csrrs(8, CSR.fcsr, 0), // s0 = 3 << 5 | 0x1e
      A.csrrs(9, CSR.instret, 0), // s1 = 4
      A.csrrs(10, CSR.cycle, 0), // a0 = 5
      A.csrrs(11, CSR.time, 0),
      A.csrrw(0, CSR.cycle, 5), // illegal
    ]);
    expect(hart.run(20)).toMatchObject({ signal: 'SIGILL', pc: CODE + 28 });
    expect([
      hart.reg(5),
      hart.reg(6),
      hart.reg(7),
      hart.reg(8),
      hart.reg(9),
      hart.reg(10),
      hart.reg(11),
    ]).toEqual([0n, 0n, 0x1fn, 0x7en, 4n, 5n, 6n]);
    expect(harness([A.csrrs(5, 0x300 /* mstatus */, 0)]).hart.run(5)).toMatchObject({ signal: 'SIGILL' });
  });
  it('perfUserAccess 1 (Linux 6.6+ default): rdcycle and rdinstret are SIGILL, rdtime is not', () => {
    for (const [csr, ok] of [
      [CSR.time, true],
      [CSR.cycle, false],
      [CSR.instret, false],
    ] as const) {
      const { memory } = harness([A.csrrs(5, csr, 0), A.ecall()]);
      const hart = new Rv64Hart(memory, { pc: CODE, perfUserAccess: 1 });
      expect(hart.run(5)).toMatchObject(
        ok ? { reason: 'ecall' } : { reason: 'signal', signal: 'SIGILL', pc: CODE },
      );
    }
    expect(() => new Rv64Hart(harness([]).memory, { perfUserAccess: 3 as never })).toThrow(Rv64Error);
  });
  it('run(limit) stops after exactly that many instructions and resumes', () => {
    const { hart } = harness([A.addi(5, 5, 1), A.jal(0, -4)]);
    expect(hart.run(7)).toEqual({ reason: 'limit', instructions: 7, pc: CODE + 4 });
    expect(hart.run(0)).toEqual({ reason: 'limit', instructions: 0, pc: CODE + 4 });
    hart.run(3);
    expect(hart.reg(5)).toBe(5n);
    expect(hart.instret).toBe(10);
  });
});

describe('decode cache and self-modifying code', () => {
  for (const fence of [true, false]) {
    it(`a store to code already run is seen by the next fetch${fence ? ' (with fence.i)' : ''}`, () => {
      // Loop: run the patchable instruction at CODE+32 twice; between the runs, overwrite it with addi t1, t1, 100.
      const patched = A.addi(6, 6, 100);
      const prog = [
        ...li(5, CODE + 32), // 0, 4
        ...li(7, patched | 0), // 8, 12: t2 = new instruction
        A.jal(1, 16), // 16: call CODE+32
        A.sw(7, 5, 0), // 20: patch
        fence ? A.fenceI() : A.fence(), // 24
        A.jal(1, 4), // 28: call CODE+32
        A.addi(6, 6, 1), // 32: patched to addi t1, t1, 100
        A.jalr(0, 1, 0), // 36: ret
      ];
      // The caller's second call returns to 32 again, then runs 32, 36 → returns to 32 …: stop on the instruction
      // count instead; we only check that the new instruction ran.
      const { hart } = harness(prog, { codeProt: PROT_READ | PROT_WRITE | PROT_EXEC });
      hart.run(5 + 2 + 3 + 2);
      expect(hart.reg(6)).toBe(101n);
    });
  }
  it('code the host rewrites between runs (behind the hart, in physical memory) is decoded afresh', () => {
    const { hart, memory } = harness([A.addi(5, 5, 1), A.ecall()]);
    expect(hart.run(10).reason).toBe('ecall');
    memory.write(CODE, words([A.addi(5, 5, 40)]));
    hart.pc = CODE;
    expect(hart.run(10).reason).toBe('ecall');
    expect(hart.reg(5)).toBe(41n);
  });
  it('the same instructions give the same results with the cache off', () => {
    const prog = [A.addi(5, 5, 3), A.slli(6, 5, 2), A.add(7, 6, 5), A.bne(7, 0, -12)];
    const a = harness(prog).hart;
    const b = new Rv64Hart(harness(prog).memory, { pc: CODE, decodeCache: false });
    a.run(999);
    b.run(999);
    expect(b.reg(7)).toBe(a.reg(7));
    expect(a.reg(7)).not.toBe(0n);
  });
});

describe('bad input', () => {
  it('throws Rv64Error for bad registers, values, pc and limits, changing nothing', () => {
    const { hart } = harness([A.ecall()]);
    expect(() => hart.setReg(32, 1n)).toThrow(Rv64Error);
    expect(() => hart.setReg('q9', 1n)).toThrow(Rv64Error);
    expect(() => hart.setReg(5, 0.5)).toThrow(Rv64Error);
    expect(() => (hart.pc = 3)).toThrow(Rv64Error);
    expect(() => hart.run(-1)).toThrow(Rv64Error);
    expect(() => hart.run(Number.NaN)).toThrow(Rv64Error);
    expect(hart.pc).toBe(CODE);
    expect(() => new Rv64Hart({} as never)).toThrow(Rv64Error);
    expect(() =>
      new BareMemory(new SparsePhysicalMemory({ size: 4096 })).map(0, 2 * 4096, PROT_READ),
    ).toThrow(Rv64Error);
  });
  it('register names: ABI names, xN, fp', () => {
    const { hart } = harness([A.ecall()]);
    hart.setReg('fp', -2);
    expect(hart.reg('s0')).toBe(M - 1n);
    expect(hart.regSigned('x8')).toBe(-2n);
  });
});
