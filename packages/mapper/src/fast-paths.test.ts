import { PteFlag } from '@pagewright/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeferredFrees } from './deferred-frees.js';
import { MapperError } from './errors.js';
import { PageMapper } from './page-mapper.js';
import { ARCHES, makeMachine, snapshot, URW } from './test-machine.js';

/**
 * The shortcuts of the performance pass: one-page map/unmap (flag table, zero-entry and last-leaf shortcuts),
 * the level-0 visit loop, the COW copy into fresh tables, and the reusable release queue.
 */
describe.each(ARCHES)('fast paths on %s', (_name, arch) => {
  function mapper() {
    const m = makeMachine(arch, 1);
    const pm = new PageMapper({ arch, memory: m.memory, allocator: m.allocator, detector: m.detector });
    return { ...m, pm };
  }

  it('visit and COW copy stop at the table count, yet see every leaf (even if the visitor unmaps it)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 2047 }), { minLength: 1, maxLength: 40 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 2047 }), { maxLength: 10 }),
        (pages, inaccessible) => {
          const { pm, memory, allocator } = mapper();
          const none = inaccessible.filter((v) => !pages.includes(v));
          for (const v of pages) pm.mapPhys(v, memory.baseFrame + v, URW);
          for (const v of none) pm.mapPhys(v, memory.baseFrame + v, PteFlag.User);
          const all = [...pages, ...none].sort((a, b) => a - b);
          const child = new PageMapper({ arch, memory, allocator });
          const copied: number[] = [];
          expect(child.copyRangeForCow(pm, 0, 2048, (v) => copied.push(v))).toBe(all.length);
          expect(copied).toEqual(all);
          const seen: number[] = [];
          // From a start inside the first table too (entries before it are not counted).
          expect(pm.visit(1, 2048, (v) => seen.push(v))).toBe(all.filter((v) => v >= 1).length);
          expect(seen).toEqual(all.filter((v) => v >= 1));
          const unmapped: number[] = [];
          pm.visit(0, 2048, (v) => {
            unmapped.push(v);
            pm.unmap(v);
          });
          expect(unmapped).toEqual(all);
          expect(snapshot(pm)).toEqual([]);
          pm.flush();
          child.flush();
        },
      ),
      { seed: 7, numRuns: 40 },
    );
  });

  it('unmap reads the entry again: a leaf changed behind the mapper (A/D set, frame replaced) is handled', () => {
    const { pm, memory } = mapper();
    const f = memory.baseFrame + 1000;
    expect(pm.mapPhys(5, f, URW & ~PteFlag.Dirty)).toBe(f);
    expect(pm.mapPhys(6, f + 1, URW)).toBe(f + 1);
    // Hardware sets D in page 5's leaf (a store): the words differ from the ones the mapper wrote.
    expect(pm.lookup(5)).toBe(f);
    const addr = pm.found;
    expect(addr.flags & PteFlag.Dirty).toBe(0);
    const table = findLeafTable(pm, 5);
    const s = { lo: 0, hi: 0 };
    memory.read64(table * 4096 + 5 * 8, s);
    const pte = { lo: 0, hi: 0 };
    arch.withFlags(s.lo, s.hi, URW, pte);
    memory.write64(table * 4096 + 5 * 8, pte.lo, pte.hi);
    // Page 6's words were written last; page 5 now holds other words: both unmaps return the right frame.
    expect(pm.unmap(5)).toBe(f);
    expect(pm.unmap(6)).toBe(f + 1);
    // The same words in two entries (two pages mapped to one frame) are both leaves of that frame.
    expect(pm.mapPhys(7, f, URW)).toBe(f);
    expect(pm.mapPhys(8, f, URW)).toBe(f);
    expect(pm.unmap(7)).toBe(f);
    expect(pm.unmap(8)).toBe(f);
    expect(pm.unmap(8)).toBe(MapperError.NotMapped);
    pm.flush();
    expect(pm.tableFrames).toBe(1);
  });

  it('map refuses an entry written behind the mapper, and bad flags still get the general error', () => {
    const { pm, memory } = mapper();
    expect(pm.map(1, URW)).toBeGreaterThan(0);
    const table = findLeafTable(pm, 1);
    const pte = { lo: 0, hi: 0 };
    arch.encodeLeaf(memory.baseFrame + 77, URW, 0, pte);
    memory.write64(table * 4096 + 2 * 8, pte.lo, pte.hi);
    expect(pm.mapPhys(2, memory.baseFrame + 3, URW)).toBe(MapperError.PageAlreadyMapped);
    for (const bad of [0, PteFlag.Write, 1.5, 128, -1, Number.NaN]) {
      expect(pm.map(3, bad)).toBe(MapperError.InvalidArgument);
    }
    expect(pm.map(3.5, URW)).toBe(MapperError.InvalidArgument);
    expect(pm.lookup(3)).toBe(MapperError.NotMapped);
  });

  it('visit of any sub-range reports exactly the pages lookup finds', () => {
    const { pm, memory } = mapper();
    // Leaves in three leaf tables, with holes, and a 2 MiB leaf.
    for (let v = 0; v < 1536; v++) if (v % 3 !== 1) pm.mapPhys(v, memory.baseFrame + v, URW);
    pm.mapPhys(4 * 512, memory.baseFrame + 512 * 8, URW, 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 * 512 - 1 }), fc.integer({ min: 1, max: 1200 }), (a, len) => {
        const b = Math.min(a + len, 5 * 512);
        const seen: number[] = [];
        pm.visit(a, b, (v, p, l) => {
          if (l === 0) seen.push(v, p);
          else for (let k = Math.max(v, a); k < Math.min(v + 512, b); k++) seen.push(k, p + (k - v));
        });
        const want: number[] = [];
        for (let v = a; v < b; v++) {
          const p = pm.lookup(v);
          if (p >= 0) want.push(v, p);
        }
        expect(seen).toEqual(want);
      }),
      { seed: 5, numRuns: 60 },
    );
  });

  it('COW copy into a child that already maps a page of the same leaf table fails and changes nothing', () => {
    const { pm: parent, memory, allocator } = mapper();
    const child = new PageMapper({ arch, memory, allocator });
    for (let v = 0; v < 600; v++) parent.map(v, URW);
    child.mapPhys(300, memory.baseFrame + 5, URW);
    const before = {
      p: snapshot(parent),
      c: snapshot(child),
      t: child.tableFrames,
      free: allocator.freeFrames,
    };
    expect(child.copyRangeForCow(parent, 0, 600)).toBe(MapperError.PageAlreadyMapped);
    expect(child.error.vpn).toBe(300);
    expect(snapshot(parent)).toEqual(before.p);
    expect(snapshot(child)).toEqual(before.c);
    expect(child.tableFrames).toBe(before.t);
    expect(allocator.freeFrames).toBe(before.free);
    // Into fresh tables it succeeds, and leaves are counted (the tables empty and go back on unmap).
    expect(child.unmap(300)).toBe(memory.baseFrame + 5);
    child.flush();
    const tablesBefore = child.tableFrames;
    expect(child.copyRangeForCow(parent, 0, 600)).toBe(600);
    expect(child.tableFrames).toBeGreaterThan(tablesBefore);
    expect(child.unmapRange(0, 600)).toBe(600);
    child.flush();
    parent.flush();
    expect(child.tableFrames).toBe(1);
  });

  it('COW copy failing on a fresh destination table gives every frame back', () => {
    const { pm: parent, memory, allocator } = mapper();
    for (let v = 0; v < 1100; v++) parent.map(v, URW);
    const child = new PageMapper({ arch, memory, allocator });
    const free = allocator.freeFrames;
    const before = snapshot(parent);
    // Fail the allocation of the third leaf table (after the path to it): two fresh leaf tables are filled then.
    allocator.failOnAllocation(arch.levels + 1);
    expect(child.copyRangeForCow(parent, 0, 1100)).toBe(MapperError.FrameAllocationFailed);
    expect(allocator.freeFrames).toBe(free);
    expect(child.tableFrames).toBe(1);
    expect(snapshot(child)).toEqual([]);
    expect(snapshot(parent)).toEqual(before);
  });
});

