import { Access } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { MapperError } from './errors.js';
import { PageFlush } from './page-flush.js';
import { PageMapper } from './page-mapper.js';
import { ARCHES, makeMachine, URW } from './test-machine.js';

const SPAN2M = 512;

describe.each(ARCHES)('PageMapper.freeTables on %s (Linux free_pgd_range)', (_name, arch) => {
  function setup() {
    const m = makeMachine(arch, 1);
    const hart = m.harts[0]!;
    const pm = new PageMapper({
      arch,
      memory: m.memory,
      allocator: m.allocator,
      detector: m.detector,
      flusher: new PageFlush(hart),
      reclaimTables: false,
    });
    expect(hart.switchAddressSpace(arch, 1, pm.rootPpn)).toBe(true);
    return { ...m, hart, pm };
  }
  const top = (pm: PageMapper) => pm.vpnCount / 2;

  it('frees every table of an emptied range inside [floor, ceiling), root kept', () => {
    const { pm, allocator } = setup();
    const free0 = allocator.freeFrames;
    const vpn = 5 * SPAN2M + 7;
    expect(pm.map(vpn, URW)).toBeGreaterThan(0);
    expect(pm.tableFrames).toBe(arch.levels);
    expect(pm.unmap(vpn, pm.freeDataFrame)).toBeGreaterThan(0);
    pm.flush();
    expect(pm.tableFrames).toBe(arch.levels); // not reclaimed when emptied
    expect(pm.freeTables(vpn, vpn + 1, 0, top(pm))).toBe(arch.levels - 1);
    expect(pm.tableFrames).toBe(1);
    expect(allocator.freeFrames).toBe(free0 - (arch.levels - 1)); // held until the flush is dispatched
    pm.flush();
    expect(allocator.freeFrames).toBe(free0);
    expect(pm.lookup(vpn)).toBe(MapperError.NotMapped);
  });

  it('keeps a table whose span reaches below floor or above ceiling (a neighbour may still use it)', () => {
    const { pm } = setup();
    const vpn = 9 * SPAN2M + 100;
    pm.map(vpn, URW);
    pm.unmap(vpn, pm.freeDataFrame);
    // A neighbour ending in the same 2 MiB table: the level-0 table stays, the higher ones too (they hold it).
    expect(pm.freeTables(vpn, vpn + 1, vpn - 1, top(pm))).toBe(0);
    expect(pm.freeTables(vpn, vpn + 1, 0, vpn + 2)).toBe(0);
    expect(pm.tableFrames).toBe(arch.levels);
    // Floor and ceiling exactly at the table's edges: it goes.
    expect(pm.freeTables(vpn, vpn + 1, 9 * SPAN2M, 10 * SPAN2M)).toBe(1);
    expect(pm.tableFrames).toBe(arch.levels - 1);
    pm.flush();
  });

  it('never frees a table that still holds an entry, and flushes before a freed table is reused', () => {
    const { pm, hart, allocator } = setup();
    const a = 3 * SPAN2M;
    const b = 4 * SPAN2M;
    pm.map(a, URW);
    const pfnB = pm.map(b, URW);
    expect(hart.translate(b * 4096, Access.Store)).toBe(pfnB * 4096);
    pm.unmap(a, pm.freeDataFrame);
    expect(pm.freeTables(a, b + 1, 0, top(pm))).toBe(1); // b's level-0 table and the levels above stay
    pm.flush();
    expect(hart.translate(b * 4096, Access.Load)).toBe(pfnB * 4096);
    pm.unmap(b, pm.freeDataFrame);
    const before = allocator.freeFrames;
    expect(pm.freeTables(b, b + 1, 0, top(pm))).toBe(arch.levels - 1);
    expect(pm.pendingChanges).toBeGreaterThan(0); // a whole-space flush is queued
    expect(allocator.freeFrames).toBe(before);
    pm.flush(); // the detector checks the TLB holds nothing stale
    expect(allocator.freeFrames).toBe(before + arch.levels);
  });

  it('visitTables reports every owned table below the root with its level and span', () => {
    const { pm } = setup();
    pm.map(3 * SPAN2M + 1, URW);
    const seen: string[] = [];
    pm.visitTables((pfn, level, start, pages) => {
      expect(pfn).toBeGreaterThan(0);
      seen.push(`${level}:${start}:${pages}`);
    });
    const expected: string[] = [];
    for (let level = arch.levels - 2; level >= 0; level--) {
      const pages = 512 ** (level + 1);
      expected.push(`${level}:${Math.floor((3 * SPAN2M) / pages) * pages}:${pages}`);
    }
    expect(seen).toEqual(expected);
    expect(seen.length).toBe(pm.tableFrames - 1);
  });

  it('answers InvalidArgument, changing nothing, when floor and ceiling do not enclose the range', () => {
    const { pm } = setup();
    pm.map(10, URW);
    pm.unmap(10, pm.freeDataFrame);
    pm.flush();
    const n = pm.tableFrames;
    expect(pm.freeTables(10, 11, 11, top(pm))).toBe(MapperError.InvalidArgument);
    expect(pm.freeTables(10, 11, 0, 10)).toBe(MapperError.InvalidArgument);
    expect(pm.freeTables(10, 11, Number.NaN, top(pm))).toBe(MapperError.InvalidArgument);
    expect(pm.freeTables(11, 10, 0, top(pm))).toBeLessThan(0);
    expect(pm.tableFrames).toBe(n);
    expect(pm.pendingChanges).toBe(0);
  });
});
