/**
 * Seeded random traffic on file mappings — several processes, two files, shared and private mappings, stores and
 * loads, fork, exit, truncation, mprotect splits, mremap moves, msync, DONTNEED, REMOVE — checked against a byte
 * model of each file after every operation, with the invariant checker (cache map counts, reverse maps, description
 * references, no leak), and every frame back at the end. `PAGEWRIGHT_SOAK=1` runs longer.
 */
import {
  createRng,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  MS_SYNC,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { O_CREAT, O_RDWR } from '@pagewright/files';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import type { Process } from './process.js';
import { BUS_ADRERR } from './signals.js';

const P = 4096;
const BASE = 0x2000000000;
const SLOTS = 8; // mapping slots of 4 pages each, per process
const FILE_PAGES = 6;
const STEPS = process.env.PAGEWRIGHT_SOAK === '1' ? 20000 : 600;

interface Slot {
  file: number;
  shared: boolean;
  pgoff: number;
  pages: number;
  /** Private pages written since mapping: page index → byte. */
  copies: Map<number, number>;
}

interface Proc {
  p: Process;
  fds: number[];
  slots: (Slot | null)[];
}

describe('random file-mapping traffic', () => {
  it(`${STEPS} seeded operations agree with a byte model and keep every invariant`, () => {
    const rng = createRng(7);
    const m = new Machine({ arch: 'x86-64', memoryBytes: 16 << 20, checkTlb: true });
    const first = m.spawn();
    // The model: the first byte of each page of each file (-1 past the end), and the file sizes in pages.
    const files = ['/a', '/b'];
    const bytes: number[][] = files.map(() => []);
    const sizes = files.map(() => 0);
    const fds0 = files.map((path, k) => {
      const fd = first.open(path, O_CREAT | O_RDWR);
      first.ftruncate(fd, FILE_PAGES * P);
      sizes[k] = FILE_PAGES;
      for (let i = 0; i < FILE_PAGES; i++) bytes[k]?.push(0);
      return fd;
    });
    let procs: Proc[] = [{ p: first, fds: fds0, slots: new Array(SLOTS).fill(null) }];
    const addr = (slot: number, page: number) => BASE + slot * 0x10000 + page * P;
    const expectLoad = (pr: Proc, slot: number, page: number) => {
      const s = pr.slots[slot] as Slot;
      const fp = s.pgoff + page;
      const got = pr.p.load8(addr(slot, page));
      const copy = s.copies.get(page);
      if (copy !== undefined) expect(got).toBe(copy);
      else if (fp >= (sizes[s.file] as number)) expect(got).toBe(BUS_ADRERR);
      else expect(got).toBe(bytes[s.file]?.[fp]);
    };
    for (let step = 0; step < STEPS; step++) {
      const pr = procs[rng.nextInt(procs.length)] as Proc;
      const slot = rng.nextInt(SLOTS);
      const s = pr.slots[slot] ?? null;
      const op = rng.nextInt(12);
      if (op === 0 || s === null) {
        const file = rng.nextInt(files.length);
        const shared = rng.nextInt(2) === 0;
        const pgoff = rng.nextInt(FILE_PAGES);
        const pages = 1 + rng.nextInt(4);
        const r = pr.p.mmap(
          addr(slot, 0),
          pages * P,
          PROT_READ | PROT_WRITE,
          (shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED,
          pr.fds[file] as number,
          pgoff * P,
        );
        expect(r).toBe(addr(slot, 0));
        if (s !== null && s.pages > pages) pr.p.munmap(addr(slot, pages), (s.pages - pages) * P);
        pr.slots[slot] = { file, shared, pgoff, pages, copies: new Map() };
      } else if (op <= 3) {
        const page = rng.nextInt(s.pages);
        const v = 1 + rng.nextInt(250);
        const fp = s.pgoff + page;
        const r = pr.p.store8(addr(slot, page), v);
        if (fp >= (sizes[s.file] as number) && !s.copies.has(page)) expect(r).toBe(BUS_ADRERR);
        else {
          expect(r).toBe(0);
          if (s.shared) {
            (bytes[s.file] as number[])[fp] = v;
          } else s.copies.set(page, v);
        }
      } else if (op <= 6) {
        expectLoad(pr, slot, rng.nextInt(s.pages));
      } else if (op === 7) {
        const file = rng.nextInt(files.length);
        const n = rng.nextInt(FILE_PAGES + 1);
        expect(pr.p.ftruncate(pr.fds[file] as number, n * P)).toBe(0);
        const b = bytes[file] as number[];
        for (let i = n; i < FILE_PAGES; i++) b[i] = 0;
        // Truncation removes private copies of the pages past the new end in every process.
        if (n < (sizes[file] as number))
          for (const q of procs)
            for (const t of q.slots)
              if (t !== null && t.file === file)
                for (const page of [...t.copies.keys()]) if (t.pgoff + page >= n) t.copies.delete(page);
        sizes[file] = n;
      } else if (op === 8 && procs.length < 4) {
        const c = pr.p.fork();
        if (typeof c !== 'number')
          procs.push({
            p: c,
            fds: [...pr.fds],
            slots: pr.slots.map((t) => (t === null ? null : { ...t, copies: new Map(t.copies) })),
          });
      } else if (op === 9 && procs.length > 1) {
        pr.p.exit(0);
        procs = procs.filter((q) => q !== pr);
      } else if (op === 10) {
        const which = rng.nextInt(3);
        if (which === 0) expect(pr.p.msync(addr(slot, 0), s.pages * P, MS_SYNC)).toBe(0);
        else if (which === 1) {
          expect(pr.p.madvise(addr(slot, 0), s.pages * P, 4)).toBe(0); // DONTNEED: private copies go
          s.copies.clear();
        } else {
          // mprotect a middle page read-only and back: splits and merges the file VMA.
          expect(pr.p.mprotect(addr(slot, 0), P, PROT_READ)).toBe(0);
          expect(pr.p.mprotect(addr(slot, 0), P, PROT_READ | PROT_WRITE)).toBe(0);
        }
      } else {
        // mremap the slot's mapping to another free slot and back (moves the VMA and its reverse-map entry).
        const to = (slot + 1 + rng.nextInt(SLOTS - 1)) % SLOTS;
        if (pr.slots[to] === null) {
          const r = pr.p.mremap(addr(slot, 0), s.pages * P, s.pages * P, 3, addr(to, 0));
          expect(r).toBe(addr(to, 0));
          pr.slots[to] = s;
          pr.slots[slot] = null;
        }
      }
      checkInvariants(m);
    }
    for (const q of procs) q.p.exit(0);
    for (const f of files) m.files.unlink(f);
    checkInvariants(m);
    expect(m.files.cache.stats.framesHeld).toBe(0);
    expect(m.framesInUse()).toBe(1);
  }, 600_000);
});
