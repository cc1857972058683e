import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { checkInvariants, Machine, type Process } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { processMemory } from '../src/guest-memory.js';
import { Rv64Hart } from '../src/hart.js';
import { A, words } from './asm.js';

const CODE = 0x400000;

/** A process whose code segment holds `program`; a hart on it with a0 = `a0`. */
function setup(program: number[], a0 = 0) {
  const machine = new Machine({ arch: 'sv39', checkTlb: true });
  const p = machine.spawn({
    entry: CODE,
    segments: [{ vaddr: CODE, memsz: 4096, prot: PROT_READ | PROT_EXEC, data: words(program) }],
  });
  const hart = new Rv64Hart(processMemory(p), { pc: CODE });
  hart.setReg('a0', a0);
  hart.setReg('sp', p.vm.startStack);
  return { machine, p, hart };
}

function rss(p: Process): number {
  return [...p.smaps().matchAll(/^Rss:\s+(\d+) kB/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

describe('memory through process-vm: demand paging, copy-on-write, stack growth, signals', () => {
  it('stores demand-fault zeroed pages in; loads of untouched anonymous memory read zeros', () => {
    // for (i = 0; i < 8; i++) a0[i * 4096] = i + 1; a1 = a0[9 * 4096] (never written: the zero page)
    const { p, hart } = setup([
      A.addi(5, 0, 0),
      A.lui(6, 1),
      A.addi(7, 0, 8),
      A.addi(28, 10, 0),
      A.addi(5, 5, 1),
      A.sd(5, 28, 0),
      A.add(28, 28, 6),
      A.bne(5, 7, -12),
      A.lui(29, 9),
      A.add(29, 29, 10),
      A.ld(11, 29, 0),
      A.ecall(),
    ]);
    const a = p.mmap(0, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    hart.setReg('a0', a);
    const before = rss(p);
    expect(hart.run(1000).reason).toBe('ecall');
    expect(hart.reg('a1')).toBe(0n);
    expect(rss(p) - before).toBe(8 * 4);
    for (let i = 0; i < 8; i++) expect(p.load8(a + i * 4096)).toBe(i + 1);
    expect(() => checkInvariants(p)).not.toThrow();
  });

  it('copy-on-write after fork: the child hart writes its own copy, the parent keeps its value', () => {
    const { p, hart } = setup([A.addi(5, 0, 99), A.sd(5, 10, 0), A.ld(11, 10, 0), A.ecall()]);
    const a = p.mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    p.store8(a, 7);
    const child = p.fork();
    if (typeof child === 'number') throw new Error('fork failed');
    const childHart = new Rv64Hart(processMemory(child), { pc: CODE });
    childHart.setReg('a0', a);
    expect(childHart.run(100).reason).toBe('ecall');
    expect(childHart.reg('a1')).toBe(99n);
    expect(child.load8(a)).toBe(99);
    expect(p.load8(a)).toBe(7);
    void hart;
    expect(() => checkInvariants(p.machine)).not.toThrow();
  });

  it('the stack grows down below its VMA on a store, as the kernel does', () => {
    // sd at sp - 64 KiB: below the initial stack VMA (128 KiB under the arguments) → expanded, not SIGSEGV
    const { p, hart } = setup([A.lui(5, 0x40), A.sub(5, 2, 5), A.sd(2, 5, 0), A.ld(11, 5, 0), A.ecall()]);
    const sp = p.vm.startStack;
    expect(hart.run(100).reason).toBe('ecall');
    expect(hart.reg('a1')).toBe(BigInt(sp));
    expect(p.maps()).toMatch(/\[stack\]/);
  });

  it('SIGSEGV ACCERR for a store to read-only memory, MAPERR for an unmapped address; SIGBUS past a shared object', () => {
    let { p, hart } = setup([A.sd(0, 10, 0), A.ecall()]);
    const ro = p.mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    hart.setReg('a0', ro);
    expect(hart.run(10)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_ACCERR', addr: ro, pc: CODE });
    ({ p, hart } = setup([A.sd(0, 10, 0), A.ecall()], 0x1000));
    expect(hart.run(10)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: 0x1000 });
    // A shared mapping shrunk by mremap keeps its object size: the page past the object's end is SIGBUS.
    ({ p, hart } = setup([A.lw(5, 10, 0), A.ecall()]));
    const s = p.mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    const grown = p.mremap(s, 2 * 4096, 3 * 4096, 1 /* MREMAP_MAYMOVE */);
    expect(grown).toBeGreaterThan(0);
    hart.setReg('a0', grown + 2 * 4096);
    expect(hart.run(10)).toMatchObject({ signal: 'SIGBUS', code: 'BUS_ADRERR', addr: grown + 2 * 4096 });
  });

  it('addresses with bit 63 set and beyond Sv39 fault with SEGV_MAPERR (data and instruction fetch)', () => {
    let { hart } = setup([A.ld(5, 10, 0), A.ecall()], -8);
    expect(hart.run(10)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: -8 });
    ({ hart } = setup([A.jalr(0, 10, 0)], 2 ** 40));
    expect(hart.run(10)).toMatchObject({
      signal: 'SIGSEGV',
      code: 'SEGV_MAPERR',
      addr: 2 ** 40,
      pc: 2 ** 40,
    });
  });

  it('a fault that finds no memory ends in SIGKILL (the OOM killer)', () => {
    const machine = new Machine({ arch: 'sv39', memoryBytes: 64 * 4096 });
    const p = machine.spawn({
      entry: CODE,
      segments: [
        {
          vaddr: CODE,
          memsz: 4096,
          prot: PROT_READ | PROT_EXEC,
          data: words([A.lui(6, 1), A.sd(6, 10, 0), A.add(10, 10, 6), A.jal(0, -8)]),
        },
      ],
    });
    const a = p.mmap(0, 1024 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    const hart = new Rv64Hart(processMemory(p), { pc: CODE });
    hart.setReg('a0', a);
    expect(hart.run(100_000)).toMatchObject({
      reason: 'signal',
      signal: 'SIGKILL',
      code: 'OOM',
      pc: CODE + 4,
    });
    expect(p.killedBy).toBe('SIGKILL');
  });

  it('an ecall lets the host change mappings between runs (munmap): the next access faults', () => {
    const { p, hart } = setup([A.ld(5, 10, 0), A.ecall(), A.ld(5, 10, 0), A.ecall()]);
    const a = p.mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    hart.setReg('a0', a);
    expect(hart.run(10).reason).toBe('ecall');
    expect(p.munmap(a, 4096)).toBe(0);
    expect(hart.run(10)).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: a });
  });
});
