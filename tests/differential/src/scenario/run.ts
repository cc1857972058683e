/**
 * Runs a conformance scenario (the language of `packages/process-vm/conformance/FORMAT.md`) against any
 * {@link VmTarget} and produces the JSON objects the Linux oracle prints, one per operation.
 *
 * @module
 */

import { errnoName, MADV_NAMES, MAP_FLAG_NAMES, MREMAP_FLAG_NAMES, MS_NAMES } from '@pagewright/core';
import type { VmTarget } from './target.js';

/** The scenario region's base (FORMAT.md). */
export const SCENARIO_BASE = 0x2000000000n;
/** The scenario region's size. */
export const SCENARIO_SPAN = 0x40000000n;

/** One printed result line. */
export type ResultLine = Record<string, string | number>;

/** C `strtoull(s, 0, 0)` for the literals scenarios use (hex or decimal). */
function cNumber(s: string): bigint {
  return BigInt.asUintN(64, BigInt(s));
}

function cInt(s: string): number {
  return Number(BigInt.asIntN(32, BigInt(s)));
}

function protArg(s: string): number {
  if (s.startsWith('0x')) return cInt(s);
  let p = 0;
  for (const ch of s) p |= ch === 'r' ? 1 : ch === 'w' ? 2 : ch === 'x' ? 4 : 0;
  return p;
}

function flagsArg(s: string): number {
  if (s.startsWith('0x')) return cInt(s);
  let f = 0;
  for (const t of s.split('|')) {
    if (t === '0') continue;
    if (t === 'RFIXED') f |= MREMAP_FLAG_NAMES.FIXED!;
    else if (t === 'MAYMOVE' || t === 'DONTUNMAP') f |= MREMAP_FLAG_NAMES[t]!;
    else if (MAP_FLAG_NAMES[t] !== undefined) f |= MAP_FLAG_NAMES[t]!;
    else throw new Error(`unknown flag ${t}`);
  }
  return f;
}

/** A returned address as the oracle prints it: `+0x…` inside the region, `elsewhere`, or the errno name. */
export function addrRet(r: number, exact = false): string {
  if (r < 0 && r >= -4095) return errnoName(r) ?? 'E?';
  const a = BigInt(r);
  if (exact) return `0x${a.toString(16)}`;
  return a >= SCENARIO_BASE && a < SCENARIO_BASE + SCENARIO_SPAN
    ? `+0x${(a - SCENARIO_BASE).toString(16)}`
    : 'elsewhere';
}

/** A 0/-errno result as the oracle prints it. */
export function intRet(r: number): string {
  return r === 0 ? '0' : (errnoName(r) ?? 'E?');
}

/**
 * Performs one scenario operation (`tok` = the line's words, `num` resolves an address argument) on `t` and
 * returns the printed fields besides `i`, `op` and `who`. `fork`/`join` are handled by the caller.
 */
