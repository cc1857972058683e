/**
 * Memory system calls: each is process-vm's (Linux 6.18's semantics and errno order), given the raw `u64`
 * arguments; a file mapping of a kernel file (a stream, a /proc file) is `ENODEV`, as a pipe's or a seq_file's
 * `mmap` is (no `f_op->mmap`).
 *
 * @module
 */

import { MAP_ANONYMOUS, toNegErrno } from '@pagewright/core';
import type { SyscallGroup } from './syscall-table.js';

export const MM_SYSCALLS: SyscallGroup = {
  brk: (_k, t, a) => t.process.brk(a[0] as bigint),
  mmap: (k, t, a) => {
    const flags = a[3] as bigint;
    const fd = Number(BigInt.asIntN(32, a[4] as bigint));
    if ((flags & BigInt(MAP_ANONYMOUS)) === 0n && fd >= 0) {
      try {
        if (k.kernelFiles.get(t.process.fds.get(fd).inode) !== undefined) return toNegErrno('ENODEV');
      } catch {
        // not open: process-vm answers EBADF
      }
    }
    return t.process.mmap(
      a[0] as bigint,
      a[1] as bigint,
      a[2] as bigint,
      flags,
      a[4] as bigint,
      a[5] as bigint,
    );
  },
  munmap: (_k, t, a) => t.process.munmap(a[0] as bigint, a[1] as bigint),
  mprotect: (_k, t, a) => t.process.mprotect(a[0] as bigint, a[1] as bigint, a[2] as bigint),
  mremap: (_k, t, a) =>
    t.process.mremap(a[0] as bigint, a[1] as bigint, a[2] as bigint, a[3] as bigint, a[4] as bigint),
  madvise: (_k, t, a) => t.process.madvise(a[0] as bigint, a[1] as bigint, a[2] as bigint),
  mincore: (_k, t, a) => t.process.mincore(a[0] as bigint, a[1] as bigint, a[2] as bigint),
  mlock: (_k, t, a) => t.process.mlock(a[0] as bigint, a[1] as bigint),
  mlock2: (_k, t, a) => t.process.mlock2(a[0] as bigint, a[1] as bigint, a[2] as bigint),
  munlock: (_k, t, a) => t.process.munlock(a[0] as bigint, a[1] as bigint),
  mlockall: (_k, t, a) => t.process.mlockall(a[0] as bigint),
  munlockall: (_k, t) => t.process.munlockall(),
  msync: (_k, t, a) => t.process.msync(a[0] as bigint, a[1] as bigint, a[2] as bigint),
};
