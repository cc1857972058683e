/**
 * Every recorded run of fixtures/programs (cases.txt) on the model: stdout and exit status equal the native build's
 * on a Linux 6.18 host and qemu-riscv64's where QEMU's user-mode emulation agrees with the kernel; afterwards the
 * machine's invariants hold and no frame is left but the shared zero page and the program file's page cache.
 */
import { checkInvariants } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { cases, recorded, runCase } from './run-case.js';

/**
 * Runs where qemu-riscv64 7.2 answers differently from the kernel (the model follows the kernel): QEMU's
 * `madvise` accepts any advice and holes, it has no `mlock2`, `MAP_FIXED_NOREPLACE` replaces, `mprotect` of one
 * page merges differently in its own bookkeeping, `mremap` to length 0 is ENOMEM, `brk` never shrinks, and a stack
 * overflow into the guard gap is SEGV_ACCERR; and it cannot `execve` a RISC-V file on an x86-64 host without
 * binfmt_misc (ENOEXEC).
 */
const QEMU_DIFFERS = new Set([
  'brk_malloc',
  'mincore',
  'mlock',
  'mmap_anon',
  'mprotect_split',
  'mremap',
  'sigsegv',
  'exec_prog',
]);
/** Programs a case execs besides itself. */
const EXECS: Record<string, string[]> = { exec_prog: ['hello'] };

describe('fixture programs on the model', () => {
  for (const c of cases()) {
    it(`${c.id}: native kernel's stdout and status${QEMU_DIFFERS.has(c.id) ? '' : ", and qemu-riscv64's"}`, () => {
      const also = EXECS[c.name] ?? [];
      const run = runCase(c.name, c.args, { also });
      const native = recorded(c, 'native');
      expect(run.stdout).toBe(native.stdout);
      expect(run.result.status).toBe(native.status);
      const qemu = recorded(c, 'qemu');
      if (QEMU_DIFFERS.has(c.id))
        expect(qemu.stdout === native.stdout && qemu.status === native.status).toBe(false);
      else {
        expect(run.stdout).toBe(qemu.stdout);
        expect(run.result.status).toBe(qemu.status);
      }
      expect(run.kernel.unknownSyscalls.size).toBe(0);
      const m = run.kernel.machine;
      checkInvariants(m);
      expect(m.processes.size).toBe(0);
      for (const p of [c.name, ...also]) m.files.unlink(`/bin/${p}`);
      expect(m.framesInUse()).toBe(1); // the shared zero page
    });
  }
});
