import { describe, expect, it } from 'vitest';
import { PteFlag, type PteFlags } from '../hardware.js';
import { emptyTlbStats, TLB_MISS, type Tlb, type TlbEntryView, type TlbStats } from '../tlb.js';
import { assertContract, ContractViolationError } from './kit.js';
import { checkTlb, TLB_RULES } from './tlb-kit.js';

interface Entry {
  vpn: number;
  asid: number;
  level: number;
  ppn: number;
  flags: number;
  global: boolean;
}

/**
 * The simplest TLB that keeps every rule: a fully associative list of at most `capacity` entries, the oldest
 * replaced first. The broken variants below each change one behaviour.
 */
class ReferenceTlb implements Tlb {
  readonly stats: TlbStats = emptyTlbStats();
  protected slots: (Entry | null)[];
  protected next = 0;

  constructor(size = 8) {
    this.slots = new Array<Entry | null>(size).fill(null);
  }

  get capacity(): number {
    return this.slots.length;
  }

  protected matches(e: Entry, vpn: number, asid: number): boolean {
    const n = 512 ** e.level;
    return vpn >= e.vpn && vpn < e.vpn + n && (e.global || e.asid === asid);
  }

  lookup(vpn: number, asid: number): number {
    for (let s = 0; s < this.slots.length; s++) {
      const e = this.slots[s];
      if (e && this.matches(e, vpn, asid)) {
        this.stats.hits++;
        return s;
      }
    }
    this.stats.misses++;
    return TLB_MISS;
  }
  translate(slot: number, vpn: number): number {
    const e = this.slots[slot];
    return e ? e.ppn + (vpn - e.vpn) : -1;
  }
  flagsOf(slot: number): PteFlags {
    return this.slots[slot]?.flags ?? 0;
  }
  setFlags(slot: number, flags: PteFlags): void {
    const e = this.slots[slot];
    if (e) e.flags = flags & ~PteFlag.Global;
  }
  protected key(e: Entry, vpn: number, asid: number, level: number, global: boolean): boolean {
    return e.vpn === vpn && e.level === level && e.global === global && (global || e.asid === asid);
  }
  insert(vpn: number, asid: number, level: number, ppn: number, flags: PteFlags, global: boolean): number {
    if (this.capacity === 0 || !(Number.isInteger(level) && level >= 0 && level <= 4)) return TLB_MISS;
    if (!(Number.isInteger(vpn) && vpn >= 0 && Number.isInteger(ppn) && ppn >= 0)) return TLB_MISS;
    const n = 512 ** level;
    const first = Math.floor(vpn / n) * n;
    const entry = { vpn: first, asid, level, ppn: Math.floor(ppn / n) * n, flags: flags & 0x6f, global };
    this.stats.fills++;
    let s = this.slots.findIndex((e) => e !== null && this.key(e, first, asid, level, global));
    if (s < 0) s = this.slots.indexOf(null);
    if (s < 0) {
      s = this.next;
      this.next = (this.next + 1) % this.slots.length;
      this.stats.evictions++;
    }
    this.slots[s] = entry;
    return s;
  }
  protected remove(keep: (e: Entry) => boolean): void {
    for (let s = 0; s < this.slots.length; s++) {
      const e = this.slots[s];
      if (e && !keep(e)) {
        this.slots[s] = null;
        this.stats.invalidated++;
      }
    }
  }
  flushAll(): void {
    this.stats.flushAll++;
    this.remove(() => false);
  }
  flushAsid(asid: number): void {
    this.stats.flushAsid++;
    this.remove((e) => e.global || e.asid !== asid);
  }
  protected covers(e: Entry, vpn: number): boolean {
    return vpn >= e.vpn && vpn < e.vpn + 512 ** e.level;
  }
  flushVa(vpn: number): void {
    this.stats.flushVa++;
    this.remove((e) => !this.covers(e, vpn));
  }
  flushVaAsid(vpn: number, asid: number): void {
    this.stats.flushVaAsid++;
    this.remove((e) => !this.covers(e, vpn) || e.global || e.asid !== asid);
  }
  forEach(visit: (entry: TlbEntryView) => void): void {
    for (const e of this.slots) {
      if (e) visit({ ...e, flags: e.flags | (e.global ? PteFlag.Global : 0) });
    }
  }
  resetStats(): void {
    Object.assign(this.stats, emptyTlbStats());
  }
}

