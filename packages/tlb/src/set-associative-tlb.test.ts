import { createRng, PteFlag, TLB_MISS, type Tlb } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import {
  createReplacementPolicy,
  FifoPolicy,
  LruPolicy,
  NoTlb,
  parseTlbSpec,
  RandomPolicy,
  REPLACEMENT_POLICY_NAMES,
  SetAssociativeTlb,
  TreePlruPolicy,
} from './index.js';

const RW = PteFlag.Read | PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty;

function entries(tlb: Tlb) {
  const list: { vpn: number; asid: number; level: number; global: boolean }[] = [];
  tlb.forEach((e) => {
    list.push({ vpn: e.vpn, asid: e.asid, level: e.level, global: e.global });
  });
  return list.sort((a, b) => a.vpn - b.vpn || a.asid - b.asid);
}

describe('SetAssociativeTlb', () => {
  it('hits after insert and translates 4 KiB entries', () => {
    const tlb = new SetAssociativeTlb({ sets: 4, ways: 2 });
    expect(tlb.capacity).toBe(8);
    expect(tlb.lookup(0x123, 1)).toBe(TLB_MISS);
    tlb.insert(0x123, 1, 0, 0x80000, RW, false);
    const slot = tlb.lookup(0x123, 1);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(tlb.translate(slot, 0x123)).toBe(0x80000);
    expect(tlb.flagsOf(slot)).toBe(RW);
    expect(tlb.stats).toMatchObject({ hits: 1, misses: 1, fills: 1 });
  });

  it('ASID isolation: the same VPN in two ASIDs never sees the other entry', () => {
    const tlb = new SetAssociativeTlb({ sets: 1, ways: 4 });
    tlb.insert(0x10, 1, 0, 0x100, RW, false);
    expect(tlb.lookup(0x10, 2)).toBe(TLB_MISS);
    tlb.insert(0x10, 2, 0, 0x200, RW, false);
    expect(tlb.translate(tlb.lookup(0x10, 1), 0x10)).toBe(0x100);
    expect(tlb.translate(tlb.lookup(0x10, 2), 0x10)).toBe(0x200);
    // Re-inserting for the same ASID replaces, never duplicates.
    tlb.insert(0x10, 1, 0, 0x300, RW, false);
    expect(entries(tlb)).toHaveLength(2);
    expect(tlb.translate(tlb.lookup(0x10, 1), 0x10)).toBe(0x300);
  });

  it('global entries match every ASID', () => {
    const tlb = new SetAssociativeTlb({ sets: 2, ways: 2 });
    tlb.insert(0x20, 7, 0, 0x400, RW, true);
    for (const asid of [0, 7, 0xffff]) expect(tlb.lookup(0x20, asid)).toBeGreaterThanOrEqual(0);
    expect(tlb.flagsOf(tlb.lookup(0x20, 1)) & PteFlag.Global).toBe(PteFlag.Global);
  });

  it('superpage entries cover every page inside them, aligned', () => {
    const tlb = new SetAssociativeTlb({ sets: 8, ways: 2 });
    // A 2 MiB page given through a page in its middle.
    tlb.insert(0x200 + 0x17, 3, 1, 0x80200 + 0x17, RW, false);
    for (const vpn of [0x200, 0x217, 0x3ff]) {
      const slot = tlb.lookup(vpn, 3);
      expect(slot).toBeGreaterThanOrEqual(0);
      expect(tlb.translate(slot, vpn)).toBe(0x80200 + (vpn - 0x200));
    }
    expect(tlb.lookup(0x400, 3)).toBe(TLB_MISS);
    expect(tlb.lookup(0x1ff, 3)).toBe(TLB_MISS);
    // A 1 GiB page.
    tlb.insert(512 * 512 * 5 + 12345, 3, 2, 512 * 512 * 9, RW, false);
    const slot = tlb.lookup(512 * 512 * 5 + 999, 3);
    expect(tlb.translate(slot, 512 * 512 * 5 + 999)).toBe(512 * 512 * 9 + 999);
    expect(entries(tlb).map((e) => [e.vpn, e.level])).toEqual([
      [0x200, 1],
      [512 * 512 * 5, 2],
    ]);
  });

  it('VPNs above 2^32 (Sv48) are tagged exactly', () => {
    const tlb = new SetAssociativeTlb({ sets: 4, ways: 1 });
    const vpn = 2 ** 35 + 4;
    tlb.insert(vpn, 0, 0, 1, RW, false);
    expect(tlb.lookup(4, 0)).toBe(TLB_MISS);
    expect(tlb.lookup(vpn, 0)).toBeGreaterThanOrEqual(0);
  });

  describe('flushes', () => {
    function filled() {
      const tlb = new SetAssociativeTlb({ sets: 4, ways: 4 });
      tlb.insert(0x1, 1, 0, 0x11, RW, false);
      tlb.insert(0x1, 2, 0, 0x12, RW, false);
      tlb.insert(0x2, 1, 0, 0x21, RW, false);
      tlb.insert(0x1, 9, 0, 0x13, RW, true); // global
      tlb.insert(0x400, 1, 1, 0x800, RW, false); // 2 MiB page covering 0x400..0x5ff
      return tlb;
    }

    it('flushAll removes everything', () => {
      const tlb = filled();
      tlb.flushAll();
      expect(entries(tlb)).toEqual([]);
      expect(tlb.stats.flushAll).toBe(1);
      expect(tlb.stats.invalidated).toBe(5);
    });

    it('flushAsid removes that ASID non-global entries only', () => {
      const tlb = filled();
      tlb.flushAsid(1);
      expect(entries(tlb)).toEqual([
        { vpn: 1, asid: 2, level: 0, global: false },
        { vpn: 1, asid: 9, level: 0, global: true },
      ]);
      expect(tlb.stats.flushAsid).toBe(1);
    });

    it('flushAsid(asid of a global entry) keeps the global entry', () => {
      const tlb = filled();
      tlb.flushAsid(9);
      expect(entries(tlb)).toHaveLength(5);
    });

    it('flushVa removes the page in every ASID, global included', () => {
      const tlb = filled();
      tlb.flushVa(0x1);
      expect(entries(tlb).map((e) => e.vpn)).toEqual([0x2, 0x400]);
    });

    it('flushVa on a page inside a superpage removes the superpage', () => {
      const tlb = filled();
      tlb.flushVa(0x4ab);
      expect(entries(tlb).map((e) => e.vpn)).toEqual([1, 1, 1, 2]);
      expect(tlb.lookup(0x4ab, 1)).toBe(TLB_MISS);
    });

    it('flushVaAsid removes only that ASID non-global entry for the page', () => {
      const tlb = filled();
      tlb.flushVaAsid(0x1, 1);
      expect(entries(tlb)).toEqual([
        { vpn: 1, asid: 2, level: 0, global: false },
        { vpn: 1, asid: 9, level: 0, global: true },
        { vpn: 2, asid: 1, level: 0, global: false },
        { vpn: 0x400, asid: 1, level: 1, global: false },
      ]);
      tlb.flushVaAsid(0x1, 9);
      expect(tlb.lookup(0x1, 9)).toBeGreaterThanOrEqual(0);
      tlb.flushVaAsid(0x5ff, 1);
      expect(tlb.lookup(0x400, 1)).toBe(TLB_MISS);
      expect(tlb.stats.flushVaAsid).toBe(3);
    });
  });

  it('counts evictions when a set is full', () => {
    const tlb = new SetAssociativeTlb({ sets: 1, ways: 2 });
    tlb.insert(1, 0, 0, 1, RW, false);
    tlb.insert(2, 0, 0, 2, RW, false);
    tlb.insert(3, 0, 0, 3, RW, false);
    expect(tlb.stats.evictions).toBe(1);
    expect(entries(tlb)).toHaveLength(2);
  });

  it('direct-mapped: pages with the same index evict each other', () => {
    const tlb = new SetAssociativeTlb({ sets: 4, ways: 1 });
    tlb.insert(1, 0, 0, 1, RW, false);
    tlb.insert(5, 0, 0, 5, RW, false);
    expect(tlb.lookup(1, 0)).toBe(TLB_MISS);
    tlb.insert(2, 0, 0, 2, RW, false);
    expect(tlb.lookup(5, 0)).toBeGreaterThanOrEqual(0);
  });

  it('setFlags updates the cached flags but keeps the global tag', () => {
    const tlb = new SetAssociativeTlb({ sets: 1, ways: 1 });
    const s = tlb.insert(1, 0, 0, 1, PteFlag.Read, true);
    tlb.setFlags(s, PteFlag.Read | PteFlag.Dirty);
    expect(tlb.flagsOf(s)).toBe(PteFlag.Read | PteFlag.Dirty | PteFlag.Global);
  });

  it('rejects bad geometry and bad inserts without state change', () => {
    expect(() => new SetAssociativeTlb({ sets: 3, ways: 1 })).toThrow(RangeError);
    expect(() => new SetAssociativeTlb({ sets: 4, ways: 0 })).toThrow(RangeError);
    expect(() => new SetAssociativeTlb({ sets: 4, ways: 3, policy: 'plru' })).toThrow(/power-of-two/);
    const tlb = new SetAssociativeTlb({ sets: 1, ways: 1 });
    expect(tlb.insert(1, 0, 9, 1, RW, false)).toBe(TLB_MISS);
    expect(tlb.insert(-1, 0, 0, 1, RW, false)).toBe(TLB_MISS);
    expect(entries(tlb)).toEqual([]);
  });
});

