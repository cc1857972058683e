/**
 * Access traces: the stream of (ASID, virtual page) lookups a TLB sees, in memory and as a small text file.
 *
 * File format (`apps/lab/traces/*.trace`): `#` comment lines, then one line per run of repeated accesses,
 * `ASID VPN-IN-HEX COUNT` — e.g. `1 3ffffff 12` is twelve consecutive lookups of page 0x3ffffff in ASID 1.
 *
 * @module
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `apps/lab/traces/`. */
export const TRACES_DIR = fileURLToPath(new URL('../traces/', import.meta.url));

/** A recorded or generated access stream. */
export interface AccessTrace {
  /** Where it came from. */
  name: string;
  /** Virtual page of each access. */
  vpns: Float64Array;
  /** ASID (one per process) of each access. */
  asids: Int32Array;
}

/** Accumulates accesses into a growing trace. */
export class TraceRecorder {
  private vpns = new Float64Array(1024);
  private asids = new Int32Array(1024);
  private n = 0;

  /** Number of accesses recorded. */
  get length(): number {
    return this.n;
  }

  /** Appends one access. */
  record(asid: number, vpn: number): void {
    if (this.n === this.vpns.length) {
      const v = new Float64Array(this.n * 2);
      v.set(this.vpns);
      this.vpns = v;
      const a = new Int32Array(this.n * 2);
      a.set(this.asids);
      this.asids = a;
    }
    this.vpns[this.n] = vpn;
    this.asids[this.n] = asid;
    this.n++;
  }

  /** The trace so far. */
  finish(name: string): AccessTrace {
    return { name, vpns: this.vpns.slice(0, this.n), asids: this.asids.slice(0, this.n) };
  }
}

/** Renders a trace in the run-length text format, with `comments` as `#` lines. */
export function formatTrace(trace: AccessTrace, comments: readonly string[] = []): string {
  const lines = comments.map((c) => `# ${c}`);
  let i = 0;
  const n = trace.vpns.length;
  while (i < n) {
    const vpn = trace.vpns[i] as number;
    const asid = trace.asids[i] as number;
    let j = i + 1;
    while (j < n && trace.vpns[j] === vpn && trace.asids[j] === asid) j++;
    lines.push(`${asid} ${vpn.toString(16)} ${j - i}`);
    i = j;
  }
  return `${lines.join('\n')}\n`;
}

/** Parses the text format. Throws a `SyntaxError` naming the line on anything malformed. */
export function parseTrace(name: string, text: string): AccessTrace {
  const rec = new TraceRecorder();
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const line = (lines[k] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\d+) ([0-9a-f]+) (\d+)$/.exec(line);
    if (!m) throw new SyntaxError(`${name}:${k + 1}: expected "ASID VPN-HEX COUNT", got "${line}"`);
    const asid = Number(m[1]);
    const vpn = Number.parseInt(m[2] as string, 16);
    const count = Number(m[3]);
    for (let c = 0; c < count; c++) rec.record(asid, vpn);
  }
  return rec.finish(name);
}

/** Writes a trace file. */
export function writeTrace(path: string, trace: AccessTrace, comments: readonly string[] = []): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, formatTrace(trace, comments));
}

/** Reads a trace file. */
export function readTrace(path: string): AccessTrace {
  return parseTrace(path.split('/').pop() ?? path, readFileSync(path, 'utf8'));
}