/** One deliberately broken TLB per rule: each breaks exactly the rule it is filed under. */
const BROKEN: Record<string, () => Tlb> = {
  'never-throws': () =>
    new (class extends ReferenceTlb {
      override flushVa(vpn: number): void {
        if (Number.isNaN(vpn)) throw new RangeError('vpn is NaN');
        super.flushVa(vpn);
      }
    })(),
  capacity: () =>
    new (class extends ReferenceTlb {
      // Claims 7 entries, holds 8.
      override get capacity(): number {
        return this.slots.length - 1;
      }
    })(8),
  'insert-lookup': () =>
    new (class extends ReferenceTlb {
      override insert(vpn: number, asid: number, l: number, ppn: number, f: PteFlags, g: boolean): number {
        super.insert(vpn, asid, l, ppn, f, g);
        return TLB_MISS;
      }
    })(),
  'asid-tagged': () =>
    new (class extends ReferenceTlb {
      protected override matches(e: Entry, vpn: number, _asid: number): boolean {
        return vpn >= e.vpn && vpn < e.vpn + 512 ** e.level;
      }
    })(),
  'global-every-asid': () =>
    new (class extends ReferenceTlb {
      // Global entries compare only the low 12 ASID bits.
      protected override matches(e: Entry, vpn: number, asid: number): boolean {
        const tagged = e.global ? e.asid === asid || asid < 0x1000 : e.asid === asid;
        return vpn >= e.vpn && vpn < e.vpn + 512 ** e.level && tagged;
      }
    })(),
  'one-per-key': () =>
    new (class extends ReferenceTlb {
      protected override key(): boolean {
        return false;
      }
    })(),
  'set-flags': () =>
    new (class extends ReferenceTlb {
      override setFlags(): void {}
    })(),
  'flush-all': () =>
    new (class extends ReferenceTlb {
      override flushAll(): void {
        this.stats.flushAll++;
        this.remove((e) => e.global);
      }
    })(),
  'flush-asid': () =>
    new (class extends ReferenceTlb {
      override flushAsid(asid: number): void {
        this.stats.flushAsid++;
        this.remove((e) => e.asid !== asid);
      }
    })(),
  'flush-va': () =>
    new (class extends ReferenceTlb {
      override flushVa(vpn: number): void {
        this.stats.flushVa++;
        this.remove((e) => !this.covers(e, vpn) || e.global);
      }
    })(),
  'flush-va-asid': () =>
    new (class extends ReferenceTlb {
      override flushVaAsid(vpn: number, _asid: number): void {
        this.stats.flushVaAsid++;
        this.remove((e) => !this.covers(e, vpn) || e.global);
      }
    })(),
  superpage: () =>
    new (class extends ReferenceTlb {
      override translate(slot: number, vpn: number): number {
        const e = this.slots[slot];
        return e ? (e.level > 0 ? e.ppn : e.ppn + (vpn - e.vpn)) : -1;
      }
    })(),
  'for-each': () =>
    new (class extends ReferenceTlb {
      override forEach(visit: (entry: TlbEntryView) => void): void {
        super.forEach((e) => {
          visit({ ...e, level: 0 });
        });
      }
    })(),
  stats: () =>
    new (class extends ReferenceTlb {
      override flushVaAsid(vpn: number, asid: number): void {
        super.flushVaAsid(vpn, asid);
        this.stats.flushVaAsid--;
      }
    })(),
};

describe('Tlb contract kit', () => {
  it('passes the reference TLB, at several capacities, and one that caches nothing', () => {
    for (const capacity of [4, 8, 64]) {
      const report = checkTlb(() => new ReferenceTlb(capacity), {
        name: `reference/${capacity}`,
        maxLevel: 4,
      });
      expect(report.failed).toEqual([]);
      expect(report.passed).toEqual(TLB_RULES.map((r) => r.id));
    }
    expect(checkTlb(() => new ReferenceTlb(0), { name: 'off' }).failed).toEqual([]);
  });

  it('has one broken TLB per rule', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(TLB_RULES.map((r) => r.id).sort());
  });

  it.each(Object.keys(BROKEN))('names exactly the rule %s when only it is broken', (rule) => {
    const report = checkTlb(BROKEN[rule] as () => Tlb, { name: rule, maxLevel: 4 });
    expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    expect(() => assertContract(report)).toThrow(ContractViolationError);
  });

  it('reports a factory that returns nothing on every rule, and refuses a bad maxLevel', () => {
    const report = checkTlb(() => undefined as unknown as Tlb);
    expect(report.passed).toEqual([]);
    expect(report.failed).toHaveLength(TLB_RULES.length);
    expect(() => checkTlb(() => new ReferenceTlb(), { maxLevel: 5 })).toThrow(RangeError);
  });

  it('states every rule in words', () => {
    for (const r of TLB_RULES) {
      expect(r.id).toMatch(/^[a-z-]+$/);
      expect(r.text.length).toBeGreaterThan(20);
    }
  });
});
