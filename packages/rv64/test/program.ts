/**
 * Runs a static RISC-V ELF on a process-vm `Process`: `@pagewright/elf`'s `planExec` gives the mappings, the
 * process's `exec` builds them (and the initial stack), and the hart runs with `write` (64) and `exit`/`exit_group`
 * (93/94) served minimally — enough for the freestanding fixtures in fixtures/programs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planExec, RISCV64_SV39_LOAD_PROFILE } from '@pagewright/elf';
import { type ImageSegment, Machine, type Process, type ProgramImage } from '@pagewright/process-vm';
import { processMemory } from '../src/guest-memory.js';
import { Rv64Hart } from '../src/hart.js';
import type { SignalStop } from '../src/outcome.js';

export const PROGRAMS = join(import.meta.dirname, '../fixtures/programs');

/** Signal numbers (Linux, RISC-V) for the shell status 128 + n. */
export const SIGNAL_NUMBER: Record<string, number> = {
  SIGILL: 4,
  SIGTRAP: 5,
  SIGBUS: 7,
  SIGKILL: 9,
  SIGSEGV: 11,
};

/** The ProgramImage of an ELF file, from its exec plan. */
export function imageOf(file: Uint8Array, path: string): ProgramImage {
  const plan = planExec(file, { profile: RISCV64_SV39_LOAD_PROFILE });
  const segments: ImageSegment[] = [];
  for (const step of plan.steps) {
    if (step.kind === 'map-file') {
      const from = step.filePage * 4096;
      segments.push({
        vaddr: step.start,
        memsz: step.length,
        prot: step.prot,
        data: file.slice(from, Math.min(file.length, from + step.length)),
      });
    } else if (step.kind === 'zero-tail') {
      const seg = segments[segments.length - 1] as ImageSegment;
      const data = seg.data as Uint8Array;
      data.fill(0, Math.max(0, step.start - seg.vaddr), Math.min(data.length, step.end - seg.vaddr));
    } else {
      segments.push({ vaddr: step.start, memsz: step.length, prot: step.prot });
    }
  }
  return { path, entry: plan.startPc, segments, argv: [path], envp: [] };
}

/** What a run ended in: the shell's status and what the program wrote to fd 1. */
export interface ProgramResult {
  status: number;
  /** What the program wrote to fd 1, one character per byte (latin1). */
  stdout: string;
  instructions: number;
  signal: SignalStop | null;
  process: Process;
  hart: Rv64Hart;
}

/** Loads `name` from fixtures/programs into a new process and runs it to exit or a signal. */
export function runProgram(
  name: string,
  options: { decodeCache?: boolean; tlb?: string } = {},
): ProgramResult {
  const file = new Uint8Array(readFileSync(join(PROGRAMS, name)));
  const machine = new Machine({ arch: 'sv39', tlb: options.tlb ?? '16x4:lru', checkTlb: true });
  const process = machine.spawn();
  const r = process.exec(imageOf(file, `/bin/${name}`));
  if (r !== 0) throw new Error(`exec failed: ${r}`);
  const hart = new Rv64Hart(processMemory(process), {
    pc: imageOf(file, name).entry,
    decodeCache: options.decodeCache,
  });
  hart.setReg('sp', process.vm.startStack);
  let stdout = '';
  let instructions = 0;
  for (;;) {
    const out = hart.run(50_000_000);
    instructions += out.instructions;
    if (out.reason === 'limit') throw new Error(`${name}: instruction limit`);
    if (out.reason === 'signal') {
      process.exit(0);
      return {
        status: 128 + (SIGNAL_NUMBER[out.signal] ?? 0),
        stdout,
        instructions,
        signal: out,
        process,
        hart,
      };
    }
    if (out.number === 64) {
      const [fd, buf, len] = out.args;
      const bytes = process.copyFromUser(Number(buf), Number(len));
      if (typeof bytes === 'number') hart.setReg('a0', bytes);
      else {
        if (fd === 1n) stdout += Buffer.from(bytes).toString('latin1');
        hart.setReg('a0', bytes.length);
      }
    } else if (out.number === 93 || out.number === 94) {
      const status = Number(out.args[0] & 0xffn);
      process.exit(status);
      return { status, stdout, instructions, signal: null, process, hart };
    } else hart.setReg('a0', -38); // ENOSYS
  }
}
