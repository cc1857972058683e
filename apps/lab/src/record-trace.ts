/**
 * Records the TLB access trace the `tlb` experiment replays: a small demo-like workload on a process-vm machine
 * (a heap filled through brk, a matrix walked by column, a linked list chased across pages, stack pushes and pops,
 * then a fork with parent and child taking turns), with the hart's TLB wrapped so that every lookup is logged.
 *
 * @module
 */

import {
  createRng,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  PROT_READ,
  PROT_WRITE,
  type PteFlags,
  type Tlb,
  type TlbEntryView,
  type TlbStats,
} from '@pagewright/core';
import { type ArchName, Machine, type Process } from '@pagewright/process-vm';
import { parseTlbSpec } from '@pagewright/sv39';
import { type AccessTrace, TraceRecorder } from './trace.js';

/** A TLB that logs every lookup (ASID, page) and otherwise forwards to the TLB it wraps. */
export class RecordingTlb implements Tlb {
  constructor(
    private readonly inner: Tlb,
    private readonly recorder: TraceRecorder,
  ) {}
  get capacity(): number {
    return this.inner.capacity;
  }
  get stats(): TlbStats {
    return this.inner.stats;
  }
  lookup(vpn: number, asid: number): number {
    this.recorder.record(asid, vpn);
    return this.inner.lookup(vpn, asid);
  }
  translate(slot: number, vpn: number): number {
    return this.inner.translate(slot, vpn);
  }
  flagsOf(slot: number): PteFlags {
    return this.inner.flagsOf(slot);
  }
  setFlags(slot: number, flags: PteFlags): void {
    this.inner.setFlags(slot, flags);
  }
  insert(vpn: number, asid: number, level: number, ppn: number, flags: PteFlags, global: boolean): number {
    return this.inner.insert(vpn, asid, level, ppn, flags, global);
  }
  flushAll(): void {
    this.inner.flushAll();
  }
  flushAsid(asid: number): void {
    this.inner.flushAsid(asid);
  }
  flushVa(vpn: number): void {
    this.inner.flushVa(vpn);
  }
  flushVaAsid(vpn: number, asid: number): void {
    this.inner.flushVaAsid(vpn, asid);
  }
  forEach(visit: (entry: TlbEntryView) => void): void {
    this.inner.forEach(visit);
  }
  resetStats(): void {
    this.inner.resetStats();
  }
}

const PAGE = 4096;
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function ok(ret: number, what: string): number {
  if (ret < 0) throw new Error(`${what} failed: ${ret}`);
  return ret;
}

/**
 * Runs the demo-like workload on a one-hart machine of `arch` and returns the trace of every TLB lookup (`scale` 1
 * ≈ 23 000 accesses).
 */
export function recordDemoTrace(seed: number, scale = 1, arch: ArchName = 'sv39'): AccessTrace {
  const recorder = new TraceRecorder();
  // The hart's TLB records every lookup: a per-hart TLB factory, so the hart uses it from the start.
  const machine = new Machine({
    arch,
    harts: 1,
    seed,
    tlb: () => new RecordingTlb(parseTlbSpec('16x4:lru'), recorder),
  });
  runDemoWorkload(machine, seed, scale);
  return recorder.finish('demo');
}

/**
 * The demo-like workload (a heap filled through brk, a matrix walked by column, a linked list chased over 1 024
 * pages, stack pushes and pops, then fork with parent and child taking turns) on `machine`.
 */
export function runDemoWorkload(machine: Machine, seed: number, scale = 1): void {
  const rng = createRng(seed);
  const parent = machine.spawn();
  const n = (x: number) => Math.max(1, Math.round(x * scale));

  // A heap grown with brk and filled every 64 bytes.
  const heap = parent.brk(0);
  const heapPages = n(32);
  ok(parent.brk(heap + heapPages * PAGE) === heap + heapPages * PAGE ? 0 : -1, 'brk');
  for (let off = 0; off < heapPages * PAGE; off += 64)
    ok(parent.store8(heap + off, off & 0xff), 'heap store');

  // A 256-page matrix of 4 KiB rows, walked by column (one access per row: a page per access).
  const rows = n(256);
  const matrix = ok(parent.mmap(0, rows * PAGE, RW, ANON), 'mmap matrix');
  for (let col = 0; col < 8; col++) for (let r = 0; r < rows; r++) parent.load8(matrix + r * PAGE + col * 8);

  // A linked list of 512 nodes scattered over 1024 pages, chased 4 times.
  const listPages = n(1024);
  const list = ok(parent.mmap(0, listPages * PAGE, RW, ANON), 'mmap list');
  const nodes = Array.from(
    { length: n(512) },
    () => list + rng.nextInt(listPages) * PAGE + rng.nextInt(64) * 64,
  );
  for (let pass = 0; pass < 4; pass++) for (const node of nodes) ok(parent.store8(node, pass), 'list store');

  // Stack pushes and pops near the initial stack pointer.
  const sp = parent.vm.startStack;
  for (let i = 0; i < n(2000); i++) {
    const depth = (i * 37) % 512;
    ok(parent.store8(sp - 64 - depth * 8, i & 0xff), 'stack store');
    parent.load8(sp - 64 - depth * 8);
  }

  // fork: parent and child take turns of 500 accesses — the child writes the heap (COW), the parent reads the matrix.
  const child = parent.fork();
  if (typeof child === 'number') throw new Error(`fork failed: ${child}`);
  const turns = n(24);
  for (let t = 0; t < turns; t++) {
    const runner: Process = t % 2 === 0 ? child : parent;
    for (let i = 0; i < 500; i++) {
      const k = t * 500 + i;
      if (runner === child) ok(child.store8(heap + ((k * 64) % (heapPages * PAGE)), 1), 'child store');
      else parent.load8(matrix + (k % rows) * PAGE);
    }
  }
  child.exit(0);
  parent.exit(0);
}
