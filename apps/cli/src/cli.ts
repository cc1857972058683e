/**
 * The CLI's composition: every subcommand wired into the commander program. {@link run} is what `bin.ts` calls and
 * what tests call in-process.
 *
 * @module
 */
import type { CliIo } from './io.js';
import { runProgram, type SubcommandSpec } from './program.js';

/** Every subcommand, by name. */
export const SUBCOMMANDS: Readonly<Record<string, SubcommandSpec>> = {};

/** Validates a `--tlb` spec. */
function checkTlbSpec(spec: string): void {
  if (!/^[1-9][0-9]*x[1-9][0-9]*(:[a-z]+)?$/.test(spec)) throw new Error(`bad TLB spec '${spec}'`);
}

/** Runs `pagewright ARGV…` with the given streams; resolves to the exit code (0, 1, or 2 for bad input). */
export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runProgram(argv, io, SUBCOMMANDS, checkTlbSpec);
}
