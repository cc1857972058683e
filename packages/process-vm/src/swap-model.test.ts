/**
 * A seeded model check of swap: random stores, loads, forks, mremap moves, MADV_DONTNEED, munmap, child exits and
 * reclaim passes on a small machine with swap, every byte compared with a model of what each process must read
 * (fork copies the model: copy-on-write), and the machine's invariants checked after every step.
 */
import {
  createRng,
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { PAGE_REPLACEMENT_POLICY_NAMES } from '@pagewright/reclaim';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import type { Process } from './process.js';
import type { MachineReclaim } from './reclaim-hooks.js';

const P = 4096;
const PAGES = 48;

/** A process, its region, and the value the model expects at the first byte of each page (0 never written). */
interface Proc {
  p: Process;
  base: number;
  bytes: Uint8Array;
}

function run(seed: number, policy: string, steps: number): void {
  const rng = createRng(seed);
  const m = new Machine({
    memoryBytes: 1 << 20, // 256 frames: the processes together need more
    checkTlb: true,
    seed,
    swap: { bytes: 4 << 20, policy, kswapd: rng.nextInt(2) === 0 ? 'inline' : 'manual' },
  });
  const reclaim = m.reclaim as MachineReclaim;
  const first = m.spawn();
  const base = first.mmap(0, PAGES * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  const procs: Proc[] = [{ p: first, base, bytes: new Uint8Array(PAGES) }];
  for (let step = 0; step < steps; step++) {
    const k = rng.nextInt(procs.length);
    const pr = procs[k] as Proc;
    const page = rng.nextInt(PAGES);
    const op = rng.nextInt(100);
    if (op < 45) {
      const v = 1 + rng.nextInt(255);
      expect(pr.p.store8(pr.base + page * P, v)).toBe(0);
      pr.bytes[page] = v;
    } else if (op < 75) {
      expect(pr.p.load8(pr.base + page * P), `seed ${seed} step ${step}: pid ${pr.p.pid} page ${page}`).toBe(
        pr.bytes[page],
      );
    } else if (op < 80 && procs.length < 4) {
      const c = pr.p.fork();
      if (typeof c !== 'number') procs.push({ p: c, base: pr.base, bytes: pr.bytes.slice() });
    } else if (op < 84 && procs.length > 1) {
      pr.p.exit(0);
      procs.splice(k, 1);
    } else if (op < 88) {
      expect(pr.p.madvise(pr.base + page * P, P, 4)).toBe(0); // MADV_DONTNEED: reads zero again
      pr.bytes[page] = 0;
    } else if (op < 92) {
      // Move the whole region elsewhere (swap entries move with their pages).
      const to = pr.p.mmap(0, PAGES * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
      expect(pr.p.mremap(pr.base, PAGES * P, PAGES * P, MREMAP_MAYMOVE | MREMAP_FIXED, to)).toBe(to);
      pr.base = to;
    } else reclaim.reclaimAll();
    checkInvariants(m);
  }
  for (const pr of procs)
    for (let page = 0; page < PAGES; page++) expect(pr.p.load8(pr.base + page * P)).toBe(pr.bytes[page]);
  expect(reclaim.events.get('pswpout')).toBeGreaterThan(0);
  for (const pr of procs) pr.p.exit(0);
  expect(reclaim.swap.used).toBe(0);
  expect(m.framesInUse()).toBe(1);
}

/** More seeds per policy with `PAGEWRIGHT_SWAP_SOAK=N` (a long soak; the suite runs one each). */
const SOAK = Number(process.env.PAGEWRIGHT_SWAP_SOAK ?? 0);

describe('swap against a model of every process’s bytes', () => {
  it.each(PAGE_REPLACEMENT_POLICY_NAMES.map((p, i) => [p, 100 + i] as const))(
    'policy %s, seed %i',
    (policy, seed) => {
      run(seed, policy, 400);
    },
  );
  if (SOAK > 0)
    it.each(PAGE_REPLACEMENT_POLICY_NAMES)(
      'soak: policy %s',
      (policy) => {
        for (let s = 0; s < SOAK; s++) run(1000 + s, policy, 400);
      },
      3_600_000,
    );
});
