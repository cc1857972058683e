import type { MmuHart, U64Pair } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { NoTlb, SetAssociativeTlb } from '@pagewright/tlb';
import { describe, expect, it } from 'vitest';
import { PfError, X86Vector } from './fault.js';
import { X86_A, X86_D, X86_G, X86_RW, X86_US } from './pte.js';
import { X86TableBuilder } from './test-helpers.js';
import { QEMU_WALK_OPTIONS } from './walk.js';
import { X86_64, X86_64_LA57 } from './x86-arch.js';
import { Cr0, Cr4, createX86Cpu, Efer, INVALID_ACCESS, X86Cpu, type X86CpuOptions } from './x86-cpu.js';

const XD = 0x8000_0000;
const DATA = 0x1000; // first data frame
const VA = 0x40_0000; // a user-half test address

function setup(options: Partial<X86CpuOptions> = {}) {
  const memory = new SparsePhysicalMemory({ base: 0, size: 64 * 1024 * 1024 });
  const arch = options.arch ?? X86_64;
  const tables = new X86TableBuilder(memory, arch, 0x100);
  const cpu = new X86Cpu({
    id: 0,
    memory,
    tlb: new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' }),
    ...options,
  });
  expect(cpu.loadCr3(tables.root, 0)).toBe(true);
  return { memory, tables, cpu };
}

