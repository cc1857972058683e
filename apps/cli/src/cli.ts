/**
 * The CLI's composition: every subcommand wired into the commander program. {@link run} is what `bin.ts` calls and
 * what tests call in-process.
 *
 * @module
 */
import { parseTlbSpec } from '@pagewright/sv39';
import { conformCommand } from './conform.js';
import { demoCommand } from './demo.js';
import { inspectCommand } from './inspect.js';
import type { CliIo } from './io.js';
import { mmuCommand } from './mmu.js';
import { runProgram, type SubcommandSpec } from './program.js';
import { quizCommand } from './quiz.js';
import { replayCommand } from './replay.js';
import { runCommand } from './run.js';

/** Every subcommand, by name. */
export const SUBCOMMANDS: Readonly<Record<string, SubcommandSpec>> = {
  demo: demoCommand,
  conform: conformCommand,
  mmu: mmuCommand,
  inspect: inspectCommand,
  quiz: quizCommand,
  replay: replayCommand,
  run: runCommand,
};

/** Validates a `--tlb` spec with the library's own parser (so the CLI accepts exactly what the library does). */
function checkTlbSpec(spec: string): void {
  parseTlbSpec(spec);
}

/** Runs `pagewright ARGV…` with the given streams; resolves to the exit code (0, 1, or 2 for bad input). */
export function run(argv: readonly string[], io: CliIo): Promise<number> {
  return runProgram(argv, io, SUBCOMMANDS, checkTlbSpec);
}
