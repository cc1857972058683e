/**
 * An in-memory {@link CliIo}: captures stdout and stderr as strings and feeds stdin from a string. For running the
 * CLI in-process (tests, scripts embedding it).
 *
 * @module
 */
import { Readable } from 'node:stream';
import type { CliIo } from './io.js';

/** A {@link CliIo} whose outputs are captured. */
export interface MemoryIo extends CliIo {
  /** Everything written to stdout so far. */
  out(): string;
  /** Everything written to stderr so far. */
  err(): string;
}

/** Makes an in-memory {@link CliIo}. `stdinText` is what stdin yields (then end of input); no stream is a TTY. */
export function memoryIo(stdinText = '', env: Record<string, string | undefined> = {}): MemoryIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    stdout: { write: (s: string) => out.push(s), isTTY: false },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
    stdin: Readable.from(stdinText === '' ? [] : [stdinText]),
    env,
    out: () => out.join(''),
    err: () => err.join(''),
  };
}
