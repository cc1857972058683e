/**
 * File system calls over the machine's in-memory filesystem and the task's descriptor table (`@pagewright/files`,
 * which answers Linux's errnos), with the kernel's own files (standard streams, /proc) served here. Data moves
 * between the file and user memory through the process's MMU (`copy_to_user` / `copy_from_user`: `EFAULT`).
 *
 * @module
 */

import { MmError, toNegErrno } from '@pagewright/core';
import { MAX_RW_COUNT, type OpenFileDescription, statOf } from '@pagewright/files';
import type { LinuxKernel } from './kernel.js';
import type { KernelFile } from './kernel-files.js';
import { openProc, procLink } from './proc-files.js';
import { encodeStat, pipeStat } from './stat.js';
import type { SyscallGroup } from './syscall-table.js';
import type { Task } from './task.js';
import { ptr, readString, readU64, readUser, writeUser } from './user-memory.js';

const EBADF = toNegErrno('EBADF');
const EINVAL = toNegErrno('EINVAL');
const EFAULT = toNegErrno('EFAULT');
const ENOENT = toNegErrno('ENOENT');
const ESPIPE = toNegErrno('ESPIPE');
const ENOTTY = toNegErrno('ENOTTY');
const ENOTDIR = toNegErrno('ENOTDIR');
/** `AT_FDCWD`. */
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;
const AT_NO_AUTOMOUNT = 0x800;
const AT_EMPTY_PATH = 0x1000;
/** `UIO_MAXIOV`. */
const UIO_MAXIOV = 1024;

/** Runs a call of `@pagewright/files`: its result, or `-errno` for the `MmError` it threw. */
export function filesCall(call: () => number): number {
  try {
    return call();
  } catch (e) {
    if (e instanceof MmError) return -e.errnoNumber;
    if (e instanceof RangeError) return EINVAL;
    throw e;
  }
}

