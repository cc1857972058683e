/**
 * What `pagewright run --stats` counts and `--trace FILE` writes: the machine's events (page faults, copy-on-write
 * breaks, frame allocations), the TLB misses of the programs' accesses, and the kernel's system calls; the harts'
 * TLB and walk counters.
 *
 * @module
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { EventBus, type MmEvent } from '@pagewright/core';
import type { LinuxKernel, SyscallRecord } from '@pagewright/linux';

/** The counters of `--stats`. */
export interface RunCounters {
  minorFaults: number;
  majorFaults: number;
  signalFaults: number;
  cowBreaks: number;
  framesPeak: number;
}

function hex(v: number | bigint): string {
  return typeof v === 'bigint' ? `0x${v.toString(16)}` : v < 0 ? String(v) : `0x${v.toString(16)}`;
}

/** Counts events, and writes the trace when given a file. */
export class RunObserver {
  readonly bus = new EventBus();
  readonly counters: RunCounters = {
    minorFaults: 0,
    majorFaults: 0,
    signalFaults: 0,
    cowBreaks: 0,
    framesPeak: 0,
  };
  private kernel: LinuxKernel | null = null;
  private pagesRead = 0;
  private readonly fd: number | null;

  /** @param traceFile - where the JSON lines go (`null`: none) */
  constructor(traceFile: string | null) {
    this.fd = traceFile === null ? null : openSync(traceFile, 'w');
    this.bus.subscribe((e) => this.event(e));
  }

  /** Starts counting for `kernel` (its machine must have been built with {@link RunObserver.bus}). */
  attach(kernel: LinuxKernel): void {
    this.kernel = kernel;
    this.pagesRead = kernel.machine.files.cache.stats.pagesRead;
    this.counters.framesPeak = kernel.machine.framesInUse();
  }

  private event(e: MmEvent): void {
    const c = this.counters;
    switch (e.kind) {
      case 'fault': {
        const read = this.kernel?.machine.files.cache.stats.pagesRead ?? 0;
        if (e.outcome !== 'handled') c.signalFaults++;
        else if (read > this.pagesRead) c.majorFaults++;
        else c.minorFaults++;
        this.pagesRead = read;
        this.sampleFrames();
        this.write({ kind: 'page-fault', pid: e.pid, va: hex(e.va), access: e.access, outcome: e.outcome });
        break;
      }
      case 'cow.break':
        c.cowBreaks++;
        break;
      default:
        break;
    }
  }

  /** The kernel's `onTlbMiss`. */
  tlbMiss(pid: number, va: number, access: number, hart: number): void {
    this.write({ kind: 'tlb-miss', pid, hart, va: hex(va), access });
  }

  /** Frames in use now, for the peak (sampled at every fault and system call: the only times it grows). */
  private sampleFrames(): void {
    const n = this.kernel?.machine.framesInUse() ?? 0;
    if (n > this.counters.framesPeak) this.counters.framesPeak = n;
  }

  /** The kernel's `onSyscall`. */
  syscall(r: SyscallRecord): void {
    this.sampleFrames();
    if (this.fd === null) return;
    this.write({
      kind: 'syscall',
      pid: r.pid,
      number: r.number,
      name: r.name ?? null,
      args: r.args.map(hex),
      ret: r.ret,
    });
  }

  private write(o: object): void {
    if (this.fd !== null) writeSync(this.fd, `${JSON.stringify(o)}\n`);
  }

  /** Closes the trace file. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
  }
}

/** The `--stats` report. */
export function formatStats(kernel: LinuxKernel, c: RunCounters, instructions: number): string {
  const lines = [
    `instructions:   ${instructions}`,
    `page faults:    ${c.minorFaults} minor, ${c.majorFaults} major, ${c.signalFaults} signalled`,
    `COW breaks:     ${c.cowBreaks}`,
  ];
  kernel.machine.harts.forEach((h, i) => {
    const s = h.tlb.stats;
    const walks = (h as { walks?: number }).walks;
    lines.push(`hart ${i}: TLB ${s.hits} hits, ${s.misses} misses; ${walks ?? 'n/a'} walks`);
  });
  lines.push(`frames:         ${c.framesPeak} peak, ${kernel.machine.framesInUse()} in use at the end`);
  const calls = [...kernel.syscallCounts.values()].reduce((a, b) => a + b, 0);
  const unknown = [...kernel.unknownSyscalls].map(([n, k]) => `${n}×${k}`).join(' ');
  lines.push(`system calls:   ${calls}${unknown.length > 0 ? `; unknown (ENOSYS): ${unknown}` : ''}`);
  return `${lines.join('\n')}\n`;
}
