/**
 * `LinuxKernel`: runs statically linked RISC-V Linux programs on a process-vm `Machine`. It owns the tasks, the
 * system-call table (by RISC-V number, `syscalls-*.ts`), signal delivery (`signal-frame.ts`), the standard streams
 * and a simulated clock; every instruction fetch, load and store of a program goes through its process's MMU.
 *
 * @module
 */

import { createRng, type Rng, toNegErrno } from '@pagewright/core';
import {
  installProgram,
  Machine,
  type MachineOptions,
  type Process,
  readInitStack,
} from '@pagewright/process-vm';
import { type GuestMemory, processMemory, type RunOutcome, Rv64Hart } from '@pagewright/rv64';
import { KernelFiles } from './kernel-files.js';
import { SYSCALL_NAMES } from './numbers.js';
import { deliverPending, forceSignal, isTrampoline, sigreturn } from './signal-frame.js';
import { SIG } from './signals.js';
import { SYSCALLS, type SyscallResult } from './syscall-table.js';
import { defaultLimits } from './syscalls-misc.js';
import { type RLimit, Task } from './task.js';

/** Options of a {@link LinuxKernel}. */
export interface LinuxKernelOptions {
  /** The machine to run on, or the options of a new one (default: a new Sv39 machine). */
  machine?: Machine | MachineOptions | undefined;
  /** Seeds `getrandom` (default 1). */
  seed?: number | undefined;
  /** What the first task reads from fd 0 (default nothing: end of file). */
  stdin?: Uint8Array | undefined;
  /** Called with every write to fd 1 or 2 as it happens (the bytes are also kept in {@link LinuxKernel.stdout}). */
  onOutput?: ((fd: 1 | 2, bytes: Uint8Array) => void) | undefined;
  /** Called after every system call with its number, name, arguments and result. */
  onSyscall?: ((record: SyscallRecord) => void) | undefined;
  /**
   * Called for every translation a program's access makes that missed the TLB (found by the TLB's miss counter;
   * this costs a check per access, so leave it unset unless tracing).
   */
  onTlbMiss?: ((pid: number, va: number, access: number, hart: number) => void) | undefined;
  /** The most tasks alive at once (Linux `threads-max`): past it `clone` answers `EAGAIN`. Default 256. */
  maxTasks?: number | undefined;
  /** Instructions a task runs before the next one gets the hart (default 100 000). */
  timeslice?: number | undefined;
  /** Simulated nanoseconds per retired instruction (default 1). */
  nsPerInstruction?: number | undefined;
}

/** One system call, as {@link LinuxKernelOptions.onSyscall} reports it. */
export interface SyscallRecord {
  readonly pid: number;
  readonly number: number;
  /** The name, or `undefined` for an unknown number (answered `ENOSYS`). */
  readonly name: string | undefined;
  readonly args: readonly bigint[];
  /** The value written to `a0`, or `null` for a call that does not return (exit, execve, rt_sigreturn). */
  readonly ret: number | null;
}

/** Why {@link LinuxKernel.run} returned. */
export interface RunResult {
  /** `exit`: the first task ended (`status` is its shell status); `limit`: the instruction budget ran out. */
  readonly reason: 'exit' | 'limit';
  /** The shell's status of the first task: its exit code, or 128 + the signal that killed it; `null` on `limit`. */
  readonly status: number | null;
  /** The signal that killed the first task, or `null`. */
  readonly signal: number | null;
  /** Instructions retired by every task in this run. */
  readonly instructions: number;
}

/** The simulated wall clock starts here (2026-01-01T00:00:00Z), plus the instructions retired. */
const EPOCH_SECONDS = 1_767_225_600;

/** A RISC-V Linux personality over a process-vm machine. */
export class LinuxKernel {
  readonly machine: Machine;
  /** Tasks by pid (zombies included, until reaped). */
  readonly tasks = new Map<number, Task>();
  /** The kernel's own files (standard streams, /proc). */
  readonly kernelFiles: KernelFiles;
  /** Calls to unknown numbers (answered `ENOSYS`), by number. */
  readonly unknownSyscalls = new Map<number, number>();
  /** Served system calls, by name. */
  readonly syscallCounts = new Map<string, number>();
  /** Every instruction retired by every task. */
  instructions = 0;
  readonly rng: Rng;
  readonly maxTasks: number;
  readonly nsPerInstruction: number;
  private readonly stdoutChunks: Uint8Array[] = [];
  private readonly stderrChunks: Uint8Array[] = [];
  private readonly onOutput: LinuxKernelOptions['onOutput'];
  private readonly onSyscall: LinuxKernelOptions['onSyscall'];
  private readonly onTlbMiss: LinuxKernelOptions['onTlbMiss'];
  private readonly timeslice: number;
  private readonly stdin: Uint8Array;
  private root: Task | null = null;
  private cursor = 0;
  private slept = 0;

