/**
 * The reference model seen as a {@link VmTarget}: the system calls it models, by their name in process-vm's table
 * (anything else, such as the descriptor calls, answers `-ENOSYS`: the model has no files).
 *
 * @module
 */

import { toNegErrno } from '@pagewright/core';
import type { SyscallArgValue, SyscallName } from '@pagewright/process-vm';
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
        return p().mmap(u(0), u(1), n(2), n(3));
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
