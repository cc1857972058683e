/**
 * The same seeded random workload — many processes, mmap (hinted, fixed, noreplace), munmap, mprotect, mremap, brk,
 * madvise, fork, exit, loads and stores over a region wide enough for thousands of VMAs per process — on one machine
 * per VMA index: every answer, every `/proc/PID/maps` and the invariants must agree, and every frame must come back
 * at the end. The VMA index is an implementation detail; no answer may depend on it. `PAGEWRIGHT_SOAK=1` runs 10^6
 * operations.
 */
import {
  createRng,
  MADV_DONTNEED,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_MAYMOVE,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import { Process } from './process.js';

const SOAK = process.env.PAGEWRIGHT_SOAK === '1';
const OPERATIONS = SOAK ? 1_000_000 : 20_000;
const INDEXES = ['tree', 'btree', 'treap', 'list'] as const;
const PAGE = 4096;
/** The region the workload uses: 4096 pages at 2^36 (inside every architecture's user half). */
const BASE = 2 ** 36;
const SPAN_PAGES = 4096;
const PROTS = [
  PROT_READ,
  PROT_READ | PROT_WRITE,
  PROT_READ | PROT_EXEC,
  0,
  PROT_EXEC,
  PROT_READ | PROT_WRITE | PROT_EXEC,
];

/** One step of the workload for `p` chosen by `r`; returns what it answered (a number or a process marker). */
function step(p: Process, r: () => number, pick: (n: number) => number): string {
  const page = BASE + pick(SPAN_PAGES) * PAGE;
  // Mostly short mappings (many VMAs), sometimes long ones (across many).
  const len = (r() < 0.8 ? 1 + pick(4) : 1 + pick(512)) * PAGE;
  const prot = PROTS[pick(PROTS.length)] as number;
  switch (pick(12)) {
    case 0:
    case 1:
    case 2:
      return `mmap ${p.mmap(page, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)}`;
    case 3:
      return `mmapnr ${p.mmap(page, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE)}`;
    case 4:
      return `mmaps ${p.mmap(page, len, prot, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED)}`;
    case 5:
      return `munmap ${p.munmap(page, len)}`;
    case 6:
    case 7:
      return `mprotect ${p.mprotect(page, len, prot)}`;
    case 8: {
      const to = BASE + pick(SPAN_PAGES) * PAGE;
      return `mremap ${p.mremap(page, len, (1 + pick(8)) * PAGE, MREMAP_MAYMOVE | (r() < 0.5 ? 0 : 2), to)}`;
    }
    case 9:
      return `madvise ${p.madvise(page, len, MADV_DONTNEED)}`;
    case 10:
      return `store ${p.store8(page + pick(PAGE), pick(256))}`;
    default:
      return `load ${p.load8(page + pick(PAGE))}`;
  }
}

/** Runs the workload on a machine with `vmaIndex`; returns the trace of answers and maps. */
function runOn(vmaIndex: (typeof INDEXES)[number], seed: number, operations: number): string[] {
  const machine = new Machine({ vmaIndex, harts: 2, memoryBytes: 64 * 1024 * 1024, seed });
  const rng = createRng(seed);
  const r = () => rng.nextFloat();
  const pick = (n: number) => rng.nextInt(n);
  const procs: Process[] = [machine.spawn()];
  const trace: string[] = [];
  for (let i = 0; i < operations; i++) {
    const k = pick(procs.length);
    const p = procs[k] as Process;
    const roll = r();
    if (roll < 0.002 && procs.length < 6) {
      const child = p.fork();
      trace.push(`fork ${child instanceof Process ? 'ok' : child}`);
      if (child instanceof Process) procs.push(child);
    } else if (roll < 0.003 && procs.length > 1) {
      p.exit(0);
      procs.splice(k, 1);
      trace.push('exit');
    } else trace.push(step(p, r, pick));
    if (p.killedBy !== null && procs.includes(p)) {
      procs.splice(procs.indexOf(p), 1);
      trace.push('killed');
      if (procs.length === 0) procs.push(machine.spawn());
    }
    if (i % 997 === 0) {
      for (const q of procs) trace.push(q.maps());
      checkInvariants(machine);
    }
  }
  for (const q of procs) trace.push(q.maps());
  checkInvariants(machine);
  for (const q of procs) q.exit(0);
  trace.push(`frames at exit ${machine.framesInUse()}`);
  return trace;
}

describe('the VMA index changes no answer', () => {
  it(`${OPERATIONS} random operations over several processes give the same answers on every index`, () => {
    const seed = Number(process.env.PAGEWRIGHT_SEED ?? 7);
    const [reference, ...others] = INDEXES.map((index) => runOn(index, seed, OPERATIONS));
    expect(reference?.at(-1)).toBe('frames at exit 1'); // only the zero page is left
    // Thousands of VMAs were reached (many leaf splits of the B+tree).
    const most = Math.max(...(reference ?? []).map((l) => l.split('\n').length));
    expect(most).toBeGreaterThan(200);
    for (const [k, trace] of others.entries()) {
      const firstDiff = trace.findIndex((line, i) => line !== reference?.[i]);
      expect(firstDiff, `index ${INDEXES[k + 1]} diverges from ${INDEXES[0]}`).toBe(-1);
      expect(trace.length).toBe(reference?.length);
    }
  }, 600_000);
});