  /** @param options - machine, seed, streams, limits */
  constructor(options: LinuxKernelOptions = {}) {
    const m = options.machine;
    this.machine = m instanceof Machine ? m : new Machine({ arch: 'sv39', ...(m ?? {}) });
    this.rng = createRng(options.seed ?? 1);
    this.kernelFiles = new KernelFiles(this.machine.files);
    this.stdin = options.stdin ?? new Uint8Array(0);
    this.onOutput = options.onOutput;
    this.onSyscall = options.onSyscall;
    this.onTlbMiss = options.onTlbMiss;
    this.maxTasks = options.maxTasks ?? 256;
    this.timeslice = options.timeslice ?? 100_000;
    this.nsPerInstruction = options.nsPerInstruction ?? 1;
    for (const v of [this.maxTasks, this.timeslice, this.nsPerInstruction])
      if (!(Number.isSafeInteger(v) && v > 0)) throw new RangeError(`LinuxKernel: bad option value ${v}`);
    const fs = this.machine.files;
    for (const dir of ['/tmp', '/bin'])
      try {
        fs.mkdir(dir, dir === '/tmp' ? 0o1777 : 0o755);
      } catch {
        // already there
      }
  }

  /** What the tasks wrote to fd 1, as bytes. */
  get stdout(): Uint8Array {
    return concat(this.stdoutChunks);
  }
  /** What the tasks wrote to fd 2, as bytes. */
  get stderr(): Uint8Array {
    return concat(this.stderrChunks);
  }

  /** The first task (the one {@link LinuxKernel.start} made), or `null`. */
  get init(): Task | null {
    return this.root;
  }

  /**
   * Puts `bytes` into the filesystem at `path` (mode 0755, directories made) so that `start` or a task's `execve`
   * can run it. Returns 0 or `-errno`.
   */
  install(path: string, bytes: Uint8Array): number {
    return installProgram(this.machine.files, path, bytes);
  }

  /**
   * Starts the first task: a process exec'ing `path` of the filesystem with `argv` and `envp`, its fds 0, 1, 2 the
   * standard streams, its working directory `cwd` (as the shell's). Returns the task, or `-errno` when the exec
   * failed (`ENOENT`, `ENOEXEC` …).
   */
  start(
    path: string,
    argv: readonly string[] = [path],
    envp: readonly string[] = [],
    cwd = '/',
  ): Task | number {
    if (this.root !== null) throw new Error('LinuxKernel.start: already started');
    const process = this.machine.spawn();
    const fds = process.fds;
    for (const fd of fds.openDescriptors()) fds.close(fd);
    this.kernelFiles.open(fds, 'stdin', this.stdin);
    this.kernelFiles.open(fds, 'stdout');
    this.kernelFiles.open(fds, 'stderr');
    const r = process.execFile(path, argv, envp);
    if (r !== 0) {
      process.exit(0);
      return r;
    }
    const hart = new Rv64Hart(this.memoryOf(process));
    const task = new Task(process.pid, process, hart, null, path, defaultLimits());
    task.cwd = cwd;
    this.enterImage(task);
    this.tasks.set(task.pid, task);
    this.root = task;
    return task;
  }

  /** The guest memory of a process: its MMU, observed for TLB misses when `onTlbMiss` is set. */
  private memoryOf(process: Process): GuestMemory {
    const memory = processMemory(process);
    const report = this.onTlbMiss;
    if (report === undefined) return memory;
    return {
      physical: memory.physical,
      translate: (va, access) => {
        const hart = process.hart;
        const misses = hart.tlb.stats.misses;
        const pa = memory.translate(va, access);
        if (hart.tlb.stats.misses !== misses) report(process.pid, va, access, process.hartId);
        return pa;
      },
    };
  }

