import { Access, PteFlag } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { expectOk, MapperError, MapperFailure } from './errors.js';
import { PageFlush } from './page-flush.js';
import { PageMapper } from './page-mapper.js';
import { ARCHES, makeMachine, snapshot, UR, URW } from './test-machine.js';

const SPAN2M = 512;
const SPAN1G = 512 * 512;

describe.each(ARCHES)('PageMapper on %s', (_name, arch) => {
  function setup(hartCount = 1) {
    const m = makeMachine(arch, hartCount);
    const hart = m.harts[0]!;
    const pm = new PageMapper({
      arch,
      memory: m.memory,
      allocator: m.allocator,
      detector: m.detector,
      flusher: new PageFlush(hart),
    });
    expect(hart.switchAddressSpace(arch, 1, pm.rootPpn)).toBe(true);
    return { ...m, hart, pm, free0: m.allocator.freeFrames };
  }

  it('map hands out a zeroed frame that a hart reaches; unmap gives it back after the flush', () => {
    const { pm, hart, allocator, free0, memory } = setup();
    const pfn = pm.map(0x42, URW);
    expect(pfn).toBeGreaterThanOrEqual(memory.baseFrame);
    expect(memory.isFrameZero(pfn)).toBe(true);
    expect(pm.tableFrames).toBe(arch.levels);
    expect(hart.translate(0x42 * 4096 + 8, Access.Store)).toBe(pfn * 4096 + 8);
    expect(pm.lookup(0x42)).toBe(pfn);
    expect(pm.found).toMatchObject({ vpn: 0x42, pfn, level: 0 });
    expect(pm.found.flags & PteFlag.Write).toBe(PteFlag.Write);
    expect(pm.translate(0x42 * 4096 + 123)).toBe(pfn * 4096 + 123);

    const released: number[] = [];
    expect(pm.unmap(0x42, (p) => released.push(p))).toBe(pfn);
    expect(released).toEqual([]); // not before the flush
    expect(pm.pendingChanges).toBeGreaterThan(0);
    pm.flush();
    expect(released).toEqual([pfn]);
    allocator.free(pfn);
    expect(pm.tableFrames).toBe(1);
    expect(allocator.freeFrames).toBe(free0);
    expect(hart.translate(0x42 * 4096, Access.Load)).toBeLessThan(0);
    pm.assertNoPendingChanges();
  });

  it('mapPhys maps the given frame; protect changes rights and keeps A/D', () => {
    const { pm, hart, memory } = setup();
    const frame = memory.baseFrame + 1000;
    expect(pm.mapPhys(7, frame, URW)).toBe(frame);
    expect(hart.translate(7 * 4096, Access.Store)).toBe(frame * 4096);
    expect(pm.protect(7, UR & ~PteFlag.Accessed)).toBe(frame);
    pm.flush();
    expect(pm.lookup(7)).toBe(frame);
    expect(pm.found.flags & PteFlag.Write).toBe(0);
    expect(pm.found.flags & (PteFlag.Accessed | PteFlag.Dirty)).toBe(PteFlag.Accessed | PteFlag.Dirty);
    expect(hart.translate(7 * 4096, Access.Store)).toBeLessThan(0);
    expect(hart.translate(7 * 4096, Access.Load)).toBe(frame * 4096);
  });

  it('answers bad requests with typed errors and changes nothing', () => {
    const { pm, allocator, free0 } = setup();
    expect(pm.map(5, URW)).toBeGreaterThan(0);
    const before = snapshot(pm);
    const freeBefore = allocator.freeFrames;
    expect(pm.map(5, URW)).toBe(MapperError.PageAlreadyMapped);
    expect(pm.error).toMatchObject({ code: MapperError.PageAlreadyMapped, vpn: 5 });
    expect(pm.unmap(6)).toBe(MapperError.NotMapped);
    expect(pm.protect(6, UR)).toBe(MapperError.NotMapped);
    expect(pm.lookup(6)).toBe(MapperError.NotMapped);
    expect(pm.map(1, PteFlag.Write | PteFlag.User)).toBe(MapperError.InvalidArgument); // W without R
    expect(pm.map(1, PteFlag.User)).toBe(MapperError.InvalidArgument); // no R/X: not a leaf
    expect(pm.map(1, URW | 0x100)).toBe(MapperError.InvalidArgument);
    expect(pm.map(-1, URW)).toBe(MapperError.InvalidArgument);
    expect(pm.map(pm.vpnCount, URW)).toBe(MapperError.InvalidArgument);
    expect(pm.map(1.5, URW)).toBe(MapperError.InvalidArgument);
    expect(pm.map(1, URW, 1)).toBe(MapperError.InvalidArgument); // misaligned huge page
    expect(pm.mapPhys(SPAN2M, 3, URW, 1)).toBe(MapperError.InvalidArgument); // misaligned frame
    expect(pm.map(0, URW, arch.levels)).toBe(MapperError.InvalidArgument);
    expect(() => expectOk(pm.unmap(9), pm.error)).toThrow(MapperFailure);
    expect(snapshot(pm)).toEqual(before);
    expect(allocator.freeFrames).toBe(freeBefore);
    expect(free0 - freeBefore).toBe(arch.levels); // one data frame + levels-1 tables
  });

  it('maps 2 MiB and 1 GiB pages and refuses smaller pages under them', () => {
    const { pm, hart, memory } = setup();
    const base2m = memory.baseFrame + 4 * SPAN2M;
    expect(pm.mapPhys(SPAN2M, base2m, URW, 1)).toBe(base2m);
    expect(pm.lookup(SPAN2M + 17)).toBe(base2m + 17);
    expect(pm.found.level).toBe(1);
    expect(hart.translate((SPAN2M + 17) * 4096, Access.Store)).toBe((base2m + 17) * 4096);
    expect(pm.map(SPAN2M + 3, URW)).toBe(MapperError.ParentEntryHugePage);
    expect(pm.error.level).toBe(1);
    expect(pm.map(SPAN2M, URW, 1)).toBe(MapperError.PageAlreadyMapped);
    const gig = memory.baseFrame + SPAN1G; // 1 GiB aligned inside RAM
    expect(pm.mapPhys(SPAN1G, gig, URW, 2)).toBe(gig);
    expect(pm.lookup(SPAN1G + 12345)).toBe(gig + 12345);
    expect(pm.found.level).toBe(2);
    // A huge leaf where a table with mappings sits is refused.
    expect(pm.map(4 * SPAN2M + 1, URW)).toBeGreaterThan(0);
    expect(pm.map(4 * SPAN2M, URW, 1)).toBe(MapperError.PageAlreadyMapped);
    // map() of a huge page allocates an aligned block.
    const blk = pm.map(8 * SPAN2M, URW, 1);
    expect(blk % SPAN2M).toBe(0);
    expect(pm.unmap(8 * SPAN2M, pm.freeDataFrame, 1)).toBe(blk);
    expect(pm.unmap(SPAN1G, undefined, 1)).toBe(MapperError.NotMapped); // it is a level-2 leaf
    expect(pm.unmap(SPAN1G, undefined, 2)).toBe(gig);
    pm.flush();
  });

  it('splits a huge mapping when one page of it changes', () => {
    const { pm, hart, memory } = setup();
    const base = memory.baseFrame + 2 * SPAN2M;
    pm.mapPhys(0, base, URW, 1);
    expect(hart.translate(10 * 4096, Access.Store)).toBe((base + 10) * 4096); // a 2 MiB TLB entry
    const tables = pm.tableFrames;
    expect(pm.protect(10, UR)).toBe(base + 10);
    pm.flush(); // the detector checks the huge TLB entry went
    expect(pm.tableFrames).toBe(tables + 1);
    expect(pm.lookup(10)).toBe(base + 10);
    expect(pm.found.level).toBe(0);
    expect(pm.found.flags & PteFlag.Write).toBe(0);
    expect(pm.lookup(11)).toBe(base + 11);
    expect(pm.found.flags & PteFlag.Write).toBe(PteFlag.Write);
    expect(hart.translate(10 * 4096, Access.Store)).toBeLessThan(0);
    expect(hart.translate(11 * 4096, Access.Store)).toBe((base + 11) * 4096);
    expect(pm.unmap(20)).toBe(base + 20);
    pm.flush();
    expect(pm.lookup(20)).toBe(MapperError.NotMapped);
    expect(pm.visit(0, SPAN2M, () => {})).toBe(511);
    // Unmapping the rest returns the split table.
    expect(pm.unmapRange(0, SPAN2M)).toBe(511);
    pm.flush();
    expect(pm.tableFrames).toBe(1);
  });

  it('a cursor maps, protects, visits and unmaps a range and flushes when disposed', () => {
    const { pm, hart, allocator, free0 } = setup();
    const start = 500;
    const end = 500 + 1100; // crosses two leaf tables
    {
      using c = pm.cursor(start, end);
      expect(c.map(URW)).toBe(1100);
      expect(hart.translate(600 * 4096, Access.Store)).toBeGreaterThan(0);
      expect(c.protect(UR, 600, 700)).toBe(100);
      const seen: number[] = [];
      expect(c.visit((v) => seen.push(v))).toBe(1100);
      expect(seen[0]).toBe(start);
      expect(seen.at(-1)).toBe(end - 1);
      expect(c.map(URW, 0, 0, 10)).toBe(MapperError.InvalidArgument); // outside the cursor
    }
    pm.assertNoPendingChanges();
    expect(hart.translate(600 * 4096, Access.Store)).toBeLessThan(0);
    const c2 = pm.cursor(start, end);
    expect(c2.unmap(pm.freeDataFrame)).toBe(1100);
    c2.close();
    expect(c2.map(URW)).toBe(MapperError.InvalidArgument);
    expect(pm.tableFrames).toBe(1);
    expect(allocator.freeFrames).toBe(free0);
  });

  it('unmapRange skips holes and splits huge leaves at the edges', () => {
    const { pm, memory } = setup();
    const base = memory.baseFrame + 6 * SPAN2M;
    pm.mapPhys(SPAN2M, base, URW, 1);
    pm.map(3 * SPAN2M + 5, URW);
    const released: [number, number | undefined][] = [];
    expect(pm.unmapRange(SPAN2M + 256, 3 * SPAN2M + 10, (p, l) => released.push([p, l]))).toBe(257);
    pm.flush();
    expect(released.length).toBe(257);
    expect(pm.lookup(SPAN2M + 255)).toBe(base + 255);
    expect(pm.lookup(SPAN2M + 256)).toBe(MapperError.NotMapped);
  });

  it('every allocation of a bulk map can fail: nothing leaks, nothing changes', () => {
    const { pm, allocator } = setup();
    pm.map(3, URW); // pre-existing state
    const before = snapshot(pm);
    const tables = pm.tableFrames;
    const free = allocator.freeFrames;
    allocator.resetCounters();
    const probe = pm.cursor(0, 2048);
    expect(probe.map(URW, 0, 512, 1600)).toBe(1088);
    const count = allocator.allocations;
    expect(probe.unmap(pm.freeDataFrame, 512, 1600)).toBe(1088);
    probe.close();
    expect(allocator.freeFrames).toBe(free);
    for (const k of [1, 2, 3, 100, 513, count - 1, count]) {
      allocator.failOnAllocation(k);
      const c = pm.cursor(0, 2048);
      expect(c.map(URW, 0, 512, 1600)).toBe(MapperError.FrameAllocationFailed);
      c.close();
      allocator.disarm();
      expect(snapshot(pm)).toEqual(before);
      expect(pm.tableFrames).toBe(tables);
      expect(allocator.freeFrames).toBe(free);
    }
  });

  it('every allocation of splits in a bulk protect can fail without a trace', () => {
    const { pm, allocator, memory } = setup();
    const base = memory.baseFrame + 10 * SPAN2M;
    for (let i = 0; i < 3; i++) pm.mapPhys(i * SPAN2M, base + i * SPAN2M, URW, 1);
    const before = snapshot(pm);
    const tables = pm.tableFrames;
    const free = allocator.freeFrames;
    // [100, 3*512-100) straddles the first and last huge pages: two splits.
    for (const k of [1, 2]) {
      allocator.failOnAllocation(k);
      expect(pm.protectRange(100, 3 * SPAN2M - 100, UR)).toBe(MapperError.FrameAllocationFailed);
      allocator.disarm();
      expect(snapshot(pm)).toEqual(before);
      expect(pm.tableFrames).toBe(tables);
      expect(allocator.freeFrames).toBe(free);
      pm.assertNoPendingChanges();
    }
    expect(pm.protectRange(100, 3 * SPAN2M - 100, UR)).toBe(3 * SPAN2M - 200);
    pm.flush();
    expect(pm.tableFrames).toBe(tables + 2);
    pm.lookup(SPAN2M);
    expect(pm.found.level).toBe(1);
    expect(pm.found.flags & PteFlag.Write).toBe(0);
  });

  it('moveRange moves entries, not data, and may overlap', () => {
    const { pm, hart } = setup();
    const frames: number[] = [];
    for (let i = 0; i < 20; i++) frames.push(pm.map(100 + i, URW));
    expect(hart.translate(105 * 4096, Access.Load)).toBe((frames[5] as number) * 4096);
    expect(pm.moveRange(100, 110, 20)).toBe(20);
    pm.flush();
    for (let i = 0; i < 20; i++) expect(pm.lookup(110 + i)).toBe(frames[i]);
    for (let i = 0; i < 10; i++) expect(pm.lookup(100 + i)).toBe(MapperError.NotMapped);
    // Into an occupied destination: refused, unchanged.
    pm.map(2000, URW);
    const before = snapshot(pm);
    expect(pm.moveRange(110, 1990, 20)).toBe(MapperError.PageAlreadyMapped);
    expect(snapshot(pm)).toEqual(before);
    pm.assertNoPendingChanges();
  });

  it('moveRange keeps huge leaves huge when aligned and splits them otherwise', () => {
    const { pm, memory } = setup();
    const base = memory.baseFrame + 20 * SPAN2M;
    pm.mapPhys(SPAN2M, base, URW, 1);
    expect(pm.moveRange(SPAN2M, 4 * SPAN2M, SPAN2M)).toBe(SPAN2M);
    pm.lookup(4 * SPAN2M + 1);
    expect(pm.found.level).toBe(1);
    expect(pm.moveRange(4 * SPAN2M, 6 * SPAN2M + 1, SPAN2M)).toBe(SPAN2M);
    expect(pm.lookup(6 * SPAN2M + 1)).toBe(base);
    expect(pm.found.level).toBe(0);
    expect(pm.lookup(7 * SPAN2M)).toBe(base + 511);
    pm.flush();
  });

  it('destroy returns every table frame (and the data frames through release)', () => {
    const { pm, allocator, free0, memory } = setup();
    const c = pm.cursor(0, 5000);
    c.map(URW);
    c.close();
    pm.mapPhys(SPAN1G, memory.baseFrame + 3 * SPAN2M, URW, 1);
    expect(pm.tableFrames).toBeGreaterThan(5);
    let n = 0;
    pm.destroy((pfn, level = 0) => {
      if (level === 0) {
        allocator.free(pfn);
        n++;
      }
    });
    expect(n).toBe(5000);
    expect(pm.tableFrames).toBe(0);
    expect(allocator.freeFrames).toBe(free0 + 1); // the root too
    expect(pm.map(1, URW)).toBe(MapperError.InvalidArgument);
  });

  it('adopts an existing root table', () => {
    const { pm, memory, allocator } = setup();
    pm.map(77, URW);
    pm.mapPhys(SPAN2M, memory.baseFrame + 30 * SPAN2M, URW, 1);
    const other = new PageMapper({ arch, memory, allocator, rootPpn: pm.rootPpn });
    expect(other.tableFrames).toBe(pm.tableFrames);
    expect(snapshot(other)).toEqual(snapshot(pm));
    expect(other.unmap(77)).toBeGreaterThan(0);
    other.flush();
    expect(other.tableFrames).toBe(arch.levels - 1);
  });

  it('reports a missing flush through the development-mode checks', () => {
    const { pm } = setup();
    pm.map(1, URW);
    pm.unmap(1);
    expect(() => pm.assertNoPendingChanges()).toThrow(/never flushed/);
    pm.flush();
    pm.assertNoPendingChanges();
  });
});
