/**
 * `Process`: a process of a {@link Machine} — its address space, the system calls on it, memory accesses through a
 * hart's MMU and TLB (page faults handled and retried), `fork` / `exec` / `exit`, and the `/proc` views.
 *
 * ## Return convention of system calls
 * Every system call takes Linux's raw arguments (`number | bigint`, taken modulo 2^64, see `u64.ts`) and returns
 * Linux's raw result as a `number`: the address or value on success, `-errno` (in `[-4095, -1]`) on failure —
 * except `brk`, which like the kernel returns the (old) break on failure. {@link errnoOf} names the errno. No
 * system call throws for any argument, and a failing call leaves the state as Linux would.
 *
 * ## Memory accesses
 * Hot accessors (`load8/16/32/64`, `store8/...`, `fetch`) return the value (≥ 0) or a negative signal sentinel
 * (`SEGV_MAPERR`, `SEGV_ACCERR`, `BUS_ADRERR`, `OOM_KILL`) with details in {@link Process.lastFault}; cold ones
 * (`read`, `write`) return an {@link AccessOutcome}. `copyFromUser`/`copyToUser` fail with `-EFAULT` instead.
 *
 * @module
 */

import {
  Access,
  type EventSink,
  type MmuHart,
  PAGE_SIZE,
  type PagingArch,
  type PhysicalMemory,
  type Rng,
  toNegErrno,
  type U64Pair,
} from '@pagewright/core';
import { FdTable, type FileSystem } from '@pagewright/files';
import type { AsidAllocator } from '@pagewright/mapper';
import type { AddressSpace, AddressSpaceLimits } from './address-space.js';
import { sbrk } from './brk.js';
import { NegErrno } from './errno.js';

export { errnoOf } from './errno.js';

import { type ElfExecOptions, installProgram, loadElf } from './elf-exec.js';
import { loadImage, validateImage } from './exec.js';
import { execLayoutFor } from './exec-layout.js';
import { carryFaults } from './fault-stats.js';
import { forkAddressSpace } from './fork.js';
import { formatMaps, formatSmaps, formatStatus } from './proc-views.js';
import type { ProgramImage } from './program-image.js';
import {
  type AccessFault,
  type AccessOutcome,
  OOM_KILL,
  SEGV_ACCERR,
  SEGV_MAPERR,
  type SignalName,
} from './signals.js';
import { invokeSyscall, invokeSyscallNamed } from './syscall-dispatch.js';
import { SYSCALLS, type SyscallArgValue, type SyscallName } from './syscalls.js';
import { toInt32, type U64Arg } from './u64.js';
import {
  copyFromUser,
  copyToUser,
  fillUser,
  MAX_ACCESS_BYTES,
  readUser,
  storeValue,
  writeUser,
} from './user-copy.js';

const { ESRCH, EINVAL, ENOMEM } = NegErrno;
/** `SIGKILL`'s number (its wait status). */
const SIGKILL_NUMBER = 9;
/** Signal numbers (x86-64 and RISC-V agree): a signal's wait status. */
const SIGNAL_NUMBERS: Record<SignalName, number> = { SIGBUS: 7, SIGKILL: 9, SIGSEGV: 11 };

/**
 * What a {@link Process} needs of the machine it runs on (the `Machine` implements it): its harts and their ASIDs,
 * memory, files, event sink and randomness, the process table, fresh address spaces, and the OOM killer. A process
 * knows its machine through this interface only, so `process.ts` does not import `machine.ts`.
 */
export interface ProcessHost {
  readonly harts: readonly MmuHart[];
  readonly asids: AsidAllocator;
  readonly memory: PhysicalMemory;
  /** The paging architecture of the harts. */
  readonly arch: PagingArch;
  readonly files: FileSystem;
  readonly sink: EventSink;
  readonly limits: AddressSpaceLimits;
  readonly rng: Rng;
  readonly aslrRng: Rng | null;
  /** The architecture's name (what `machine.options.arch` reports). */
  readonly options: { readonly arch: string };
  /** The image `exec()` uses when given none. */
  defaultImage(): ProgramImage;
  /** A fresh empty address space, or null when out of memory. */
  newAddressSpace(pid: number): AddressSpace | null;
  nextPid(): number;
  register(p: Process): void;
  unregister(p: Process): void;
  /**
   * `pagefault_out_of_memory` for a user fault of `faulting` (see `oom.ts`): the OOM killer ends a victim; true when
   * `faulting` survived (retry the access).
   */
  outOfMemory(faulting: Process): boolean;
}

