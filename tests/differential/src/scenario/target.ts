/**
 * What the scenario runner and the differential tests drive: one process of some memory-management
 * implementation (the reference model, or the real `@pagewright/process-vm`), seen only through Linux's system
 * calls and user-mode loads and stores.
 *
 * @module
 */

import type { AccessSignal, ScenarioMapping, ScenarioTarget } from '@pagewright/process-vm';

export type { AccessSignal } from '@pagewright/process-vm';

/** One `/proc/PID/maps` line reduced to address range and permissions. */
export type MapsEntry = ScenarioMapping;

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
 * A process to run programs on: process-vm's scenario target (system calls by their table name, loads and stores,
 * maps, fork and exit — what the one scenario interpreter drives) plus what the differential comparison also looks
 * at. Every call takes Linux's raw arguments and returns what Linux returns: the result, or `-errno`.
 */
export interface VmTarget extends ScenarioTarget {
  /** fork(): the child process, or `-errno`. */
  fork(): VmTarget | number;
  /** Fetches a 32-bit instruction word (optional: differential tests only). */
  fetch32?(addr: number): number | AccessSignal;
  /** Runs the process on another hart (optional; the model has no harts). */
  setHart?(hart: number): void;
  /** The /proc details (optional: differential tests only). */
  details?(): ProcDetails;
}

/** `mincore(addr, len)` of a target: `-errno`, or one residency flag per page. */
export function mincoreOf(t: ScenarioTarget, addr: bigint, len: bigint): number | boolean[] {
  const pages = Number((BigInt.asUintN(64, len) + 4095n) / 4096n);
  const vec = new Uint8Array(Math.min(pages, 1 << 20));
  const r = t.syscall('mincore', [addr, len, vec]);
  return r < 0 ? r : [...vec].map((b) => (b & 1) === 1);
}

/** The program break (`brk(0)`). */
export function breakOf(t: ScenarioTarget): bigint {
  return BigInt(t.syscall('brk', [0n]));
}
