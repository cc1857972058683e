/**
 * The hart's translation cache is invisible: a hart whose `SetAssociativeTlb` has one attached, and a hart whose
 * TLB is a subclass (so the hart takes the plain lookup path, without a cache), run the same seeded random programs
 * — translations of every access type, PTE edits, every `sfence.vma` scope, satp and ASID writes, privilege, SUM
 * and MXR changes, direct TLB inserts and `setFlags` — and must agree on every result, fault, statistic, TLB entry
 * and replacement decision, and (for a policy that is not a built-in) on the exact sequence of policy calls.
 */

import { createRng, type Rng } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { type ReplacementPolicy, SetAssociativeTlb, type SetAssociativeTlbOptions } from '@pagewright/tlb';
import { describe, expect, it } from 'vitest';
import { Hart } from './hart.js';
import { PTE_A, PTE_D, PTE_G, PTE_R, PTE_U, PTE_W, PTE_X } from './pte.js';
import { Sv39 } from './riscv-arch.js';
import { TableBuilder } from './test-helpers.js';

/** The same TLB, but not exactly the class: the hart gives it no translation cache. */
class UncachedTlb extends SetAssociativeTlb {}

/** A policy that is not a built-in (so every hit must reach it as its own touch) and records every call. */
class RecordingPolicy implements ReplacementPolicy {
  readonly name = 'recording';
  readonly calls: string[] = [];
  private ways = 1;
  private stamps = new Float64Array(1);
  private clock = 0;
  attach(sets: number, ways: number): void {
    this.ways = ways;
    this.stamps = new Float64Array(sets * ways);
    this.calls.push(`attach ${sets} ${ways}`);
  }
  touch(set: number, way: number): void {
    this.stamps[set * this.ways + way] = ++this.clock;
    this.calls.push(`touch ${set} ${way}`);
  }
  fill(set: number, way: number): void {
    this.stamps[set * this.ways + way] = ++this.clock;
    this.calls.push(`fill ${set} ${way}`);
  }
  victim(set: number): number {
    let best = 0;
    for (let w = 1; w < this.ways; w++) {
      if ((this.stamps[set * this.ways + w] as number) < (this.stamps[set * this.ways + best] as number))
        best = w;
    }
    this.calls.push(`victim ${set}`);
    return best;
  }
  reset(): void {
    this.stamps.fill(0);
    this.calls.push('reset');
  }
}

const BASE = 0x8000_0000;
const FIRST_TABLE = BASE / 4096 + 1;
/** Pages of the programs: low ones (the 32-bit path), upper-half ones, and a 2 MiB superpage. */
const LOW = Array.from({ length: 40 }, (_, i) => 0x1000_0000 + i * 4096);
const HIGH = Array.from({ length: 8 }, (_, i) => -0x4000_0000 + i * 4096);
const SUPER = 0x2000_0000;
const LEAF_BITS = [
  PTE_R | PTE_W | PTE_U | PTE_A | PTE_D,
  PTE_R | PTE_U | PTE_A,
  PTE_R | PTE_W | PTE_A | PTE_D,
  PTE_R | PTE_X | PTE_A,
  PTE_R | PTE_W | PTE_U,
  PTE_X | PTE_U | PTE_A,
  PTE_R | PTE_W | PTE_U | PTE_A | PTE_D | PTE_G,
  0,
];

interface Side {
  hart: Hart;
  tlb: SetAssociativeTlb;
  tables: TableBuilder;
}

function side(cached: boolean, options: SetAssociativeTlbOptions): Side {
  const memory = new SparsePhysicalMemory({ base: BASE, size: 64 * 2 ** 20 });
  const tables = new TableBuilder(memory, Sv39, FIRST_TABLE);
  const tlb = cached ? new SetAssociativeTlb(options) : new UncachedTlb(options);
  const hart = new Hart({ id: 0, memory, tlb, privilege: 0 });
  return { hart, tlb, tables };
}

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.nextInt(xs.length)] as T;
}