/**
 * A process: the Linux system calls of its address space (each returns the result or `-errno`, never throws),
 * translated loads and stores through its hart (page faults handled by the simulated kernel), fork, exec and exit,
 * and the `/proc` views.
 *
 * @example
 * ```ts
 * import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
 * import { Machine, type Process, signalOf } from '@pagewright/process-vm';
 *
 * const machine = new Machine();
 * const parent = machine.spawn();
 * const a = parent.mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
 * parent.store8(a, 1);
 * const child = parent.fork() as Process;
 * child.store8(a, 2); // breaks copy-on-write: the child gets its own copy
 * console.log(parent.load8(a), child.load8(a)); // 1 2
 * console.log(parent.munmap(a, 4096), signalOf(parent.load8(a), a).code); // 0 SEGV_MAPERR
 * console.log(parent.mprotect(a + 1, 4096, PROT_READ)); // -22 (EINVAL: unaligned)
 * ```
 */
export class Process<M extends ProcessHost = ProcessHost> {
  /** The address space (replaced by `exec`). */
  vm: AddressSpace;
  /**
   * Exit status once dead, else `null`: the `exit` code (its low 8 bits, as `WEXITSTATUS`), or 128 + the signal
   * number when a signal ended the process (137 for `SIGKILL`, as a shell shows it; see {@link Process.killedBy}).
   */
  exitCode: number | null = null;
  /** The signal that ended the process (`SIGKILL` from the OOM killer), or `null`. */
  killedBy: SignalName | null = null;
  /** The hart this process's accesses run on (index into `machine.harts`). */
  hartId = 0;
  /** `oom_score_adj`, −1000 … 1000 (set it with `setOomScoreAdj`, `oom.ts`): inherited by fork, kept by exec. */
  oomScoreAdj = 0;
  /** Details of the last failed hot access. */
  readonly lastFault: AccessFault = { sentinel: 0, addr: 0 };
  /** The file descriptors (`files_struct`): copied by `fork`, closed at exit, close-on-exec ones by `exec`. */
  fds: FdTable;
  /** @internal use `Machine.spawn` or {@link Process.fork} */
  constructor(
    readonly machine: M,
    readonly pid: number,
    vm: AddressSpace,
    readonly parent: Process<M> | null = null,
  ) {
    this.vm = vm;
    this.fds = parent !== null ? parent.fds.clone() : new FdTable(machine.files);
    if (parent !== null) this.oomScoreAdj = parent.oomScoreAdj;
  }

  // ---- system calls --------------------------------------------------------------------------------------------------
  // Each is one entry of the table in `syscalls.ts`, run by `invokeSyscall` (`syscall-dispatch.ts`).