/** The kernel's `int fd` of a `u64` argument. */
function fdOf(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** The description behind `fd`, or `null` (EBADF). */
function description(t: Task, fd: number): OpenFileDescription | null {
  try {
    return t.process.fds.get(fd);
  } catch {
    return null;
  }
}

/**
 * The absolute path of `path` relative to `dirfd` (`AT_FDCWD`: the task's working directory), or
 * `-errno` (`ENOENT` for an empty path, `EBADF`, `ENOTDIR`).
 */
export function resolveAt(t: Task, dirfd: number, path: string): string | number {
  if (path.length === 0) return ENOENT;
  if (path.startsWith('/')) return path;
  if (dirfd === AT_FDCWD) return `${t.cwd === '/' ? '' : t.cwd}/${path}`;
  const d = description(t, dirfd);
  if (d === null) return EBADF;
  if (d.inode.type !== 'directory') return ENOTDIR;
  return `${d.path === '/' ? '' : d.path}/${path}`;
}

/** Reads a path argument and resolves it: the absolute path or `-errno`. */
function pathArg(t: Task, dirfd: bigint, addr: bigint): string | number {
  const s = readString(t.process, ptr(addr));
  if (typeof s === 'number') return s;
  return resolveAt(t, fdOf(dirfd), s);
}

function kernelFile(k: LinuxKernel, file: OpenFileDescription): KernelFile | undefined {
  return k.kernelFiles.get(file.inode);
}

/** `read(fd, buf, count)` of a description at its position (or at `offset` for pread). */
function readInto(
  k: LinuxKernel,
  t: Task,
  fd: number,
  buf: number,
  count: bigint,
  offset: number | null,
): number {
  const file = description(t, fd);
  if (file === null || !file.readable) return EBADF;
  const want = count > BigInt(MAX_RW_COUNT) ? MAX_RW_COUNT : Number(count);
  const kf = kernelFile(k, file);
  if (kf !== undefined) {
    if (offset !== null && kf.kind !== 'proc') return ESPIPE;
    const pos = kf.kind === 'proc' ? (offset ?? file.pos) : kf.pos;
    const bytes = kf.content.subarray(pos, pos + want);
    if (bytes.length > 0 && writeUser(t.process, buf, bytes) !== 0) return EFAULT;
    if (kf.kind !== 'proc') kf.pos += bytes.length;
    else if (offset === null) file.pos += bytes.length;
    return bytes.length;
  }
  if (file.inode.type === 'directory') return toNegErrno('EISDIR');
  const from = offset ?? file.pos;
  const n = Math.max(0, Math.min(want, file.inode.size - from));
  const tmp = new Uint8Array(n);
  const got = filesCall(() =>
    offset === null ? t.process.fds.pread(fd, tmp, from) : t.process.fds.pread(fd, tmp, offset),
  );
  if (got < 0) return got;
  if (got > 0 && writeUser(t.process, buf, tmp.subarray(0, got)) !== 0) return EFAULT;
  if (offset === null) file.pos = from + got;
  return got;
}

/** `write(fd, buf, count)` (or pwrite at `offset`). */
function writeFrom(
  k: LinuxKernel,
  t: Task,
  fd: number,
  buf: number,
  count: bigint,
  offset: number | null,
): number {
  const file = description(t, fd);
  if (file === null || !file.writable) return EBADF;
  const want = count > BigInt(MAX_RW_COUNT) ? MAX_RW_COUNT : Number(count);
  const bytes = want === 0 ? new Uint8Array(0) : readUser(t.process, buf, want);
  if (typeof bytes === 'number') return bytes;
  const kf = kernelFile(k, file);
  if (kf !== undefined) {
    if (offset !== null) return ESPIPE;
    if (kf.kind === 'stdout' || kf.kind === 'stderr') k.output(kf.kind === 'stdout' ? 1 : 2, bytes);
    return bytes.length;
  }
  return filesCall(() =>
    offset === null ? t.process.fds.write(fd, bytes) : t.process.fds.pwrite(fd, bytes, offset),
  );
}

/** The iovecs of readv/writev: `[base, len]` pairs, or `-errno`. */
function iovecs(t: Task, addr: bigint, count: bigint): [number, bigint][] | number {
  const n = Number(BigInt.asIntN(64, count));
  if (n < 0 || n > UIO_MAXIOV) return EINVAL;
  const out: [number, bigint][] = [];
  let total = 0n;
  for (let i = 0; i < n; i++) {
    const base = readU64(t.process, ptr(addr) + i * 16);
    const len = readU64(t.process, ptr(addr) + i * 16 + 8);
    if (base === null || len === null) return EFAULT;
    if (BigInt.asIntN(64, len) < 0n) return EINVAL; // rw_copy_check_uvector: a negative length
    total += len;
    out.push([ptr(base), len]);
  }
  return total > 0x7fff_ffff_ffff_ffffn ? EINVAL : out;
}

function vectored(k: LinuxKernel, t: Task, a: readonly bigint[], write: boolean): number {
  const fd = fdOf(a[0] as bigint);
  const file = description(t, fd);
  if (file === null || !(write ? file.writable : file.readable)) return EBADF;
  const iov = iovecs(t, a[1] as bigint, a[2] as bigint);
  if (typeof iov === 'number') return iov;
  let done = 0;
  for (const [base, len] of iov) {
    if (len === 0n) continue;
    const r = write ? writeFrom(k, t, fd, base, len, null) : readInto(k, t, fd, base, len, null);
    if (r < 0) return done > 0 ? done : r;
    done += r;
    if (BigInt(r) < len) break;
  }
  return done;
}

/** The inode of a path for stat-like calls (with /proc's files), or `-errno`. */
function statPath(k: LinuxKernel, t: Task, path: string): Uint8Array | number {
  const proc = procLink(k, t, path);
  if (proc !== null) return typeof proc === 'number' ? proc : pipeStat(0o120777);
  try {
    return encodeStat(k.machine.files.stat(path));
  } catch (e) {
    if (e instanceof MmError) return -e.errnoNumber;
    throw e;
  }
}

function fstatOf(k: LinuxKernel, file: OpenFileDescription): Uint8Array {
  const kf = kernelFile(k, file);
  if (kf === undefined) return encodeStat(statOf(file.inode));
  return kf.kind === 'proc' ? pipeStat(0o100444) : pipeStat(0o10600); // /proc files; pipes (S_IFIFO)
}

export const FS_SYSCALLS: SyscallGroup = {
  read: (k, t, a) => readInto(k, t, fdOf(a[0] as bigint), ptr(a[1] as bigint), a[2] as bigint, null),
  write: (k, t, a) => writeFrom(k, t, fdOf(a[0] as bigint), ptr(a[1] as bigint), a[2] as bigint, null),
  pread64: (k, t, a) => {
    const off = Number(BigInt.asIntN(64, a[3] as bigint));
    if (off < 0) return EINVAL;
    return readInto(k, t, fdOf(a[0] as bigint), ptr(a[1] as bigint), a[2] as bigint, off);
  },
  pwrite64: (k, t, a) => {
    const off = Number(BigInt.asIntN(64, a[3] as bigint));
    if (off < 0) return EINVAL;
    return writeFrom(k, t, fdOf(a[0] as bigint), ptr(a[1] as bigint), a[2] as bigint, off);
  },
  readv: (k, t, a) => vectored(k, t, a, false),
  writev: (k, t, a) => vectored(k, t, a, true),
  openat: (k, t, a) => {
    const path = pathArg(t, a[0] as bigint, a[1] as bigint);
    if (typeof path === 'number') return path;
    const flags = Number(BigInt.asIntN(32, a[2] as bigint));
    const proc = openProc(k, t, path, flags);
    if (proc !== null) return proc;
    return filesCall(() => t.process.fds.open(path, flags, Number((a[3] as bigint) & 0o7777n)));
  },
  close: (_k, t, a) =>
    filesCall(() => {
      t.process.fds.close(fdOf(a[0] as bigint));
      return 0;
    }),
  lseek: (k, t, a) => {
    const fd = fdOf(a[0] as bigint);
    const file = description(t, fd);
    if (file === null) return EBADF;
    const kf = kernelFile(k, file);
    if (kf !== undefined && kf.kind !== 'proc') return ESPIPE;
    const off = Number(BigInt.asIntN(64, a[1] as bigint));
    const whence = Number(BigInt.asIntN(32, a[2] as bigint));
    if (kf !== undefined) {
      const base = whence === 0 ? 0 : whence === 1 ? file.pos : whence === 2 ? kf.content.length : Number.NaN;
      if (Number.isNaN(base) || base + off < 0) return EINVAL;
      file.pos = base + off;
      return file.pos;
    }
    return filesCall(() => t.process.fds.lseek(fd, off, whence));
  },
  fstat: (k, t, a) => {
    const file = description(t, fdOf(a[0] as bigint));
    if (file === null) return EBADF;
    return writeUser(t.process, ptr(a[1] as bigint), fstatOf(k, file));
  },
  newfstatat: (k, t, a) => {
    const flags = Number(BigInt.asIntN(32, a[3] as bigint));
    if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) !== 0) return EINVAL;
    const name = readString(t.process, ptr(a[1] as bigint));
    if (typeof name === 'number') return name;
    let st: Uint8Array | number;
    if (name.length === 0 && (flags & AT_EMPTY_PATH) !== 0) {
      const dirfd = fdOf(a[0] as bigint);
      if (dirfd === AT_FDCWD) st = statPath(k, t, '/');
      else {
        const file = description(t, dirfd);
        if (file === null) return EBADF;
        st = fstatOf(k, file);
      }
    } else {
      const path = resolveAt(t, fdOf(a[0] as bigint), name);
      if (typeof path === 'number') return path;
      st = statPath(k, t, path);
    }
    if (typeof st === 'number') return st;
    return writeUser(t.process, ptr(a[2] as bigint), st);
  },
  readlinkat: (k, t, a) => {
    const size = Number(BigInt.asIntN(32, a[3] as bigint));
    const path = pathArg(t, a[0] as bigint, a[1] as bigint);
    if (typeof path === 'number') return path;
    if (size <= 0) return EINVAL;
    const target = procLink(k, t, path);
    if (target === null) {
      const st = statPath(k, t, path);
      return typeof st === 'number' ? st : EINVAL; // exists but is no symbolic link
    }
    if (typeof target === 'number') return target;
    const bytes = new TextEncoder().encode(target).subarray(0, size);
    const r = writeUser(t.process, ptr(a[2] as bigint), bytes);
    return r < 0 ? r : bytes.length;
  },
  ioctl: (_k, t, a) => (description(t, fdOf(a[0] as bigint)) === null ? EBADF : ENOTTY),
  fcntl: (_k, t, a) => {
    const fd = fdOf(a[0] as bigint);
    const file = description(t, fd);
    if (file === null) return EBADF;
    switch (Number(a[1])) {
      case 1: // F_GETFD
        return t.process.fds.isCloseOnExec(fd) ? 1 : 0;
      case 3: // F_GETFL
        return file.flags & ~0o2000000;
      case 0: // F_DUPFD with a minimum of 0
        return (a[2] as bigint) === 0n ? filesCall(() => t.process.fds.dup(fd)) : EINVAL;
      default:
        return EINVAL;
    }
  },
  dup: (_k, t, a) => filesCall(() => t.process.fds.dup(fdOf(a[0] as bigint))),
  ftruncate: (_k, t, a) =>
    t.process.ftruncate(fdOf(a[0] as bigint), Number(BigInt.asIntN(64, a[1] as bigint))),
  fsync: (_k, t, a) => t.process.fsync(fdOf(a[0] as bigint)),
  unlinkat: (k, t, a) => {
    const flags = Number(a[2]);
    if ((flags & ~AT_REMOVEDIR) !== 0) return EINVAL;
    const path = pathArg(t, a[0] as bigint, a[1] as bigint);
    if (typeof path === 'number') return path;
    const fs = k.machine.files;
    return filesCall(() => {
      if ((flags & AT_REMOVEDIR) !== 0) fs.rmdir(path);
      else fs.unlink(path);
      return 0;
    });
  },
  mkdirat: (k, t, a) => {
    const path = pathArg(t, a[0] as bigint, a[1] as bigint);
    if (typeof path === 'number') return path;
    return filesCall(() => {
      k.machine.files.mkdir(path, Number((a[2] as bigint) & 0o7777n));
      return 0;
    });
  },
  faccessat: (k, t, a) => {
    const path = pathArg(t, a[0] as bigint, a[1] as bigint);
    if (typeof path === 'number') return path;
    const st = statPath(k, t, path);
    return typeof st === 'number' ? st : 0; // root may do anything but run a file with no x bit
  },
  getcwd: (_k, t, a) => {
    const bytes = new TextEncoder().encode(`${t.cwd}\0`);
    const size = Number(BigInt.asUintN(32, a[1] as bigint));
    if (size < bytes.length) return toNegErrno('ERANGE');
    const r = writeUser(t.process, ptr(a[0] as bigint), bytes);
    return r < 0 ? r : bytes.length;
  },
};
