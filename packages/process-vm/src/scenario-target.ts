/**
 * What the scenario interpreter (`scenario.ts`) drives: one process of some memory-management implementation, seen
 * only through Linux's system calls (by their name in the table of `syscalls.ts`), user-mode loads and stores, its
 * maps, `fork` and `exit`. {@link processTarget} is a {@link Process} seen so; the differential tests give the
 * reference model the same face, and one interpreter runs both.
 *
 * @module
 */

import { PAGE_SIZE, vmFlagsToMapsPerms } from '@pagewright/core';
import { fileOf } from './file-mmap.js';
import type { Process, ProcessHost } from './process.js';
import { BUS_ADRERR, OOM_KILL } from './signals.js';
import type { SyscallArgValue, SyscallName } from './syscalls.js';

/** How a user-mode access that did not complete ended: a signal, or the OOM killer's SIGKILL (`OOM`). */
export type AccessSignal = 'SIGSEGV' | 'SIGBUS' | 'OOM';

/** One `/proc/PID/maps` line as scenarios look at it (bytes). */
export interface ScenarioMapping {
  start: number;
  end: number;
  /** The four permission letters (`rw-p`). */
  perms: string;
  /** The file offset column (bytes; 0 for anonymous memory). */
  offset?: number;
  /** The path of a mapped file ('' or absent for anonymous memory). */
  name?: string;
}

/** A process the interpreter can run scenario lines on. */
export interface ScenarioTarget {
  /**
   * System call `name` with Linux's raw arguments (as {@link Process.syscall}): its raw result. A target that does
   * not model a call answers `-ENOSYS`.
   */
  syscall(name: SyscallName, args: readonly SyscallArgValue[]): number;
  /** Loads a byte: its value, or the signal. */
  load8(addr: number): number | AccessSignal;
  /**
   * Stores `len` bytes of `value`, stopping at the first fault (the bytes before it stay written): `ok`, the signal,
   * or why the store was refused without a signal (`EINVAL` for a length that is no byte count).
   */
  fill(addr: number, len: number, value: number): 'ok' | AccessSignal | 'EINVAL' | 'ENOMEM';
  /** Loads `len` bytes within one page (a faster `load8` loop; optional). */
  read?(addr: number, len: number): Uint8Array | AccessSignal | 'EINVAL' | 'ENOMEM';
  /** The process's maps lines, ascending. */
  maps(): ScenarioMapping[];
  /** `fork()`: the child, or `-errno`. */
  fork(): ScenarioTarget | number;
  /** `exit(0)`. */
  exit(): void;
}

/** The signal a negative access sentinel of `signals.ts` stands for. */
export function accessSignal(sentinel: number): AccessSignal {
  return sentinel === BUS_ADRERR ? 'SIGBUS' : sentinel === OOM_KILL ? 'OOM' : 'SIGSEGV';
}

/** A {@link Process} as a {@link ScenarioTarget} (`process` is the process itself). */
export interface ProcessTarget<M extends ProcessHost = ProcessHost> extends ScenarioTarget {
  readonly process: Process<M>;
  fork(): ProcessTarget<M> | number;
}

/** The scenario face of process `p`. */
export function processTarget<M extends ProcessHost>(p: Process<M>): ProcessTarget<M> {
  return {
    process: p,
    syscall: (name, args) => p.syscall(name, args),
    load8(addr) {
      const v = p.load8(addr);
      return v >= 0 ? v : accessSignal(v);
    },
    fill(addr, len, value) {
      const r = p.fill(addr, len, value);
      return r.ok ? 'ok' : r.signal === null ? r.code : accessSignal(p.lastFault.sentinel);
    },
    read(addr, len) {
      const r = p.read(addr, len);
      return r.ok ? r.bytes : r.signal === null ? r.code : accessSignal(p.lastFault.sentinel);
    },
    maps() {
      const out: ScenarioMapping[] = [];
      for (const v of p.vm.vmas) {
        const file = v.backing.kind === 'file';
        out.push({
          start: v.start * PAGE_SIZE,
          end: v.end * PAGE_SIZE,
          perms: vmFlagsToMapsPerms(v.flags),
          offset: file ? v.pgoff * PAGE_SIZE : 0,
          name: file ? fileOf(v).displayPath : '',
        });
      }
      return out;
    },
    fork() {
      const c = p.fork();
      return typeof c === 'number' ? c : processTarget(c);
    },
    exit: () => p.exit(0),
  };
}
