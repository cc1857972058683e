import { Access } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { describe, expect, it } from 'vitest';
import { Hart, INVALID_ACCESS } from './hart.js';
import { PTE_A, PTE_D, PTE_G, PTE_R, PTE_U, PTE_W, PTE_X } from './pte.js';
import { Sv39, Sv48 } from './riscv-arch.js';
import { NoTlb, SetAssociativeTlb } from './set-associative-tlb.js';
import { TableBuilder } from './test-helpers.js';

const BASE = 0x8000_0000;
const DATA = BASE / 4096 + 0x2000;
const RWXAD = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
const VA = 0x4000_0000;

function setup(arch = Sv39) {
  const memory = new SparsePhysicalMemory({ base: BASE, size: 64 * 1024 * 1024 });
  const tb = new TableBuilder(memory, arch, BASE / 4096 + 1);
  const hart = new Hart({ id: 0, memory, tlb: new SetAssociativeTlb({ sets: 4, ways: 2 }), arch });
  expect(hart.writeSatp(arch.name as 'sv39' | 'sv48', 5, tb.root)).toBe(true);
  return { memory, tb, hart };
}

describe('Hart', () => {
  it('starts in S-mode with satp Bare and translates nothing', () => {
    const memory = new SparsePhysicalMemory({ base: BASE, size: 4096 * 16 });
    const hart = new Hart({ id: 3, memory, tlb: new NoTlb() });
    expect([hart.id, hart.privilege, hart.satpMode, hart.asid, hart.rootPpn]).toEqual([3, 1, 'bare', 0, 0]);
    expect(hart.translate(0x1234, Access.Load)).toBe(0x1234);
    expect(hart.translate(-8, Access.Store)).toBe(-7);
  });

  it('writeSatp with an unsupported MODE has no effect', () => {
    const { hart, tb } = setup();
    expect(hart.writeSatp('sv48', 1, 1)).toBe(false);
    expect(hart.writeSatp(10, 1, 1)).toBe(false);
    expect(hart.writeSatp('sv39', 0x10000, 1)).toBe(false);
    expect(hart.writeSatp('sv39', 1, 2 ** 44)).toBe(false);
    expect([hart.satpMode, hart.asid, hart.rootPpn]).toEqual(['sv39', 5, tb.root]);
    expect(hart.satp).toBe((8n << 60n) | (5n << 44n) | BigInt(tb.root));
    const sv48 = setup(Sv48).hart;
    expect(sv48.writeSatp(9, 1, 2)).toBe(true);
    expect(sv48.writeSatp(8, 1, 2)).toBe(true); // Sv48 implies Sv39
    expect(sv48.activeArch.name).toBe('sv39');
  });

  it('walks on a miss, hits the TLB afterwards, and counts', () => {
    const { hart, tb } = setup();
    tb.leaf(VA, 0, DATA, RWXAD);
    expect(hart.translate(VA + 0x10, Access.Load)).toBe(DATA * 4096 + 0x10);
    expect(hart.translate(VA + 0x20, Access.Load)).toBe(DATA * 4096 + 0x20);
    expect(hart.walks).toBe(1);
    expect(hart.translations).toBe(2);
    expect(hart.tlb.stats.hits).toBe(1);
  });

  it('keeps using a stale entry until sfence.vma, per page and per ASID', () => {
    const { hart, tb } = setup();
    tb.leaf(VA, 0, DATA, RWXAD);
    hart.translate(VA, Access.Load);
    tb.leaf(VA, 0, DATA + 1, RWXAD);
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096); // stale
    hart.sfenceVma(VA / 4096, 6); // other ASID: no effect
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096);
    hart.sfenceVma(VA / 4096, 5);
    expect(hart.translate(VA, Access.Load)).toBe((DATA + 1) * 4096);
  });

  it('ASID isolation: two address spaces with the same VA', () => {
    const { hart, tb, memory } = setup();
    tb.leaf(VA, 0, DATA, RWXAD);
    const other = new TableBuilder(memory, Sv39, BASE / 4096 + 0x1000);
    other.leaf(VA, 0, DATA + 7, RWXAD);
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096);
    hart.writeSatp('sv39', 6, other.root);
    expect(hart.translate(VA, Access.Load)).toBe((DATA + 7) * 4096);
    hart.writeSatp('sv39', 5, tb.root);
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096);
    expect(hart.walks).toBe(2);
  });

  it('global mappings survive an ASID flush but not a VA flush', () => {
    const { hart, tb } = setup();
    tb.leaf(VA, 0, DATA, RWXAD | PTE_G);
    hart.translate(VA, Access.Load);
    hart.sfenceVma(undefined, 5);
    hart.translate(VA, Access.Load);
    expect(hart.walks).toBe(1);
    hart.sfenceVma(VA / 4096);
    hart.translate(VA, Access.Load);
    expect(hart.walks).toBe(2);
    hart.sfenceVma();
    hart.translate(VA, Access.Load);
    expect(hart.walks).toBe(3);
  });

  it('re-walks a store to an entry cached clean and sets D in memory', () => {
    const { hart, tb } = setup();
    const addr = tb.leaf(VA, 0, DATA, PTE_R | PTE_W);
    hart.translate(VA, Access.Load);
    expect(tb.read(addr).lo & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(hart.translate(VA, Access.Store)).toBe(DATA * 4096);
    expect(hart.walks).toBe(2);
    expect(tb.read(addr).lo & PTE_D).toBe(PTE_D);
    hart.translate(VA, Access.Store);
    expect(hart.walks).toBe(2);
  });

  it('privilege, SUM and MXR act immediately, even on cached entries', () => {
    const { hart, tb } = setup();
    tb.leaf(VA, 0, DATA, PTE_R | PTE_W | PTE_A | PTE_D | PTE_U);
    hart.sum = true;
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096);
    hart.sum = false;
    expect(hart.translate(VA, Access.Load)).toBe(-13);
    expect(hart.fault).toEqual({ cause: 13, tval: VA });
    hart.privilege = 0;
    expect(hart.translate(VA, Access.Store)).toBe(DATA * 4096);
    expect(hart.translate(VA, Access.Fetch)).toBe(-12);
    tb.leaf(VA + 4096, 0, DATA, PTE_X | PTE_A | PTE_U);
    expect(hart.translate(VA + 4096, Access.Load)).toBe(-13);
    hart.mxr = true;
    expect(hart.translate(VA + 4096, Access.Load)).toBe(DATA * 4096);
  });

  it('Svade harts fault where hardware A/D would update', () => {
    const memory = new SparsePhysicalMemory({ base: BASE, size: 64 * 1024 * 1024 });
    const tb = new TableBuilder(memory, Sv39, BASE / 4096 + 1);
    const hart = new Hart({ id: 0, memory, adPolicy: 'svade' });
    hart.writeSatp('sv39', 0, tb.root);
    tb.leaf(VA, 0, DATA, PTE_R | PTE_W | PTE_A);
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096);
    expect(hart.translate(VA, Access.Store)).toBe(-15);
  });

  it('M-mode does not translate', () => {
    const { hart } = setup();
    hart.privilege = 3;
    expect(hart.translate(0x8000_1000, Access.Fetch)).toBe(0x8000_1000);
    hart.privilege = 7; // ignored
    expect(hart.privilege).toBe(3);
  });

  it('an access type other than 0, 1, 2 is INVALID_ACCESS on a TLB hit too', () => {
    const { hart, tb } = setup();
    tb.leaf(VA, 0, DATA, RWXAD);
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096); // cached
    for (const bad of [0.5, 3, -1, 2 ** 25, Number.NaN]) {
      expect(hart.translate(VA, bad)).toBe(INVALID_ACCESS);
      expect(hart.fault.cause).toBe(0);
    }
    expect(hart.walks).toBe(1);
  });

  it('a TLB that is not exactly a SetAssociativeTlb goes through the Tlb interface with the same answers', () => {
    class CountingTlb extends SetAssociativeTlb {
      lookups = 0;
      override lookup(vpn: number, asid: number): number {
        this.lookups++;
        return super.lookup(vpn, asid);
      }
    }
    const { memory, tb } = setup();
    const tlb = new CountingTlb({ sets: 4, ways: 2 });
    const hart = new Hart({ id: 1, memory, tlb });
    hart.writeSatp('sv39', 5, tb.root);
    tb.leaf(VA, 0, DATA, PTE_R | PTE_A); // read-only, D = 0
    expect(hart.translate(VA + 8, Access.Load)).toBe(DATA * 4096 + 8);
    expect(hart.translate(VA + 8, Access.Load)).toBe(DATA * 4096 + 8); // hit
    expect(hart.translate(VA, Access.Store)).toBe(-15); // cached rights lack the store: walks, faults
    expect(tlb.lookups).toBe(3);
    expect(hart.walks).toBe(2);
    expect(tlb.stats.hits).toBe(2);
  });

  it('bad access types and VAs answer with sentinels, never throw', () => {
    const { hart } = setup();
    expect(hart.translate(VA, 7)).toBe(INVALID_ACCESS);
    expect(hart.translate(Number.NaN, Access.Load)).toBe(-13);
    expect(hart.translate(2 ** 60, Access.Store)).toBe(-15);
    expect(hart.load32(2 ** 60)).toBe(-13);
  });

  it('loads, stores and fetches through the translation', () => {
    const { hart, tb, memory } = setup();
    tb.leaf(VA, 0, DATA, RWXAD);
    expect(hart.store32(VA + 8, 0xdeadbeef)).toBe(0);
    expect(memory.read32(DATA * 4096 + 8)).toBe(0xdeadbeef);
    expect(hart.load32(VA + 8)).toBe(0xdeadbeef);
    expect(hart.load16(VA + 8)).toBe(0xbeef);
    expect(hart.load8(VA + 11)).toBe(0xde);
    expect(hart.store64(VA + 16, 0x11223344, 0x55667788)).toBe(0);
    const out = { lo: 0, hi: 0 };
    expect(hart.load64(VA + 16, out)).toBe(0);
    expect(out).toEqual({ lo: 0x11223344, hi: 0x55667788 });
    expect(hart.fetch(VA + 8)).toBe(0xdeadbeef);
    expect(hart.store8(VA + 2 * 4096, 1)).toBe(-15);
    expect(hart.fault.tval).toBe(VA + 2 * 4096);
  });

  it('an access crossing into an unmapped page faults on the second page and writes nothing', () => {
    const { hart, tb, memory } = setup();
    tb.leaf(VA, 0, DATA, RWXAD);
    expect(hart.store32(VA + 4094, 0xaabbccdd)).toBe(-15);
    expect(hart.fault.tval).toBe(VA + 4096);
    expect(memory.read16(DATA * 4096 + 4094)).toBe(0);
    tb.leaf(VA + 4096, 0, DATA + 5, RWXAD);
    expect(hart.store32(VA + 4094, 0xaabbccdd)).toBe(0);
    expect(memory.read16(DATA * 4096 + 4094)).toBe(0xccdd);
    expect(memory.read16((DATA + 5) * 4096)).toBe(0xaabb);
    expect(hart.load32(VA + 4094)).toBe(0xaabbccdd);
  });

  it('an access whose PA is not memory is an access fault', () => {
    const { hart, tb } = setup();
    tb.leaf(VA, 0, 0x200000, RWXAD); // PA 0x2_0000_0000: not RAM
    expect(hart.load32(VA)).toBe(-5);
    expect(hart.store32(VA, 1)).toBe(-7);
    expect(hart.fetch(VA)).toBe(-1);
  });

  it('several harts share one memory, each with its own TLB', () => {
    const { hart, tb, memory } = setup();
    const other = new Hart({ id: 1, memory });
    other.writeSatp('sv39', 5, tb.root);
    tb.leaf(VA, 0, DATA, RWXAD);
    expect(hart.store32(VA, 42)).toBe(0);
    expect(other.load32(VA)).toBe(42);
    tb.leaf(VA, 0, DATA + 1, RWXAD);
    other.sfenceVma(VA / 4096);
    expect(other.load32(VA)).toBe(0);
    expect(hart.load32(VA)).toBe(42); // still stale on hart 0
  });

  it('sfenceVma normalises upper-half pages and ignores invalid ones', () => {
    const { hart, tb } = setup();
    const va = -0x10000;
    tb.leaf(va, 0, DATA, RWXAD);
    hart.translate(va, Access.Load);
    hart.sfenceVma(Number.NaN);
    hart.sfenceVma(va / 4096);
    hart.translate(va, Access.Load);
    expect(hart.walks).toBe(2);
  });
});
