/**
 * What the scenario runner and the differential tests drive: one process of some memory-management
 * implementation (the reference model, or the real `@pagewright/process-vm`), seen only through Linux's system
 * calls and user-mode loads and stores.
 *
 * @module
 */

/** A user-mode access that did not complete. */
export type AccessSignal = 'SIGSEGV' | 'SIGBUS' | 'OOM';

/** One `/proc/PID/maps` line reduced to address range and permissions. */
export interface MapsEntry {
  /** Start address in bytes. */
  start: number;
  /** End address in bytes (exclusive). */
  end: number;
  /** Four permission letters, as in /proc (`rw-p`). */
  perms: string;
}

/** One VMA with the /proc facts the differential tests compare (see the model's `details`). */
export interface VmaDetail extends MapsEntry {
  /** The maps offset column (bytes). */
  offset: number;
  /** The maps name column ('' for none). */
  name: string;
  /** smaps Rss in pages. */
  rss: number;
  /** smaps Referenced in pages. */
  referenced: number;
  /** smaps Private_Dirty + Shared_Dirty in pages. */
  dirty: number;
}

/** What /proc shows of a process beyond its maps lines. */
export interface ProcDetails {
  vmas: VmaDetail[];
  /** /proc/PID/status fields (kB). */
  status: { VmSize: number; VmLck: number; VmData: number; VmStk: number };
}

/**
 * A process to run system calls on. Every call takes Linux's raw arguments (u64 as `bigint`) and returns what
 * Linux returns: the result, or `-errno`.
 */
export interface VmTarget {
  mmap(addr: bigint, len: bigint, prot: number, flags: number): number;
  munmap(addr: bigint, len: bigint): number;
  mprotect(addr: bigint, len: bigint, prot: number): number;
  mremap(addr: bigint, oldLen: bigint, newLen: bigint, flags: number, newAddr: bigint): number;
  madvise(addr: bigint, len: bigint, advice: number): number;
  /** -errno, or one residency flag per page. */
  mincore(addr: bigint, len: bigint): number | boolean[];
  mlock(addr: bigint, len: bigint): number;
  munlock(addr: bigint, len: bigint): number;
  msync(addr: bigint, len: bigint, flags: number): number;
  /** The raw brk system call: the new break, or the old one on failure. */
  brk(addr: bigint): number;
  load8(addr: number): number | AccessSignal;
  store8(addr: number, value: number): 'ok' | AccessSignal;
  maps(): MapsEntry[];
  /** fork(): the child process. */
  fork(): VmTarget;
  /** exit(0). */
  exit(): void;
  /** Fetches a 32-bit instruction word (optional: differential tests only). */
  fetch32?(addr: number): number | AccessSignal;
  /** Runs the process on another hart (optional; the model has no harts). */
  setHart?(hart: number): void;
  /** The /proc details (optional: differential tests only). */
  details?(): ProcDetails;
}
