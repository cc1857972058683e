/**
 * Running the static RISC-V test programs of `@pagewright/linux` (packages/linux/fixtures/programs) on a machine
 * for the lab's experiments on real programs: each run reports its output, status and what the memory system did.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LinuxKernel } from '@pagewright/linux';
import type { MachineOptions } from '@pagewright/process-vm';

/** Where the programs are. */
export const PROGRAMS_DIR = fileURLToPath(
  new URL('../../../../packages/linux/fixtures/programs/', import.meta.url),
);

/** A program and its arguments. */
export interface RealProgram {
  readonly label: string;
  readonly name: string;
  readonly args: readonly string[];
}

/** What one run measured. */
export interface RealRun {
  readonly stdout: string;
  readonly status: number | null;
  readonly instructions: number;
  readonly tlbHits: number;
  readonly tlbMisses: number;
  readonly walks: number;
  /** Frames in use at the peak (sampled at every system call) — data, page tables and the program's page cache. */
  readonly framesPeak: number;
  readonly ms: number;
}

const bytes = new Map<string, Uint8Array>();

/** Runs `program` to its end on a machine made with `options` (one hart, so every access is on hart 0). */
export function runReal(program: RealProgram, options: MachineOptions): RealRun {
  let file = bytes.get(program.name);
  if (file === undefined) {
    file = new Uint8Array(readFileSync(`${PROGRAMS_DIR}${program.name}`));
    bytes.set(program.name, file);
  }
  let peak = 0;
  const kernel = new LinuxKernel({
    machine: { arch: 'sv39', harts: 1, ...options },
    onSyscall: () => {
      const n = kernel.machine.framesInUse();
      if (n > peak) peak = n;
    },
  });
  kernel.install(`/bin/${program.name}`, file);
  const t0 = performance.now();
  const task = kernel.start(`/bin/${program.name}`, [program.name, ...program.args]);
  if (typeof task === 'number') throw new Error(`${program.name}: exec failed (${task})`);
  const result = kernel.run(500_000_000);
  const ms = performance.now() - t0;
  const hart = kernel.machine.harts[0];
  const stats = hart?.tlb.stats;
  return {
    stdout: new TextDecoder().decode(kernel.stdout),
    status: result.status,
    instructions: result.instructions,
    tlbHits: stats?.hits ?? 0,
    tlbMisses: stats?.misses ?? 0,
    walks: (hart as { walks?: number } | undefined)?.walks ?? 0,
    framesPeak: peak,
    ms,
  };
}
