/**
 * The table of system calls: for each one its Linux name, its arguments (name and kind), the kind of its result and
 * the function that carries it out. Every consumer reads this table rather than naming the calls again: the
 * {@link Process} facade, the scenario interpreter (`scenario.ts`), the `inspect` shell and the demo of the CLI, and
 * the differential tests. Adding a system call is one entry here plus its file (`decodeX` / `doX`, see `mmap.ts`).
 *
 * @example
 * ```ts
 * import { Machine, SYSCALLS } from '@pagewright/process-vm';
 *
 * const p = new Machine().spawn();
 * console.log(SYSCALLS.mprotect.args.map((a) => a.name).join(' ')); // addr len prot
 * const a = p.syscall('mmap', [0, 4096, 3, 0x22]);
 * console.log(p.syscall('munmap', [a, 4096])); // 0
 * ```
 *
 * @module
 */

import type { FdTable } from '@pagewright/files';
import type { AddressSpace } from './address-space.js';
import { sysBrk } from './brk.js';
import { NegErrno, type SyscallResult } from './errno.js';
import { fdResult } from './fd-syscalls.js';
import { sysMadvise } from './madvise.js';
import { type MincoreVector, sysMincore } from './mincore.js';
import { sysMlock, sysMlock2, sysMlockall, sysMunlock, sysMunlockall } from './mlock.js';
import { sysMmap } from './mmap.js';
import { sysMprotect } from './mprotect.js';
import { sysMremap } from './mremap.js';
import { sysMseal } from './mseal.js';
import { sysMsync } from './msync.js';
import { sysMunmap } from './munmap.js';
import { toInt32, type U64Arg } from './u64.js';

/**
 * What an argument is, which says how to parse, complete and show it: a user address, a byte length, a file
 * offset, a protection, one of the flag sets, a descriptor, a path, or a kernel-side buffer.
 */
export type SyscallArgKind =
  | 'addr'
  | 'len'
  | 'offset'
  | 'prot'
  | 'mmap-flags'
  | 'mremap-flags'
  | 'advice'
  | 'msync-flags'
  | 'mlock2-flags'
  | 'mlockall-flags'
  | 'fd'
  | 'path'
  | 'open-flags'
  | 'mode'
  | 'whence'
  /** `mincore`'s vector: a `Uint8Array` to fill, or a user address to copy out to. */
  | 'vector'
  /** A kernel-side buffer (`Uint8Array`) read into or written from. */
  | 'buffer';

/**
 * What a result is: an address (or `-errno`), 0 (or `-errno`), a count of bytes or a file position (or `-errno`),
 * a new descriptor (or `-errno`), or the break (`brk`: never `-errno`).
 */
export type SyscallResultKind = 'address' | 'zero' | 'count' | 'fd' | 'break';

/** One argument of a system call. */
export interface SyscallArg {
  /** Its name in Linux's prototype (`addr`, `len`, `prot` …). */
  readonly name: string;
  readonly kind: SyscallArgKind;
  /** The value a caller may leave out (`mmap`'s `fd` -1 and `offset` 0), if any. */
  readonly optional?: U64Arg | string;
}

/** One argument value: Linux's `unsigned long` (a number or a bigint), a path, or a buffer. */
export type SyscallArgValue = U64Arg | string | Uint8Array;

/** What a system call works on: the caller's address space, its descriptors and its user-memory copy-out. */
export interface SyscallContext {
  readonly vm: AddressSpace;
  readonly fds: FdTable;
  /** `copy_to_user`: 0 or `-EFAULT`. */
  copyToUser(va: number, bytes: Uint8Array): number;
}

/**
 * The function of a system call, with up to six arguments as the kernel takes them (unused ones are `undefined`).
 * It returns Linux's raw result and never throws.
 */
export type SyscallFunction = (
  ctx: SyscallContext,
  a0: never,
  a1: never,
  a2: never,
  a3: never,
  a4: never,
  a5: never,
) => SyscallResult;

/** One entry of the table. */
export interface SyscallDef {
  /** Linux's name (`pread64`, as in the syscall table and `strace`). */
  readonly name: string;
  /** What it does, in a few words (for help texts). */
  readonly summary: string;
  readonly args: readonly SyscallArg[];
  readonly result: SyscallResultKind;
  /**
   * The call may split, merge or move file VMAs: the facade brings the files' reverse maps up to date afterwards
   * (`fileMaps.sync`).
   */
  readonly movesFileVmas: boolean;
  readonly run: SyscallFunction;
}

const arg = (name: string, kind: SyscallArgKind, optional?: U64Arg | string): SyscallArg =>
  optional === undefined ? { name, kind } : { name, kind, optional };
const ADDR = arg('addr', 'addr');
const LEN = arg('len', 'len');
const FD = arg('fd', 'fd');

