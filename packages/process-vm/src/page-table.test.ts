import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PteFlag } from '@pagewright/core';
import { StaleTlbError } from '@pagewright/mapper';
import { describe, expect, it } from 'vitest';
import type { FlushStrategy } from './flush-strategy.js';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import { SEGV_ACCERR, SEGV_MAPERR } from './signals.js';

const BASE = 0x2000000000;
const P = 4096;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;

describe.each<FlushStrategy>(['shootdown', 'page', 'full'])('flush strategy %s', (flush) => {
  it('no hart keeps a stale translation after mprotect, munmap and fork', () => {
    const m = new Machine({ memoryBytes: 32 * 1024 * 1024, harts: 2, flush, checkTlb: true });
    const p = m.spawn();
    p.hartId = 1;
    expect(p.mmap(BASE, 4 * P, 3, ANON)).toBe(BASE);
    expect(p.store8(BASE, 7)).toBe(0); // hart 1's TLB now holds a writable entry
    expect(p.mprotect(BASE, P, 1)).toBe(0);
    expect(p.store8(BASE, 8)).toBe(SEGV_ACCERR);
    expect(p.load8(BASE)).toBe(7);
    expect(p.mprotect(BASE, P, 3)).toBe(0);
    expect(p.store8(BASE + P, 9)).toBe(0);
    // fork from hart 1, child on hart 0: the parent's writable entries must be shot down before it writes again.
    const c = p.fork();
    if (typeof c === 'number') throw new Error('fork failed');
    c.hartId = 0;
    expect(p.store8(BASE + P, 10)).toBe(0);
    expect(c.load8(BASE + P)).toBe(9);
    expect(p.load8(BASE + P)).toBe(10);
    expect(p.munmap(BASE, 4 * P)).toBe(0);
    expect(p.load8(BASE + P)).toBe(SEGV_MAPERR);
    expect(c.load8(BASE + P)).toBe(9);
    checkInvariants(m);
    expect(m.detector.checks).toBeGreaterThan(0);
    c.exit(0);
    p.exit(0);
    expect(m.framesInUse()).toBe(1);
  });
});

describe('stale-TLB detector', () => {
  it('catches a page-table change that never reached the TLBs', () => {
    const m = new Machine({ memoryBytes: 32 * 1024 * 1024, checkTlb: true });
    const p = m.spawn();
    p.mmap(BASE, P, 3, ANON);
    expect(p.store8(BASE, 1)).toBe(0);
    const mapper = p.vm.pageTable.mapper;
    const vpn = BASE / P;
    expect(mapper.protect(vpn, PteFlag.Read | PteFlag.User)).toBeGreaterThanOrEqual(0);
    expect(() => m.detector.check(mapper)).toThrow(StaleTlbError);
    p.vm.pageTable.flush(); // dispatching the queued flush repairs it
    expect(() => m.detector.check(mapper)).not.toThrow();
  });

  it('is off unless asked for', () => {
    expect(new Machine({ memoryBytes: 32 * 1024 * 1024 }).detector.enabled).toBe(false);
  });
});

describe('PROT_NONE pages keep their frames', () => {
  it('fault on access, stay resident, come back with their data, fork and unmap without leaks', () => {
    const m = new Machine({ memoryBytes: 32 * 1024 * 1024, checkTlb: true });
    const p = m.spawn();
    p.mmap(BASE, 3 * P, 3, ANON);
    expect(p.store8(BASE + P, 42)).toBe(0);
    expect(p.mprotect(BASE, 3 * P, 0)).toBe(0);
    expect(p.load8(BASE + P)).toBe(SEGV_ACCERR);
    const vec = new Uint8Array(3);
    expect(p.mincore(BASE, 3 * P, vec)).toBe(0);
    expect([...vec]).toEqual([0, 1, 0]);
    expect(p.vm.pageTable.lookup(BASE / P + 1)).toBeGreaterThan(0);
    expect(p.vm.pageTable.lastFlags & (PteFlag.Read | PteFlag.Write | PteFlag.Exec)).toBe(0);
    checkInvariants(m);
    const c = p.fork();
    if (typeof c === 'number') throw new Error('fork failed');
    checkInvariants(m);
    expect(p.mprotect(BASE, 3 * P, 3)).toBe(0);
    expect(p.load8(BASE + P)).toBe(42);
    expect(p.store8(BASE + P, 43)).toBe(0); // COW: the child still shares the old frame
    expect(c.mprotect(BASE, 3 * P, 1)).toBe(0);
    expect(c.load8(BASE + P)).toBe(42);
    checkInvariants(m);
    // mremap moves the inaccessible page with its frame.
    expect(c.mprotect(BASE, 3 * P, 0)).toBe(0);
    const moved = c.mremap(BASE, 3 * P, 3 * P, 3, BASE + 64 * P);
    expect(moved).toBe(BASE + 64 * P);
    expect(c.mprotect(moved, 3 * P, 1)).toBe(0);
    expect(c.load8(moved + P)).toBe(42);
    checkInvariants(m);
    c.exit(0);
    p.exit(0);
    expect(m.framesInUse()).toBe(1);
  });
});

describe('fork under the svade A/D policy', () => {
  it("the child's entries are made old; its first access faults and the handler sets A", () => {
    const m = new Machine({ memoryBytes: 32 * 1024 * 1024, ad: 'svade', checkTlb: true });
    const p = m.spawn();
    p.mmap(BASE, 2 * P, 3, ANON);
    expect(p.store8(BASE, 5)).toBe(0);
    const c = p.fork();
    if (typeof c === 'number') throw new Error('fork failed');
    const pt = c.vm.pageTable;
    expect(pt.lookup(BASE / P)).toBeGreaterThan(0);
    expect(pt.lastFlags & PteFlag.Accessed).toBe(0);
    expect(c.load8(BASE)).toBe(5);
    pt.lookup(BASE / P);
    expect(pt.lastFlags & PteFlag.Accessed).not.toBe(0);
    expect(c.store8(BASE, 6)).toBe(0);
    expect(p.load8(BASE)).toBe(5);
    checkInvariants(m);
  });
});
