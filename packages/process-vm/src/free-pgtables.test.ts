/**
 * Page tables freed on unmap as Linux's `free_pgtables` frees them: a table goes when no VMA can still use any part
 * of its range (floor and ceiling from the neighbouring VMAs), after the TLB flush; `VmPTE` counts them.
 */
import { createRng, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';

const P = 4096;
const RW = PROT_READ | PROT_WRITE;
const PRIV = MAP_PRIVATE | MAP_ANONYMOUS;

function vmPteKb(status: string): number {
  const m = /^VmPTE:\t +(\d+) kB$/m.exec(status);
  if (m === null) throw new Error(`no VmPTE line in\n${status}`);
  return Number(m[1]);
}

describe('free_pgtables on munmap', () => {
  it('map, touch, unmap one page at scattered addresses: thousands of rounds on a 1 MiB Sv39 machine', () => {
    const m = new Machine({ arch: 'sv39', memoryBytes: 1 << 20, checkTlb: true, seed: 3 });
    const p = m.spawn();
    const rng = createRng(11);
    const tablesAtStart = p.vm.pageTable.tableFrames;
    let maxTables = 0;
    const rounds = 3000;
    for (let i = 0; i < rounds; i++) {
      // A page anywhere in the user half, away from the image and the stack.
      const addr = (0x10000 + rng.nextInt(2 ** 26 - 2 ** 20)) * P;
      const a = p.mmap(addr, P, RW, PRIV | MAP_FIXED);
      expect(a, `round ${i}`).toBe(addr);
      expect(p.store8(a, i & 0xff), `round ${i}`).toBe(0);
      expect(p.munmap(a, P)).toBe(0);
      maxTables = Math.max(maxTables, p.vm.pageTable.tableFrames);
      if (i % 500 === 0) checkInvariants(m);
    }
    checkInvariants(m);
    // Each round needs at most one level-1 and one level-0 table, and frees both again.
    expect(maxTables).toBeLessThanOrEqual(tablesAtStart + 2);
    expect(p.vm.pageTable.tableFrames).toBe(tablesAtStart);
    expect(m.refs.live).toBe(3);
  });

  const T = 0x2000000000; // 128 GiB: its own level-1 and level-0 tables on Sv39

  function fresh() {
    const m = new Machine({ arch: 'sv39', memoryBytes: 16 << 20, checkTlb: true });
    const p = m.spawn();
    return { m, p, base: p.vm.pageTable.tableFrames };
  }

  it('keeps a table a neighbouring VMA can still use, frees it with the neighbour (floor and ceiling)', () => {
    const { m, p, base } = fresh();
    expect(p.mmap(T, 2 * P, RW, PRIV | MAP_FIXED)).toBe(T);
    p.store8(T, 1);
    p.store8(T + P, 2);
    expect(p.vm.pageTable.tableFrames).toBe(base + 2);
    expect(p.munmap(T + P, P)).toBe(0); // the VMA below still uses the level-0 table
    expect(p.vm.pageTable.tableFrames).toBe(base + 2);
    expect(p.load8(T)).toBe(1);
    expect(p.munmap(T, P)).toBe(0); // now nothing can: both tables go
    expect(p.vm.pageTable.tableFrames).toBe(base);
    // A neighbour above, in the next 2 MiB, does not keep the lower table: only the shared level-1 table stays.
    expect(p.mmap(T, P, RW, PRIV | MAP_FIXED)).toBe(T);
    expect(p.mmap(T + 0x200000, P, RW, PRIV | MAP_FIXED)).toBe(T + 0x200000);
    p.store8(T, 1);
    p.store8(T + 0x200000, 1);
    expect(p.vm.pageTable.tableFrames).toBe(base + 3);
    expect(p.munmap(T, P)).toBe(0);
    expect(p.vm.pageTable.tableFrames).toBe(base + 2);
    checkInvariants(m);
  });

  it('VmPTE is the bytes of the tables below the root, in kB, between VmLib and VmSwap', () => {
    const { m, p, base } = fresh();
    const status = p.status();
    const lines = status.split('\n').map((l) => l.split(':')[0]);
    expect(lines.indexOf('VmPTE')).toBe(lines.indexOf('VmLib') + 1);
    expect(lines.indexOf('VmSwap')).toBe(lines.indexOf('VmPTE') + 1);
    expect(status).toMatch(/^VmPTE:\t {0,7}\d{1,8} kB$/m);
    expect(/^VmPTE:\t(.{8}) kB$/m.exec(status)?.[1]?.trim()).toMatch(/^\d+$/);
    expect(vmPteKb(status)).toBe((base - 1) * 4);
    p.mmap(T, P, RW, PRIV | MAP_FIXED);
    p.store8(T, 1);
    expect(vmPteKb(p.status())).toBe((base + 1) * 4);
    p.munmap(T, P);
    expect(vmPteKb(p.status())).toBe((base - 1) * 4);
    checkInvariants(m);
  });

  it('frees the tables of an mremap source, a MAP_FIXED replacement and a brk shrink; exit frees all', () => {
    const { m, p, base } = fresh();
    p.mmap(T, P, RW, PRIV | MAP_FIXED);
    p.store8(T, 9);
    const D = T + 2 ** 32;
    expect(p.mremap(T, P, P, 3, D)).toBe(D); // MAYMOVE | FIXED: the source's two tables go, two new ones come
    expect(p.vm.pageTable.tableFrames).toBe(base + 2);
    expect(p.load8(D)).toBe(9);
    // MAP_FIXED over the page: the old VMA's tables are freed before the new mapping, whose fault makes new ones.
    expect(p.mmap(D, P, RW, PRIV | MAP_FIXED)).toBe(D);
    expect(p.vm.pageTable.tableFrames).toBe(base);
    expect(p.load8(D)).toBe(0);
    expect(p.vm.pageTable.tableFrames).toBe(base + 2);
    // brk: grow far enough for a table of its own, touch, shrink back.
    const b0 = p.brk(0);
    const far = Math.ceil((b0 + 0x400000) / 0x200000) * 0x200000;
    expect(p.brk(far + P)).toBe(far + P);
    p.store8(far, 1);
    const grown = p.vm.pageTable.tableFrames;
    expect(p.brk(b0)).toBe(b0);
    expect(p.vm.pageTable.tableFrames).toBe(grown - 1);
    checkInvariants(m);
    p.exit(0);
    expect(m.framesInUse()).toBe(1);
  });
});