describe('replacement policies', () => {
  /** Fill a 1-set, 4-way TLB with pages 0..3, touch some, insert page 4, and report which page was evicted. */
  function evicted(policy: string, touches: number[]): number {
    const tlb = new SetAssociativeTlb({ sets: 1, ways: 4, policy, rng: createRng(42) });
    for (let p = 0; p < 4; p++) tlb.insert(p, 0, 0, p, RW, false);
    for (const p of touches) tlb.lookup(p, 0);
    tlb.insert(4, 0, 0, 4, RW, false);
    const present = new Set(entries(tlb).map((e) => e.vpn));
    const gone = [0, 1, 2, 3].filter((p) => !present.has(p));
    expect(gone).toHaveLength(1);
    return gone[0] as number;
  }

  it('LRU evicts the least recently used', () => {
    expect(evicted('lru', [0, 1, 3])).toBe(2);
    expect(evicted('lru', [])).toBe(0);
  });

  it('FIFO evicts the oldest fill regardless of hits', () => {
    expect(evicted('fifo', [0, 1, 2, 3, 0])).toBe(0);
  });

  it('tree-PLRU evicts a way not on the most recent paths', () => {
    // Touching 0 then 2: the root points left (away from 2), the left pair's node away from 0 → way 1.
    expect(evicted('plru', [0, 2])).toBe(1);
    expect(evicted('plru', [3, 1])).toBe(2);
  });

  it('random is reproducible with a seed and covers every way', () => {
    const seen = new Set<number>();
    const pick = (seed: number) => {
      const p = new RandomPolicy(createRng(seed));
      p.attach(1, 4);
      return [p.victim(0), p.victim(0), p.victim(0), p.victim(0)];
    };
    expect(pick(7)).toEqual(pick(7));
    for (let seed = 0; seed < 50; seed++) for (const v of pick(seed)) seen.add(v);
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  });

  it('names map to the classes; unknown names are rejected', () => {
    expect(createReplacementPolicy('lru')).toBeInstanceOf(LruPolicy);
    expect(createReplacementPolicy('fifo')).toBeInstanceOf(FifoPolicy);
    expect(createReplacementPolicy('plru')).toBeInstanceOf(TreePlruPolicy);
    expect(REPLACEMENT_POLICY_NAMES).toContain('random');
    expect(() => createReplacementPolicy('mru')).toThrow(/unknown TLB replacement policy/);
  });
});