/** Runs one seeded program on both sides, comparing as it goes. */
function run(seed: number, options: (cached: boolean) => SetAssociativeTlbOptions, steps: number): void {
  const a = side(true, options(true));
  const b = side(false, options(false));
  const rng = createRng(seed);
  const bothTables = (f: (s: Side) => void) => {
    f(a);
    f(b);
  };
  const randomLeaf = (va: number, level: number) => {
    const ppn = (BASE / 4096 + 0x1000 + rng.nextInt(64)) * (level === 1 ? 512 : 1);
    const bits = pick(rng, LEAF_BITS);
    bothTables((s) => s.tables.leaf(va, level, level === 1 ? Math.floor(ppn / 512) * 512 : ppn, bits));
  };
  for (const va of [...LOW, ...HIGH]) randomLeaf(va, 0);
  randomLeaf(SUPER, 1);
  bothTables((s) => s.hart.writeSatp('sv39', 1, s.tables.root));
  const vas = [...LOW, ...HIGH, SUPER, SUPER + 0x5000, SUPER + 0x1ff000];
  for (let step = 0; step < steps; step++) {
    const op = rng.nextInt(100);
    if (op < 70) {
      const va = pick(rng, vas) + rng.nextInt(4096);
      const access = rng.nextInt(20) === 0 ? 3 : rng.nextInt(3);
      const ra = a.hart.translate(va, access);
      const rb = b.hart.translate(va, access);
      expect(ra, `step ${step}: translate(${va.toString(16)}, ${access})`).toBe(rb);
      if (ra < 0) expect(a.hart.fault).toEqual(b.hart.fault);
    } else if (op < 76) {
      const va = pick(rng, [...LOW, ...HIGH]);
      randomLeaf(va, 0);
    } else if (op < 80) {
      const vpn = Math.floor(pick(rng, vas) / 4096);
      const scope = rng.nextInt(4);
      const asid = 1 + rng.nextInt(3);
      bothTables((s) => {
        if (scope === 0) s.hart.sfenceVma();
        else if (scope === 1) s.hart.sfenceVma(undefined, asid);
        else if (scope === 2) s.hart.sfenceVma(vpn);
        else s.hart.sfenceVma(vpn, asid);
      });
    } else if (op < 84) {
      const asid = 1 + rng.nextInt(3);
      const direct = rng.nextInt(2) === 0;
      bothTables((s) => {
        if (direct) s.hart.asid = asid;
        else s.hart.writeSatp('sv39', asid, s.tables.root);
      });
    } else if (op < 90) {
      const what = rng.nextInt(3);
      const v = rng.nextInt(2);
      bothTables((s) => {
        if (what === 0) s.hart.privilege = v === 0 ? 0 : 1;
        else if (what === 1) s.hart.sum = v === 1;
        else s.hart.mxr = v === 1;
      });
    } else if (op < 93) {
      const slot = rng.nextInt(a.tlb.capacity);
      const flags = rng.nextInt(128);
      bothTables((s) => s.tlb.setFlags(slot, flags));
    } else if (op < 97) {
      const vpn = Math.floor((pick(rng, vas) >>> 0) / 4096);
      const level = rng.nextInt(4) === 0 ? 1 : 0;
      const asid = rng.nextInt(2) === 0 ? a.hart.asid : 1 + rng.nextInt(3);
      // Often an entry that serves everything but S-mode access to user pages (R W X U A D), else any flags.
      const flags = rng.nextInt(2) === 0 ? 0x6f : rng.nextInt(128);
      const global = rng.nextInt(4) === 0;
      const ppn = BASE / 4096 + rng.nextInt(4096);
      const sa = a.tlb.insert(vpn, asid, level, ppn, flags, global);
      const sb = b.tlb.insert(vpn, asid, level, ppn, flags, global);
      expect(sa).toBe(sb);
    } else {
      expect(a.tlb.stats, `step ${step}: stats`).toEqual(b.tlb.stats);
    }
  }
  expect(a.tlb.stats).toEqual(b.tlb.stats);
  expect(a.hart.translations).toBe(b.hart.translations);
  expect(a.hart.walks).toBe(b.hart.walks);
  const entries = (s: Side) => {
    const out: string[] = [];
    s.tlb.forEach((e) => {
      out.push(JSON.stringify(e));
    });
    return out;
  };
  expect(entries(a)).toEqual(entries(b));
}

