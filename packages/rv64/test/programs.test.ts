import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROGRAMS, runProgram } from './program.js';

const NAMES = ['hello', 'primes', 'arith', 'atomics', 'selfmod', 'segv', 'illegal', 'float'];

describe('static RISC-V programs on a process-vm Process, against QEMU (recorded by fixtures/programs/build.sh)', () => {
  for (const name of NAMES) {
    it(`${name}: same exit status and stdout as qemu-riscv64`, () => {
      const expectedStatus = Number(readFileSync(join(PROGRAMS, `${name}.qemu.status`), 'utf8').trim());
      const expectedStdout = readFileSync(join(PROGRAMS, `${name}.qemu.stdout`), 'latin1');
      const r = runProgram(name);
      expect(r.stdout).toBe(expectedStdout);
      expect(r.status).toBe(expectedStatus);
      expect(r.instructions).toBeGreaterThan(0);
    });
  }

  it('segv stops with SIGSEGV SEGV_MAPERR at the address it stored to', () => {
    const r = runProgram('segv');
    expect(r.signal).toMatchObject({ signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: 0x1234 });
  });

  it('illegal stops with SIGILL at the all-zero instruction', () => {
    const r = runProgram('illegal');
    expect(r.signal).toMatchObject({ signal: 'SIGILL', code: 'ILL_ILLOPC' });
    expect(r.signal?.addr).toBe(r.signal?.pc);
  });

  it('gives the same answers without the decode cache and without a TLB', () => {
    for (const name of ['primes', 'selfmod', 'atomics']) {
      const a = runProgram(name);
      const b = runProgram(name, { decodeCache: false, tlb: 'off' });
      expect(b.stdout).toBe(a.stdout);
      expect(b.status).toBe(a.status);
      expect(b.instructions).toBe(a.instructions);
    }
  });
});