describe('DeferredFrees', () => {
  it('runs releases in order, reuses its slots, and rethrows the first failure after running the rest', () => {
    const q = new DeferredFrees();
    const log: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 5 - round; i++) q.push(round * 10 + i, (p) => log.push(p));
      expect(q.length).toBe(5 - round);
      q.run();
      expect(q.length).toBe(0);
    }
    expect(log).toEqual([0, 1, 2, 3, 4, 10, 11, 12, 13, 20, 21, 22]);
    log.length = 0;
    q.push(1, () => {
      throw new Error('first');
    });
    q.push(2, (p) => log.push(p));
    q.push(3, () => {
      throw new Error('second');
    });
    expect(() => q.run()).toThrow('first');
    expect(log).toEqual([2]);
    expect(q.length).toBe(0);
    q.run();
    expect(log).toEqual([2]);
  });
});

/** The frame of the level-0 table holding page `vpn` (walks the tables through memory). */
function findLeafTable(pm: PageMapper, vpn: number): number {
  const s = { lo: 0, hi: 0 };
  let table = pm.rootPpn;
  for (let level = pm.arch.levels - 1; level > 0; level--) {
    pm.memory.read64(table * 4096 + pm.arch.indexAt(vpn, level) * 8, s);
    table = pm.arch.ppn(s.lo, s.hi);
  }
  return table;
}
