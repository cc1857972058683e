/**
 * The streams and environment a command runs with. `bin.ts` passes the real process's; tests pass buffers, so
 * every command can be run in-process and its output asserted on.
 *
 * @module
 */

/** Something text can be written to (a subset of `NodeJS.WritableStream`). */
export interface TextOut {
  /** Writes text as is (no newline added). */
  write(text: string): unknown;
  /** True when the stream is a terminal (colour and prompts are then allowed). */
  readonly isTTY?: boolean | undefined;
}

/** The streams and environment of one run of the CLI. */
export interface CliIo {
  /** Where results go (JSON lines, the demo's story). */
  readonly stdout: TextOut;
  /** Where errors and diagnostics go. */
  readonly stderr: TextOut;
  /** Where `inspect` and `--step` read lines from. */
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean | undefined };
  /** Environment variables (`NO_COLOR`, `FORCE_COLOR`). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** A usage error: bad command-line input. The CLI prints its message on one line and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code for bad command-line input (as most Unix tools). */
export const EXIT_USAGE = 2;
/** The exit code when a command failed for another reason. */
export const EXIT_FAILURE = 1;

/**
 * Whether to colour output written to `out`: never with `--no-color` or a non-empty `NO_COLOR`
 * (https://no-color.org), always with a non-empty `FORCE_COLOR` other than `0`, otherwise only on a terminal.
 */
export function useColor(out: TextOut, env: CliIo['env'], colorFlag: boolean): boolean {
  if (!colorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return out.isTTY === true;
}
