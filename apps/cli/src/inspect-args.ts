/**
 * Parsing the arguments of the inspector's commands: u64 numbers (`0x…`, decimal, `$` for the last address a
 * system call returned, `$+0x1000`), protections (`rw-`, `READ|WRITE`, a number) and flag sets (`PRIVATE|ANONYMOUS`,
 * `MAP_FIXED`, a number).
 *
 * @module
 */
import {
  MADV_NAMES,
  MAP_FLAG_NAMES,
  MCL_CURRENT,
  MCL_FUTURE,
  MCL_ONFAULT,
  MLOCK_ONFAULT,
  MREMAP_FLAG_NAMES,
  MS_NAMES,
  parseProtString,
} from '@pagewright/core';
import { OPEN_FLAG_NAMES } from '@pagewright/process-vm';

/** A bad argument: the inspector prints the message and goes on. */
export class ArgError extends Error {
  override readonly name = 'ArgError';
}

const U64_MAX = (1n << 64n) - 1n;

/** Parses an unsigned 64-bit number (`0x…` or decimal; `-N` wraps mod 2^64 as C would), or `$[±N]`. */
export function parseU64(token: string | undefined, what: string, last: number | null): bigint {
  if (token === undefined) throw new ArgError(`missing ${what}`);
  const m = /^\$(?:([+-])(.+))?$/.exec(token);
  if (m) {
    if (last === null) throw new ArgError('no address to use for $ yet (mmap or mremap first)');
    const off = m[2] === undefined ? 0n : parseU64(m[2], what, null);
    return (BigInt(last) + (m[1] === '-' ? -off : off)) & U64_MAX;
  }
  const neg = token.startsWith('-');
  const body = neg ? token.slice(1) : token;
  if (!/^(0x[0-9a-f]+|[0-9]+)$/i.test(body))
    throw new ArgError(`bad ${what} '${token}' (a number like 0x1000)`);
  const v = BigInt(body);
  if (v > U64_MAX) throw new ArgError(`${what} '${token}' does not fit in 64 bits`);
  return neg ? -v & U64_MAX : v;
}

/** Parses an address or length that must be a plain number (memory accesses, views). */
export function parseNumber(token: string | undefined, what: string, last: number | null): number {
  const v = parseU64(token, what, last);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ArgError(`${what} '${token}' is too large`);
  return Number(v);
}

/** A `|`-joined set of names from `table` (each with or without `prefix`) or numbers. */
function parseNames(
  token: string | undefined,
  what: string,
  table: Readonly<Record<string, number>>,
  prefix: string,
): number {
  if (token === undefined) throw new ArgError(`missing ${what}`);
  let v = 0;
  for (const part of token.split('|')) {
    const name = part.toUpperCase().replace(new RegExp(`^${prefix}`), '');
    const known = table[name];
    if (known !== undefined) v |= known;
    else if (/^(0x[0-9a-f]+|[0-9]+)$/i.test(part) && Number(part) <= 0xffffffff) v |= Number(part);
    else
      throw new ArgError(`unknown ${what} '${part}' (one of ${Object.keys(table).join(' ')}, or a number)`);
  }
  return v >>> 0;
}

const PROT_NAMES: Readonly<Record<string, number>> = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4 };

/** Parses a protection: `rw-` letters, `READ|WRITE` names, or a number. */
export function parseProt(token: string | undefined): number {
  const letters = token === undefined ? undefined : parseProtString(token);
  return letters ?? parseNames(token, 'protection', PROT_NAMES, 'PROT_');
}

/** Parses mmap flags (`PRIVATE|ANONYMOUS`, `MAP_FIXED`, numbers). */
export const parseMapFlags = (t: string | undefined) => parseNames(t, 'mmap flag', MAP_FLAG_NAMES, 'MAP_');
/** Parses mremap flags (`MAYMOVE|FIXED`, `0`). */
export const parseMremapFlags = (t: string | undefined) =>
  parseNames(t, 'mremap flag', MREMAP_FLAG_NAMES, 'MREMAP_');
/** Parses a madvise advice (`DONTNEED`, a number). */
export const parseAdvice = (t: string | undefined) => parseNames(t, 'advice', MADV_NAMES, 'MADV_');
/** Parses msync flags (`SYNC`, `ASYNC|INVALIDATE`). */
export const parseMsyncFlags = (t: string | undefined) => parseNames(t, 'msync flag', MS_NAMES, 'MS_');

const MLOCK2_NAMES: Readonly<Record<string, number>> = { ONFAULT: MLOCK_ONFAULT };
const MCL_NAMES: Readonly<Record<string, number>> = {
  CURRENT: MCL_CURRENT,
  FUTURE: MCL_FUTURE,
  ONFAULT: MCL_ONFAULT,
};
const SEEK_NAMES: Readonly<Record<string, number>> = { SET: 0, CUR: 1, END: 2 };

/** Parses mlock2 flags (`ONFAULT`, `0`). */
export const parseMlock2Flags = (t: string | undefined) =>
  parseNames(t, 'mlock2 flag', MLOCK2_NAMES, 'MLOCK_');
/** Parses mlockall flags (`CURRENT|FUTURE`). */
export const parseMlockallFlags = (t: string | undefined) =>
  parseNames(t, 'mlockall flag', MCL_NAMES, 'MCL_');
/** Parses open flags (`RDWR|CREAT`, `O_RDONLY`, a number). */
export const parseOpenFlags = (t: string | undefined) => parseNames(t, 'open flag', OPEN_FLAG_NAMES, 'O_');
/** Parses lseek's whence (`SET`, `CUR`, `END`, a number). */
export const parseWhence = (t: string | undefined) => parseNames(t, 'whence', SEEK_NAMES, 'SEEK_');

/** Names offered by tab completion for each kind of flag argument. */
export const COMPLETION_NAMES = {
  prot: ['rw-', 'r--', 'r-x', 'rwx', '---'],
  map: Object.keys(MAP_FLAG_NAMES),
  mremap: Object.keys(MREMAP_FLAG_NAMES),
  advice: Object.keys(MADV_NAMES),
  msync: Object.keys(MS_NAMES),
  mlock2: Object.keys(MLOCK2_NAMES),
  mlockall: Object.keys(MCL_NAMES),
  open: Object.keys(OPEN_FLAG_NAMES),
  whence: Object.keys(SEEK_NAMES),
};
