/**
 * The reference model seen as a {@link VmTarget}.
 *
 * @module
 */

import type { ModelMachine } from '../model/machine.js';
import type { VmTarget } from './target.js';

/** Wraps process `pid` of a {@link ModelMachine}. */
export function modelTarget(machine: ModelMachine, pid: number): VmTarget {
  const p = () => machine.get(pid);
  return {
    mmap: (a, l, prot, flags) => p().mmap(a, l, prot, flags),
    munmap: (a, l) => p().munmap(a, l),
    mprotect: (a, l, prot) => p().mprotect(a, l, prot),
    mremap: (a, ol, nl, f, na) => p().mremap(a, ol, nl, f, na),
    madvise: (a, l, adv) => p().madvise(a, l, adv),
    mincore: (a, l) => p().mincore(a, l),
    mlock: (a, l) => p().mlock(a, l, true),
    munlock: (a, l) => p().mlock(a, l, false),
    msync: (a, l, f) => p().msync(a, l, f),
    brk: (a) => p().brkCall(a),
    load8: (a) => p().load8(a),
    store8: (a, v) => p().store8(a, v),
    maps: () => p().maps(),
    fork: () => modelTarget(machine, machine.fork(pid)),
    exit: () => machine.exit(pid),
    fetch32: (a) => p().fetch32(a),
    setHart: () => {},
    details: () => p().details(),
  };
}