  /** Sets the registers for a freshly exec'ed image: all zero, `sp` the initial stack, `pc` the entry. */
  enterImage(task: Task): void {
    const hart = task.hart;
    hart.lo.fill(0);
    hart.hi.fill(0);
    hart.f.fill(0n);
    hart.fflags = 0;
    hart.frm = 0;
    const p = task.process;
    const sp = p.vm.startStack;
    const stack = readInitStack(sp, (a, n) => {
      const b = p.copyFromUser(a, n);
      return typeof b === 'number' ? null : b;
    });
    const aux = new Map(stack?.auxv ?? []);
    let pc = aux.get(9) ?? 0; // AT_ENTRY
    const base = aux.get(7) ?? 0; // AT_BASE: the interpreter runs first, from its own e_entry
    if (base !== 0) {
      const e = p.copyFromUser(base + 24, 8);
      if (typeof e !== 'number') pc = base + Number(new DataView(e.buffer).getBigUint64(0, true));
    }
    task.vdso = aux.get(33) ?? 0; // AT_SYSINFO_EHDR
    hart.pc = pc;
    hart.setReg('sp', sp);
  }

  /** A new task for a forked process, with a copy of `parent`'s registers. */
  newTask(parent: Task, process: Process, limits: RLimit[]): Task {
    const hart = new Rv64Hart(this.memoryOf(process));
    const from = parent.hart;
    hart.lo.set(from.lo);
    hart.hi.set(from.hi);
    hart.f.set(from.f);
    hart.fflags = from.fflags;
    hart.frm = from.frm;
    hart.pc = from.pc;
    const t = new Task(process.pid, process, hart, parent, parent.exe, limits);
    t.cwd = parent.cwd;
    parent.children.add(t);
    this.tasks.set(t.pid, t);
    return t;
  }

  /** Tasks alive (running or blocked). */
  get liveTasks(): number {
    let n = 0;
    for (const t of this.tasks.values()) if (t.alive) n++;
    return n;
  }

  /** The simulated time in nanoseconds since the epoch of the clocks (1 ns per instruction by default). */
  get nanoseconds(): number {
    return this.instructions * this.nsPerInstruction + this.slept;
  }
  /** Moves the simulated clocks forward (what `nanosleep` waits), in nanoseconds. */
  advanceClock(ns: number): void {
    this.slept += ns;
  }
  /** `CLOCK_REALTIME` seconds at `nanoseconds` 0. */
  get epochSeconds(): number {
    return EPOCH_SECONDS;
  }

  /**
   * Runs the tasks, round robin, until the first one ends or `maxInstructions` instructions retired in this call.
   * When the first task ends, the others still alive are killed (the session ends), so every frame they held is
   * back with the allocator.
   */
  run(maxInstructions = Number.MAX_SAFE_INTEGER): RunResult {
    const root = this.root;
    if (root === null) throw new Error('LinuxKernel.run: start a program first');
    if (!(Number.isSafeInteger(maxInstructions) && maxInstructions >= 0))
      throw new RangeError(`LinuxKernel.run: bad instruction limit ${maxInstructions}`);
    let done = 0;
    while (root.alive) {
      if (done >= maxInstructions) return { reason: 'limit', status: null, signal: null, instructions: done };
      const task = this.next();
      if (task === null) {
        // Every task is blocked (a wait that cannot end): Linux would hang; end the session instead.
        break;
      }
      const out = task.hart.run(Math.min(this.timeslice, maxInstructions - done));
      done += out.instructions;
      this.instructions += out.instructions;
      task.instructions += out.instructions;
      this.handle(task, out);
    }
    for (const t of this.tasks.values()) if (t !== root && t.alive) this.exitTask(t, SIG.SIGKILL, true);
    const signaled = (root.waitStatus & 0x7f) !== 0;
    return {
      reason: 'exit',
      status: signaled ? 128 + (root.waitStatus & 0x7f) : (root.waitStatus >> 8) & 0xff,
      signal: signaled ? root.waitStatus & 0x7f : null,
      instructions: done,
    };
  }

