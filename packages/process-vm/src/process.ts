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

import { Access, type ErrnoName, fromNegErrno, PAGE_SIZE, toNegErrno, type U64Pair } from '@pagewright/core';
import type { Hart } from '@pagewright/sv39';
import type { AddressSpace } from './address-space.js';
import { sbrk, sysBrk } from './brk.js';
import { loadImage } from './exec.js';
import { forkAddressSpace } from './fork.js';
import type { Machine } from './machine.js';
import { sysMadvise } from './madvise.js';
import { sysMincore } from './mincore.js';
import { sysMlock, sysMlock2, sysMlockall, sysMunlock, sysMunlockall } from './mlock.js';
import { sysMmap } from './mmap.js';
import { sysMprotect } from './mprotect.js';
import { sysMremap } from './mremap.js';
import { sysMsync } from './msync.js';
import { sysMunmap } from './munmap.js';
import { formatMaps, formatSmaps, formatStatus } from './proc-views.js';
import type { ProgramImage } from './program-image.js';
import { type AccessFault, type AccessOutcome, SEGV_MAPERR, signalOf } from './signals.js';
import type { U64Arg } from './u64.js';

const ESRCH = toNegErrno('ESRCH');

/** The errno name of a raw system-call result, or `undefined` for a success. */
export function errnoOf(ret: number): ErrnoName | undefined {
  return fromNegErrno(ret);
}

/** A process. */
export class Process {
  /** The address space (replaced by `exec`). */
  vm: AddressSpace;
  /** Exit status once exited, else `null`. */
  exitCode: number | null = null;
  /** The hart this process's accesses run on (index into `machine.harts`). */
  hartId = 0;
  /** Details of the last failed hot access. */
  readonly lastFault: AccessFault = { sentinel: 0, addr: 0 };

  /** @internal use {@link Machine.spawn} or {@link Process.fork} */
  constructor(
    readonly machine: Machine,
    readonly pid: number,
    vm: AddressSpace,
    readonly parent: Process | null = null,
  ) {
    this.vm = vm;
  }

  // ---- system calls --------------------------------------------------------------------------------------------------