/** A descriptor argument as the kernel's `int fd` (anything that is not an int32 is no descriptor: -1, EBADF). */
function fdNumber(fd: U64Arg): number {
  return toInt32(fd) ?? -1;
}

/** A file offset or length argument as a number (the files layer checks its range: `RangeError` → EINVAL). */
function offsetNumber(x: U64Arg): number {
  return typeof x === 'bigint' ? Number(x) : x;
}

function def(
  name: string,
  summary: string,
  args: readonly SyscallArg[],
  result: SyscallResultKind,
  run: (ctx: SyscallContext, ...a: never[]) => SyscallResult,
  movesFileVmas = false,
): SyscallDef {
  return { name, summary, args, result, movesFileVmas, run: run as SyscallFunction };
}

/** The mincore vector: a kernel-side buffer, or a user address copied out to through `ctx`. */
function mincoreVector(ctx: SyscallContext, vec: Uint8Array | U64Arg): MincoreVector {
  if (vec instanceof Uint8Array) return vec;
  const base =
    typeof vec === 'bigint' ? Number(BigInt.asUintN(64, vec)) : typeof vec === 'number' ? vec : Number.NaN;
  return (offset, bytes) => ctx.copyToUser(base + offset, bytes) === 0;
}

/**
 * A descriptor call on a kernel-side buffer (`read`, `write`, `pread64`, `pwrite64`): `-EFAULT` for a buffer that is
 * not a `Uint8Array`, else the bytes moved or the files layer's errno.
 */
function bufferCall(
  name: string,
  summary: string,
  positioned: boolean,
  io: (fds: FdTable, fd: number, buf: Uint8Array, offset: number) => number,
): SyscallDef {
  const args = positioned ? [FD, arg('buf', 'buffer'), arg('offset', 'offset')] : [FD, arg('buf', 'buffer')];
  return def(name, summary, args, 'count', (c, fd: U64Arg, buf: Uint8Array, off: U64Arg = 0) =>
    buf instanceof Uint8Array
      ? fdResult(() => io(c.fds, fdNumber(fd), buf, offsetNumber(off)))
      : NegErrno.EFAULT,
  );
}

