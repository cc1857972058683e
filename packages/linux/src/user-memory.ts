/**
 * Kernel-side access to a task's memory for system calls (`copy_from_user`, `copy_to_user`, `strncpy_from_user`):
 * every access goes through the process's MMU; a fault answers `-EFAULT`, never a signal.
 *
 * @module
 */

import { toNegErrno } from '@pagewright/core';
import type { Process } from '@pagewright/process-vm';

const EFAULT = toNegErrno('EFAULT');
const ENAMETOOLONG = toNegErrno('ENAMETOOLONG');

/** `PATH_MAX`: the longest path a system call reads, its NUL included. */
export const PATH_MAX = 4096;

/** A user pointer as a number (`u64` arguments arrive as bigints; past 2^53 nothing is mapped: -1). */
export function ptr(v: bigint): number {
  return v <= 0x1f_ffff_ffff_ffffn ? Number(v) : -1;
}

/** Reads `len` bytes at `addr`: the bytes or `-EFAULT`. */
export function readUser(p: Process, addr: number, len: number): Uint8Array | number {
  if (addr < 0) return EFAULT;
  const r = p.copyFromUser(addr, len);
  return typeof r === 'number' ? EFAULT : r;
}

/** Writes `bytes` at `addr`: 0 or `-EFAULT`. */
export function writeUser(p: Process, addr: number, bytes: Uint8Array): number {
  if (addr < 0) return EFAULT;
  return p.copyToUser(addr, bytes) === 0 ? 0 : EFAULT;
}

/** Reads a u64 at `addr`: the value or `null` on a fault. */
export function readU64(p: Process, addr: number): bigint | null {
  const b = readUser(p, addr, 8);
  if (typeof b === 'number') return null;
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** Writes a u64 (a number must be a safe integer; negative numbers are two's complement): 0 or `-EFAULT`. */
export function writeU64(p: Process, addr: number, v: bigint | number): number {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, BigInt(v)), true);
  return writeUser(p, addr, b);
}

/** Writes a u32: 0 or `-EFAULT`. */
export function writeU32(p: Process, addr: number, v: number): number {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v >>> 0, true);
  return writeUser(p, addr, b);
}

/**
 * `strncpy_from_user` of a NUL-terminated string of at most `max` bytes (NUL included): the string (UTF-8), or
 * `-EFAULT`, or `-ENAMETOOLONG` when no NUL comes within `max` bytes.
 */
export function readString(p: Process, addr: number, max = PATH_MAX): string | number {
  if (addr < 0) return EFAULT;
  const out: number[] = [];
  let at = addr;
  while (out.length < max) {
    // Read up to the end of the page, so that a string ending before an unmapped page reads fine.
    const chunk = Math.min(4096 - (at % 4096), max - out.length);
    const b = p.copyFromUser(at, chunk);
    if (typeof b === 'number') return EFAULT;
    const nul = b.indexOf(0);
    if (nul >= 0) {
      for (let i = 0; i < nul; i++) out.push(b[i] as number);
      return new TextDecoder().decode(new Uint8Array(out));
    }
    for (const x of b) out.push(x);
    at += chunk;
  }
  return ENAMETOOLONG;
}

/** Reads a NULL-terminated array of string pointers (argv, envp): the strings, or `-EFAULT`/`-E2BIG`. */
export function readStringArray(p: Process, addr: number, maxStrings = 0x7fff_ffff): string[] | number {
  const out: string[] = [];
  if (addr === 0) return out;
  for (let i = 0; ; i++) {
    if (i >= maxStrings) return toNegErrno('E2BIG');
    const q = readU64(p, addr + i * 8);
    if (q === null) return EFAULT;
    if (q === 0n) return out;
    // MAX_ARG_STRLEN (32 pages): a longer string is E2BIG.
    const s = readString(p, ptr(q), 32 * 4096);
    if (typeof s === 'number') return s === ENAMETOOLONG ? toNegErrno('E2BIG') : s;
    out.push(s);
  }
}
