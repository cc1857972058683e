/**
 * Process life: `exit`/`exit_group`, `clone` as `fork` (kernel/fork.c `kernel_clone` with an exit signal and no
 * shared VM), `execve` of a file of the filesystem (process-vm's ELF exec), `wait4` (kernel/exit.c `do_wait`),
 * the ids, `set_tid_address`, `set_robust_list` and `rseq` (not modelled: `ENOSYS`, which glibc accepts).
 *
 * @module
 */

import { toNegErrno } from '@pagewright/core';
import type { LinuxKernel } from './kernel.js';
import type { SyscallGroup } from './syscall-table.js';
import { resolveAt } from './syscalls-fs.js';
import type { Task } from './task.js';
import { ptr, readString, readStringArray, writeU32, writeUser } from './user-memory.js';

const EINVAL = toNegErrno('EINVAL');
const ECHILD = toNegErrno('ECHILD');
const EFAULT = toNegErrno('EFAULT');

/** clone flags (include/uapi/linux/sched.h). */
const CLONE = {
  CSIGNAL: 0xffn,
  VM: 0x100n,
  FS: 0x200n,
  FILES: 0x400n,
  SIGHAND: 0x800n,
  PIDFD: 0x1000n,
  VFORK: 0x4000n,
  PARENT: 0x8000n,
  THREAD: 0x10000n,
  SETTLS: 0x80000n,
  PARENT_SETTID: 0x100000n,
  CHILD_CLEARTID: 0x200000n,
  CHILD_SETTID: 0x1000000n,
} as const;

/** wait4 options (include/uapi/linux/wait.h). */
const WNOHANG = 1;
const WAIT_OPTIONS = 1 | 2 | 8 | 0x2000_0000 | 0x4000_0000 | 0x8000_0000;

/**
 * `clone(flags, newsp, parent_tid, tls, child_tid)` (RISC-V's argument order). A new process sharing nothing
 * (`fork`, or `vfork`, whose sharing a correct program cannot observe) is made; threads and the other sharing
 * flags are not modelled (`ENOSYS`) after Linux's own checks (`EINVAL` for inconsistent flags).
 */
function clone(k: LinuxKernel, t: Task, a: readonly bigint[]): number {
  const flags = a[0] as bigint;
  // copy_process's consistency checks, in its order.
  if ((flags & (CLONE.THREAD | CLONE.SIGHAND)) === CLONE.THREAD) return EINVAL;
  if ((flags & (CLONE.SIGHAND | CLONE.VM)) === CLONE.SIGHAND) return EINVAL;
  if ((flags & CLONE.PIDFD) !== 0n && (flags & CLONE.THREAD) !== 0n) return EINVAL;
  const vfork = (flags & (CLONE.VM | CLONE.VFORK)) === (CLONE.VM | CLONE.VFORK);
  const sharing =
    CLONE.VM | CLONE.FS | CLONE.FILES | CLONE.SIGHAND | CLONE.THREAD | CLONE.PIDFD | CLONE.PARENT;
  if ((flags & sharing & ~(vfork ? CLONE.VM : 0n)) !== 0n) return toNegErrno('ENOSYS');
  if (k.liveTasks >= k.maxTasks) return toNegErrno('EAGAIN');
  const child = t.process.fork();
  if (typeof child === 'number') return child;
  const task = k.newTask(
    t,
    child,
    t.limits.map((l) => ({ ...l })),
  );
  for (let s = 1; s < t.actions.length; s++) {
    const from = t.actions[s];
    const to = task.actions[s];
    if (from !== undefined && to !== undefined) Object.assign(to, from);
  }
  task.blocked = t.blocked;
  task.altStack = { ...t.altStack };
  const newsp = a[1] as bigint;
  if (newsp !== 0n) task.hart.setReg('sp', newsp);
  if ((flags & CLONE.SETTLS) !== 0n) task.hart.setReg('tp', a[3] as bigint);
  task.hart.setReg('a0', 0);
  if ((flags & CLONE.PARENT_SETTID) !== 0n) writeU32(t.process, ptr(a[2] as bigint), task.pid);
  if ((flags & CLONE.CHILD_SETTID) !== 0n) writeU32(child, ptr(a[4] as bigint), task.pid);
  if ((flags & CLONE.CHILD_CLEARTID) !== 0n) task.clearChildTid = ptr(a[4] as bigint);
  return task.pid;
}

