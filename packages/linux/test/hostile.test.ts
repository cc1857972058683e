/**
 * Misbehaving programs that must not run natively (a fork loop, touching more memory than there is, a loop that
 * never ends): each ends as Linux ends it, the machine keeps its invariants and every frame comes back.
 */
import { checkInvariants } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { LinuxKernel } from '../src/kernel.js';
import { runCase } from './run-case.js';

function clean(k: LinuxKernel, name: string): void {
  checkInvariants(k.machine);
  expect(k.machine.processes.size).toBe(0);
  k.machine.files.unlink(`/bin/${name}`);
  expect(k.machine.framesInUse()).toBe(1);
}

describe('hostile programs', () => {
  it('a fork loop is refused with EAGAIN past maxTasks; the children die with the session', () => {
    const r = runCase('hostile', ['fork-loop'], { maxTasks: 12 });
    expect(r.stdout).toContain('fork refused after 1 children: EAGAIN');
    expect(r.result.status).toBe(0);
    expect(r.kernel.liveTasks).toBe(0);
    clean(r.kernel, 'hostile');
  });

  it('touching more memory than the machine has ends in the OOM killer: SIGKILL, status 137', () => {
    const r = runCase('hostile', ['touch-all'], { machine: { memoryBytes: 8 * 1024 * 1024 } });
    expect(r.stdout).toBe('reserved: ok\n');
    expect(r.result.status).toBe(137);
    expect(r.result.signal).toBe(9);
    clean(r.kernel, 'hostile');
  });

  it('an endless loop stops at the instruction limit, and runs on when asked', () => {
    const r = runCase('hostile', ['loop'], { maxInstructions: 300_000 });
    expect(r.result.reason).toBe('limit');
    expect(r.result.instructions).toBe(300_000);
    expect(r.stdout).toBe('looping\n');
    const more = r.kernel.run(1000);
    expect(more).toEqual({ reason: 'limit', status: null, signal: null, instructions: 1000 });
    checkInvariants(r.kernel.machine);
  });

  it('an unknown system-call number answers ENOSYS and is counted', () => {
    const r = runCase('hello', [], { maxInstructions: 100 });
    const k = r.kernel;
    const t = k.init;
    if (t === null) throw new Error('no task');
    k.syscall(t, 4000, [0n, 0n, 0n, 0n, 0n, 0n]);
    k.syscall(t, 4000, [0n, 0n, 0n, 0n, 0n, 0n]);
    expect(t.hart.regSigned('a0')).toBe(-38n);
    expect(k.unknownSyscalls.get(4000)).toBe(2);
    k.syscall(t, 293, [0n, 0n, 0n, 0n, 0n, 0n]); // rseq: ENOSYS by choice, not unknown
    expect(t.hart.regSigned('a0')).toBe(-38n);
    expect(k.unknownSyscalls.has(293)).toBe(false);
  });

  it('a program that is not in the filesystem, or not an ELF file, is refused by exec', () => {
    const k = new LinuxKernel();
    expect(k.start('/bin/missing')).toBe(-2);
    const k2 = new LinuxKernel();
    k2.install('/bin/text', new TextEncoder().encode('#!/bin/sh\necho hi\n'));
    expect(k2.start('/bin/text')).toBe(-8);
  });
});
