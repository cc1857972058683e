/**
 * The rest of what glibc and the test programs ask: `uname`, `getrandom` (from the kernel's seeded generator),
 * the clocks (simulated time: 1 ns per retired instruction by default, plus what `nanosleep` waited), resource
 * limits, `sched_yield`, and the user and group ids (root: 0).
 *
 * @module
 */

import { toNegErrno } from '@pagewright/core';
import type { LinuxKernel } from './kernel.js';
import type { SyscallGroup } from './syscall-table.js';
import type { RLimit, Task } from './task.js';
import { ptr, readUser, writeUser } from './user-memory.js';

const EINVAL = toNegErrno('EINVAL');
const INF = Number.POSITIVE_INFINITY;
/** `RLIM_NLIMITS`. */
const RLIM_NLIMITS = 16;
const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

/** Linux's default limits of a process started by a login shell (RLIMIT_CPU … RLIMIT_RTTIME). */
export function defaultLimits(): RLimit[] {
  const mib = 1024 * 1024;
  return [
    { cur: INF, max: INF }, // CPU
    { cur: INF, max: INF }, // FSIZE
    { cur: INF, max: INF }, // DATA
    { cur: 8 * mib, max: INF }, // STACK
    { cur: 0, max: INF }, // CORE
    { cur: INF, max: INF }, // RSS
    { cur: 256, max: 256 }, // NPROC
    { cur: 1024, max: 1024 }, // NOFILE (FdTable's limit)
    { cur: 8 * mib, max: 8 * mib }, // MEMLOCK
    { cur: INF, max: INF }, // AS
    { cur: INF, max: INF }, // LOCKS
    { cur: 256, max: 256 }, // SIGPENDING
    { cur: 819200, max: 819200 }, // MSGQUEUE
    { cur: 0, max: 0 }, // NICE
    { cur: 0, max: 0 }, // RTPRIO
    { cur: INF, max: INF }, // RTTIME
  ];
}

function limitBits(v: number): bigint {
  return v === INF ? RLIM_INFINITY : BigInt(v);
}

function limitValue(v: bigint): number {
  return v === RLIM_INFINITY || v > BigInt(Number.MAX_SAFE_INTEGER) ? INF : Number(v);
}

/** Writes a `struct timespec` (two i64). */
function timespec(t: Task, addr: number, ns: number): number {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setBigInt64(0, BigInt(Math.floor(ns / 1e9)), true);
  v.setBigInt64(8, BigInt(ns % 1e9), true);
  return writeUser(t.process, addr, b);
}

/** The time of clock `id` in nanoseconds, or `null` for a clock that does not exist. */
function clockNs(k: LinuxKernel, t: Task, id: number): number | null {
  switch (id) {
    case 0: // REALTIME
    case 5: // REALTIME_COARSE
    case 8: // REALTIME_ALARM
    case 11: // TAI
      return k.epochSeconds * 1e9 + k.nanoseconds;
    case 1: // MONOTONIC
    case 4: // MONOTONIC_RAW
    case 6: // MONOTONIC_COARSE
    case 7: // BOOTTIME
    case 9: // BOOTTIME_ALARM
      return k.nanoseconds;
    case 2: // PROCESS_CPUTIME_ID
    case 3: // THREAD_CPUTIME_ID
      return t.instructions * k.nsPerInstruction;
    default:
      return null;
  }
}

function prlimit(k: LinuxKernel, t: Task, pid: number, resource: number, next: number, old: number): number {
  const target = pid === 0 ? t : k.task(pid);
  if (target === undefined || !target.alive) return toNegErrno('ESRCH');
  if (resource < 0 || resource >= RLIM_NLIMITS) return EINVAL;
  const lim = target.limits[resource] as RLimit;
  let wanted: RLimit | null = null;
  if (next !== 0) {
    const b = readUser(t.process, next, 16);
    if (typeof b === 'number') return b;
    const v = new DataView(b.buffer, b.byteOffset, 16);
    wanted = { cur: limitValue(v.getBigUint64(0, true)), max: limitValue(v.getBigUint64(8, true)) };
    if (wanted.cur > wanted.max) return EINVAL;
    if (resource === 7 && wanted.max > 1024 * 1024) return toNegErrno('EPERM'); // past fs.nr_open
  }
  if (old !== 0) {
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, limitBits(lim.cur), true);
    v.setBigUint64(8, limitBits(lim.max), true);
    const r = writeUser(t.process, old, b);
    if (r !== 0) return r;
  }
  if (wanted !== null) Object.assign(lim, wanted);
  return 0;
}

