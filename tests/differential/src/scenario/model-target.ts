/**
 * The reference model seen as a {@link VmTarget}: the system calls it models, by their name in process-vm's table
 * (anything else answers `-ENOSYS`), the descriptor calls on the model's files.
 *
 * @module
 */

import { toNegErrno } from '@pagewright/core';
import type { SyscallArgValue, SyscallName } from '@pagewright/process-vm';
import { MAX_SIZE_BYTES, pread, pwrite } from '../model/files.js';
import type { ModelMachine } from '../model/machine.js';
import type { VmTarget } from './target.js';

type U64 = bigint | number;

/** Wraps process `pid` of a {@link ModelMachine}. */
export function modelTarget(machine: ModelMachine, pid: number): VmTarget {
  const p = () => machine.get(pid);
  const syscall = (name: SyscallName, a: readonly SyscallArgValue[]): number => {
    const u = (i: number): U64 => (a[i] ?? 0) as U64;
    const n = (i: number): number => Number(a[i] ?? 0);
    switch (name) {
      case 'mmap':
        return p().mmap(u(0), u(1), n(2), n(3), u(5), a.length > 4 ? u(4) : -1);
      case 'munmap':
        return p().munmap(u(0), u(1));
      case 'mprotect':
        return p().mprotect(u(0), u(1), n(2));
      case 'mremap':
        return p().mremap(u(0), u(1), u(2), n(3), u(4));
      case 'madvise':
        return p().madvise(u(0), u(1), n(2));
      case 'mincore': {
        const r = p().mincore(u(0), u(1));
        if (typeof r === 'number') return r;
        const vec = a[2];
        if (vec instanceof Uint8Array)
          for (let k = 0; k < r.length && k < vec.length; k++) vec[k] = r[k] ? 1 : 0;
        return 0;
      }
      case 'mlock':
        return p().mlock(u(0), u(1), true);
      case 'munlock':
        return p().mlock(u(0), u(1), false);
      case 'msync':
        return p().msync(u(0), u(1), n(2));
      case 'brk':
        return p().brkCall(u(0));
      case 'mseal':
        return p().mseal(u(0), u(1), u(2));
      case 'open': {
        const d = machine.files.open(String(a[0]), n(1));
        return typeof d === 'number' ? d : p().fds.install(d);
      }
      case 'close':
        return p().fds.close(n(0));
      case 'fsync':
        return p().fds.get(n(0)) ? 0 : toNegErrno('EBADF');
      case 'ftruncate': {
        const d = p().fds.get(n(0));
        if (!d) return toNegErrno('EBADF');
        if (!d.writable || n(1) < 0) return toNegErrno('EINVAL');
        if (n(1) > MAX_SIZE_BYTES) return toNegErrno('EFBIG');
        machine.files.truncate(d.file, n(1));
        return 0;
      }
      case 'pwrite64':
      case 'pread64': {
        const d = p().fds.get(n(0));
        if (!d) return toNegErrno('EBADF');
        const buf = a[1] as Uint8Array;
        return name === 'pwrite64' ? pwrite(d, buf, n(2)) : pread(d, buf, n(2));
      }
      default:
        return toNegErrno('ENOSYS');
    }
  };
  return {
    syscall,
    load8: (a) => p().load8(a),
    fill(a, len, v) {
      for (let j = 0; j < len; j++) {
        const r = p().store8(a + j, v);
        if (r !== 'ok') return r;
      }
      return 'ok';
    },
    maps: () => p().maps(),
    fork: () => modelTarget(machine, machine.fork(pid)),
    exit: () => machine.exit(pid),
    fetch32: (a) => p().fetch32(a),
    setHart: () => {},
    details: () => p().details(),
  };
}
