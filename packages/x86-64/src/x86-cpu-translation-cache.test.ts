/**
 * The CPU's translation cache is invisible: an `X86Cpu` whose `SetAssociativeTlb` has one attached, and one whose
 * TLB is a subclass (so the CPU takes the plain lookup path, without a cache), run the same seeded random programs
 * — translations of every access type (and implicit supervisor ones), entry edits, INVLPG, INVPCID, CR3 loads
 * with and without the no-flush bit, CR0.WP, CR4 SMEP/SMAP, CPL, AC and PKRU changes, direct TLB inserts and
 * `setFlags` — and must agree on every result, fault, statistic, TLB entry and replacement decision.
 */

import { createRng, type Rng } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { SetAssociativeTlb, type SetAssociativeTlbOptions } from '@pagewright/tlb';
import { describe, expect, it } from 'vitest';
import { X86_A, X86_D, X86_G, X86_HI_XD, X86_RW, X86_US } from './pte.js';
import { X86TableBuilder } from './test-helpers.js';
import { X86_64 } from './x86-arch.js';
import { Cr0, Cr4, X86Cpu } from './x86-cpu.js';

/** The same TLB, but not exactly the class: the CPU gives it no translation cache. */
class UncachedTlb extends SetAssociativeTlb {}

const BASE = 0x8000_0000;
const LOW = Array.from({ length: 40 }, (_, i) => 0x1000_0000 + i * 4096);
const HIGH = Array.from({ length: 8 }, (_, i) => -0x4000_0000 + i * 4096);
const LARGE = 0x2000_0000;
const BITS = [
  X86_RW | X86_US | X86_A | X86_D,
  X86_US | X86_A,
  X86_RW | X86_A | X86_D,
  X86_A,
  X86_RW | X86_US,
  X86_RW | X86_US | X86_A | X86_D | X86_G,
];

interface Side {
  cpu: X86Cpu;
  tlb: SetAssociativeTlb;
  tables: X86TableBuilder;
}

function side(cached: boolean, options: SetAssociativeTlbOptions): Side {
  const memory = new SparsePhysicalMemory({ base: BASE, size: 64 * 2 ** 20 });
  const tables = new X86TableBuilder(memory, X86_64, BASE / 4096 + 1);
  const tlb = cached ? new SetAssociativeTlb(options) : new UncachedTlb(options);
  const cpu = new X86Cpu({ id: 0, memory, tlb, pcide: true, pge: true });
  return { cpu, tlb, tables };
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.nextInt(xs.length)] as T;
}