describe('parseTlbSpec', () => {
  it('parses SETSxWAYS:POLICY', () => {
    const tlb = parseTlbSpec('16x4:lru') as SetAssociativeTlb;
    expect([tlb.sets, tlb.ways, tlb.capacity, tlb.policy.name]).toEqual([16, 4, 64, 'lru']);
    const fa = parseTlbSpec('1x32:fifo') as SetAssociativeTlb;
    expect([fa.sets, fa.ways, fa.policy.name]).toEqual([1, 32, 'fifo']);
    expect((parseTlbSpec(' 64x1 ') as SetAssociativeTlb).policy.name).toBe('lru');
    expect(parseTlbSpec('off')).toBeInstanceOf(NoTlb);
  });

  it.each(['', '16', '16x', 'x4', '16x4:', '16x4:mru', '3x4:lru', '16x0', '-1x4', '16x4:lru:extra'])(
    'rejects %j with a clear RangeError',
    (spec) => {
      expect(() => parseTlbSpec(spec)).toThrow(RangeError);
    },
  );
});

describe('NoTlb', () => {
  it('never holds anything', () => {
    const tlb = new NoTlb();
    tlb.insert(1, 0, 0, 1, RW, false);
    expect(tlb.lookup(1, 0)).toBe(TLB_MISS);
    expect(tlb.stats.misses).toBe(1);
  });
});