  /** `mmap(addr, len, prot, flags, fd, offset)`; anonymous memory only (other fds: EBADF). */
  mmap(addr: U64Arg, len: U64Arg, prot: U64Arg, flags: U64Arg, fd: U64Arg = -1, offset: U64Arg = 0): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMmap(this.vm, addr, len, prot, flags, fd, offset);
    if (this.machine.sink.enabled) this.emitSyscall('mmap', [addr, len, prot, flags, fd, offset], ret);
    return ret;
  }
  /** `munmap(addr, len)`. */
  munmap(addr: U64Arg, len: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMunmap(this.vm, addr, len);
    if (this.machine.sink.enabled) this.emitSyscall('munmap', [addr, len], ret);
    return ret;
  }
  /** `mprotect(addr, len, prot)`. */
  mprotect(addr: U64Arg, len: U64Arg, prot: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMprotect(this.vm, addr, len, prot);
    if (this.machine.sink.enabled) this.emitSyscall('mprotect', [addr, len, prot], ret);
    return ret;
  }
  /** `mremap(old, oldLen, newLen, flags, newAddr)`. */
  mremap(addr: U64Arg, oldLen: U64Arg, newLen: U64Arg, flags: U64Arg, newAddr: U64Arg = 0): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMremap(this.vm, addr, oldLen, newLen, flags, newAddr);
    if (this.machine.sink.enabled) this.emitSyscall('mremap', [addr, oldLen, newLen, flags, newAddr], ret);
    return ret;
  }
  /** The raw `brk(addr)`: the new break, or the old one on failure. */
  brk(addr: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysBrk(this.vm, addr);
    if (this.machine.sink.enabled) this.emitSyscall('brk', [addr], ret);
    return ret;
  }
  /** The C library's `sbrk(increment)`: the old break, or -1. */
  sbrk(increment: number): number {
    return sbrk(this.vm, increment);
  }
  /** `madvise(addr, len, advice)`. */
  madvise(addr: U64Arg, len: U64Arg, advice: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMadvise(this.vm, addr, len, advice);
    if (this.machine.sink.enabled) this.emitSyscall('madvise', [addr, len, advice], ret);
    return ret;
  }
  /**
   * `mincore(addr, len, vec)`: `vec` is a `Uint8Array` to fill, or a user address (copied out; EFAULT if unmapped).
   */
  mincore(addr: U64Arg, len: U64Arg, vec: Uint8Array | U64Arg): number {
    const out =
      vec instanceof Uint8Array
        ? vec
        : (offset: number, bytes: Uint8Array) => this.copyToUser(Number(vec) + offset, bytes) === 0;
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMincore(this.vm, addr, len, out);
    if (this.machine.sink.enabled) this.emitSyscall('mincore', [addr, len], ret);
    return ret;
  }
  /** `mlock(addr, len)`. */
  mlock(addr: U64Arg, len: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMlock(this.vm, addr, len);
    if (this.machine.sink.enabled) this.emitSyscall('mlock', [addr, len], ret);
    return ret;
  }
  /** `mlock2(addr, len, flags)`. */
  mlock2(addr: U64Arg, len: U64Arg, flags: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMlock2(this.vm, addr, len, flags);
    if (this.machine.sink.enabled) this.emitSyscall('mlock2', [addr, len, flags], ret);
    return ret;
  }
  /** `munlock(addr, len)`. */
  munlock(addr: U64Arg, len: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMunlock(this.vm, addr, len);
    if (this.machine.sink.enabled) this.emitSyscall('munlock', [addr, len], ret);
    return ret;
  }
  /** `mlockall(flags)`. */
  mlockall(flags: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMlockall(this.vm, flags);
    if (this.machine.sink.enabled) this.emitSyscall('mlockall', [flags], ret);
    return ret;
  }
  /** `munlockall()`. */
  munlockall(): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMunlockall(this.vm);
    if (this.machine.sink.enabled) this.emitSyscall('munlockall', [], ret);
    return ret;
  }
  /** `msync(addr, len, flags)`. */
  msync(addr: U64Arg, len: U64Arg, flags: U64Arg): number {
    if (this.exitCode !== null) return ESRCH;
    const ret = sysMsync(this.vm, addr, len, flags);
    if (this.machine.sink.enabled) this.emitSyscall('msync', [addr, len, flags], ret);
    return ret;
  }

  private emitSyscall(name: string, args: readonly U64Arg[], ret: number): void {
    const errno = name === 'brk' ? undefined : fromNegErrno(ret);
    this.machine.sink.emit('syscall', { pid: this.pid, name, args, ret, ...(errno ? { errno } : {}) });
  }

  // ---- process life ------------------------------------------------------------------------------------------------

  /**
   * `fork()`: a child with a copy-on-write copy of this address space. Returns the child, or `-ENOMEM` with nothing
   * changed (but the parent's private pages possibly write-protected, as Linux leaves them) when frames ran out.
   */
  fork(): Process | number {
    if (this.exitCode !== null) return toNegErrno('ESRCH');
    const pid = this.machine.nextPid();
    const vm = forkAddressSpace(this.vm, pid);
    if (typeof vm === 'number') return vm;
    const child = new Process(this.machine, pid, vm, this);
    child.hartId = this.hartId;
    this.machine.register(child);
    return child;
  }

  /** `execve`: replaces the address space with a fresh one holding `image`. Returns 0 or `-ENOMEM`. */
  exec(image?: ProgramImage): number {
    if (this.exitCode !== null) return toNegErrno('ESRCH');
    const vm = this.machine.newAddressSpace(this.pid);
    if (vm === null) return toNegErrno('ENOMEM');
    const r = loadImage(vm, image ?? this.machine.defaultImage(), this.machine.aslrRng, this.machine.rng);
    if (r !== 0) {
      vm.destroy();
      return r;
    }
    this.vm.destroy();
    this.vm = vm;
    return 0;
  }

  /** `exit(code)`: tears the address space down (every frame back to the allocator). Idempotent. */
  exit(code = 0): void {
    if (this.exitCode !== null) return;
    this.vm.destroy();
    this.exitCode = code;
    this.machine.unregister(this);
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

  /** The hart this process runs on, switched to its address space (satp) in user mode. */
  get hart(): Hart {
    const hart = this.machine.harts[this.hartId] as Hart;
    const vm = this.vm;
    const pt = vm.pageTable;
    if (hart.rootPpn !== pt.root || hart.satpMode === 'bare') {
      // switch_mm: the ASID allocator gives the space an ASID of the current generation and writes satp.
      this.machine.asids.activate(hart, pt.context, pt.mapper);
    }
    vm.hartId = this.hartId;
    if (hart.privilege !== 0) hart.privilege = 0;
    return hart;
  }

  /**
   * Translates `va` for `access`, handling page faults: the physical address, or a negative signal sentinel (details
   * in {@link Process.lastFault}).
   */
  translate(va: number, access: number): number {
    if (this.vm.destroyed) return this.fail(SEGV_MAPERR, va);
    const hart = this.hart;
    for (let attempt = 0; attempt < 4; attempt++) {
      const pa = hart.translate(va, access);
      if (pa >= 0) return pa;
      const r = this.vm.handleFault(va, access);
      if (r < 0) return this.fail(r, va);
    }
    return this.fail(-1, va);
  }

  private fail(sentinel: number, addr: number): number {
    this.lastFault.sentinel = sentinel;
    this.lastFault.addr = addr;
    return sentinel;
  }

  private loadSized(va: number, size: number, access: number): number {
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
  /** Loads a little-endian 64-bit value into `out`: 0 or a signal sentinel. */
  load64(va: number, out: U64Pair): number {
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
    return this.storeSized(va, 1, value);
  }
  /** Stores a little-endian 16-bit value: 0 or a signal sentinel. */
  store16(va: number, value: number): number {
    return this.storeSized(va, 2, value);
  }
  /** Stores a little-endian 32-bit value: 0 or a signal sentinel. */
  store32(va: number, value: number): number {
    return this.storeSized(va, 4, value);
  }
  /** Stores a little-endian 64-bit value given as halves: 0 or a signal sentinel (nothing written on a fault). */
  store64(va: number, lo: number, hi: number): number {
    const a = this.translate(va, Access.Store);
    if (a < 0) return a;
    const b = this.translate(va + 7, Access.Store);
    if (b < 0) return b;
    this.storeSized(va, 4, lo);
    return this.storeSized(va + 4, 4, hi);
  }

  /** Reads `len` bytes (page by page); the bytes, or the signal of the first page that faulted. */
  read(va: number, len: number): AccessOutcome<{ bytes: Uint8Array }> {
    const bytes = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const pa = this.translate(va + done, Access.Load);
      if (pa < 0) return { ok: false, ...signalOf(pa, this.lastFault.addr) };
      const n = Math.min(len - done, PAGE_SIZE - ((va + done) & 0xfff));
      this.machine.memory.readBytes(pa, bytes.subarray(done, done + n));
      done += n;
    }
    return { ok: true, bytes };
  }

  /** Writes `bytes` (page by page; the pages before a faulting one stay written, as a CPU's stores would). */
  write(va: number, bytes: Uint8Array): AccessOutcome<{ written: number }> {
    let done = 0;
    while (done < bytes.length) {
      const pa = this.translate(va + done, Access.Store);
      if (pa < 0) return { ok: false, ...signalOf(pa, this.lastFault.addr) };
      const n = Math.min(bytes.length - done, PAGE_SIZE - ((va + done) & 0xfff));
      this.machine.memory.writeBytes(pa, bytes.subarray(done, done + n));
      done += n;
    }
    return { ok: true, written: done };
  }

  /** Fills `len` bytes with `value` (page by page; stops at the first fault). */
  fill(va: number, len: number, value: number): AccessOutcome<{ written: number }> {
    let done = 0;
    while (done < len) {
      const pa = this.translate(va + done, Access.Store);
      if (pa < 0) return { ok: false, ...signalOf(pa, this.lastFault.addr) };
      const n = Math.min(len - done, PAGE_SIZE - ((va + done) & 0xfff));
      this.machine.memory.fill(pa, n, value & 0xff);
      done += n;
    }
    return { ok: true, written: done };
  }

  /** Kernel-side read of user memory: the bytes, or `-EFAULT` (never a signal). */
  copyFromUser(va: number, len: number): Uint8Array | number {
    if (!(Number.isInteger(va) && Number.isInteger(len) && va >= 0 && len >= 0)) return toNegErrno('EFAULT');
    if (va + len > this.vm.limits.taskSize) return toNegErrno('EFAULT');
    const r = this.read(va, len);
    return r.ok ? r.bytes : toNegErrno('EFAULT');
  }

  /** Kernel-side write of user memory: 0 or `-EFAULT` (bytes before the faulting page may have been written). */
  copyToUser(va: number, bytes: Uint8Array): number {
    if (!(Number.isInteger(va) && va >= 0) || va + bytes.length > this.vm.limits.taskSize)
      return toNegErrno('EFAULT');
    return this.write(va, bytes).ok ? 0 : toNegErrno('EFAULT');
  }
}
