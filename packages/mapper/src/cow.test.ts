import { Access, PteFlag } from '@pagewright/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AsidAllocator } from './asid-allocator.js';
import { MapperError } from './errors.js';
import { MmContext } from './mm-context.js';
import { PageMapper } from './page-mapper.js';
import { ARCHES, makeMachine, snapshot, URW } from './test-machine.js';
import { TlbShootdown } from './tlb-shootdown.js';

describe.each(ARCHES)('copy-on-write copy and properties on %s', (_name, arch) => {
  function pair() {
    const m = makeMachine(arch, 2);
    const asids = new AsidAllocator({ arch, hartCount: 2 });
    const mk = () => {
      const context = new MmContext();
      const pm = new PageMapper({
        arch,
        memory: m.memory,
        allocator: m.allocator,
        context,
        detector: m.detector,
      });
      pm.flusher = new TlbShootdown({ harts: m.harts, rootPpn: pm.rootPpn, context, initiator: 0 });
      return pm;
    };
    return { ...m, asids, parent: mk(), child: mk() };
  }

  it('copies from two parents nested in onShared keep their leaf lists apart (no buffer is shared)', () => {
    const m = makeMachine(arch, 1);
    const mk = () => new PageMapper({ arch, memory: m.memory, allocator: m.allocator });
    const [a, b, childA, childB] = [mk(), mk(), mk(), mk()];
    // Different layouts, so a buffer shared by the two copies would mix their reports.
    expect(a.mapRange(0, 300, URW, 0, m.memory.baseFrame)).toBe(300);
    expect(b.mapRange(1000, 1040, URW, 0, m.memory.baseFrame + 4096)).toBe(40);
    const fromA: number[] = [];
    const fromB: number[] = [];
    const n = childA.copyRangeForCow(a, 0, 2048, (vpn, pfn) => {
      fromA.push(vpn, pfn);
      if (fromA.length === 2) {
        expect(childB.copyRangeForCow(b, 0, 2048, (v, p) => fromB.push(v, p))).toBe(40);
      }
    });
    expect(n).toBe(300);
    expect(fromA).toEqual(Array.from({ length: 300 }, (_, i) => [i, m.memory.baseFrame + i]).flat());
    expect(fromB).toEqual(
      Array.from({ length: 40 }, (_, i) => [1000 + i, m.memory.baseFrame + 4096 + i]).flat(),
    );
    for (const pm of [a, b, childA, childB]) {
      pm.flush();
      pm.destroy();
    }
  });

  it('write-protects both sides, reports every shared frame, and the parent flush is checked', () => {
    const { parent, child, harts, asids, memory } = pair();
    asids.activate(harts[0]!, parent.context!, parent);
    const c = parent.cursor(0, 700);
    c.map(URW);
    c.close();
    parent.mapPhys(1024, memory.baseFrame + 8 * 512, URW, 1);
    parent.map(2000, PteFlag.Read | PteFlag.User | PteFlag.Accessed);
    for (let i = 0; i < 700; i += 7) harts[0]!.translate(i * 4096, Access.Store);
    const shared: [number, number, number][] = [];
    const n = child.copyRangeForCow(parent, 0, 4096, (v, p, l) => shared.push([v, p, l]));
    expect(n).toBe(702);
    expect(shared.length).toBe(702);
    expect(shared).toContainEqual([1024, memory.baseFrame + 8 * 512, 1]);
    expect(parent.pendingChanges).toBeGreaterThan(0);
    parent.flush(); // the detector verifies no hart still caches W
    for (const [v, p] of shared) {
      expect(child.lookup(v)).toBe(p);
      expect(child.found.flags & (PteFlag.Write | PteFlag.Accessed)).toBe(0);
      expect(parent.lookup(v)).toBe(p);
      expect(parent.found.flags & PteFlag.Write).toBe(0);
    }
    expect(harts[0]!.translate(7 * 4096, Access.Store)).toBeLessThan(0);
    child.assertNoPendingChanges();
  });

  it('copies into a leaf table that already exists (a second range of the same table) entry by entry', () => {
    const { parent, child } = pair();
    const c = parent.cursor(0, 300);
    c.map(URW);
    c.close();
    parent.protectRange(250, 260, PteFlag.Read | PteFlag.User);
    expect(child.copyRangeForCow(parent, 0, 100)).toBe(100);
    const tables = child.tableFrames;
    expect(child.copyRangeForCow(parent, 100, 300)).toBe(200);
    expect(child.tableFrames).toBe(tables);
    parent.flush();
    for (let v = 0; v < 300; v++) {
      const p = parent.lookup(v);
      expect(parent.found.flags & PteFlag.Write).toBe(0);
      expect(child.lookup(v)).toBe(p);
      expect(child.found.flags & (PteFlag.Write | PteFlag.Accessed)).toBe(0);
      expect(child.found.flags & PteFlag.Read).toBe(PteFlag.Read);
    }
    expect(child.lookup(300)).toBe(MapperError.NotMapped);
    // The second copy of a page already copied is refused and changes nothing.
    const p0 = snapshot(parent);
    const c0 = snapshot(child);
    expect(child.copyRangeForCow(parent, 50, 60)).toBe(MapperError.PageAlreadyMapped);
    expect(snapshot(parent)).toEqual(p0);
    expect(snapshot(child)).toEqual(c0);
    parent.assertNoPendingChanges();
  });

  it('keepWrite copies shared mappings writable and clean', () => {
    const { parent, child } = pair();
    parent.map(5, URW);
    expect(child.copyRangeForCow(parent, 0, 10, undefined, { keepWrite: true, clearAccessed: false })).toBe(
      1,
    );
    child.lookup(5);
    expect(child.found.flags & (PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty)).toBe(
      PteFlag.Write | PteFlag.Accessed,
    );
    parent.lookup(5);
    expect(parent.found.flags & PteFlag.Write).toBe(PteFlag.Write);
    parent.assertNoPendingChanges();
  });

  it('every allocation of a COW copy can fail: both sides unchanged, nothing leaked', () => {
    const { parent, child, allocator } = pair();
    const c = parent.cursor(0, 1500);
    c.map(URW);
    c.close();
    child.map(3000, URW);
    const p0 = snapshot(parent);
    const c0 = snapshot(child);
    const free = allocator.freeFrames;
    const tables = [parent.tableFrames, child.tableFrames];
    const probe = new PageMapper({ arch, memory: parent.memory, allocator });
    const probeData = probe.map(3000, URW); // the same starting state as the child
    allocator.resetCounters();
    expect(probe.copyRangeForCow(parent, 0, 1500)).toBe(1500);
    parent.protectRange(0, 1500, URW); // give W back, as before the probe
    parent.flush();
    const count = allocator.allocations;
    probe.destroy();
    allocator.free(probeData);
    expect(allocator.freeFrames).toBe(free);
    expect(count).toBeGreaterThan(2);
    for (let k = 1; k <= count; k++) {
      allocator.failOnAllocation(k);
      expect(child.copyRangeForCow(parent, 0, 1500)).toBe(MapperError.FrameAllocationFailed);
      allocator.disarm();
      expect(snapshot(parent)).toEqual(p0);
      expect(snapshot(child)).toEqual(c0);
      expect([parent.tableFrames, child.tableFrames]).toEqual(tables);
      expect(allocator.freeFrames).toBe(free);
      parent.assertNoPendingChanges();
    }
    // Into an occupied page: refused.
    child.map(10, URW);
    expect(child.copyRangeForCow(parent, 0, 1500)).toBe(MapperError.PageAlreadyMapped);
    expect(snapshot(parent)).toEqual(p0);
  });

  it('matches a model under random map / unmap / protect / move sequences, and never leaks', () => {
    const op = fc.oneof(
      fc.record({
        k: fc.constant('map' as const),
        v: fc.integer({ min: 0, max: 3000 }),
        n: fc.integer({ min: 1, max: 600 }),
      }),
      fc.record({
        k: fc.constant('unmap' as const),
        v: fc.integer({ min: 0, max: 3000 }),
        n: fc.integer({ min: 1, max: 900 }),
      }),
      fc.record({
        k: fc.constant('ro' as const),
        v: fc.integer({ min: 0, max: 3000 }),
        n: fc.integer({ min: 1, max: 900 }),
      }),
      fc.record({ k: fc.constant('huge' as const), v: fc.integer({ min: 0, max: 5 }), n: fc.constant(512) }),
      fc.record({
        k: fc.constant('move' as const),
        v: fc.integer({ min: 0, max: 3000 }),
        n: fc.integer({ min: 1, max: 300 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), fc.integer({ min: -3000, max: 3000 }), (ops, delta) => {
        const m = makeMachine(arch, 1);
        const free0 = m.allocator.freeFrames;
        const pm = new PageMapper({ arch, memory: m.memory, allocator: m.allocator });
        // Huge blocks are freed when their last 4 KiB piece goes (they may be split and partly unmapped).
        const live = new Map<number, number>();
        const release = (pfn: number, level = 0): void => {
          if (level === 1) {
            live.delete(pfn);
            m.allocator.free(pfn, 9);
            return;
          }
          const block = pfn - (pfn % 512);
          const left = live.get(block);
          if (left === undefined) m.allocator.free(pfn);
          else if (left === 1) {
            live.delete(block);
            m.allocator.free(block, 9);
          } else live.set(block, left - 1);
        };
        const model = new Map<number, [number, boolean]>(); // vpn → [pfn, writable]
        for (const o of ops) {
          if (o.k === 'map') {
            const free = [...Array(o.n).keys()].every((i) => !model.has(o.v + i));
            const r = pm.mapRange(o.v, o.v + o.n, URW);
            expect(r >= 0).toBe(free);
            if (r >= 0) for (let i = 0; i < o.n; i++) model.set(o.v + i, [pm.lookup(o.v + i), true]);
          } else if (o.k === 'huge') {
            const base = (o.v + 8) * 512;
            const free = [...Array(512).keys()].every((i) => !model.has(base + i));
            const r = pm.map(base, URW, 1);
            expect(r >= 0).toBe(free);
            if (r >= 0) {
              live.set(r, 512);
              for (let i = 0; i < 512; i++) model.set(base + i, [r + i, true]);
            }
          } else if (o.k === 'unmap') {
            let expected = 0;
            for (let i = 0; i < o.n; i++) if (model.delete(o.v + i)) expected++;
            expect(pm.unmapRange(o.v, o.v + o.n, release)).toBe(expected);
          } else if (o.k === 'ro') {
            expect(pm.protectRange(o.v, o.v + o.n, URW & ~PteFlag.Write)).toBeGreaterThanOrEqual(0);
            for (let i = 0; i < o.n; i++) {
              const e = model.get(o.v + i);
              if (e) e[1] = false;
            }
          } else {
            const dst = Math.max(0, o.v + delta);
            const src: [number, [number, boolean]][] = [];
            for (let i = 0; i < o.n; i++) {
              const e = model.get(o.v + i);
              if (e) src.push([o.v + i, e]);
            }
            const ok = src.every(
              ([v]) => !model.has(v + (dst - o.v)) || (v + dst - o.v >= o.v && v + dst - o.v < o.v + o.n),
            );
            const r = pm.moveRange(o.v, dst, o.n);
            expect(r >= 0).toBe(ok);
            if (r >= 0) {
              for (const [v] of src) model.delete(v);
              for (const [v, e] of src) model.set(v + dst - o.v, e);
            }
          }
          pm.flush();
        }
        expect(pm.visit(0, pm.vpnCount, () => {})).toBeGreaterThanOrEqual(0);
        let mapped = 0;
        pm.visit(0, pm.vpnCount, (v, p, l, f) => {
          const span = 512 ** l;
          for (let i = 0; i < span; i++) {
            const e = model.get(v + i);
            expect(e?.[0]).toBe(p + i);
            expect((f & PteFlag.Write) !== 0).toBe(e?.[1]);
          }
          mapped += span;
        });
        expect(mapped).toBe(model.size);
        pm.destroy(release);
        expect(pm.tableFrames).toBe(0);
        expect(m.allocator.freeFrames).toBe(free0);
      }),
      { numRuns: 25, seed: 42 },
    );
  });
});