describe('X86Cpu translation and access rights (SDM 4.6)', () => {
  it('translates through every level and sets A on each entry, D on the leaf for a store', () => {
    const { tables, cpu } = setup();
    const leaf = tables.map(VA, 0, DATA, X86_RW);
    expect(cpu.translate(VA + 0x123, 0)).toBe(DATA * 4096 + 0x123);
    expect(tables.read(leaf)[0] & (X86_A | X86_D)).toBe(X86_A);
    const root = tables.root * 4096;
    expect(tables.read(root)[0] & X86_A).toBe(X86_A);
    expect(cpu.translate(VA, 1)).toBe(DATA * 4096);
    expect(tables.read(leaf)[0] & (X86_A | X86_D)).toBe(X86_A | X86_D);
    expect(tables.read(root)[0] & X86_D).toBe(0); // table entries never get D
  });

  it('a faulting access writes no A/D bit (SDM semantics), QEMU walk options set table A during the walk', () => {
    for (const [walkOptions, tableA] of [
      [undefined, 0],
      [QEMU_WALK_OPTIONS, X86_A],
    ] as const) {
      const { tables, cpu } = setup({ walkOptions });
      const leaf = tables.map(VA, 0, DATA, 0); // read-only, supervisor
      expect(cpu.translate(VA, 1)).toBe(-14);
      expect(cpu.fault).toMatchObject({ vector: 14, errorCode: PfError.P | PfError.W, cr2: VA });
      expect(tables.read(leaf)[0] & X86_A).toBe(0);
      expect(tables.read(tables.root * 4096)[0] & X86_A).toBe(tableA);
    }
  });

  it('CR0.WP: supervisor writes to read-only pages succeed only with WP = 0', () => {
    const { tables, cpu } = setup();
    tables.map(VA, 0, DATA, X86_US);
    expect(cpu.translate(VA, 1)).toBe(-14);
    expect(cpu.writeCr0(cpu.cr0 & ~Cr0.WP)).toBe(true);
    expect(cpu.translate(VA, 1)).toBe(DATA * 4096);
    cpu.cpl = 3;
    expect(cpu.translate(VA, 1)).toBe(-14); // user writes always honour R/W
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.W | PfError.U);
  });

  it('rights combine across levels: a read-only or supervisor table entry restricts the leaf', () => {
    const { tables, cpu } = setup();
    tables.map(VA, 0, DATA, X86_RW | X86_US);
    const pde = tables.entryAddr(VA, 1);
    const [lo, hi] = tables.read(pde);
    tables.memory.write64(pde, lo & ~X86_US, hi);
    cpu.cpl = 3;
    expect(cpu.translate(VA, 0)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.U);
    tables.memory.write64(pde, (lo & ~X86_RW) >>> 0, hi);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    expect(cpu.translate(VA, 1)).toBe(-14);
  });

  it('SMEP: supervisor fetches from user pages fault with I = 1', () => {
    const { tables, cpu } = setup();
    tables.map(VA, 0, DATA, X86_US);
    expect(cpu.translate(VA, 2)).toBe(DATA * 4096);
    expect(cpu.writeCr4(cpu.cr4 | Cr4.SMEP)).toBe(true);
    expect(cpu.translate(VA, 2)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.I);
  });

  it('SMAP: supervisor data accesses to user pages need RFLAGS.AC, implicit ones are always blocked', () => {
    const { tables, cpu } = setup({ smap: true });
    tables.map(VA, 0, DATA, X86_US | X86_RW);
    expect(cpu.translate(VA, 0)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P);
    cpu.ac = true;
    expect(cpu.translate(VA, 1)).toBe(DATA * 4096);
    expect(cpu.translateImplicit(VA, 0)).toBe(-14);
    cpu.cpl = 3;
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    expect(cpu.translateImplicit(VA, 0)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P); // implicit supervisor access: U = 0
  });

  it('EFER.NXE: XD forbids fetches; without NXE, XD is a reserved bit (RSVD with P = 1 on the SDM)', () => {
    const { tables, cpu } = setup();
    tables.map(VA, 0, DATA, X86_RW, XD);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    expect(cpu.translate(VA, 2)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.I);
    expect(cpu.writeEfer(cpu.efer & ~Efer.NXE)).toBe(true);
    expect(cpu.translate(VA, 0)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.RSVD);
    tables.map(VA, 0, DATA, X86_RW);
    expect(cpu.translate(VA, 2)).toBe(DATA * 4096);
  });

  it('not-present entries fault with P = 0; user accesses to supervisor pages with P = 1, U = 1', () => {
    const { tables, cpu } = setup();
    expect(cpu.translate(VA, 0)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(0);
    tables.map(VA, 0, DATA, X86_RW);
    cpu.enterUserMode();
    expect(cpu.userMode).toBe(true);
    expect(cpu.translate(VA, 1)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.W | PfError.U);
  });

  it('protection keys: AD blocks data accesses to user pages, WD blocks writes (supervisor ones only with WP)', () => {
    const { tables, cpu } = setup({ pke: true });
    tables.map(VA, 0, DATA, X86_RW | X86_US | X86_A | X86_D, 3 << 27); // key 3
    cpu.pkru = 1 << 6; // AD3
    expect(cpu.translate(VA, 0)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.PK);
    expect(cpu.translate(VA, 2)).toBe(DATA * 4096); // fetches ignore keys
    cpu.pkru = 1 << 7; // WD3
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    expect(cpu.translate(VA, 1)).toBe(-14);
    expect(cpu.writeCr0(cpu.cr0 & ~Cr0.WP)).toBe(true);
    expect(cpu.translate(VA, 1)).toBe(DATA * 4096);
    cpu.cpl = 3;
    expect(cpu.translate(VA, 1)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.W | PfError.U | PfError.PK);
  });

  it('large pages: 2 MiB and 1 GiB leaves translate; a misaligned frame is a reserved-bit fault', () => {
    const { tables, cpu } = setup();
    tables.map(0x4000_0000, 2, 0x40000, X86_RW); // 1 GiB at 1 GiB
    tables.map(0x80_0000, 1, 0x1200, X86_RW); // 2 MiB
    expect(cpu.translate(0x4012_3456, 0)).toBe(0x4012_3456);
    expect(cpu.translate(0x81_2345, 0)).toBe(0x1200 * 4096 + 0x1_2345);
    tables.map(0xa0_0000, 1, 0x1201, X86_RW); // bit 12 of a large leaf is PAT, not part of the frame
    expect(cpu.translate(0xa0_0010, 0)).toBe(0x1200 * 4096 + 0x10);
    tables.map(0xc0_0000, 1, 0x1202, X86_RW); // bit 13: a misaligned frame
    expect(cpu.translate(0xc0_0000, 0)).toBe(-14);
    expect(cpu.fault.errorCode).toBe(PfError.P | PfError.RSVD);
  });

  it('a non-canonical address is #GP(0) and leaves CR2 alone', () => {
    const { cpu } = setup();
    expect(cpu.translate(VA, 0)).toBe(-14);
    expect(cpu.translate(2 ** 47, 0)).toBe(-13);
    expect(cpu.fault).toMatchObject({ vector: X86Vector.GeneralProtection, errorCode: 0, cr2: VA });
    expect(cpu.translate(0.5, 0)).toBe(-13);
    expect(cpu.translate(VA, 7)).toBe(INVALID_ACCESS);
  });

  it('upper-half addresses (negative numbers) and LA57 addresses beyond 2^53 through translateAt', () => {
    const { tables, cpu } = setup();
    tables.map(-(2 ** 47), 0, DATA, X86_RW);
    expect(cpu.translate(-(2 ** 47) + 8, 0)).toBe(DATA * 4096 + 8);
    const five = setup({ arch: X86_64_LA57, la57: true });
    const vpn = 2 ** 44 - 3; // 0x00ff_ffff_ffff_d000
    five.tables.map(vpn * 4096, 0, DATA + 1, X86_RW);
    expect(five.cpu.activeArch).toBe(X86_64_LA57);
    expect(five.cpu.translateAt(vpn, 0xff8, 0)).toBe((DATA + 1) * 4096 + 0xff8);
    expect(five.cpu.translateAt(2 ** 44, 0, 0)).toBe(-13);
  });

  it('accessors: loads and stores through the MMU, page-crossing accesses, #MC outside memory', () => {
    const { tables, cpu } = setup();
    tables.map(VA, 0, DATA, X86_RW);
    tables.map(VA + 4096, 0, DATA + 7, X86_RW);
    tables.map(VA + 8192, 0, 0x10_0000, X86_RW); // beyond the 64 MiB of RAM
    const word: U64Pair = { lo: 0, hi: 0 };
    expect(cpu.store64(VA + 4092, 0x1122_3344, 0x5566_7788)).toBe(0);
    expect(cpu.load64(VA + 4092, word)).toBe(0);
    expect(word).toEqual({ lo: 0x1122_3344, hi: 0x5566_7788 });
    expect(cpu.load32(VA + 4096)).toBe(0x5566_7788);
    expect(cpu.store8(VA + 1, 0x1ff)).toBe(0);
    expect(cpu.load8(VA + 1)).toBe(0xff);
    expect(cpu.load16(VA + 8192)).toBe(-X86Vector.MachineCheck);
    expect(cpu.store32(VA + 8192 * 4, 1)).toBe(-14);
  });

  it('control-register writes the SDM forbids are #GP and change nothing', () => {
    const { cpu } = setup({ pcide: true });
    const before = [cpu.cr0, cpu.cr4, cpu.efer, cpu.cr3];
    expect(cpu.writeCr4(cpu.cr4 | Cr4.LA57)).toBe(false); // no 5-level hardware
    expect(cpu.writeCr4(cpu.cr4 & ~Cr4.PAE)).toBe(false); // PAE in IA-32e mode
    expect(cpu.writeCr4(cpu.cr4 | 0x1)).toBe(false); // not modelled
    expect(cpu.writeCr0(cpu.cr0 & ~Cr0.PG)).toBe(false); // PG with PCIDE
    expect(cpu.writeEfer(cpu.efer & ~Efer.LME)).toBe(false);
    expect(cpu.loadCr3(2 ** 28, 0)).toBe(false); // beyond MAXPHYADDR
    expect(cpu.loadCr3(1, 4096)).toBe(false);
    expect(cpu.writeCr3(1n << 52n)).toBe(false);
    expect([cpu.cr0, cpu.cr4, cpu.efer, cpu.cr3]).toEqual(before);
    const five = setup({ arch: X86_64_LA57 }).cpu;
    expect(five.writeCr4(five.cr4 | Cr4.LA57)).toBe(false); // in IA-32e mode
    expect(five.writeCr0(Cr0.PE | Cr0.WP)).toBe(true);
    expect(five.translating).toBe(false);
    expect(five.efer & Efer.LMA).toBe(0);
    expect(five.writeCr4(five.cr4 | Cr4.LA57)).toBe(true);
    expect(five.writeCr0(Cr0.PE | Cr0.WP | Cr0.PG)).toBe(true);
    expect(five.activeArch.levels).toBe(5);
    expect(five.translate(0x1234, 0)).toBe(-14);
  });
});