function run(seed: number, policy: 'lru' | 'plru' | 'fifo' | 'random', steps: number): void {
  const a = side(true, { sets: 4, ways: 4, policy, rng: createRng(seed) });
  const b = side(false, { sets: 4, ways: 4, policy, rng: createRng(seed) });
  const rng = createRng(seed);
  const both = (f: (s: Side) => void) => {
    f(a);
    f(b);
  };
  const randomEntry = (va: number, level: number) => {
    const pfn = level === 1 ? (BASE / 4096 + 0x2000) & ~511 : BASE / 4096 + 0x1000 + rng.nextInt(64);
    const bits = pick(rng, BITS);
    const hi = rng.nextInt(4) === 0 ? X86_HI_XD : 0;
    both((s) => s.tables.map(va, level, pfn, bits, hi));
  };
  for (const va of [...LOW, ...HIGH]) randomEntry(va, 0);
  randomEntry(LARGE, 1);
  both((s) => {
    s.cpu.loadCr3(s.tables.root, 1);
    s.cpu.cpl = 3;
  });
  const vas = [...LOW, ...HIGH, LARGE, LARGE + 0x5000, LARGE + 0x1ff000];
  for (let step = 0; step < steps; step++) {
    const op = rng.nextInt(100);
    if (op < 70) {
      const va = pick(rng, vas) + rng.nextInt(4096);
      const access = rng.nextInt(20) === 0 ? 3 : rng.nextInt(3);
      const implicit = rng.nextInt(10) === 0;
      const ra = implicit ? a.cpu.translateImplicit(va, access) : a.cpu.translate(va, access);
      const rb = implicit ? b.cpu.translateImplicit(va, access) : b.cpu.translate(va, access);
      expect(ra, `step ${step}: translate(${va.toString(16)}, ${access})`).toBe(rb);
      if (ra < 0) expect(a.cpu.fault).toEqual(b.cpu.fault);
    } else if (op < 76) {
      randomEntry(pick(rng, [...LOW, ...HIGH]), 0);
    } else if (op < 80) {
      const va = pick(rng, vas);
      const kind = rng.nextInt(3);
      const pcid = 1 + rng.nextInt(3);
      both((s) => {
        if (kind === 0) s.cpu.invlpg(va);
        else s.cpu.invpcid(rng.nextInt(1) + kind - 1, pcid, va);
      });
    } else if (op < 84) {
      const pcid = 1 + rng.nextInt(3);
      const noFlush = rng.nextInt(2) === 0;
      both((s) => s.cpu.loadCr3(s.tables.root, pcid, noFlush));
    } else if (op < 90) {
      const what = rng.nextInt(5);
      const v = rng.nextInt(2) === 0;
      both((s) => {
        if (what === 0) s.cpu.cpl = v ? 3 : 0;
        else if (what === 1) s.cpu.ac = v;
        else if (what === 2) s.cpu.writeCr0(v ? s.cpu.cr0 | Cr0.WP : s.cpu.cr0 & ~Cr0.WP);
        else if (what === 3)
          s.cpu.writeCr4(v ? s.cpu.cr4 | Cr4.SMAP | Cr4.SMEP : s.cpu.cr4 & ~(Cr4.SMAP | Cr4.SMEP));
        else s.cpu.pkru = v ? 0 : 0xc;
      });
    } else if (op < 93) {
      const slot = rng.nextInt(a.tlb.capacity);
      const flags = rng.nextInt(128);
      both((s) => s.tlb.setFlags(slot, flags));
    } else if (op < 97) {
      const vpn = Math.floor((pick(rng, vas) >>> 0) / 4096);
      const level = rng.nextInt(4) === 0 ? 1 : 0;
      const pcid = rng.nextInt(2) === 0 ? a.cpu.asid : 1 + rng.nextInt(3);
      const flags = rng.nextInt(2) === 0 ? 0x6f : rng.nextInt(128);
      const global = rng.nextInt(4) === 0;
      const pfn = BASE / 4096 + rng.nextInt(4096);
      expect(a.tlb.insert(vpn, pcid, level, pfn, flags, global)).toBe(
        b.tlb.insert(vpn, pcid, level, pfn, flags, global),
      );
    } else {
      expect(a.tlb.stats, `step ${step}: stats`).toEqual(b.tlb.stats);
    }
  }
  expect(a.tlb.stats).toEqual(b.tlb.stats);
  expect(a.cpu.walks).toBe(b.cpu.walks);
  const entries = (s: Side) => {
    const out: string[] = [];
    s.tlb.forEach((e) => {
      out.push(JSON.stringify(e));
    });
    return out;
  };
  expect(entries(a)).toEqual(entries(b));
  if (policy !== 'random') {
    for (let set = 0; set < a.tlb.sets; set++)
      expect(a.tlb.policy.victim(set)).toBe(b.tlb.policy.victim(set));
  }
}

describe('X86Cpu translation cache', () => {
  for (const policy of ['lru', 'plru', 'fifo', 'random'] as const) {
    it(`is invisible with the ${policy} policy (seeded programs)`, () => {
      for (let seed = 1; seed <= 10; seed++) run(seed, policy, 1500);
    });
  }

  it('judges a cached translation under the current CPL', () => {
    for (const cached of [true, false]) {
      const s = side(cached, { sets: 16, ways: 4, policy: 'lru' });
      s.tables.map(0x1000_0000, 0, BASE / 4096 + 0x1000, X86_RW | X86_A | X86_D);
      s.cpu.loadCr3(s.tables.root, 1);
      s.cpu.cpl = 0;
      expect(s.cpu.translate(0x1000_0000, 0)).toBe((BASE / 4096 + 0x1000) * 4096);
      expect(s.cpu.translate(0x1000_0000, 0)).toBe((BASE / 4096 + 0x1000) * 4096);
      s.cpu.cpl = 3;
      expect(s.cpu.translate(0x1000_0000, 0), `cached: ${cached}`).toBe(-14);
    }
  });

  it('serves repeated hits from the cache and reports them as TLB hits', () => {
    const s = side(true, { sets: 16, ways: 4, policy: 'lru' });
    s.tables.map(0x1000_0000, 0, BASE / 4096 + 0x1000, BITS[0] as number);
    s.cpu.loadCr3(s.tables.root, 1);
    s.cpu.cpl = 3;
    for (let i = 0; i < 5000; i++)
      expect(s.cpu.translate(0x1000_0123, 0)).toBe((BASE / 4096 + 0x1000) * 4096 + 0x123);
    expect(s.tlb.stats.hits).toBe(4999);
    expect(s.tlb.stats.misses).toBe(1);
    expect(s.cpu.walks).toBe(1);
  });
});
