/**
 * Runs one line of fixtures/programs/cases.txt on a fresh machine: the program installed at /bin/NAME (with the
 * programs it execs), exec'ed with its arguments from /bin, run to its end; returns what it printed, its shell
 * status and the kernel.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineOptions } from '@pagewright/process-vm';
import { LinuxKernel } from '../src/kernel.js';

export const PROGRAMS = join(import.meta.dirname, '../fixtures/programs');

/** One recorded run. */
export interface Case {
  readonly id: string;
  readonly name: string;
  readonly args: readonly string[];
}

/** The lines of cases.txt. */
export function cases(): Case[] {
  return readFileSync(join(PROGRAMS, 'cases.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0 && !l.startsWith('#'))
    .map((l) => {
      const [name, ...args] = l.trim().split(/\s+/);
      return { id: [name, ...args].join('_'), name: name as string, args };
    });
}

/** The recorded stdout and status of a case under `who`. */
export function recorded(c: Case, who: 'qemu' | 'native'): { stdout: string; status: number } {
  const base = join(PROGRAMS, 'recorded', `${c.id}.${who}`);
  return {
    stdout: readFileSync(`${base}.stdout`, 'latin1'),
    status: Number(readFileSync(`${base}.status`, 'utf8').trim()),
  };
}

/** Runs `name args…` to its end (or `maxInstructions`). */
export function runCase(
  name: string,
  args: readonly string[],
  options: {
    machine?: MachineOptions;
    maxInstructions?: number;
    maxTasks?: number;
    also?: readonly string[];
  } = {},
) {
  const k = new LinuxKernel({
    machine: { checkTlb: false, ...(options.machine ?? {}) },
    maxTasks: options.maxTasks,
  });
  const path = `/bin/${name}`;
  for (const program of [name, ...(options.also ?? [])]) {
    const r = k.install(`/bin/${program}`, new Uint8Array(readFileSync(join(PROGRAMS, program))));
    if (r !== 0) throw new Error(`install: ${r}`);
  }
  // As build.sh runs them: from the programs' directory.
  const t = k.start(path, [`./${name}`, ...args], [], '/bin');
  if (typeof t === 'number') throw new Error(`exec: ${t}`);
  const result = k.run(options.maxInstructions ?? 2_000_000_000);
  return { kernel: k, result, stdout: Buffer.from(k.stdout).toString('latin1') };
}