/** Remaps `va`'s leaf to `pfn` in memory only (no invalidation): a later answer from the old frame was cached. */
function remap(tables: X86TableBuilder, va: number, pfn: number, bits: number): void {
  tables.map(va, 0, pfn, bits | X86_A | X86_D);
}

describe('X86Cpu TLB and the invalidations of SDM 4.10.4', () => {
  const RW = X86_RW | X86_A | X86_D;

  function cached(options: Partial<X86CpuOptions> = {}) {
    const s = setup({ pcide: true, pge: true, ...options });
    // Two address spaces: PCID 1 and PCID 2 share the tables (the tag is what matters here).
    expect(s.cpu.loadCr3(s.tables.root, 1)).toBe(true);
    return s;
  }

  it('a successful walk fills the TLB; a later access is served from it until invalidated', () => {
    const { tables, cpu } = cached();
    remap(tables, VA, DATA, RW);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    const walks = cpu.walks;
    remap(tables, VA, DATA + 1, RW);
    expect(cpu.translate(VA, 1)).toBe(DATA * 4096); // stale but permitted
    expect(cpu.walks).toBe(walks);
    cpu.invlpg(VA);
    expect(cpu.translate(VA, 0)).toBe((DATA + 1) * 4096);
  });

  it('MOV to CR3 with the no-flush bit keeps every PCID; without it the new PCID is flushed, others kept', () => {
    const { tables, cpu } = cached();
    remap(tables, VA, DATA, RW);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096); // cached under PCID 1
    expect(cpu.loadCr3(tables.root, 2, true)).toBe(true);
    expect(cpu.asid).toBe(2);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096); // walked under PCID 2
    remap(tables, VA, DATA + 1, RW);
    expect(cpu.writeCr3((1n << 63n) | (BigInt(tables.root) << 12n) | 1n)).toBe(true);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096); // PCID 1's entry survived
    expect(cpu.loadCr3(tables.root, 2)).toBe(true); // flushes PCID 2 only
    expect(cpu.translate(VA, 0)).toBe((DATA + 1) * 4096);
    expect(cpu.loadCr3(tables.root, 1, true)).toBe(true);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
  });

  it('global pages (G with CR4.PGE) match every PCID and survive CR3 loads and INVPCID types 0, 1 and 3', () => {
    const { tables, cpu } = cached();
    remap(tables, VA, DATA, RW | X86_G);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    remap(tables, VA, DATA + 1, RW | X86_G);
    expect(cpu.loadCr3(tables.root, 3)).toBe(true);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096); // the global entry serves PCID 3
    expect(cpu.invpcid(0, 1, VA)).toBe(true);
    expect(cpu.invpcid(1, 1)).toBe(true);
    expect(cpu.invpcid(3, 0)).toBe(true);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    expect(cpu.invpcid(2, 0)).toBe(true); // all contexts, globals included
    expect(cpu.translate(VA, 0)).toBe((DATA + 1) * 4096);
    remap(tables, VA, DATA + 2, RW | X86_G);
    cpu.invlpg(VA); // INVLPG removes global entries too
    expect(cpu.translate(VA, 0)).toBe((DATA + 2) * 4096);
    remap(tables, VA, DATA + 3, RW | X86_G);
    expect(cpu.writeCr4(cpu.cr4 & ~Cr4.PGE)).toBe(true); // a PGE change flushes everything
    expect(cpu.translate(VA, 0)).toBe((DATA + 3) * 4096);
  });

  it('without CR4.PGE a G = 1 leaf is not global: a CR3 load flushes it', () => {
    const { tables, cpu } = cached({ pge: false });
    remap(tables, VA, DATA, RW | X86_G);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    remap(tables, VA, DATA + 1, RW | X86_G);
    expect(cpu.loadCr3(tables.root, 1)).toBe(true);
    expect(cpu.translate(VA, 0)).toBe((DATA + 1) * 4096);
  });

  it('INVPCID 0 and 1 act on one PCID; type 3 on every PCID but not on globals', () => {
    const { tables, cpu } = cached();
    const OTHER = VA + 0x1000;
    remap(tables, VA, DATA, RW);
    remap(tables, OTHER, DATA + 10, RW | X86_G);
    for (const pcid of [1, 2]) {
      expect(cpu.loadCr3(tables.root, pcid, true)).toBe(true);
      expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
      expect(cpu.translate(OTHER, 0)).toBe((DATA + 10) * 4096);
    }
    remap(tables, VA, DATA + 1, RW);
    remap(tables, OTHER, DATA + 11, RW | X86_G);
    expect(cpu.invpcid(0, 1, VA)).toBe(true); // PCID 1, this page
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096); // running PCID 2: untouched
    expect(cpu.loadCr3(tables.root, 1, true)).toBe(true);
    expect(cpu.translate(VA, 0)).toBe((DATA + 1) * 4096);
    expect(cpu.loadCr3(tables.root, 2, true)).toBe(true);
    expect(cpu.invpcid(3, 0)).toBe(true); // every PCID's non-global entries
    expect(cpu.translate(VA, 0)).toBe((DATA + 1) * 4096);
    expect(cpu.translate(OTHER, 0)).toBe((DATA + 10) * 4096); // global kept
    expect(cpu.invpcid(4, 0)).toBe(false);
    expect(cpu.invpcid(1, 4096)).toBe(false);
    expect(cpu.invpcid(0, 1, 2 ** 47)).toBe(false);
  });

  it('CR4.PCIDE 1 -> 0 flushes every entry; 0 -> 1 needs CR3[11:0] = 0; PCIDE = 0 loads flush PCID 0', () => {
    const { tables, cpu } = cached();
    remap(tables, VA, DATA, RW | X86_G);
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    remap(tables, VA, DATA + 1, RW);
    expect(cpu.loadCr3(tables.root, 0)).toBe(true);
    expect(cpu.writeCr4(cpu.cr4 & ~Cr4.PCIDE)).toBe(true);
    expect(cpu.translate(VA, 0)).toBe((DATA + 1) * 4096);
    expect(cpu.loadCr3(tables.root, 0, true)).toBe(false); // no no-flush bit without PCIDs
    remap(tables, VA, DATA + 2, RW);
    expect(cpu.loadCr3(tables.root, 0x18)).toBe(true); // PWT | PCD: still PCID 0, flushed
    expect(cpu.asid).toBe(0);
    expect(cpu.translate(VA, 0)).toBe((DATA + 2) * 4096);
    expect(cpu.writeCr4(cpu.cr4 | Cr4.PCIDE)).toBe(false);
    expect(cpu.loadCr3(tables.root, 0)).toBe(true);
    expect(cpu.writeCr4(cpu.cr4 | Cr4.PCIDE)).toBe(true);
  });

  it('a page fault invalidates the faulting page of the current PCID', () => {
    const { tables, cpu } = cached();
    remap(tables, VA, DATA, X86_A); // read-only
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    remap(tables, VA, DATA + 1, X86_A);
    expect(cpu.translate(VA, 1)).toBe(-14); // not servable: walks and faults
    expect(cpu.translate(VA, 0)).toBe((DATA + 1) * 4096);
  });

  it('cached rights are judged under the current WP, SMAP/AC and CPL; a store through D = 0 walks', () => {
    const { tables, cpu } = cached({ smap: true });
    const leaf = tables.map(VA, 0, DATA, X86_US | X86_A);
    cpu.ac = true;
    expect(cpu.translate(VA, 0)).toBe(DATA * 4096);
    cpu.ac = false;
    expect(cpu.translate(VA, 0)).toBe(-14);
    expect(cpu.writeCr0(cpu.cr0 & ~Cr0.WP)).toBe(true);
    cpu.ac = true;
    expect(cpu.translate(VA, 1)).toBe(DATA * 4096); // walked: D set in memory
    expect(tables.read(leaf)[0] & X86_D).toBe(X86_D);
  });
});