/** The replacement decisions of both policies, set by set (victim() has no side effects for these). */
function victims(tlb: SetAssociativeTlb): number[] {
  return Array.from({ length: tlb.sets }, (_, set) => tlb.policy.victim(set));
}

describe('Hart translation cache', () => {
  for (const policy of ['lru', 'plru', 'fifo', 'random'] as const) {
    it(`is invisible with the ${policy} policy (seeded programs)`, () => {
      for (let seed = 1; seed <= 12; seed++) {
        run(seed, () => ({ sets: 4, ways: 4, policy, rng: createRng(seed) }), 1500);
      }
    });
  }

  it('keeps every replacement decision of LRU and tree-PLRU', () => {
    for (const policy of ['lru', 'plru', 'fifo'] as const) {
      const make = (cached: boolean) => side(cached, { sets: 2, ways: 4, policy });
      const a = make(true);
      const b = make(false);
      for (const s of [a, b]) {
        for (let p = 0; p < 16; p++)
          s.tables.leaf(LOW[p] as number, 0, BASE / 4096 + 0x1000 + p, LEAF_BITS[0] as number);
        s.hart.writeSatp('sv39', 1, s.tables.root);
      }
      const rng = createRng(5);
      for (let i = 0; i < 3000; i++) {
        const va = LOW[rng.nextInt(rng.nextInt(3) === 0 ? 16 : 8)] as number;
        expect(a.hart.translate(va, 0)).toBe(b.hart.translate(va, 0));
        if (i % 97 === 0) expect(victims(a.tlb)).toEqual(victims(b.tlb));
      }
      expect(a.tlb.stats).toEqual(b.tlb.stats);
      expect(victims(a.tlb)).toEqual(victims(b.tlb));
    }
  });

  it('hands a policy that is not a built-in every hit as its own touch, in order', () => {
    const policies: RecordingPolicy[] = [];
    run(
      7,
      () => ({
        sets: 4,
        ways: 2,
        policy: () => {
          const p = new RecordingPolicy();
          policies.push(p);
          return p;
        },
      }),
      2000,
    );
    const [cached, plain] = policies as [RecordingPolicy, RecordingPolicy];
    expect(cached.calls.filter((c) => c.startsWith('touch')).length).toBeGreaterThan(100);
    expect(cached.calls).toEqual(plain.calls);
  });

  it('answers as the TLB does after an insert that shadows a cached superpage translation', () => {
    for (const cached of [true, false]) {
      const s = side(cached, { sets: 16, ways: 4, policy: 'lru' });
      s.tables.leaf(SUPER, 1, BASE / 4096 + 0x200, LEAF_BITS[0] as number);
      s.hart.writeSatp('sv39', 1, s.tables.root);
      const vpn = SUPER / 4096 + 3;
      expect(s.hart.translate(vpn * 4096, 0)).toBe((BASE / 4096 + 0x203) * 4096);
      expect(s.hart.translate(vpn * 4096, 0)).toBe((BASE / 4096 + 0x203) * 4096);
      // A 4 KiB entry for the same page: the TLB probes level 0 first, so it now answers.
      s.tlb.insert(vpn, 1, 0, BASE / 4096 + 0x999, 0x6f, false);
      expect(s.hart.translate(vpn * 4096, 0), `cached: ${cached}`).toBe((BASE / 4096 + 0x999) * 4096);
    }
  });

  it('serves hits from the cache and reports them as TLB hits', () => {
    const s = side(true, { sets: 16, ways: 4, policy: 'lru' });
    s.tables.leaf(0x1000_0000, 0, BASE / 4096 + 0x1000, LEAF_BITS[0] as number);
    s.hart.writeSatp('sv39', 1, s.tables.root);
    const pa = (BASE / 4096 + 0x1000) * 4096 + 0x123;
    for (let i = 0; i < 5000; i++) expect(s.hart.translate(0x1000_0123, 0)).toBe(pa);
    expect(s.tlb.stats.hits).toBe(4999);
    expect(s.tlb.stats.misses).toBe(1);
    expect(s.hart.walks).toBe(1);
  });
});
