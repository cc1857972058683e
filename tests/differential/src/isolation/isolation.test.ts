import { PteFlag } from '@pagewright/core';
import { checkInvariants, Machine, type MachineOptions, type Process } from '@pagewright/process-vm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/**
 * Isolation and security across processes: private memory never leaks between processes (independent ones, or a
 * parent and its fork child), a recycled frame always reads zero first, and user mode never reads a kernel (U = 0)
 * page. The stale-TLB detector is on throughout (`checkTlb`).
 */

const R = 0x2000000000;
const P = 4096;
const PRIV_FIXED = 0x32; // MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED
const SHARED_FIXED = 0x31;
const COMBOS: MachineOptions[] = [
  { allocator: 'stack', arch: 'sv39', tlb: '2x2:lru' },
  { allocator: 'bitmap', arch: 'sv48', tlb: '4x1:fifo', vmaIndex: 'list' },
  { allocator: 'buddy', arch: 'sv39', tlb: 'off', harts: 1 },
  { allocator: 'buddy', arch: 'sv48', tlb: '2x4:plru', flush: 'page' },
  { allocator: 'bitmap', arch: 'x86-64', tlb: '2x2:fifo', vmaIndex: 'btree' },
  { allocator: 'stack', arch: 'x86-64-la57', tlb: '4x2:lru', flush: 'full' },
];

describe('isolation: private memory stays private', () => {
  for (const options of COMBOS) {
    it(`${options.allocator}/${options.arch}: random writes by two processes and a fork child`, () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              who: fc.nat({ max: 2 }),
              page: fc.nat({ max: 7 }),
              off: fc.constantFrom(0, 1, 2048, 4095),
              value: fc.integer({ min: 1, max: 255 }),
              forkAt: fc.boolean(),
            }),
            { minLength: 1, maxLength: 30 },
          ),
          (writes) => {
            const m = new Machine({ ...options, checkTlb: true, memoryBytes: 8 << 20 });
            const a = m.spawn();
            const b = m.spawn();
            for (const p of [a, b]) expect(p.mmap(R, 8 * P, 3, PRIV_FIXED)).toBe(R);
            const procs: (Process | null)[] = [a, b, null];
            // What each process must see: its own writes (the child starts from a copy of a's memory).
            const seen: Map<number, number>[] = [new Map(), new Map(), new Map()];
            for (const w of writes) {
              if (w.who === 2 && procs[2] === null) {
                if (!w.forkAt) continue;
                const c = a.fork();
                if (typeof c === 'number') throw new Error('fork failed');
                procs[2] = c;
                seen[2] = new Map(seen[0]);
              }
              const p = procs[w.who]!;
              const va = R + w.page * P + w.off;
              expect(p.store8(va, w.value)).toBe(0);
              seen[w.who]!.set(va, w.value);
              for (let k = 0; k < 3; k++) {
                const q = procs[k];
                if (!q) continue;
                for (const [addr, v] of seen[k]!)
                  expect(q.load8(addr), `process ${k} at 0x${addr.toString(16)}`).toBe(v);
                for (let pg = 0; pg < 8; pg++)
                  for (const o of [0, 1, 2048, 4095]) {
                    const addr = R + pg * P + o;
                    if (!seen[k]!.has(addr)) expect(q.load8(addr)).toBe(0);
                  }
              }
            }
            checkInvariants(m);
            for (const p of procs) p?.exit(0);
            expect(m.framesInUse()).toBe(1);
          },
        ),
        { numRuns: 40, seed: 7 },
      );
    });

    it(`${options.allocator}/${options.arch}: shared anonymous memory is the one thing a fork child shares`, () => {
      const m = new Machine({ ...options, checkTlb: true, memoryBytes: 8 << 20 });
      const a = m.spawn();
      a.mmap(R, P, 3, SHARED_FIXED);
      a.mmap(R + P, P, 3, PRIV_FIXED);
      a.store8(R, 1);
      a.store8(R + P, 1);
      const c = a.fork() as Process;
      c.store8(R, 2);
      c.store8(R + P, 2);
      expect([a.load8(R), a.load8(R + P), c.load8(R), c.load8(R + P)]).toEqual([2, 1, 2, 2]);
      checkInvariants(m);
    });
  }
});

describe('isolation: a frame freed by one process reads zero in the next', () => {
  for (const options of COMBOS) {
    it(`${options.allocator}/${options.arch}: after exit and after munmap`, () => {
      const m = new Machine({ ...options, checkTlb: true, memoryBytes: 4 << 20 });
      const frames = m.allocator.totalFrames;
      const a = m.spawn();
      const pages = Math.floor(frames / 4);
      a.mmap(R, pages * P, 3, PRIV_FIXED);
      const dirty = new Set<number>();
      for (let i = 0; i < pages; i++) {
        for (const o of [0, 1, 100, 2048, 4000, 4095]) a.store8(R + i * P + o, 0xa5);
        dirty.add(a.vm.pageTable.lookup((R + i * P) / P));
      }
      a.exit(0);
      // b takes more frames than were ever free besides a's, so it must get some of a's old frames back
      const b = m.spawn();
      const bPages = Math.floor(frames * 0.7);
      b.mmap(R, bPages * P, 3, PRIV_FIXED);
      let reused = 0;
      for (let i = 0; i < bPages; i++) {
        const va = R + i * P;
        expect(b.store8(va + 4095, 1)).toBe(0); // allocates a frame
        if (dirty.has(b.vm.pageTable.lookup(va / P))) reused++;
        for (const o of [0, 1, 100, 2048, 4000]) expect(b.load8(va + o)).toBe(0);
      }
      expect(reused).toBeGreaterThan(0);
      // the same within a process: munmap, map again, read zero
      b.munmap(R, bPages * P);
      b.mmap(R, 16 * P, 3, PRIV_FIXED);
      for (let i = 0; i < 16; i++) expect(b.load8(R + i * P + 4095)).toBe(0);
      checkInvariants(m);
    });
  }
});

describe('security: user mode never reads a kernel page', () => {
  for (const options of COMBOS) {
    it(`${options.allocator}/${options.arch}: a U=0 leaf is never readable, writable or cached for the user`, () => {
      const m = new Machine({ ...options, checkTlb: true, memoryBytes: 8 << 20 });
      const p = m.spawn();
      const secret = m.allocator.alloc();
      m.memory.write8(secret * P, 0x5e);
      const va = R + 0x100000; // no VMA here
      const vpn = va / P;
      const mapper = p.vm.pageTable.mapper;
      expect(
        mapper.mapPhys(vpn, secret, PteFlag.Read | PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty),
      ).toBe(secret);
      for (let i = 0; i < 3; i++) {
        expect(p.load8(va)).toBeLessThan(0);
        expect(p.store8(va, 1)).toBeLessThan(0);
      }
      expect(m.memory.read8(secret * P)).toBe(0x5e);
      // next to a user mapping, too (the kernel leaf inside a user VMA's page-table subtree)
      p.mmap(va + P, P, 3, PRIV_FIXED);
      expect(p.store8(va + P, 7)).toBe(0);
      expect(p.load8(va)).toBeLessThan(0);
      expect(p.load8(va + P)).toBe(7);
      mapper.unmap(vpn);
      mapper.flush();
      m.allocator.free(secret);
      checkInvariants(m);
    });
  }
});
