/**
 * Signal system calls (kernel/signal.c): `rt_sigaction`, `rt_sigprocmask`, `sigaltstack`, `rt_sigreturn`, `kill`,
 * `tkill`, `tgkill`. Signal sets are 8 bytes (`_NSIG / 8`); any other `sigsetsize` is `EINVAL`.
 *
 * @module
 */

import { toNegErrno } from '@pagewright/core';
import type { LinuxKernel } from './kernel.js';
import { altStackFlags, sigreturn } from './signal-frame.js';
import { NSIG, SIG, SIG_IGN, UNBLOCKABLE } from './signals.js';
import type { SyscallGroup } from './syscall-table.js';
import type { Task } from './task.js';
import { ptr, readU64, readUser, writeUser } from './user-memory.js';

const EINVAL = toNegErrno('EINVAL');
const EFAULT = toNegErrno('EFAULT');
const ESRCH = toNegErrno('ESRCH');
/** `MINSIGSTKSZ` on RISC-V. */
const MINSIGSTKSZ = 2048;

function signalNumber(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

/** Queues `sig` for `target` (signal 0 only checks that it exists). */
function send(k: LinuxKernel, from: Task, target: Task | undefined, sig: number, code: number): number {
  if (sig < 0 || sig > NSIG) return EINVAL;
  if (target === undefined || !target.alive) return ESRCH;
  if (sig === 0) return 0;
  const act = target.actions[sig];
  if (sig !== SIG.SIGKILL && act?.handler === BigInt(SIG_IGN)) return 0; // discarded at once
  target.pending.push({ sig, code, addr: 0, pid: from.pid });
  if (target !== from && target.state === 'runnable') k.deliverTo(target);
  return 0;
}

export const SIGNAL_SYSCALLS: SyscallGroup = {
  rt_sigaction: (_k, t, a) => {
    const sig = signalNumber(a[0] as bigint);
    const act = ptr(a[1] as bigint);
    const old = ptr(a[2] as bigint);
    if ((a[3] as bigint) !== 8n) return EINVAL;
    if (sig < 1 || sig > NSIG || (act !== 0 && (sig === SIG.SIGKILL || sig === SIG.SIGSTOP))) return EINVAL;
    const cur = t.actions[sig];
    if (cur === undefined) return EINVAL;
    let next: { handler: bigint; flags: bigint; mask: bigint } | null = null;
    if (act !== 0) {
      const b = readUser(t.process, act, 24);
      if (typeof b === 'number') return EFAULT;
      const v = new DataView(b.buffer, b.byteOffset, 24);
      next = {
        handler: v.getBigUint64(0, true),
        flags: v.getBigUint64(8, true),
        mask: v.getBigUint64(16, true) & ~UNBLOCKABLE,
      };
    }
    if (old !== 0) {
      const b = new Uint8Array(24);
      const v = new DataView(b.buffer);
      v.setBigUint64(0, cur.handler, true);
      v.setBigUint64(8, cur.flags, true);
      v.setBigUint64(16, cur.mask, true);
      if (writeUser(t.process, old, b) !== 0) return EFAULT;
    }
    if (next !== null) {
      Object.assign(cur, next);
      // Setting SIG_IGN discards the pending instances (kernel/signal.c do_sigaction).
      if (next.handler === BigInt(SIG_IGN)) {
        for (let i = t.pending.length - 1; i >= 0; i--) if (t.pending[i]?.sig === sig) t.pending.splice(i, 1);
      }
    }
    return 0;
  },
  rt_sigprocmask: (_k, t, a) => {
    const how = Number(BigInt.asIntN(32, a[0] as bigint));
    const set = ptr(a[1] as bigint);
    const old = ptr(a[2] as bigint);
    if ((a[3] as bigint) !== 8n) return EINVAL;
    const before = t.blocked;
    let next = before;
    if (set !== 0) {
      const s = readU64(t.process, set);
      if (s === null) return EFAULT;
      if (how === 0) next = before | s;
      else if (how === 1) next = before & ~s;
      else if (how === 2) next = s;
      else return EINVAL;
    }
    if (old !== 0) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigUint64(0, before, true);
      if (writeUser(t.process, old, b) !== 0) return EFAULT;
    }
    t.blocked = next & ~UNBLOCKABLE;
    return 0;
  },
  sigaltstack: (_k, t, a) => {
    const ss = ptr(a[0] as bigint);
    const old = ptr(a[1] as bigint);
    const sp = Number(BigInt.asIntN(64, t.hart.reg('sp')));
    if (old !== 0) {
      const b = new Uint8Array(24);
      const v = new DataView(b.buffer);
      v.setBigUint64(0, BigInt(t.altStack.sp), true);
      v.setInt32(8, altStackFlags(t, sp), true);
      v.setBigUint64(16, BigInt(t.altStack.size), true);
      if (writeUser(t.process, old, b) !== 0) return EFAULT;
    }
    if (ss === 0) return 0;
    const b = readUser(t.process, ss, 24);
    if (typeof b === 'number') return EFAULT;
    const v = new DataView(b.buffer, b.byteOffset, 24);
    const base = Number(v.getBigUint64(0, true));
    const flags = v.getInt32(8, true);
    const size = Number(v.getBigUint64(16, true));
    if (altStackFlags(t, sp) === 1) return toNegErrno('EPERM');
    const mode = flags & ~(1 << 31); // SS_AUTODISARM
    if (mode !== 0 && mode !== 1 && mode !== 2) return EINVAL;
    if (mode === 2) t.altStack = { sp: 0, size: 0, flags: 2 };
    else {
      if (size < MINSIGSTKSZ) return toNegErrno('ENOMEM');
      t.altStack = { sp: base, size, flags: 0 };
    }
    return 0;
  },
  rt_sigreturn: (k, t) => sigreturn(k, t),
  kill: (k, t, a) => {
    const pid = Number(BigInt.asIntN(32, a[0] as bigint));
    const sig = signalNumber(a[1] as bigint);
    if (pid > 0) return send(k, t, k.task(pid), sig, 0);
    // 0 and -pgid: the process group (one here); -1: every process but the caller.
    if (pid < -1 && -pid !== (k.init?.pid ?? 0)) return ESRCH;
    let r = ESRCH;
    for (const target of [...k.tasks.values()])
      if (target.alive && (pid !== -1 || target !== t)) r = send(k, t, target, sig, 0) === 0 ? 0 : r;
    return r;
  },
  tkill: (k, t, a) => {
    const tid = Number(BigInt.asIntN(32, a[0] as bigint));
    if (tid <= 0) return EINVAL;
    return send(k, t, k.task(tid), signalNumber(a[1] as bigint), -6);
  },
  tgkill: (k, t, a) => {
    const tgid = Number(BigInt.asIntN(32, a[0] as bigint));
    const tid = Number(BigInt.asIntN(32, a[1] as bigint));
    if (tgid <= 0 || tid <= 0) return EINVAL;
    const target = k.task(tid);
    return send(k, t, target?.pid === tgid ? target : undefined, signalNumber(a[2] as bigint), -6);
  },
};
