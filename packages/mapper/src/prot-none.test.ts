import { Access, type PagingArch, PteFlag } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { MapperError } from './errors.js';
import { PageFlush } from './page-flush.js';
import { PageMapper } from './page-mapper.js';
import { StaleTlbError } from './stale-tlb-detector.js';
import { ARCHES, makeMachine, snapshot, URW } from './test-machine.js';

const SPAN2M = 512;
/** Inaccessible: user page, accessed and dirty, no R/W/X. */
const NONE = PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
const RWX = PteFlag.Read | PteFlag.Write | PteFlag.Exec;

describe.each(ARCHES)('inaccessible (PROT_NONE) entries on %s', (_name, arch) => {
  function setup(archOverride: PagingArch = arch) {
    const m = makeMachine(arch, 1);
    const hart = m.harts[0]!;
    const pm = new PageMapper({
      arch: archOverride,
      memory: m.memory,
      allocator: m.allocator,
      detector: m.detector,
      flusher: new PageFlush(hart),
    });
    expect(hart.switchAddressSpace(arch, 1, pm.rootPpn)).toBe(true);
    return { ...m, hart, pm, free0: m.allocator.freeFrames };
  }
  const frame = (m: { memory: { baseFrame: number } }, k: number) => m.memory.baseFrame + 4096 + k;

  it('mapPhys without R/W/X writes an entry that keeps the frame but faults for the MMU', () => {
    const m = setup();
    const { pm, hart } = m;
    const pfn = frame(m, 1);
    expect(pm.mapPhys(0x42, pfn, NONE | PteFlag.Global)).toBe(pfn);
    expect(pm.tableFrames).toBe(arch.levels);
    expect(pm.lookup(0x42)).toBe(pfn);
    expect(pm.found).toEqual({ vpn: 0x42, pfn, level: 0, flags: NONE });
    expect(pm.translate(0x42 * 4096 + 5)).toBe(MapperError.NotMapped);
    for (const access of [Access.Load, Access.Store, Access.Fetch]) {
      expect(hart.translate(0x42 * 4096, access)).toBeLessThan(0);
    }
    const seen: number[][] = [];
    expect(pm.visit(0, 0x100, (v, p, l, f) => seen.push([v, p, l, f]))).toBe(1);
    expect(seen).toEqual([[0x42, pfn, 0, NONE]]);
    // Occupied: neither map nor mapPhys (fast path: the leaf table exists) may overwrite it.
    expect(pm.map(0x42, URW)).toBe(MapperError.PageAlreadyMapped);
    expect(pm.mapPhys(0x42, frame(m, 2), URW)).toBe(MapperError.PageAlreadyMapped);
    expect(pm.mapPhys(0x42, frame(m, 2), NONE)).toBe(MapperError.PageAlreadyMapped);
    expect(pm.lookup(0x42)).toBe(pfn);
    pm.flush();
    pm.assertNoPendingChanges();
  });

  it('refuses what cannot be encoded with InvalidArgument, changing nothing', () => {
    const m = setup();
    const { pm } = m;
    expect(pm.map(3, NONE)).toBe(MapperError.InvalidArgument); // a fresh frame nobody may touch: refused
    expect(pm.mapPhys(0, frame(m, 0) - (frame(m, 0) % SPAN2M), NONE, 1)).toBe(MapperError.InvalidArgument);
    expect(pm.cursor(0, SPAN2M).map(NONE)).toBe(MapperError.InvalidArgument);
    pm.mapPhys(SPAN2M, frame(m, 0) - (frame(m, 0) % SPAN2M) + SPAN2M, URW, 1);
    expect(pm.protect(SPAN2M, NONE, 1)).toBe(MapperError.InvalidArgument);
    expect(pm.lookup(SPAN2M)).toBeGreaterThan(0);
    expect(pm.found.level).toBe(1);
    expect(snapshot(pm).length).toBe(1);
  });

  it('an architecture without the encoding answers InvalidArgument', () => {
    const plain = Object.create(arch, {
      encodeProtNone: { value: undefined },
      isProtNone: { value: undefined },
    }) as PagingArch;
    const m = setup(plain);
    const { pm } = m;
    expect(pm.mapPhys(7, frame(m, 7), NONE)).toBe(MapperError.InvalidArgument);
    expect(pm.error.message).toMatch(/inaccessible/);
    expect(pm.map(8, URW)).toBeGreaterThan(0);
    expect(pm.protect(8, NONE)).toBe(MapperError.InvalidArgument);
    expect(pm.protectRange(0, 16, NONE)).toBe(MapperError.InvalidArgument);
    expect(pm.lookup(8)).toBeGreaterThan(0);
    expect(pm.found.flags & PteFlag.Read).toBe(PteFlag.Read);
    pm.flush();
  });

  it('protect to no rights flushes the lost rights (detector on); back to rights restores the leaf with A/D', () => {
    const m = setup();
    const { pm, hart } = m;
    const pfn = pm.map(10, URW);
    pm.map(11, URW);
    expect(hart.translate(10 * 4096, Access.Store)).toBe(pfn * 4096);
    expect(pm.protect(10, PteFlag.User)).toBe(pfn);
    expect(pm.pendingChanges).toBeGreaterThan(0);
    pm.flush(); // the detector checks the hart no longer caches page 10
    expect(hart.translate(10 * 4096, Access.Load)).toBeLessThan(0);
    expect(pm.lookup(10)).toBe(pfn);
    expect(pm.found.flags).toBe(NONE); // A/D kept, as pte_modify
    // Inaccessible → inaccessible with other flags; no flush needed.
    expect(pm.protect(10, 0)).toBe(pfn);
    expect(pm.found.flags).toBe(PteFlag.Accessed | PteFlag.Dirty);
    expect(pm.protect(10, PteFlag.Read | PteFlag.User)).toBe(pfn);
    expect(pm.found.flags).toBe(PteFlag.Read | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty);
    expect(hart.translate(10 * 4096, Access.Load)).toBe(pfn * 4096);
    expect(hart.translate(10 * 4096, Access.Store)).toBeLessThan(0);
    pm.flush();
    pm.assertNoPendingChanges();
  });

  it('the detector catches a TLB entry left behind an inaccessible entry', () => {
    const m = setup();
    const { pm, hart, memory } = m;
    const pfn = pm.map(20, URW);
    expect(hart.translate(20 * 4096, Access.Load)).toBe(pfn * 4096);
    // Written behind the mapper's back: nothing flushed.
    let table = pm.rootPpn;
    const w = { lo: 0, hi: 0 };
    for (let l = arch.levels - 1; l > 0; l--) {
      memory.read64(table * 4096 + arch.indexAt(20, l) * 8, w);
      table = arch.ppn(w.lo, w.hi);
    }
    expect(typeof arch.encodeProtNone).toBe('function');
    arch.encodeProtNone?.(pfn, NONE, w);
    memory.write64(table * 4096 + 20 * 8, w.lo, w.hi);
    expect(() => m.detector.check(pm)).toThrow(StaleTlbError);
    expect(() => m.detector.check(pm)).toThrow(/inaccessible/);
  });

  it('holds its table: a table with only inaccessible entries is not reclaimed; unmap frees them like leaves', () => {
    const m = setup();
    const { pm, allocator } = m;
    const tables0 = pm.tableFrames;
    pm.map(5, URW);
    pm.mapPhys(6, frame(m, 6), NONE);
    const tables = pm.tableFrames;
    expect(pm.unmap(5, pm.freeDataFrame)).toBeGreaterThan(0);
    pm.flush();
    expect(pm.tableFrames).toBe(tables);
    expect(pm.lookup(6)).toBe(frame(m, 6));
    const released: number[] = [];
    expect(pm.unmap(6, (p) => released.push(p))).toBe(frame(m, 6));
    expect(pm.unmap(6)).toBe(MapperError.NotMapped);
    expect(released).toEqual([]);
    pm.flush();
    expect(released).toEqual([frame(m, 6)]);
    expect(pm.tableFrames).toBe(tables0);
    expect(allocator.freeFrames).toBe(m.free0);
  });

  it('unmapRange, cursor protect and protectRange over huge leaves (split) handle them', () => {
    const m = setup();
    const { pm, hart, allocator } = m;
    const base = frame(m, 0) - (frame(m, 0) % SPAN2M) + 4 * SPAN2M;
    pm.mapPhys(0, base, URW, 1);
    expect(hart.translate(100 * 4096, Access.Store)).toBe((base + 100) * 4096);
    // A whole huge leaf becomes 512 inaccessible level-0 entries (split: one table).
    const tables = pm.tableFrames;
    const c = pm.cursor(0, 2 * SPAN2M);
    expect(c.protect(PteFlag.User, 0, SPAN2M)).toBe(SPAN2M);
    c.close();
    expect(pm.tableFrames).toBe(tables + 1);
    expect(hart.translate(100 * 4096, Access.Load)).toBeLessThan(0);
    expect(pm.lookup(100)).toBe(base + 100);
    expect(pm.found.level).toBe(0);
    expect(pm.found.flags & RWX).toBe(0);
    // Half of them back to rights.
    expect(pm.protectRange(0, 256, URW)).toBe(256);
    pm.flush();
    expect(hart.translate(10 * 4096, Access.Store)).toBe((base + 10) * 4096);
    expect(pm.visit(0, SPAN2M, () => {})).toBe(SPAN2M);
    const released: number[] = [];
    expect(pm.unmapRange(0, SPAN2M, (p) => released.push(p))).toBe(SPAN2M);
    pm.flush();
    expect(released.length).toBe(SPAN2M);
    expect(new Set(released).size).toBe(SPAN2M);
    expect(snapshot(pm)).toEqual([]);
    expect(allocator.freeFrames).toBe(m.free0);
  });

  it('every split allocation of a protect to no rights can fail without a trace', () => {
    const m = setup();
    const { pm, allocator } = m;
    const base = frame(m, 0) - (frame(m, 0) % SPAN2M) + 4 * SPAN2M;
    for (let i = 0; i < 3; i++) pm.mapPhys(i * SPAN2M, base + i * SPAN2M, URW, 1);
    pm.mapPhys(3 * SPAN2M + 1, frame(m, 9), NONE);
    const before = snapshot(pm);
    const tables = pm.tableFrames;
    const free = allocator.freeFrames;
    for (const k of [1, 2, 3]) {
      allocator.failOnAllocation(k);
      expect(pm.protectRange(0, 4 * SPAN2M, PteFlag.User)).toBe(MapperError.FrameAllocationFailed);
      allocator.disarm();
      expect(snapshot(pm)).toEqual(before);
      expect(pm.tableFrames).toBe(tables);
      expect(allocator.freeFrames).toBe(free);
      pm.assertNoPendingChanges();
    }
    expect(pm.protectRange(0, 4 * SPAN2M, PteFlag.User)).toBe(3 * SPAN2M + 1);
    pm.flush();
    expect(pm.tableFrames).toBe(tables + 3);
  });

  it('a bulk mapPhys of inaccessible entries is all or nothing under fault injection', () => {
    const m = setup();
    const { pm, allocator } = m;
    pm.mapPhys(3, frame(m, 3), NONE);
    const before = snapshot(pm);
    const tables = pm.tableFrames;
    const free = allocator.freeFrames;
    // Two new leaf tables are needed ([512, 1024) and [1024, 1536)): fail either.
    for (const k of [1, 2]) {
      allocator.failOnAllocation(k);
      const c = pm.cursor(0, 3 * SPAN2M);
      expect(c.mapPhys(frame(m, 0), NONE, 0, SPAN2M, 3 * SPAN2M)).toBe(MapperError.FrameAllocationFailed);
      c.close();
      allocator.disarm();
      expect(snapshot(pm)).toEqual(before);
      expect(pm.tableFrames).toBe(tables);
      expect(allocator.freeFrames).toBe(free);
    }
    const c = pm.cursor(0, 3 * SPAN2M);
    expect(c.mapPhys(frame(m, 0), NONE, 0, SPAN2M, 3 * SPAN2M)).toBe(2 * SPAN2M);
    c.close();
    expect(pm.tableFrames).toBe(tables + 2);
    expect(pm.lookup(SPAN2M + 7)).toBe(frame(m, 7));
    expect(pm.found.flags).toBe(NONE);
  });

  it('moveRange moves them (frame and flags), queueing the old pages', () => {
    const m = setup();
    const { pm } = m;
    pm.mapPhys(100, frame(m, 1), NONE);
    const p = pm.map(101, URW);
    expect(pm.moveRange(100, 1000, 4)).toBe(4);
    pm.flush();
    expect(pm.lookup(100)).toBe(MapperError.NotMapped);
    expect(pm.lookup(1000)).toBe(frame(m, 1));
    expect(pm.found.flags).toBe(NONE);
    expect(pm.lookup(1001)).toBe(p);
    expect(snapshot(pm).length).toBe(2);
  });

  it('destroy(release) releases the frames of inaccessible entries', () => {
    const m = setup();
    const { pm } = m;
    pm.mapPhys(100, frame(m, 1), NONE);
    pm.mapPhys(5000, frame(m, 2), NONE);
    const released: number[] = [];
    pm.destroy((p) => released.push(p));
    expect(released.sort()).toEqual([frame(m, 1), frame(m, 2)]);
    expect(m.allocator.freeFrames).toBe(m.free0 + 1); // the root too
  });

  it('copyRangeForCow copies them on both sides (shared frame reported, child made old); fault injection leaves no trace', () => {
    const m = setup();
    const { pm: parent, allocator } = m;
    const child = new PageMapper({ arch, memory: m.memory, allocator, detector: m.detector });
    const shared = frame(m, 50);
    parent.mapPhys(700, shared, NONE);
    parent.mapPhys(3 * SPAN2M + 2, frame(m, 51), PteFlag.User);
    const p = parent.map(701, URW);
    const p0 = snapshot(parent);
    const c0 = snapshot(child);
    const tables = [parent.tableFrames, child.tableFrames];
    const free = allocator.freeFrames;
    for (let k = 1; k <= arch.levels; k++) {
      allocator.failOnAllocation(k);
      expect(child.copyRangeForCow(parent, 0, 4 * SPAN2M)).toBe(MapperError.FrameAllocationFailed);
      allocator.disarm();
      expect(snapshot(parent)).toEqual(p0);
      expect(snapshot(child)).toEqual(c0);
      expect([parent.tableFrames, child.tableFrames]).toEqual(tables);
      expect(allocator.freeFrames).toBe(free);
    }
    const seen: number[][] = [];
    expect(child.copyRangeForCow(parent, 0, 4 * SPAN2M, (v, f, l, fl) => seen.push([v, f, l, fl]))).toBe(3);
    expect(seen).toEqual([
      [700, shared, 0, PteFlag.User | PteFlag.Dirty],
      [701, p, 0, URW & ~PteFlag.Write & ~PteFlag.Accessed],
      [3 * SPAN2M + 2, frame(m, 51), 0, PteFlag.User],
    ]);
    expect(parent.lookup(700)).toBe(shared);
    expect(parent.found.flags).toBe(NONE); // the source entry is unchanged
    expect(child.lookup(700)).toBe(shared);
    expect(child.translate(700 * 4096)).toBe(MapperError.NotMapped);
    // Copying again into occupied pages is refused.
    expect(child.copyRangeForCow(parent, 700, 701)).toBe(MapperError.PageAlreadyMapped);
    parent.flush();
    child.flush();
    const released: number[] = [];
    child.destroy((f) => released.push(f));
    expect(released.sort()).toEqual([shared, p, frame(m, 51)].sort());
  });
});