export function applyOp(
  t: VmTarget,
  tok: string[],
  num: (s: string | undefined) => bigint,
  brk0: bigint,
  exact = false,
): ResultLine {
  const op = tok[0]!;
  const line: ResultLine = {};
  switch (op) {
    case 'mmap':
      line.ret = addrRet(t.mmap(num(tok[1]), num(tok[2]), protArg(tok[3]!), flagsArg(tok[4]!)), exact);
      break;
    case 'munmap':
      line.ret = intRet(t.munmap(num(tok[1]), num(tok[2])));
      break;
    case 'mprotect':
      line.ret = intRet(t.mprotect(num(tok[1]), num(tok[2]), protArg(tok[3]!)));
      break;
    case 'mremap':
      line.ret = addrRet(
        t.mremap(num(tok[1]), num(tok[2]), num(tok[3]), flagsArg(tok[4]!), tok[5] ? num(tok[5]) : 0n),
        exact,
      );
      break;
    case 'madvise': {
      const a = tok[3]!;
      const adv = MADV_NAMES[a] ?? cInt(a);
      line.ret = intRet(t.madvise(num(tok[1]), num(tok[2]), adv));
      break;
    }
    case 'mlock':
      line.ret = intRet(t.mlock(num(tok[1]), num(tok[2])));
      break;
    case 'munlock':
      line.ret = intRet(t.munlock(num(tok[1]), num(tok[2])));
      break;
    case 'msync':
      line.ret = intRet(t.msync(num(tok[1]), num(tok[2]), MS_NAMES[tok[3]!] ?? cInt(tok[3]!)));
      break;
    case 'mincore': {
      const r = t.mincore(num(tok[1]), num(tok[2]));
      if (typeof r === 'number') line.ret = intRet(r);
      else {
        line.ret = '0';
        line.resident = r.map((b) => (b ? '1' : '0')).join('');
      }
      break;
    }
    case 'brk': {
      const r = BigInt(t.brk(num(tok[1])));
      line.ret = `b+0x${BigInt.asUintN(64, r - brk0).toString(16)}`;
      break;
    }
    case 'w':
    case 'fill': {
      const a = Number(num(tok[1]));
      const n = op === 'w' ? 1 : Number(num(tok[2]));
      const v = cInt(tok[op === 'w' ? 2 : 3]!);
      let ret = 'ok';
      for (let j = 0; j < n; j++) {
        const r = t.store8(a + j, v);
        if (r !== 'ok') {
          ret = r;
          break;
        }
      }
      line.ret = ret;
      break;
    }
    case 'r':
    case 'check': {
      const a = Number(num(tok[1]));
      if (op === 'r') {
        const r = t.load8(a);
        line.ret = String(r);
        break;
      }
      const n = Number(num(tok[2]));
      const v = cInt(tok[3]!) & 0xff;
      let ret = 'ok';
      for (let j = 0; j < n; j++) {
        const r = t.load8(a + j);
        if (typeof r === 'string') {
          ret = r;
          break;
        }
        if (r !== v) {
          ret = `mismatch@+0x${j.toString(16)}=${r}`;
          break;
        }
      }
      line.ret = ret;
      break;
    }
    case 'maps': {
      const lo = Number(SCENARIO_BASE);
      const hi = Number(SCENARIO_BASE + SCENARIO_SPAN);
      line.maps = JSON.stringify(
        t
          .maps()
          .filter((m) => m.end > lo && m.start < hi)
          .map((m) => `+0x${(m.start - lo).toString(16)}-+0x${(m.end - lo).toString(16)} ${m.perms}`),
      );
      break;
    }
    default:
      throw new Error(`unknown op ${op}`);
  }
  return line;
}

/** Runs `text` on `root`; `brk0` is the program break at the start (the base of `b+OFF`). */
export function runScenarioOn(text: string, root: VmTarget): ResultLine[] {
  const brk0 = BigInt(root.brk(0n));
  const out: ResultLine[] = [];
  const lines = text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
  const num = (s: string | undefined): bigint => {
    if (s === undefined) throw new Error('missing argument');
    if (s.startsWith('+')) return SCENARIO_BASE + cNumber(s.slice(1));
    if (s.startsWith('b+')) return brk0 + cNumber(s.slice(2));
    return cNumber(s);
  };

  const run = (t: VmTarget, from: number, child: boolean): number => {
    let k = from;
    while (k < lines.length) {
      const tok = lines[k]!.split(/\s+/);
      const op = tok[0]!;
      const i = k + 1;
      if (op === 'join') {
        if (child) return k;
        k++;
        continue;
      }
      if (op === 'fork') {
        const c = t.fork();
        out.push({ i, op: 'fork', who: 'child' });
        const joinAt = run(c, k + 1, true);
        c.exit();
        out.push({ i: joinAt + 1, op: 'join', child_exit: 0 });
        k = joinAt + 1;
        continue;
      }
      const line: ResultLine = { i, op };
      if (child) line.who = 'child';
      Object.assign(line, applyOp(t, tok, num, brk0));
      out.push(line);
      k++;
    }
    return k;
  };
  run(root, 0, false);
  return out.map((l) => (typeof l.maps === 'string' ? { ...l, maps: JSON.parse(l.maps) } : l));
}