const UTS_FIELDS = ['Linux', 'pagewright', '6.18.0', '#1 SMP PREEMPT pagewright', 'riscv64', '(none)'];

export const MISC_SYSCALLS: SyscallGroup = {
  uname: (_k, t, a) => {
    const b = new Uint8Array(6 * 65);
    const enc = new TextEncoder();
    UTS_FIELDS.forEach((s, i) => {
      b.set(enc.encode(s).subarray(0, 64), i * 65);
    });
    return writeUser(t.process, ptr(a[0] as bigint), b);
  },
  getrandom: (k, t, a) => {
    const flags = Number(a[2]);
    if ((flags & ~7) !== 0 || (flags & 6) === 6) return EINVAL; // GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE
    const count = Math.min(
      Number((a[1] as bigint) > 0x1ff_ffffn ? 0x1ff_ffffn : (a[1] as bigint)),
      0x1ff_ffff,
    );
    const b = new Uint8Array(count);
    for (let i = 0; i < count; i++) b[i] = k.rng.nextInt(256);
    const r = writeUser(t.process, ptr(a[0] as bigint), b);
    return r < 0 ? r : count;
  },
  clock_gettime: (k, t, a) => {
    const ns = clockNs(k, t, Number(BigInt.asIntN(32, a[0] as bigint)));
    return ns === null ? EINVAL : timespec(t, ptr(a[1] as bigint), ns);
  },
  clock_getres: (k, t, a) => {
    const ns = clockNs(k, t, Number(BigInt.asIntN(32, a[0] as bigint)));
    if (ns === null) return EINVAL;
    const at = ptr(a[1] as bigint);
    return at === 0 ? 0 : timespec(t, at, 1);
  },
  gettimeofday: (k, t, a) => {
    const at = ptr(a[0] as bigint);
    if (at === 0) return 0;
    const us = Math.floor((k.epochSeconds * 1e9 + k.nanoseconds) / 1000);
    const b = new Uint8Array(16);
    const v = new DataView(b.buffer);
    v.setBigInt64(0, BigInt(Math.floor(us / 1e6)), true);
    v.setBigInt64(8, BigInt(us % 1e6), true);
    return writeUser(t.process, at, b);
  },
  nanosleep: (k, t, a) => {
    const b = readUser(t.process, ptr(a[0] as bigint), 16);
    if (typeof b === 'number') return b;
    const v = new DataView(b.buffer, b.byteOffset, 16);
    const sec = v.getBigInt64(0, true);
    const nsec = v.getBigInt64(8, true);
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) return EINVAL;
    k.advanceClock(Number(sec) * 1e9 + Number(nsec));
    return 0;
  },
  sched_yield: () => 0,
  prlimit64: (k, t, a) =>
    prlimit(
      k,
      t,
      Number(BigInt.asIntN(32, a[0] as bigint)),
      Number(BigInt.asIntN(32, a[1] as bigint)),
      ptr(a[2] as bigint),
      ptr(a[3] as bigint),
    ),
  getrlimit: (k, t, a) => prlimit(k, t, 0, Number(BigInt.asIntN(32, a[0] as bigint)), 0, ptr(a[1] as bigint)),
  setrlimit: (k, t, a) => prlimit(k, t, 0, Number(BigInt.asIntN(32, a[0] as bigint)), ptr(a[1] as bigint), 0),
  getuid: () => 0,
  geteuid: () => 0,
  getgid: () => 0,
  getegid: () => 0,
};
