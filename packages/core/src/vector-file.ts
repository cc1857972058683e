/**
 * The line syntax every architecture's conformance-vector files share (each package's `conformance/FORMAT.md`):
 * `#` comments, whitespace-separated tokens, `case NAME` … `end` blocks of commands, u64 numbers in any BigInt
 * literal form. {@link readVectorCases} does the syntax; the architecture's runner gives meaning to the commands.
 *
 * @module
 */

/** The largest u64. */
const U64_MAX = (1n << 64n) - 1n;

/** Builds the runner's syntax error (its own class, carrying the 1-based line number). */
export type VectorErrorFactory = (line: number, message: string) => Error;

/** One command line of a vector file, with the argument checks a runner needs. */
export class VectorLine {
  /**
   * @param line - 1-based line number
   * @param cmd - the command (first token)
   * @param args - the other tokens
   * @param makeError - builds the runner's syntax error
   */
  constructor(
    readonly line: number,
    readonly cmd: string,
    readonly args: readonly string[],
    private readonly makeError: VectorErrorFactory,
  ) {}

  /** Throws the runner's syntax error for this line. */
  fail(message: string): never {
    throw this.makeError(this.line, message);
  }

  /** Fails unless the command has exactly `k` arguments (`cmd takes k argument(s)`). */
  arity(k: number): void {
    if (this.args.length !== k) this.fail(`${this.cmd} takes ${k} argument(s)`);
  }

  /** Argument `k` (0-based) as a u64: fails when it is missing, not a number, or outside `[0, 2^64)`. */
  u64(k: number): bigint {
    const t = this.args[k];
    if (t === undefined) return this.fail(`${this.cmd}: missing argument ${k + 1}`);
    let v: bigint;
    try {
      v = BigInt(t);
    } catch {
      return this.fail(`${this.cmd}: not a number: ${t}`);
    }
    if (v < 0n || v > U64_MAX) this.fail(`${this.cmd}: not a u64: ${t}`);
    return v;
  }

  /** The one argument, which must be one of `allowed` (`cmd: expected a or b`). */
  oneOf<T extends string>(allowed: readonly T[]): T {
    this.arity(1);
    const a = this.args[0] as T;
    if (!allowed.includes(a)) this.fail(`${this.cmd}: expected ${allowed.join(' or ')}`);
    return a;
  }

  /** The one argument as a bit: `0` or `1`. */
  bit(): boolean {
    return this.oneOf(['0', '1'] as const) === '1';
  }
}

/** What a runner does with the cases of a vector file. */
export interface VectorCaseHandler {
  /** A `case NAME` line: reset the machine for a new case. */
  startCase(name: string, line: VectorLine): void;
  /** A command inside a case; `index` counts the case's commands from 1. */
  command(line: VectorLine, index: number, caseName: string): void;
}

/**
 * Reads `text` line by line: strips comments, skips blank lines, checks the `case` / `end` structure (no nested or
 * unterminated case, no command outside a case, case names of `[A-Za-z0-9_.+-]`) and hands each case and command to
 * `handler`. Errors are `makeError(line, message)`.
 */
export function readVectorCases(
  text: string,
  makeError: VectorErrorFactory,
  handler: VectorCaseHandler,
): void {
  let inCase: string | null = null;
  let index = 0;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const tokens = (lines[n] as string).replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const [cmd, ...args] = tokens as [string, ...string[]];
    const line = new VectorLine(n + 1, cmd, args, makeError);
    if (cmd === 'case') {
      if (inCase !== null) line.fail(`case ${inCase} has no end`);
      line.arity(1);
      const name = args[0] as string;
      if (!/^[A-Za-z0-9_.+-]+$/.test(name)) line.fail(`bad case name ${name}`);
      inCase = name;
      index = 0;
      handler.startCase(name, line);
      continue;
    }
    if (inCase === null) throw makeError(line.line, `${cmd} outside a case`);
    if (cmd === 'end') {
      line.arity(0);
      inCase = null;
      continue;
    }
    index++;
    handler.command(line, index, inCase);
  }
  if (inCase !== null) throw makeError(lines.length, `case ${inCase} has no end`);
}

/** A u64 given as two 32-bit halves, as `0x` and its shortest hex digits (the vectors' result format). */
export function hexU64(lo: number, hi: number): string {
  return `0x${((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16)}`;
}
