/**
 * The conformance-scenario language (`conformance/FORMAT.md`): splitting a `.scn` text into operation lines, the
 * argument parsers the Linux oracle (`conformance/linux-oracle.c`) uses — C's `strtoull` with base 0, protections,
 * flag and advice names — and the way it prints results. The interpreter that runs the lines is `scenario.ts`.
 *
 * @module
 */

import {
  errnoName,
  MADV_NAMES,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_FLAG_NAMES,
  MAP_GROWSDOWN,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  MS_ASYNC,
  MS_INVALIDATE,
  MS_SYNC,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { O_APPEND, O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY } from '@pagewright/files';

/** The region scenarios look at: `[BASE, BASE + SPAN)`. */
export const SCENARIO_BASE = 0x2000000000n;
/** Size of the scenario region. */
export const SCENARIO_SPAN = 0x40000000n;
/** The private directory scenario files live in (the oracle makes a fresh one on tmpfs). */
export const SCENARIO_DIR = '/scenario';

/** The `open` flag names of the language (and of `inspect`): `RDONLY`, `CREAT` … */
export const OPEN_FLAG_NAMES: Readonly<Record<string, number>> = {
  RDONLY: O_RDONLY,
  WRONLY: O_WRONLY,
  RDWR: O_RDWR,
  CREAT: O_CREAT,
  TRUNC: O_TRUNC,
  EXCL: O_EXCL,
  APPEND: O_APPEND,
};

export function parseOpenFlags(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing open flags');
  if (s.startsWith('0x')) return strtoint(s);
  let f = 0;
  for (const t of s.split('|')) {
    if (t === '') continue;
    const v = OPEN_FLAG_NAMES[t];
    if (v === undefined) throw new ScenarioError(line, `unknown open flag ${t}`);
    f |= v;
  }
  return f;
}

/** Thrown for a scenario line the language does not allow (the oracle exits with status 2). */
export class ScenarioError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`scenario line ${line}: ${message}`);
    this.name = 'ScenarioError';
  }
}

/** C's `strtoull(s, NULL, 0)`: optional sign, `0x` hex / `0` octal / decimal prefix, saturating, mod 2^64. */
export function strtoull(s: string): bigint {
  let i = 0;
  while (i < s.length && /\s/.test(s[i] as string)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  let base = 10n;
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    base = 16n;
    i += 2;
  } else if (s[i] === '0') base = 8n;
  let v = 0n;
  let overflow = false;
  for (; i < s.length; i++) {
    const d = Number.parseInt(s[i] as string, 36);
    if (Number.isNaN(d) || BigInt(d) >= base) break;
    v = v * base + BigInt(d);
    if (v > 0xffffffffffffffffn) overflow = true;
  }
  if (overflow) return 0xffffffffffffffffn;
  return neg ? BigInt.asUintN(64, -v) : v;
}

/** C's `(int) strtol(s, NULL, 0)`. */
export function strtoint(s: string): number {
  let i = 0;
  while (i < s.length && /\s/.test(s[i] as string)) i++;
  const neg = s[i] === '-';
  const mag = strtoull(neg ? s.slice(i + 1) : s);
  let v = neg ? -mag : mag;
  const max = (1n << 63n) - 1n;
  if (v > max) v = max;
  if (v < -max - 1n) v = -max - 1n;
  return Number(BigInt.asIntN(32, v));
}

const MMAP_NAMES: Record<string, number> = {
  PRIVATE: MAP_PRIVATE,
  SHARED: MAP_SHARED,
  ANONYMOUS: MAP_ANONYMOUS,
  FIXED: MAP_FIXED,
  FIXED_NOREPLACE: MAP_FIXED_NOREPLACE,
  POPULATE: MAP_POPULATE,
  NORESERVE: MAP_NORESERVE,
  GROWSDOWN: MAP_GROWSDOWN,
  MAYMOVE: MREMAP_MAYMOVE,
  RFIXED: MREMAP_FIXED,
  DONTUNMAP: MREMAP_DONTUNMAP,
};

/**
 * Flag names beyond the oracle's: the rest of Linux's `MAP_*` (`LOCKED`, `STACK` …), for the differential tests'
 * programs (which run on the simulator and the reference model only).
 */
const MORE_MMAP_NAMES: Readonly<Record<string, number>> = MAP_FLAG_NAMES;

export function parseProt(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing protection');
  if (s.startsWith('0x')) return strtoint(s);
  if (s === 'none' || s === '---') return 0;
  let p = 0;
  for (const c of s) p |= c === 'r' ? PROT_READ : c === 'w' ? PROT_WRITE : c === 'x' ? PROT_EXEC : 0;
  return p;
}

export function parseFlags(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing flags');
  if (s.startsWith('0x')) return strtoint(s);
  let f = 0;
  for (const t of s.split('|')) {
    if (t === '') continue;
    if (t === '0') continue;
    const v = MMAP_NAMES[t] ?? (Object.hasOwn(MORE_MMAP_NAMES, t) ? MORE_MMAP_NAMES[t] : undefined);
    if (v === undefined) throw new ScenarioError(line, `unknown flag ${t}`);
    f |= v;
  }
  return f;
}

export function parseAdvice(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing advice');
  const known = ['DONTNEED', 'WILLNEED', 'FREE', 'NORMAL', 'RANDOM', 'SEQUENTIAL', 'DONTFORK', 'DOFORK'];
  const more = [
    'WIPEONFORK',
    'KEEPONFORK',
    'POPULATE_READ',
    'POPULATE_WRITE',
    'REMOVE',
    'GUARD_INSTALL',
    'GUARD_REMOVE',
  ];
  if (known.includes(s) || more.includes(s)) return MADV_NAMES[s] as number;
  return strtoint(s);
}

export function parseMode(s: string | undefined, line: number): number {
  if (s === undefined) throw new ScenarioError(line, 'missing msync mode');
  if (s === 'SYNC') return MS_SYNC;
  if (s === 'ASYNC') return MS_ASYNC;
  if (s === 'INVALIDATE') return MS_INVALIDATE;
  return strtoint(s);
}

/** One non-empty scenario line. */
export interface ScenarioLine {
  tokens: string[];
  source: number;
}

/** Splits a scenario into its operation lines (comments and blank lines dropped; at most 8 tokens per line). */
export function parseScenario(text: string): ScenarioLine[] {
  const out: ScenarioLine[] = [];
  text.split('\n').forEach((raw, k) => {
    const noComment = raw.split('#')[0] as string;
    const tokens = noComment.split(/[ \t\r\n]+/).filter((t) => t !== '');
    if (tokens.length > 0) out.push({ tokens: tokens.slice(0, 8), source: k + 1 });
  });
  return out;
}

const ERRNO_NAMES = new Set([
  'EINVAL',
  'ENOMEM',
  'EEXIST',
  'EACCES',
  'EFAULT',
  'EPERM',
  'EAGAIN',
  'EBADF',
  'EOVERFLOW',
  'EOPNOTSUPP',
  'EBUSY',
  'ENOSYS',
  'ENOENT',
  'ENODEV',
  'EISDIR',
  'EFBIG',
  'ENOTDIR',
]);

/** An errno result as the oracle prints it: its name when the oracle knows it, else `E?`. */
export function errText(ret: number): string {
  const name = errnoName(-ret);
  return name !== undefined && ERRNO_NAMES.has(name) ? name : 'E?';
}