  /** The next task to run: a runnable one, or a blocked one whose call can now answer. */
  private next(): Task | null {
    const list = [...this.tasks.values()];
    for (let k = 0; k < list.length; k++) {
      const t = list[(this.cursor + k) % list.length] as Task;
      if (t.state === 'blocked' && t.retry !== null) {
        const r = t.retry();
        if (r === null) continue;
        t.retry = null;
        t.state = 'runnable';
        t.hart.setReg('a0', r);
        deliverPending(this, t);
      }
      if (t.state === 'runnable') {
        this.cursor = (this.cursor + k + 1) % list.length;
        return t;
      }
    }
    return null;
  }

  private handle(task: Task, out: RunOutcome): void {
    if (out.reason === 'limit') return;
    if (out.reason === 'ecall') {
      this.syscall(task, out.number, out.args);
      return;
    }
    if (out.signal === 'SIGKILL') {
      this.exitTask(task, SIG.SIGKILL, true); // the OOM killer's victim
      return;
    }
    if (isTrampoline(task, out)) {
      sigreturn(this, task);
      return;
    }
    forceSignal(this, task, SIG[out.signal], out.code, out.addr);
  }

  /** Serves system call `number` for `task` and writes its result to `a0` (unless it blocks or does not return). */
  syscall(task: Task, number: number, args: readonly bigint[]): void {
    const entry = SYSCALLS.get(number);
    let ret: SyscallResult;
    if (entry === undefined) {
      this.unknownSyscalls.set(number, (this.unknownSyscalls.get(number) ?? 0) + 1);
      ret = toNegErrno('ENOSYS');
    } else {
      this.syscallCounts.set(entry.name, (this.syscallCounts.get(entry.name) ?? 0) + 1);
      ret = entry.call(this, task, args);
    }
    if (typeof ret === 'function') {
      task.state = 'blocked';
      task.retry = ret;
    } else if (ret !== null && task.alive) {
      task.hart.setReg('a0', ret);
    }
    this.onSyscall?.({
      pid: task.pid,
      number,
      name: SYSCALL_NAMES.get(number),
      args,
      ret: typeof ret === 'number' ? ret : null,
    });
    if (task.alive && task.state === 'runnable') deliverPending(this, task);
  }

  /** Delivers what is pending for `task` now (a signal sent to another task that is ready to run). */
  deliverTo(task: Task): void {
    if (task.alive) deliverPending(this, task);
  }

  /** Writes to the captured standard output or error. */
  output(fd: 1 | 2, bytes: Uint8Array): void {
    (fd === 1 ? this.stdoutChunks : this.stderrChunks).push(bytes);
    this.onOutput?.(fd, bytes);
  }

  /**
   * Ends `task`: `code` is the exit code (`byCode`) or the signal that killed it. Its memory and descriptors are
   * released (after `clear_child_tid` is cleared), its children are handed to no one (reaped when they end), and
   * the parent is sent SIGCHLD; a task whose parent ignores SIGCHLD, or has none, is reaped at once.
   */
  exitTask(task: Task, code: number, bySignal: boolean): void {
    if (!task.alive) return;
    if (task.clearChildTid !== 0) {
      const zero = new Uint8Array(4);
      task.process.copyToUser(task.clearChildTid, zero); // mm_release: put_user(0, clear_child_tid) + futex wake
    }
    task.process.exit(bySignal ? 0 : code);
    task.waitStatus = bySignal ? code & 0x7f : (code & 0xff) << 8;
    task.state = 'zombie';
    task.retry = null;
    for (const c of task.children) {
      c.parent = null;
      if (c.state === 'zombie') this.reap(c);
    }
    task.children.clear();
    const parent = task.parent;
    if (parent === null || !parent.alive) {
      if (task !== this.root) this.reap(task);
      return;
    }
    const act = parent.actions[SIG.SIGCHLD];
    if (act !== undefined && (act.handler === 1n || (act.flags & 2n) !== 0n)) {
      this.reap(task); // SIG_IGN or SA_NOCLDWAIT: no zombie (kernel/signal.c do_notify_parent)
      return;
    }
    if (act !== undefined && act.handler > 1n)
      parent.pending.push({ sig: SIG.SIGCHLD, code: bySignal ? 2 : 1, addr: 0, pid: task.pid });
  }

  /** Removes a zombie for good. */
  reap(task: Task): void {
    task.state = 'reaped';
    task.parent?.children.delete(task);
    this.tasks.delete(task.pid);
  }

  /** The task of `pid`, if alive or a zombie. */
  task(pid: number): Task | undefined {
    return this.tasks.get(pid);
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