describe('X86Cpu as an MmuHart', () => {
  it('switchAddressSpace is a no-flush CR3 load; it refuses other architectures and bad tags', () => {
    const memory = new SparsePhysicalMemory({ base: 0, size: 16 * 1024 * 1024 });
    const tlb = new NoTlb();
    const cpu: MmuHart & X86Cpu = createX86Cpu(memory, tlb, 2);
    expect(cpu.id).toBe(2);
    expect(cpu.tlb).toBe(tlb);
    expect(Object.getOwnPropertyDescriptor(X86Cpu.prototype, 'tlb')?.set).toBeUndefined();
    expect(cpu.cr4 & (Cr4.PCIDE | Cr4.PGE | Cr4.SMEP | Cr4.SMAP)).toBe(
      Cr4.PCIDE | Cr4.PGE | Cr4.SMEP | Cr4.SMAP,
    );
    const flushes = tlb.stats.flushAsid + tlb.stats.flushAll;
    expect(cpu.switchAddressSpace(X86_64, 7, 0x100)).toBe(true);
    expect([cpu.asid, cpu.rootPpn, cpu.translating, cpu.userMode]).toEqual([7, 0x100, true, false]);
    expect(tlb.stats.flushAsid + tlb.stats.flushAll).toBe(flushes);
    expect(cpu.switchAddressSpace(X86_64_LA57, 1, 0x100)).toBe(false);
    expect(cpu.switchAddressSpace(X86_64, 4096, 0x100)).toBe(false);
    expect(cpu.switchAddressSpace(X86_64, 1, 2 ** 28)).toBe(false);
    expect([cpu.asid, cpu.rootPpn]).toEqual([7, 0x100]);
    cpu.enterUserMode();
    expect(cpu.userMode).toBe(true);
    const five = createX86Cpu(memory, new NoTlb(), 0, { arch: X86_64_LA57 });
    expect(five.activeArch).toBe(X86_64_LA57);
    expect(five.switchAddressSpace(X86_64_LA57, 1, 0x100)).toBe(true);
  });

  it('rejects bad construction options', () => {
    const memory = new SparsePhysicalMemory({ base: 0, size: 1024 * 1024 });
    expect(() => new X86Cpu({ id: -1, memory })).toThrow(RangeError);
    expect(() => new X86Cpu({ id: 0, memory, la57: true })).toThrow(/LA57/);
  });
});
