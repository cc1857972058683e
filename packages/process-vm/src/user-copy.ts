/**
 * The cold accesses of a process's memory: reads, writes and fills of many bytes (page by page, through the
 * process's translation with its fault handling) and the kernel-side copies `copy_from_user` / `copy_to_user`.
 * {@link Process} exposes them; the hot one-value accessors stay in `process.ts`.
 *
 * @module
 */

import { Access, PAGE_SIZE, type PhysicalMemory } from '@pagewright/core';
import { NegErrno } from './errno.js';
import {
  type AccessFault,
  type AccessOutcome,
  type AccessRefused,
  SEGV_MAPERR,
  type SignalInfo,
  signalOf,
} from './signals.js';

/**
 * The largest buffer `read` and `copyFromUser` return (1 GiB): a longer access whose pages are all accessible is
 * refused with `ENOMEM` (the kernel could not allocate such a bounce buffer either).
 */
export const MAX_ACCESS_BYTES = 2 ** 30;
/** Accesses longer than this first check every page, so that a fault answers before a large buffer is made. */
const PROBE_BYTES = 2 ** 20;

/** What the cold accesses need of a process (a `Process` is one). */
export interface UserTranslation {
  /** Translates with fault handling (`user`: a fault without memory runs the OOM killer), or a signal sentinel. */
  translateFor(va: number, access: number, user: boolean): number;
  /** Records a failed access (`lastFault`) and returns `sentinel`. */
  failAccess(sentinel: number, addr: number): number;
  readonly lastFault: AccessFault;
  /** The address space (for `TASK_SIZE`). */
  readonly vm: { readonly limits: { readonly taskSize: number } };
  readonly machine: { readonly memory: PhysicalMemory };
}

/**
 * The byte count of a cold access's length as Linux's `size_t` would take it: an integral `number` or a `bigint`
 * modulo 2^64 (a negative count is huge: the access runs past the end of user space); -1 for anything else (`NaN`,
 * a fraction, ±∞, a non-number: no byte count at all). Values past 2^53 come back as `Infinity` (beyond every
 * address).
 */
export function byteCount(len: unknown): number {
  if (typeof len === 'number') {
    if (len >= 0 && Number.isSafeInteger(len)) return len;
    return Number.isInteger(len) ? Number.POSITIVE_INFINITY : -1;
  }
  if (typeof len === 'bigint') {
    const v = BigInt.asUintN(64, len);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : Number.POSITIVE_INFINITY;
  }
  return -1;
}

/** A store's value as a number: a `bigint` by its low 32 bits, anything that is not a number as 0. */
export function storeValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(BigInt.asUintN(32, v));
  return 0;
}

function refused(code: AccessRefused['code'], addr: unknown): { ok: false } & AccessRefused {
  return { ok: false, signal: null, code, addr: typeof addr === 'number' ? addr : Number.NaN };
}

/** Reads `len` bytes page by page (see `Process.read`). */
export function readUser(
  p: UserTranslation,
  va: number,
  len: unknown,
  user: boolean,
): AccessOutcome<{ bytes: Uint8Array }> {
  const n = byteCount(len);
  if (n < 0) return refused('EINVAL', va);
  if (typeof va !== 'number') return { ok: false, ...signalOf(SEGV_MAPERR, Number.NaN) };
  if (n > PROBE_BYTES) {
    const f = probe(p, va, n, Access.Load, user);
    if (f !== null) return { ok: false, ...f };
    if (n > MAX_ACCESS_BYTES) return refused('ENOMEM', va);
  }
  const bytes = new Uint8Array(n);
  let done = 0;
  while (done < n) {
    const pa = p.translateFor(va + done, Access.Load, user);
    if (pa < 0) return { ok: false, ...signalOf(pa, p.lastFault.addr) };
    const k = Math.min(n - done, PAGE_SIZE - ((va + done) & 0xfff));
    p.machine.memory.readBytes(pa, bytes.subarray(done, done + k));
    done += k;
  }
  return { ok: true, bytes };
}

