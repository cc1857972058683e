/**
 * `Task`: one simulated Linux process as the personality sees it — the process-vm `Process` (its memory and
 * descriptors), the RV64 hart state that runs it, and what the kernel keeps per task: parent and children, signal
 * dispositions, mask, pending signals and alternate stack, `clear_child_tid`, resource limits, its exit status.
 *
 * @module
 */

import type { Process } from '@pagewright/process-vm';
import type { Rv64Hart } from '@pagewright/rv64';
import { NSIG } from './signals.js';

/** One `struct k_sigaction` (RISC-V has no `sa_restorer`). */
export interface SigAction {
  handler: bigint;
  flags: bigint;
  mask: bigint;
}

/** A signal waiting for delivery, with its `siginfo` fields. */
export interface PendingSignal {
  readonly sig: number;
  readonly code: number;
  readonly addr: number;
  /** `si_pid` for a signal sent by a process (kill, tgkill). */
  readonly pid: number;
}

/** `stack_t` of `sigaltstack`. */
export interface AltStack {
  sp: number;
  size: number;
  /** `SS_DISABLE` (2) when none. */
  flags: number;
}

/** Life of a task. */
export type TaskState = 'runnable' | 'blocked' | 'zombie' | 'reaped';

/** A `getrlimit` pair; `Infinity` is `RLIM_INFINITY`. */
export interface RLimit {
  cur: number;
  max: number;
}

/** A simulated process. */
export class Task {
  /** Dispositions, by signal number (index 0 unused). */
  readonly actions: SigAction[] = Array.from({ length: NSIG + 1 }, () => ({
    handler: 0n,
    flags: 0n,
    mask: 0n,
  }));
  /** The blocked set (bit `sig - 1`). */
  blocked = 0n;
  /** Signals raised and not yet delivered, in order. */
  readonly pending: PendingSignal[] = [];
  altStack: AltStack = { sp: 0, size: 0, flags: 2 };
  readonly children = new Set<Task>();
  state: TaskState = 'runnable';
  /** The `wait` status once a zombie: `code << 8`, or the signal number. */
  waitStatus = 0;
  /** `set_tid_address` / `CLONE_CHILD_CLEARTID`: where exit writes 0. */
  clearChildTid = 0;
  robustList = 0;
  /** A blocked system call, retried at every scheduling round until it answers. */
  retry: (() => number | null) | null = null;
  /** Instructions this task retired. */
  instructions = 0;
  /** The `[vdso]` text address of the current image (the signal trampoline lives there), 0 when none. */
  vdso = 0;
  /** The working directory (an absolute path, no trailing slash but for `/`): relative paths resolve here. */
  cwd = '/';
  /** Signal frames pushed and not yet returned from (`siglongjmp` leaves them behind; informative only). */
  frames = 0;

  /**
   * @param pid - the process id (also its only thread's id)
   * @param process - memory and descriptors
   * @param hart - the registers and pc
   * @param parent - who forked it (`null` for the first task)
   * @param exe - the path of the program it runs (`/proc/self/exe`)
   * @param limits - its resource limits (copied at fork)
   */
  constructor(
    readonly pid: number,
    public process: Process,
    readonly hart: Rv64Hart,
    public parent: Task | null,
    public exe: string,
    readonly limits: RLimit[],
  ) {}

  /** True until it exits or is killed. */
  get alive(): boolean {
    return this.state === 'runnable' || this.state === 'blocked';
  }
}
