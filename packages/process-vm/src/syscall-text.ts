/**
 * A system call written as `strace` would show it — `mmap(0x0, 0x10000, PROT_READ|PROT_WRITE,
 * MAP_PRIVATE|MAP_ANONYMOUS, -1, 0x0) = 0x3ff7ff0000` — its arguments shown by their kind in the table of
 * `syscalls.ts` (protections and flag sets by name, addresses and lengths in hex) and the answer by the result kind
 * (`-1 ENOMEM` for an error). The demos of the CLI and the web app tell their story with it.
 *
 * @module
 */

import { MADV_NAMES, MAP_FLAG_NAMES, MREMAP_FLAG_NAMES, MS_NAMES } from '@pagewright/core';
import { errnoOf } from './errno.js';
import type { Process, ProcessHost } from './process.js';
import { SYSCALLS, type SyscallArgKind, type SyscallArgValue, type SyscallName } from './syscalls.js';

/** `0x…` of a number or bigint (a negative number as its u64). */
function hexOf(v: number | bigint): string {
  const b = typeof v === 'bigint' ? BigInt.asUintN(64, v) : v < 0 ? BigInt.asUintN(64, BigInt(v)) : BigInt(v);
  return `0x${b.toString(16)}`;
}

/** `PREFIX_A|PREFIX_B` of the bits of `v` that `names` knows (the map type first), the rest in hex. */
function flagNames(v: number, names: Readonly<Record<string, number>>, prefix: string, typeMask = 0): string {
  const parts: string[] = [];
  let rest = v >>> 0;
  if (typeMask !== 0) {
    const type = rest & typeMask;
    const t = Object.entries(names).find(([, bits]) => bits === type);
    if (t !== undefined) {
      parts.push(prefix + t[0]);
      rest &= ~typeMask;
    }
  }
  for (const [name, bits] of Object.entries(names))
    if (bits !== 0 && (bits & typeMask) === 0 && (rest & bits) === bits) {
      parts.push(prefix + name);
      rest &= ~bits;
    }
  if (rest !== 0 || parts.length === 0) parts.push(hexOf(rest));
  return parts.join('|');
}

const PROT_BITS: Readonly<Record<string, number>> = { READ: 1, WRITE: 2, EXEC: 4 };

/** One argument as `strace` shows it. */
export function argText(kind: SyscallArgKind, v: SyscallArgValue | undefined): string {
  if (v === undefined) return '?';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Uint8Array) return `[${v.length} bytes]`;
  const n = Number(v);
  switch (kind) {
    case 'prot':
      return n === 0 ? 'PROT_NONE' : flagNames(n, PROT_BITS, 'PROT_');
    case 'mmap-flags':
      return flagNames(n, MAP_FLAG_NAMES, 'MAP_', 0x0f);
    case 'mremap-flags':
      return n === 0 ? '0' : flagNames(n, MREMAP_FLAG_NAMES, 'MREMAP_');
    case 'msync-flags':
      return flagNames(n, MS_NAMES, 'MS_');
    case 'advice': {
      const name = Object.entries(MADV_NAMES).find(([, a]) => a === n)?.[0];
      return name === undefined ? String(n) : `MADV_${name}`;
    }
    case 'fd':
    case 'mode':
    case 'whence':
    case 'open-flags':
    case 'mlock2-flags':
    case 'mlockall-flags':
      return String(n);
    default:
      return hexOf(v);
  }
}

/** `name(args…) = result`, with an error as `-1 ERRNO` (never for `brk`, which answers the break). */
export function syscallText(name: SyscallName, args: readonly SyscallArgValue[], ret: number): string {
  const d = SYSCALLS[name];
  const shown = d.args
    .filter((a) => a.kind !== 'vector')
    .map((a) => argText(a.kind, args[d.args.indexOf(a)] ?? a.optional));
  const errno = d.result === 'break' ? undefined : errnoOf(ret);
  return `${name}(${shown.join(', ')}) = ${errno ? `-1 ${errno}` : hexOf(ret)}`;
}

/** Runs system call `name` on `p` and returns its answer with the `strace`-style line of it. */
export function traceSyscall<M extends ProcessHost>(
  p: Process<M>,
  name: SyscallName,
  args: readonly SyscallArgValue[],
): { ret: number; text: string } {
  const ret = p.syscall(name, args);
  return { ret, text: syscallText(name, args, ret) };
}