/**
 * Translates every page of `[va, va + n)` for `access` (faulting them in, as the access would); the signal of the
 * first that fails, or null. `n` may be `Infinity`: the walk then fails at the end of user space at the latest.
 */
function probe(p: UserTranslation, va: number, n: number, access: number, user: boolean): SignalInfo | null {
  const end = Math.min(va + n, p.vm.limits.taskSize + PAGE_SIZE);
  for (let a = va; a < end; a = Math.floor(a / PAGE_SIZE) * PAGE_SIZE + PAGE_SIZE) {
    const pa = p.translateFor(a, access, user);
    if (pa < 0) return signalOf(pa, p.lastFault.addr);
  }
  return va + n > end ? signalOf(p.failAccess(SEGV_MAPERR, end), end) : null;
}

/** Writes `bytes` page by page (see `Process.write`). */
export function writeUser(
  p: UserTranslation,
  va: number,
  bytes: Uint8Array,
  user: boolean,
): AccessOutcome<{ written: number }> {
  if (!(bytes instanceof Uint8Array)) return refused('EINVAL', va);
  if (typeof va !== 'number') return { ok: false, ...signalOf(SEGV_MAPERR, Number.NaN) };
  let done = 0;
  while (done < bytes.length) {
    const pa = p.translateFor(va + done, Access.Store, user);
    if (pa < 0) return { ok: false, ...signalOf(pa, p.lastFault.addr) };
    const n = Math.min(bytes.length - done, PAGE_SIZE - ((va + done) & 0xfff));
    p.machine.memory.writeBytes(pa, bytes.subarray(done, done + n));
    done += n;
  }
  return { ok: true, written: done };
}

/** Fills `len` bytes with `value` page by page (see `Process.fill`). */
export function fillUser(
  p: UserTranslation,
  va: number,
  len: unknown,
  value: unknown,
): AccessOutcome<{ written: number }> {
  const n = byteCount(len);
  if (n < 0) return refused('EINVAL', va);
  if (typeof va !== 'number') return { ok: false, ...signalOf(SEGV_MAPERR, Number.NaN) };
  const byte = storeValue(value) & 0xff;
  let done = 0;
  while (done < n) {
    const pa = p.translateFor(va + done, Access.Store, true);
    if (pa < 0) return { ok: false, ...signalOf(pa, p.lastFault.addr) };
    const k = Math.min(n - done, PAGE_SIZE - ((va + done) & 0xfff));
    p.machine.memory.fill(pa, k, byte);
    done += k;
  }
  return { ok: true, written: done };
}

/** `copy_from_user` (see `Process.copyFromUser`): the bytes, or `-EFAULT` / `-EINVAL` / `-ENOMEM`. */
export function copyFromUser(p: UserTranslation, va: number, len: unknown): Uint8Array | number {
  const n = byteCount(len);
  if (n < 0) return NegErrno.EINVAL;
  if (!(typeof va === 'number' && Number.isSafeInteger(va) && va >= 0)) return NegErrno.EFAULT;
  if (n > p.vm.limits.taskSize - va) return NegErrno.EFAULT;
  const r = readUser(p, va, n, false);
  if (r.ok) return r.bytes;
  return r.signal === null ? (r.code === 'ENOMEM' ? NegErrno.ENOMEM : NegErrno.EINVAL) : NegErrno.EFAULT;
}

/** `copy_to_user` (see `Process.copyToUser`): 0, or `-EFAULT` / `-EINVAL`. */
export function copyToUser(p: UserTranslation, va: number, bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) return NegErrno.EINVAL;
  if (
    !(typeof va === 'number' && Number.isSafeInteger(va) && va >= 0) ||
    va + bytes.length > p.vm.limits.taskSize
  )
    return NegErrno.EFAULT;
  return writeUser(p, va, bytes, false).ok ? 0 : NegErrno.EFAULT;
}