  /** `mmap(addr, len, prot, flags, fd, offset)`: anonymous memory, or the file open at `fd` (see `mmap.ts`). */
  mmap(addr: U64Arg, len: U64Arg, prot: U64Arg, flags: U64Arg, fd: U64Arg = -1, offset: U64Arg = 0): number {
    return invokeSyscall(this, SYSCALLS.mmap, addr, len, prot, flags, fd, offset);
  }
  /** `munmap(addr, len)`. */
  munmap(addr: U64Arg, len: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.munmap, addr, len);
  }
  /** `mprotect(addr, len, prot)`. */
  mprotect(addr: U64Arg, len: U64Arg, prot: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.mprotect, addr, len, prot);
  }
  /** `mremap(old, oldLen, newLen, flags, newAddr)`. */
  mremap(addr: U64Arg, oldLen: U64Arg, newLen: U64Arg, flags: U64Arg, newAddr: U64Arg = 0): number {
    return invokeSyscall(this, SYSCALLS.mremap, addr, oldLen, newLen, flags, newAddr);
  }
  /** The raw `brk(addr)`: the new break, or the old one on failure. */
  brk(addr: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.brk, addr);
  }
  /** The C library's `sbrk(increment)`: the old break, or -1. */
  sbrk(increment: number): number {
    return sbrk(this.vm, increment);
  }
  /** `madvise(addr, len, advice)`. */
  madvise(addr: U64Arg, len: U64Arg, advice: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.madvise, addr, len, advice);
  }
  /**
   * `mincore(addr, len, vec)`: `vec` is a `Uint8Array` to fill, or a user address (copied out; EFAULT if unmapped).
   */
  mincore(addr: U64Arg, len: U64Arg, vec: Uint8Array | U64Arg): number {
    return invokeSyscall(this, SYSCALLS.mincore, addr, len, vec);
  }
  /** `mlock(addr, len)`. */
  mlock(addr: U64Arg, len: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.mlock, addr, len);
  }
  /** `mlock2(addr, len, flags)`. */
  mlock2(addr: U64Arg, len: U64Arg, flags: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.mlock2, addr, len, flags);
  }
  /** `munlock(addr, len)`. */
  munlock(addr: U64Arg, len: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.munlock, addr, len);
  }
  /** `mlockall(flags)`. */
  mlockall(flags: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.mlockall, flags);
  }
  /** `munlockall()`. */
  munlockall(): number {
    return invokeSyscall(this, SYSCALLS.munlockall);
  }
  /** `msync(addr, len, flags)`. */
  msync(addr: U64Arg, len: U64Arg, flags: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.msync, addr, len, flags);
  }
  /** `mseal(addr, len, flags)` (Linux 6.10+): seals the range's VMAs; later changes of them answer EPERM. */
  mseal(addr: U64Arg, len: U64Arg, flags: U64Arg = 0): number {
    return invokeSyscall(this, SYSCALLS.mseal, addr, len, flags);
  }

  // ---- file descriptors --------------------------------------------------------------------------------------------
  // Every call answers Linux's errno as `-errno` and changes nothing then (see `fd-syscalls.ts`).

  /** `open(path, flags, mode)`: the lowest free descriptor, or `-errno`. */
  open(path: string, flags: U64Arg, mode: U64Arg = 0o644): number {
    return invokeSyscall(this, SYSCALLS.open, path, flags, mode);
  }
  /** `close(fd)`: 0 or `-EBADF`. */
  close(fd: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.close, fd);
  }
  /** `read(fd, buf)` into a kernel-side buffer: bytes read (the position advances), or `-errno`. */
  readFd(fd: U64Arg, buf: Uint8Array): number {
    return invokeSyscall(this, SYSCALLS.read, fd, buf);
  }
  /** `write(fd, bytes)`: bytes written (the position advances), or `-errno`. */
  writeFd(fd: U64Arg, bytes: Uint8Array): number {
    return invokeSyscall(this, SYSCALLS.write, fd, bytes);
  }
  /** `pread(fd, buf, offset)`: bytes read at `offset` (the position stays), or `-errno`. */
  pread(fd: U64Arg, buf: Uint8Array, offset: number): number {
    return invokeSyscall(this, SYSCALLS.pread64, fd, buf, offset);
  }
  /** `pwrite(fd, bytes, offset)`: bytes written at `offset`, or `-errno`. */
  pwrite(fd: U64Arg, bytes: Uint8Array, offset: number): number {
    return invokeSyscall(this, SYSCALLS.pwrite64, fd, bytes, offset);
  }
  /** `lseek(fd, offset, whence)`: the new position, or `-errno`. */
  lseek(fd: U64Arg, offset: number, whence: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.lseek, fd, offset, whence);
  }
  /**
   * `ftruncate(fd, length)`: 0 or `-errno`. Shrinking a mapped file first removes the pages past the new end from
   * every mapping of it, in every process (`unmap_mapping_range`): later accesses there raise SIGBUS.
   */
  ftruncate(fd: U64Arg, length: number): number {
    return invokeSyscall(this, SYSCALLS.ftruncate, fd, length);
  }
  /** `fsync(fd)`: writes the file's dirty cache pages to its store; 0 or `-errno`. */
  fsync(fd: U64Arg): number {
    return invokeSyscall(this, SYSCALLS.fsync, fd);
  }

  /**
   * Any system call of the table by name, with its arguments in Linux's order (missing optional ones take their
   * defaults: `mmap`'s fd -1 and offset 0 …). What the scenario interpreter and `inspect` use; the named methods
   * above are the same calls.
   */
  syscall(name: SyscallName, args: readonly SyscallArgValue[]): number {
    return invokeSyscallNamed(this, name, args);
  }

  // ---- process life ------------------------------------------------------------------------------------------------

  /**
   * `fork()`: a child with a copy-on-write copy of this address space. Returns the child, or `-ENOMEM` with nothing
   * changed (but the parent's private pages possibly write-protected, as Linux leaves them) when frames ran out.
   */
  fork(): Process<M> | number {
    if (this.exitCode !== null) return ESRCH;
    const pid = this.machine.nextPid();
    const vm = forkAddressSpace(this.vm, pid);
    if (typeof vm === 'number') return vm;
    const child = new Process(this.machine, pid, vm, this); // copies the descriptor table
    child.hartId = this.hartId;
    this.machine.register(child);
    return child;
  }

  /**
   * `execve`: replaces the address space with a fresh one holding `image` (default: the machine's). The image is
   * checked first (`validateImage`: ENOEXEC, EINVAL, EFAULT, E2BIG) and the new space is built aside: on any failure
   * (also ENOMEM, or EEXIST for a first segment where the stack goes) it is destroyed and the old one is untouched.
   * Returns 0 or `-errno`.
   */
  exec(image?: ProgramImage): number {
    if (this.exitCode !== null) return toNegErrno('ESRCH');
    const img = image === undefined ? this.machine.defaultImage() : image;
    const invalid = validateImage(img, this.machine.limits);
    if (invalid !== 0) return invalid;
    const vm = this.machine.newAddressSpace(this.pid);
    if (vm === null) return toNegErrno('ENOMEM');
    const r = loadImage(vm, img, this.machine.aslrRng, this.machine.rng);
    if (r !== 0) {
      vm.destroy();
      return r;
    }
    carryFaults(vm.faults, this.vm.faults); // min_flt/maj_flt survive exec
    this.vm.destroy();
    this.vm = vm;
    this.fds.closeOnExec();
    return 0;
  }

  /**
   * `execve(path, argv, envp)` of an ELF file of the machine's filesystem (`machine.files`), as Linux 6.18's
   * `load_elf_binary` loads it (see `elf-exec.ts`): each `PT_LOAD` a private mapping of the file (maps shows its path,
   * device and inode), the bss tail zeroed and the rest anonymous, `PT_INTERP`'s interpreter loaded the same way from
   * the filesystem, the stack executable only for a `PT_GNU_STACK` with `PF_X`, the break after the last segment,
   * `mmap_base` below the stack limit and its random gap, `[vvar]`/`[vdso]`, and the initial stack with argv, envp
   * and the auxiliary vector (`AT_PHDR`, `AT_PHNUM`, `AT_BASE`, `AT_ENTRY`, `AT_EXECFN`, `AT_RANDOM`, `AT_PAGESZ` …).
   * `argv` defaults to `[path]`, `envp` to none. Returns 0, or `-errno`:
   * - before the point of no return, with nothing changed: `EFAULT` (a path or string that is not one), `E2BIG`,
   *   the lookup's `ENOENT`/`ENOTDIR`, `EACCES` (not a regular file, or no execute bit), `ENOEXEC` (not an ELF file
   *   Linux runs, or for the wrong architecture, or a machine whose architecture has no exec layout), `EIO`, and
   *   the same for the interpreter (`ELIBBAD` for its header);
   * - after it (the old program is gone: the process dies of `SIGSEGV`, `killedBy` says so): what `load_elf_binary`
   *   answers then (`EINVAL` for a segment past `TASK_SIZE` …) and what the mappings answer (`EEXIST`, `ENOMEM`).
   */
  execFile(
    path: string,
    argv?: readonly string[],
    envp?: readonly string[],
    options: Omit<ElfExecOptions, 'argv' | 'envp'> = {},
  ): number {
    if (this.exitCode !== null) return ESRCH;
    const layout = options.layout ?? execLayoutFor(this.machine.options.arch, this.machine.limits.taskSize);
    if (layout === null) return toNegErrno('ENOEXEC');
    const vm = this.machine.newAddressSpace(this.pid);
    if (vm === null) return ENOMEM;
    const r = loadElf(
      vm,
      path,
      { ...options, argv, envp },
      { files: this.machine.files, layout, aslr: this.machine.aslrRng, random: this.machine.rng },
    );
    if (r.ret !== 0) {
      vm.destroy();
      if (r.pointOfNoReturn) this.die('SIGSEGV');
      return r.ret;
    }
    carryFaults(vm.faults, this.vm.faults); // min_flt/maj_flt survive exec
    this.vm.destroy();
    this.vm = vm;
    this.fds.closeOnExec();
    return 0;
  }

  /**
   * {@link Process.execFile} of ELF bytes: puts them in the machine's filesystem at `options.path` (default
   * `/bin/a.out`; an executable file, directories made, a different file there replaced) and execs that path.
   * `-EFAULT` for bytes that are not a `Uint8Array`; otherwise as `execFile`.
   */
  execElf(bytes: Uint8Array, options: ElfExecOptions & { path?: string | undefined } = {}): number {
    if (this.exitCode !== null) return ESRCH;
    const path = options.path ?? '/bin/a.out';
    const r = installProgram(this.machine.files, path, bytes);
    if (r !== 0) return r;
    return this.execFile(path, options.argv, options.envp, options);
  }

  /** Ends the process by `signal` (a fatal one it does not handle): memory released as at exit. */
  private die(signal: SignalName): void {
    this.vm.destroy();
    this.fds.closeAll();
    this.killedBy = signal;
    this.exitCode = 128 + SIGNAL_NUMBERS[signal];
    this.machine.unregister(this);
  }

  /**
   * `exit(code)`: tears the address space down (every frame back to the allocator). The status kept is `code`'s low
   * 8 bits (a non-integral code counts as 0). Idempotent.
   */
  exit(code: number = 0): void {
    if (this.exitCode !== null) return;
    this.vm.destroy();
    this.fds.closeAll();
    this.exitCode = (toInt32(code as U64Arg) ?? 0) & 0xff;
    this.machine.unregister(this);
  }

  /**
   * Ends the process with `SIGKILL` (what the OOM killer sends; it cannot be caught or ignored): its memory is
   * released as at exit, {@link Process.killedBy} is `'SIGKILL'` and {@link Process.exitCode} 137. Returns 0, `-ESRCH`
   * when the process is already dead, or `-EINVAL` for another signal (only `SIGKILL` is modelled).
   */
  kill(signal: SignalName): number {
    if (signal !== 'SIGKILL') return EINVAL;
    if (this.exitCode !== null) return ESRCH;
    this.vm.destroy();
    this.fds.closeAll();
    this.killedBy = 'SIGKILL';
    this.exitCode = 128 + SIGKILL_NUMBER;
    this.machine.unregister(this);
    return 0;
  }

  /**
   * The status `wait` would report: `null` while alive, `(code & 0xff) << 8` after `exit` (`WIFEXITED`), the signal
   * number after a kill (`WIFSIGNALED`: 9 for `SIGKILL`).
   */
  get waitStatus(): number | null {
    if (this.exitCode === null) return null;
    return this.killedBy !== null ? SIGNAL_NUMBERS[this.killedBy] : this.exitCode << 8;
  }

  // ---- views -------------------------------------------------------------------------------------------------------

  /** `/proc/PID/maps`. */
  maps(): string {
    return formatMaps(this.vm);
  }
  /** `/proc/PID/smaps`. */
  smaps(): string {
    return formatSmaps(this.vm);
  }
  /** `/proc/PID/status` (the memory lines). */
  status(): string {
    return formatStatus(this.vm, this.pid);
  }

  // ---- memory accesses -------------------------------------------------------------------------------------------

  /** The hart this process runs on (`machine.harts[hartId]`), as it is: {@link Process.activate} switches it. */
  get hart(): MmuHart {
    return this.machine.harts[this.hartId] as MmuHart;
  }

  /**
   * Makes this process's hart run it (Linux `switch_mm` on a context switch): when the hart translates for another
   * space, the ASID allocator gives this one an ASID of the current generation and writes satp / CR3; then the hart
   * enters user mode. Every access does this first; returns the hart.
   */
  activate(): MmuHart {
    const hart = this.machine.harts[this.hartId] as MmuHart;
    const vm = this.vm;
    vm.pageTable.activateOn(hart, this.machine.asids);
    vm.hartId = this.hartId;
    if (!hart.userMode) hart.enterUserMode();
    return hart;
  }

  /**
   * Translates `va` for `access`, handling page faults: the physical address, or a negative signal sentinel (details
   * in {@link Process.lastFault}).
   */
  translate(va: number, access: number): number {
    return this.translateFor(va, access, true);
  }

  /**
   * {@link Process.translate} by user code (`user`: a fault that finds no memory runs the OOM killer, see `oom.ts`)
   * or by the kernel on the process's behalf (`copyFromUser`: no kill, the caller answers EFAULT). An address that
   * is not a `number` (a bigint, a string …) faults with `SEGV_MAPERR`; an unknown access kind with `SEGV_ACCERR`.
   * A dead process's accesses answer `SEGV_MAPERR` (it has no memory), `OOM_KILL` when it was killed.
   * @internal
   */
  translateFor(va: number, access: number, user: boolean): number {
    if (typeof va !== 'number') return this.failAccess(SEGV_MAPERR, Number.NaN);
    if (this.vm.destroyed) return this.failAccess(this.killedBy !== null ? OOM_KILL : SEGV_MAPERR, va);
    if (access !== Access.Load && access !== Access.Store && access !== Access.Fetch)
      return this.failAccess(SEGV_ACCERR, va);
    let hart = this.activate();
    for (let attempt = 0; attempt < 4; attempt++) {
      const pa = hart.translate(va, access);
      if (pa >= 0) return pa;
      const r = this.vm.handleFault(va, access);
      if (r === OOM_KILL && user) {
        // pagefault_out_of_memory: the OOM killer ends a victim; when it was another process, retry the fault.
        if (!this.machine.outOfMemory(this)) return this.failAccess(OOM_KILL, va);
        hart = this.activate();
        continue;
      }
      if (r < 0) return this.failAccess(r, va);
    }
    return this.failAccess(SEGV_MAPERR, va);
  }

  /** Records a failed access in {@link Process.lastFault} and returns its sentinel. @internal */
  failAccess(sentinel: number, addr: number): number {
    this.lastFault.sentinel = sentinel;
    this.lastFault.addr = addr;
    return sentinel;
  }

  private loadSized(va: number, size: number, access: number): number {
    if (typeof va !== 'number') return this.failAccess(SEGV_MAPERR, Number.NaN);
    if ((va & 0xfff) + size > PAGE_SIZE) {
      let v = 0;
      for (let k = 0; k < size; k++) {
        const b = this.loadSized(va + k, 1, access);
        if (b < 0) return b;
        v += b * 2 ** (8 * k);
      }
      return v;
    }
    const pa = this.translate(va, access);
    if (pa < 0) return pa;
    const mem = this.machine.memory;
    return size === 1 ? mem.read8(pa) : size === 2 ? mem.read16(pa) : mem.read32(pa);
  }

  private storeSized(va: number, size: number, value: number): number {
    if (typeof va !== 'number') return this.failAccess(SEGV_MAPERR, Number.NaN);
    if ((va & 0xfff) + size > PAGE_SIZE) {
      // Check both pages first so that a fault on the second writes nothing.
      const a = this.translate(va, Access.Store);
      if (a < 0) return a;
      const b = this.translate(va + size - 1, Access.Store);
      if (b < 0) return b;
      for (let k = 0; k < size; k++) this.storeSized(va + k, 1, Math.floor(value / 2 ** (8 * k)) & 0xff);
      return 0;
    }
    const pa = this.translate(va, Access.Store);
    if (pa < 0) return pa;
    const mem = this.machine.memory;
    if (size === 1) mem.write8(pa, value & 0xff);
    else if (size === 2) mem.write16(pa, value & 0xffff);
    else mem.write32(pa, value >>> 0);
    return 0;
  }

  /** Loads a byte: the value or a signal sentinel. */
  load8(va: number): number {
    return this.loadSized(va, 1, Access.Load);
  }
  /** Loads a little-endian 16-bit value or a signal sentinel. */
  load16(va: number): number {
    return this.loadSized(va, 2, Access.Load);
  }
  /** Loads a little-endian unsigned 32-bit value or a signal sentinel. */
  load32(va: number): number {
    return this.loadSized(va, 4, Access.Load);
  }
  /** Loads a little-endian 64-bit value into `out`: 0 or a signal sentinel (`SEGV_MAPERR` when `out` is no record). */
  load64(va: number, out: U64Pair): number {
    if (typeof out !== 'object' || out === null)
      return this.failAccess(SEGV_MAPERR, typeof va === 'number' ? va : Number.NaN);
    const lo = this.loadSized(va, 4, Access.Load);
    if (lo < 0) return lo;
    const hi = this.loadSized(va + 4, 4, Access.Load);
    if (hi < 0) return hi;
    out.lo = lo;
    out.hi = hi;
    return 0;
  }
  /** Fetches a 32-bit instruction word: the word or a signal sentinel. */
  fetch(va: number): number {
    return this.loadSized(va, 4, Access.Fetch);
  }
  /** Stores a byte: 0 or a signal sentinel. */
  store8(va: number, value: number): number {
    return this.storeSized(va, 1, storeValue(value));
  }
  /** Stores a little-endian 16-bit value: 0 or a signal sentinel. */
  store16(va: number, value: number): number {
    return this.storeSized(va, 2, storeValue(value));
  }
  /** Stores a little-endian 32-bit value: 0 or a signal sentinel. */
  store32(va: number, value: number): number {
    return this.storeSized(va, 4, storeValue(value));
  }
  /** Stores a little-endian 64-bit value given as halves: 0 or a signal sentinel (nothing written on a fault). */
  store64(va: number, lo: number, hi: number): number {
    const a = this.translate(va, Access.Store);
    if (a < 0) return a;
    const b = this.translate(va + 7, Access.Store);
    if (b < 0) return b;
    this.storeSized(va, 4, storeValue(lo));
    return this.storeSized(va + 4, 4, storeValue(hi));
  }

  /**
   * Reads `len` bytes (page by page); the bytes, or the signal of the first page that faulted. `len` is a byte count
   * as Linux's `size_t` (a negative one is huge: the read faults where user space ends); `NaN`, a fraction, ±∞ or a
   * non-number is refused (`EINVAL`), and so is a read past {@link MAX_ACCESS_BYTES} whose pages are all accessible
   * (`ENOMEM`). A read of more than 1 MiB checks every page before it makes the buffer.
   */
  read(va: number, len: number): AccessOutcome<{ bytes: Uint8Array }> {
    return readUser(this, va, len, true);
  }

  /**
   * Writes `bytes` (page by page; the pages before a faulting one stay written, as a CPU's stores would). `bytes`
   * that is not a `Uint8Array` is refused (`EINVAL`).
   */
  write(va: number, bytes: Uint8Array): AccessOutcome<{ written: number }> {
    return writeUser(this, va, bytes, true);
  }

  /**
   * Fills `len` bytes with `value` (page by page; stops at the first fault, the pages before it written). `len` as
   * for {@link Process.read} (a huge one fills up to the first fault); `value` as for the stores.
   */
  fill(va: number, len: number, value: number): AccessOutcome<{ written: number }> {
    return fillUser(this, va, len, value);
  }

  /**
   * Kernel-side read of user memory (`copy_from_user`): the bytes or `-errno`, never a signal and never the OOM
   * killer (a fault that finds no memory is fixed up to EFAULT, as in Linux). `-EFAULT` when the address is not a
   * non-negative integer or the range leaves user space (`access_ok`; a negative length is huge) or a page is
   * inaccessible; `-EINVAL` for a length that is no byte count (`NaN`, a fraction, ±∞, a non-number); `-ENOMEM` past
   * {@link MAX_ACCESS_BYTES}. `-ESRCH` for a dead process.
   */
  copyFromUser(va: number, len: number): Uint8Array | number {
    return this.exitCode !== null ? NegErrno.ESRCH : copyFromUser(this, va, len);
  }

  /**
   * Kernel-side write of user memory (`copy_to_user`): 0 or `-EFAULT` (bytes before the faulting page may have been
   * written; no OOM kill, as {@link Process.copyFromUser}); `-EINVAL` when `bytes` is not a `Uint8Array`, `-ESRCH`
   * for a dead process.
   */
  copyToUser(va: number, bytes: Uint8Array): number {
    return this.exitCode !== null ? NegErrno.ESRCH : copyToUser(this, va, bytes);
  }
}
