/**
 * Reading an `strace -f` log: one {@link TracedCall} per completed system call (`PID name(args) = ret`, with
 * `<unfinished ...>` / `<... name resumed>` pairs joined), its arguments split at the top level and its result as
 * Linux returned it.
 *
 * @module
 */

/** One system call of the log. */
export interface TracedCall {
  /** The log line (from 1) where the call ended. */
  readonly line: number;
  /** The thread id strace printed (0 when the log has no pid column). */
  readonly pid: number;
  readonly name: string;
  /** The arguments as strace printed them (`NULL`, `0x7f…`, `PROT_READ|PROT_WRITE`, `"data.bin"`, `[0, 1]`). */
  readonly args: readonly string[];
  /** The raw result: a number (an address, a count, -1 on error) or `?`. */
  readonly ret: string;
  /** The errno name after `-1`, or null. */
  readonly errno: string | null;
}

const CALL = /^(?:(\d+)\s+)?(?:\d+:\d+:\d+(?:\.\d+)?\s+)?(\w+)\((.*)\)\s+=\s+(-?\w+|\?)(?:\s+(E[A-Z0-9]+))?/;
const UNFINISHED = /^(?:(\d+)\s+)?(?:\d+:\d+:\d+(?:\.\d+)?\s+)?(\w+)\((.*) <unfinished \.\.\.>$/;
const RESUMED =
  /^(?:(\d+)\s+)?(?:\d+:\d+:\d+(?:\.\d+)?\s+)?<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(-?\w+|\?)(?:\s+(E[A-Z0-9]+))?/;

/** Splits an argument list at its top-level commas (strings, arrays, structs and calls kept whole). */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      cur += c;
      if (c === '\\') cur += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Parses a log; lines that are no system call (signals, `+++ exited`, blank) are skipped. */
export function parseStrace(text: string): TracedCall[] {
  const out: TracedCall[] = [];
  const pending = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] as string).trimEnd();
    let m = UNFINISHED.exec(raw);
    if (m !== null) {
      pending.set(`${m[1] ?? 0}:${m[2]}`, m[3] as string);
      continue;
    }
    m = RESUMED.exec(raw);
    if (m !== null) {
      const key = `${m[1] ?? 0}:${m[2]}`;
      const head = pending.get(key) ?? '';
      pending.delete(key);
      out.push(call(i + 1, m[1], m[2] as string, head + (m[3] as string), m[4] as string, m[5]));
      continue;
    }
    m = CALL.exec(raw);
    if (m !== null) out.push(call(i + 1, m[1], m[2] as string, m[3] as string, m[4] as string, m[5]));
  }
  return out;
}

function call(
  line: number,
  pid: string | undefined,
  name: string,
  args: string,
  ret: string,
  errno: string | undefined,
): TracedCall {
  return {
    line,
    pid: pid === undefined ? 0 : Number(pid),
    name,
    args: splitArgs(args),
    ret,
    errno: errno ?? null,
  };
}