/** The system calls, by Linux name. */
export const SYSCALLS = {
  mmap: def(
    'mmap',
    'map memory: anonymous, or the file open at fd',
    [
      ADDR,
      LEN,
      arg('prot', 'prot'),
      arg('flags', 'mmap-flags'),
      arg('fd', 'fd', -1),
      arg('offset', 'offset', 0),
    ],
    'address',
    (c, addr: U64Arg, len: U64Arg, prot: U64Arg, flags: U64Arg, fd: U64Arg = -1, off: U64Arg = 0) =>
      sysMmap(c.vm, addr, len, prot, flags, fd, off, c.fds),
  ),
  munmap: def('munmap', 'unmap a range', [ADDR, LEN], 'zero', (c, addr: U64Arg, len: U64Arg) =>
    sysMunmap(c.vm, addr, len),
  ),
  mprotect: def(
    'mprotect',
    'change the rights of a range',
    [ADDR, LEN, arg('prot', 'prot')],
    'zero',
    (c, addr: U64Arg, len: U64Arg, prot: U64Arg) => sysMprotect(c.vm, addr, len, prot),
    true,
  ),
  mremap: def(
    'mremap',
    'resize or move a mapping',
    [
      arg('old_address', 'addr'),
      arg('old_size', 'len'),
      arg('new_size', 'len'),
      arg('flags', 'mremap-flags'),
      arg('new_address', 'addr', 0),
    ],
    'address',
    (c, addr: U64Arg, oldLen: U64Arg, newLen: U64Arg, flags: U64Arg, newAddr: U64Arg = 0) =>
      sysMremap(c.vm, addr, oldLen, newLen, flags, newAddr),
    true,
  ),
  brk: def(
    'brk',
    'the raw brk system call: the new break, or the old one',
    [arg('brk', 'addr', 0)],
    'break',
    (c, brk: U64Arg = 0) => sysBrk(c.vm, brk),
  ),
  madvise: def(
    'madvise',
    'advise on a range (DONTNEED, FREE, WILLNEED, …)',
    [ADDR, LEN, arg('advice', 'advice')],
    'zero',
    (c, addr: U64Arg, len: U64Arg, advice: U64Arg) => sysMadvise(c.vm, addr, len, advice),
    true,
  ),
  mincore: def(
    'mincore',
    'which pages are resident (one byte per page)',
    [ADDR, LEN, arg('vec', 'vector')],
    'zero',
    (c, addr: U64Arg, len: U64Arg, vec: Uint8Array | U64Arg) =>
      sysMincore(c.vm, addr, len, mincoreVector(c, vec)),
  ),
  mlock: def(
    'mlock',
    'lock pages in memory',
    [ADDR, LEN],
    'zero',
    (c, addr: U64Arg, len: U64Arg) => sysMlock(c.vm, addr, len),
    true,
  ),
  mlock2: def(
    'mlock2',
    'lock pages in memory (MLOCK_ONFAULT: as they fault in)',
    [ADDR, LEN, arg('flags', 'mlock2-flags')],
    'zero',
    (c, addr: U64Arg, len: U64Arg, flags: U64Arg) => sysMlock2(c.vm, addr, len, flags),
    true,
  ),
  munlock: def(
    'munlock',
    'unlock pages',
    [ADDR, LEN],
    'zero',
    (c, addr: U64Arg, len: U64Arg) => sysMunlock(c.vm, addr, len),
    true,
  ),
  mlockall: def(
    'mlockall',
    'lock every mapping (CURRENT, FUTURE, ONFAULT)',
    [arg('flags', 'mlockall-flags')],
    'zero',
    (c, flags: U64Arg) => sysMlockall(c.vm, flags),
    true,
  ),
  munlockall: def('munlockall', 'unlock every mapping', [], 'zero', (c) => sysMunlockall(c.vm), true),
  msync: def(
    'msync',
    'write back shared file pages (SYNC, ASYNC, INVALIDATE)',
    [ADDR, LEN, arg('flags', 'msync-flags')],
    'zero',
    (c, addr: U64Arg, len: U64Arg, flags: U64Arg) => sysMsync(c.vm, addr, len, flags),
  ),
  mseal: def(
    'mseal',
    'seal mappings: every later change of them answers EPERM (flags must be 0)',
    [ADDR, LEN, arg('flags', 'len', 0)],
    'zero',
    (c, addr: U64Arg, len: U64Arg, flags: U64Arg) => sysMseal(c.vm, addr, len, flags),
    true,
  ),
  open: def(
    'open',
    'open a file: the lowest free descriptor',
    [arg('pathname', 'path'), arg('flags', 'open-flags'), arg('mode', 'mode', 0o644)],
    'fd',
    (c, path: string, flags: U64Arg, mode: U64Arg = 0o644) =>
      typeof path !== 'string'
        ? NegErrno.EFAULT
        : fdResult(() => c.fds.open(path, toInt32(flags) ?? 0, toInt32(mode) ?? 0)),
  ),
  close: def('close', 'close a descriptor', [FD], 'zero', (c, fd: U64Arg) =>
    fdResult(() => {
      c.fds.close(fdNumber(fd));
      return 0;
    }),
  ),
  read: bufferCall('read', 'read at the file position (it advances)', false, (f, fd, b) => f.read(fd, b)),
  write: bufferCall('write', 'write at the file position (it advances)', false, (f, fd, b) => f.write(fd, b)),
  pread64: bufferCall('pread64', 'read at an offset (the position stays)', true, (f, fd, b, o) =>
    f.pread(fd, b, o),
  ),
  pwrite64: bufferCall('pwrite64', 'write at an offset (the position stays)', true, (f, fd, b, o) =>
    f.pwrite(fd, b, o),
  ),
  lseek: def(
    'lseek',
    'move the file position (SET, CUR, END)',
    [FD, arg('offset', 'offset'), arg('whence', 'whence')],
    'count',
    (c, fd: U64Arg, off: U64Arg, whence: U64Arg) =>
      fdResult(() => c.fds.lseek(fdNumber(fd), offsetNumber(off), toInt32(whence) ?? -1)),
  ),
  ftruncate: def(
    'ftruncate',
    'set a file’s size (mapped pages past it go from every mapping)',
    [FD, arg('length', 'offset')],
    'zero',
    (c, fd: U64Arg, length: U64Arg) =>
      fdResult(() => {
        c.fds.ftruncate(fdNumber(fd), offsetNumber(length));
        return 0;
      }),
  ),
  fsync: def('fsync', 'write a file’s dirty cache pages to its store', [FD], 'zero', (c, fd: U64Arg) =>
    fdResult(() => {
      c.fds.fsync(fdNumber(fd));
      return 0;
    }),
  ),
} as const satisfies Record<string, SyscallDef>;

/** A system call's name. */
export type SyscallName = keyof typeof SYSCALLS;

/** The table's entries in a fixed order (memory calls first, then the descriptor calls). */
export const SYSCALL_LIST: readonly SyscallDef[] = Object.values(SYSCALLS);

/** The entry named `name`, or undefined (an own property only: `constructor` is no system call). */
export function syscallNamed(name: string): SyscallDef | undefined {
  return Object.hasOwn(SYSCALLS, name) ? SYSCALLS[name as SyscallName] : undefined;
}

/** True when argument `kind` is a value an event can carry (not a buffer or a vector). */
export function isScalarArg(kind: SyscallArgKind): boolean {
  return kind !== 'buffer' && kind !== 'vector';
}