/** `execve(path, argv, envp)`: 0 never returns; `-errno` before the point of no return. */
function execve(k: LinuxKernel, t: Task, a: readonly bigint[]): number | null {
  const p = t.process;
  const path = readString(p, ptr(a[0] as bigint));
  if (typeof path === 'number') return path;
  const argv = readStringArray(p, ptr(a[1] as bigint));
  if (typeof argv === 'number') return argv;
  const envp = readStringArray(p, ptr(a[2] as bigint));
  if (typeof envp === 'number') return envp;
  const abs = resolveAt(t, -100, path); // AT_FDCWD
  if (typeof abs === 'number') return abs;
  const r = p.execFile(abs, argv, envp);
  if (p.exitCode !== null) {
    // Past the point of no return: the old image is gone and the process died of SIGSEGV.
    k.exitTask(t, 11, true);
    return null;
  }
  if (r !== 0) return r;
  t.exe = abs;
  // flush_signal_handlers: caught signals go back to the default; ignored ones stay ignored; the alternate stack
  // is cleared; the mask and pending signals stay.
  for (const act of t.actions) {
    if (act.handler > 1n) act.handler = 0n;
    act.flags = 0n;
    act.mask = 0n;
  }
  t.altStack = { sp: 0, size: 0, flags: 2 };
  t.clearChildTid = 0;
  k.enterImage(t);
  return null;
}

/** The children `pid` selects (`-1` any, `> 0` that one, `0` / `< -1` a process group: all share one here). */
function selected(k: LinuxKernel, t: Task, pid: number): Task[] {
  const kids = [...t.children];
  if (pid > 0) return kids.filter((c) => c.pid === pid);
  if (pid === -1 || pid === 0) return kids;
  return -pid === (k.init?.pid ?? 0) ? kids : [];
}

/** `wait4(pid, wstatus, options, rusage)`. */
function wait4(k: LinuxKernel, t: Task, a: readonly bigint[]): number | (() => number | null) {
  const pid = Number(BigInt.asIntN(32, a[0] as bigint));
  const options = Number(BigInt.asIntN(32, a[2] as bigint));
  if ((options & ~WAIT_OPTIONS) !== 0) return EINVAL;
  if (pid === -0x8000_0000) return toNegErrno('ESRCH');
  const attempt = (): number | null => {
    const kids = selected(k, t, pid);
    if (kids.length === 0) return ECHILD;
    const zombie = kids.find((c) => c.state === 'zombie');
    if (zombie === undefined) return (options & WNOHANG) !== 0 ? 0 : null;
    const status = zombie.waitStatus;
    k.reap(zombie);
    let r = zombie.pid;
    const wstatus = ptr(a[1] as bigint);
    if (wstatus !== 0 && writeU32(t.process, wstatus, status) !== 0) r = EFAULT;
    const rusage = ptr(a[3] as bigint);
    if (rusage !== 0 && writeUser(t.process, rusage, new Uint8Array(144)) !== 0) r = EFAULT;
    return r;
  };
  const r = attempt();
  return r === null ? attempt : r;
}

export const PROC_SYSCALLS: SyscallGroup = {
  exit: (k, t, a) => {
    k.exitTask(t, Number((a[0] as bigint) & 0xffn), false);
    return null;
  },
  exit_group: (k, t, a) => {
    k.exitTask(t, Number((a[0] as bigint) & 0xffn), false);
    return null;
  },
  clone,
  execve,
  wait4,
  getpid: (_k, t) => t.pid,
  gettid: (_k, t) => t.pid,
  getppid: (_k, t) => t.parent?.pid ?? 0,
  set_tid_address: (_k, t, a) => {
    t.clearChildTid = ptr(a[0] as bigint);
    return t.pid;
  },
  set_robust_list: (_k, t, a) => {
    if ((a[1] as bigint) !== 24n) return EINVAL; // sizeof(struct robust_list_head)
    t.robustList = ptr(a[0] as bigint);
    return 0;
  },
  rseq: () => toNegErrno('ENOSYS'),
  clone3: () => toNegErrno('ENOSYS'),
};
