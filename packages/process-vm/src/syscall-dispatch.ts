/**
 * How a process runs an entry of the table of system calls (`syscalls.ts`): a dead process answers `ESRCH`, the
 * entry's function does the work, a call that may split, merge or move file VMAs brings the files' reverse maps up
 * to date, and the `syscall` event is built only when a sink listens (no array, no closure otherwise).
 *
 * @module
 */

import type { EventSink } from '@pagewright/core';
import { errnoOf, NegErrno, type SyscallResult } from './errno.js';
import {
  isScalarArg,
  SYSCALLS,
  type SyscallArg,
  type SyscallArgValue,
  type SyscallContext,
  type SyscallDef,
  type SyscallName,
} from './syscalls.js';
import type { U64Arg } from './u64.js';

/** What runs system calls: a process (alive or dead), its machine's event sink. */
export interface SyscallCaller extends SyscallContext {
  readonly pid: number;
  /** Non-null once the process is dead. */
  readonly exitCode: number | null;
  readonly machine: { readonly sink: EventSink };
}

/** Runs table entry `d` for `p` with up to six arguments as the kernel takes them. */
export function invokeSyscall(
  p: SyscallCaller,
  d: SyscallDef,
  a0?: SyscallArgValue,
  a1?: SyscallArgValue,
  a2?: SyscallArgValue,
  a3?: SyscallArgValue,
  a4?: SyscallArgValue,
  a5?: SyscallArgValue,
): SyscallResult {
  let ret: number = NegErrno.ESRCH;
  if (p.exitCode === null) {
    ret = d.run(p, a0 as never, a1 as never, a2 as never, a3 as never, a4 as never, a5 as never);
    // Splits, merges and moves of file VMAs reach the files' reverse maps.
    if (d.movesFileVmas) p.vm.fileMaps.sync();
  }
  if (p.machine.sink.enabled) emitSyscall(p, d, [a0, a1, a2, a3, a4, a5], ret);
  return ret;
}

/** System call `name` with its arguments in Linux's order; missing optional ones take their defaults. */
export function invokeSyscallNamed(
  p: SyscallCaller,
  name: SyscallName,
  args: readonly SyscallArgValue[],
): SyscallResult {
  const d: SyscallDef = SYSCALLS[name];
  const v = (i: number): SyscallArgValue | undefined => {
    const a = args[i];
    return a === undefined ? d.args[i]?.optional : a;
  };
  return invokeSyscall(p, d, v(0), v(1), v(2), v(3), v(4), v(5));
}

function emitSyscall(
  p: SyscallCaller,
  d: SyscallDef,
  all: readonly (SyscallArgValue | undefined)[],
  ret: number,
): void {
  const args: (U64Arg | string)[] = [];
  for (let i = 0; i < d.args.length; i++)
    if (isScalarArg((d.args[i] as SyscallArg).kind)) args.push(all[i] as U64Arg | string);
  const errno = d.result === 'break' ? undefined : errnoOf(ret);
  p.machine.sink.emit('syscall', {
    pid: p.pid,
    name: d.name,
    args: args as U64Arg[],
    ret,
    ...(errno ? { errno } : {}),
  });
}
