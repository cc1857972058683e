/**
 * The system-call table: RISC-V number → handler. A handler returns the value for `a0` (a number or bigint, `-errno`
 * on failure), `null` when the call does not return to the caller's next instruction (exit, a successful execve,
 * rt_sigreturn), or a function to retry when the call blocks (wait4): the scheduler calls it each round until it
 * answers a number.
 *
 * @module
 */

import type { LinuxKernel } from './kernel.js';
import { SYS, type SyscallName } from './numbers.js';
import { FS_SYSCALLS } from './syscalls-fs.js';
import { MISC_SYSCALLS } from './syscalls-misc.js';
import { MM_SYSCALLS } from './syscalls-mm.js';
import { PROC_SYSCALLS } from './syscalls-proc.js';
import { SIGNAL_SYSCALLS } from './syscalls-signal.js';
import type { Task } from './task.js';

/** What a handler answers. */
export type SyscallResult = number | bigint | null | (() => number | null);

/** A system-call handler. */
export type SyscallHandler = (k: LinuxKernel, t: Task, a: readonly bigint[]) => SyscallResult;

/** One table entry. */
export interface SyscallEntry {
  readonly name: SyscallName;
  readonly call: SyscallHandler;
}

/** Handlers by name, from each group's file. */
export type SyscallGroup = Partial<Record<SyscallName, SyscallHandler>>;

/** The table by number. */
export const SYSCALLS: ReadonlyMap<number, SyscallEntry> = new Map(
  [FS_SYSCALLS, MM_SYSCALLS, PROC_SYSCALLS, SIGNAL_SYSCALLS, MISC_SYSCALLS].flatMap((group) =>
    (Object.entries(group) as [SyscallName, SyscallHandler][]).map(
      ([name, call]) => [SYS[name], { name, call }] as const,
    ),
  ),
);
