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

/** One operation, drawn once and applied to every machine. */
interface Op {
  kind: number;
  proc: number;
  page: number;
  len: number;
  prot: number;
  to: number;
  newLen: number;
  fixed: boolean;
  offset: number;
  value: number;
  roll: number;
}

function draw(rng: ReturnType<typeof createRng>, procs: number): Op {
  const pick = (n: number) => rng.nextInt(n);
  return {
    roll: rng.nextFloat(),
    proc: pick(procs),
    kind: pick(12),
    page: BASE + pick(SPAN_PAGES) * PAGE,
    // Mostly short mappings (many VMAs), sometimes long ones (across many).
    len: (rng.nextFloat() < 0.8 ? 1 + pick(4) : 1 + pick(512)) * PAGE,
    prot: PROTS[pick(PROTS.length)] as number,
    to: BASE + pick(SPAN_PAGES) * PAGE,
    newLen: (1 + pick(8)) * PAGE,
    fixed: rng.nextFloat() < 0.5,
    offset: pick(PAGE),
    value: pick(256),
  };
}

/** Applies `op` to `p`; returns what it answered. */
function apply(p: Process, op: Op): string {
  const { page, len, prot } = op;
  switch (op.kind) {
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
    case 8:
      return `mremap ${p.mremap(page, len, op.newLen, MREMAP_MAYMOVE | (op.fixed ? 2 : 0), op.to)}`;
    case 9:
      return `madvise ${p.madvise(page, len, MADV_DONTNEED)}`;
    case 10:
      return `store ${p.store8(page + op.offset, op.value)}`;
    default:
      return `load ${p.load8(page + op.offset)}`;
  }
}

/** One machine per index, driven in lockstep. */
interface World {
  readonly index: string;
  readonly machine: Machine;
  readonly procs: Process[];
}

/**
 * Runs `operations` random operations on one machine per VMA index in lockstep and returns the first divergence
 * (or null), the most VMAs any process held, and the frames left after every process exited.
 */
function lockstep(
  seed: number,
  operations: number,
): { divergence: string | null; mostVmas: number; left: number[] } {
  const worlds: World[] = INDEXES.map((index) => {
    const machine = new Machine({ vmaIndex: index, harts: 2, memoryBytes: 64 * 1024 * 1024, seed });
    return { index, machine, procs: [machine.spawn()] };
  });
  const rng = createRng(seed);
  let mostVmas = 0;
  const agree = (what: string, answers: string[]): string | null =>
    answers.every((a) => a === answers[0])
      ? null
      : `${what}: ${answers.map((a, i) => `${INDEXES[i]}=${a.slice(0, 200)}`).join(' | ')}`;
  for (let i = 0; i < operations; i++) {
    const count = (worlds[0] as World).procs.length;
    const op = draw(rng, count);
    let answers: string[];
    if (op.roll < 0.002 && count < 6) {
      answers = worlds.map((w) => {
        const child = (w.procs[op.proc] as Process).fork();
        if (child instanceof Process) w.procs.push(child);
        return `fork ${child instanceof Process ? 'ok' : child}`;
      });
    } else if (op.roll < 0.003 && count > 1) {
      answers = worlds.map((w) => {
        (w.procs[op.proc] as Process).exit(0);
        w.procs.splice(op.proc, 1);
        return 'exit';
      });
    } else answers = worlds.map((w) => apply(w.procs[op.proc] as Process, op));
    const d = agree(`operation ${i} (${JSON.stringify(op)})`, answers);
    if (d !== null) return { divergence: d, mostVmas, left: [] };
    for (const w of worlds) {
      for (let k = w.procs.length - 1; k >= 0; k--)
        if ((w.procs[k] as Process).killedBy !== null) w.procs.splice(k, 1);
      if (w.procs.length === 0) w.procs.push(w.machine.spawn());
    }
    if (i % 997 === 0 || i === operations - 1) {
      const maps = worlds.map((w) => w.procs.map((q) => q.maps()).join('\n--\n'));
      const dm = agree(`maps after operation ${i}`, maps);
      if (dm !== null) return { divergence: dm, mostVmas, left: [] };
      mostVmas = Math.max(mostVmas, ...(maps[0] as string).split('\n--\n').map((m) => m.split('\n').length));
      for (const w of worlds) checkInvariants(w.machine);
    }
  }
  const left = worlds.map((w) => {
    for (const q of w.procs) q.exit(0);
    return w.machine.framesInUse();
  });
  return { divergence: null, mostVmas, left };
}

describe('the VMA index changes no answer', () => {
  it(`${OPERATIONS} random operations over several processes give the same answers on every index`, () => {
    const seed = Number(process.env.PAGEWRIGHT_SEED ?? 7);
    const { divergence, mostVmas, left } = lockstep(seed, OPERATIONS);
    expect(divergence).toBeNull();
    expect(mostVmas).toBeGreaterThan(200); // many leaf splits of the B+tree
    expect(left).toEqual(INDEXES.map(() => 1)); // only the zero page is left on every machine
  }, 1_800_000);
});
