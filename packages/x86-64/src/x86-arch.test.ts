import { Access, PteFlag, PteKind, type U64Pair } from '@pagewright/core';
import { assertContract, checkPagingArch } from '@pagewright/core/testing';
import { describe, expect, it } from 'vitest';
import { createX86Arch, X86_64, X86_64_LA57, X86_ARCHS, x86ArchByName } from './x86-arch.js';

const out: U64Pair = { lo: 0, hi: 0 };
const bits = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

describe('X86PagingArch geometry', () => {
  it('4-level: 48-bit VAs, 4 levels, 12-bit PCIDs, combined rights, Linux TASK_SIZE_MAX', () => {
    expect(X86_64).toMatchObject({
      name: 'x86-64',
      levels: 4,
      vaBits: 48,
      asidBits: 12,
      ppnBits: 28,
      maxLeafLevel: 2,
    });
    expect(X86_64.rightsCombineAcrossLevels).toBe(true);
    expect(X86_64.userEnd).toBe(2 ** 47 - 4096);
    expect(X86_64_LA57).toMatchObject({
      name: 'x86-64-la57',
      levels: 5,
      vaBits: 57,
      userEnd: 2 ** 56 - 4096,
    });
    expect(x86ArchByName('x86-64')).toBe(X86_64);
    expect(X86_ARCHS['x86-64-la57']).toBe(X86_64_LA57);
    expect(x86ArchByName('sv39')).toBeUndefined();
    expect(createX86Arch({ gbPages: false }).maxLeafLevel).toBe(1);
    expect(() => createX86Arch({ maxPhyAddr: 53 })).toThrow(RangeError);
  });

  it('canonical checks and the signed-number form', () => {
    expect(X86_64.isCanonical(0x7fff_ffff_f000n)).toBe(true);
    expect(X86_64.isCanonical(0x8000_0000_0000n)).toBe(false);
    expect(X86_64.isCanonical(0xffff_8000_0000_0000n)).toBe(true);
    expect(X86_64.toSignedVa(0xffff_8000_0000_0000n)).toBe(-(2 ** 47));
    expect(X86_64.toSignedVa(0x8000_0000_0000n)).toBeNaN();
    expect(X86_64_LA57.isCanonical(0x00ff_ffff_ffff_f000n)).toBe(true);
    expect(X86_64_LA57.isCanonical(0x0100_0000_0000_0000n)).toBe(false);
    expect(X86_64_LA57.toSignedVpn(0x00ff_ffff_ffff_f008n)).toBe(2 ** 44 - 1);
    expect(X86_64_LA57.toSignedVpn(0xff00_0000_0000_1000n)).toBe(-(2 ** 44) + 1);
    expect(X86_64.indexAt(X86_64.pageSpan - 1, 3)).toBe(511);
    expect(X86_64.indexAt(-1, 3)).toBe(511);
  });
});

describe('X86PagingArch codec', () => {
  it('encodes a 4 KiB leaf: P, RW, US, G, A, D, and XD for a non-executable page', () => {
    X86_64.encodeLeaf(0x12345, PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed, 0, out);
    expect(bits(out.lo, out.hi)).toBe(0x8000_0000_1234_5027n);
    X86_64.encodeLeaf(0x12345, PteFlag.Read | PteFlag.Exec | PteFlag.Global | PteFlag.Dirty, 0, out);
    expect(bits(out.lo, out.hi)).toBe(0x1234_5141n);
    expect(X86_64.kind(out.lo, out.hi, 0)).toBe(PteKind.Leaf);
    expect(X86_64.ppn(out.lo, out.hi)).toBe(0x12345);
    expect(X86_64.flags(out.lo, out.hi)).toBe(PteFlag.Read | PteFlag.Exec | PteFlag.Global | PteFlag.Dirty);
    expect(() => X86_64.encodeLeaf(2 ** 28, PteFlag.Read, 0, out)).toThrow(RangeError);
    expect(() => X86_64.encodeLeaf(1, 0, 0, out)).toThrow(RangeError);
  });

  it('encodes large leaves with PS and checks their alignment', () => {
    X86_64.encodeLeaf(512, PteFlag.Read | PteFlag.Write, 1, out);
    expect(bits(out.lo, out.hi)).toBe(0x8000_0000_0020_0083n);
    expect(X86_64.kind(out.lo, out.hi, 1)).toBe(PteKind.Leaf);
    expect(X86_64.kind(out.lo, out.hi, 0)).toBe(PteKind.Leaf); // at level 0, bit 7 is PAT
    expect(X86_64.kind(out.lo | 0x2000, out.hi, 1)).toBe(PteKind.Malformed); // bit 13: misaligned 2 MiB frame
    expect(X86_64.kind(out.lo | 0x1000, out.hi, 1)).toBe(PteKind.Leaf); // bit 12 is PAT
    expect(X86_64.kind(out.lo, out.hi, 3)).toBe(PteKind.Malformed); // PS in a PML4E
    expect(createX86Arch({ gbPages: false }).kind(0x4000_0083, 0, 2)).toBe(PteKind.Malformed);
    expect(X86_64.kind(0x4000_0083, 0, 2)).toBe(PteKind.Leaf);
    expect(() => X86_64.encodeLeaf(513, PteFlag.Read, 1, out)).toThrow(/aligned/);
    expect(() => X86_64.encodeLeaf(0, PteFlag.Read, 3, out)).toThrow(/level 3/);
    expect(() => createX86Arch({ gbPages: false }).encodeLeaf(0, PteFlag.Read, 2, out)).toThrow(/level 2/);
  });

  it('ppn at a level: bit 12 of a large leaf is PAT, not a frame bit; tables and 4 KiB PTEs read it', () => {
    X86_64.encodeLeaf(0x40000, PteFlag.Read | PteFlag.Write, 2, out);
    expect(bits(out.lo, out.hi)).toBe(0x8000_0000_4000_0083n);
    expect(X86_64.ppn(out.lo, out.hi, 2)).toBe(0x40000);
    const patLo = (out.lo | 0x1000) >>> 0; // PAT = 1 in a 1 GiB leaf
    expect(X86_64.kind(patLo, out.hi, 2)).toBe(PteKind.Leaf);
    expect(X86_64.ppn(patLo, out.hi, 2)).toBe(0x40000);
    expect(X86_64.ppn(0x0020_1083, 0, 1)).toBe(512); // a 2 MiB leaf with PAT
    expect(X86_64.ppn(0x0020_1003, 0, 1)).toBe(513); // a table pointer: bit 12 is an address bit
    expect(X86_64.ppn(0x0020_1083, 0, 0)).toBe(513); // a 4 KiB PTE with PAT (bit 7)
    expect(X86_64.ppn(0x0020_1083, 0)).toBe(513); // level defaults to 0
    X86_64.encodeTable(0x1001, out);
    for (let level = 0; level < 4; level++) expect(X86_64.ppn(out.lo, out.hi, level)).toBe(0x1001);
  });

  it('keeps the PagingArch contract (4-level, LA57, without 1 GiB pages, NXE off, MAXPHYADDR 52)', () => {
    const archs = [
      X86_64,
      X86_64_LA57,
      createX86Arch({ gbPages: false }),
      createX86Arch({ nxe: false }),
      createX86Arch({ maxPhyAddr: 52 }),
    ];
    for (const arch of archs) {
      // x86 stores Read implicitly: every flag set with Read (and Exec without NXE) round-trips.
      const leafFlags = [];
      for (let f = 0; f < 128; f++) {
        if ((f & PteFlag.Read) !== 0 && (arch.nxe || (f & PteFlag.Exec) !== 0)) leafFlags.push(f);
      }
      assertContract(checkPagingArch(() => arch, { name: arch.name, leafFlags }));
    }
  });

  it('classifies reserved bits against MAXPHYADDR and XD without NXE', () => {
    expect(X86_64.kind(0x1, 0x100, 1)).toBe(PteKind.Malformed); // bit 40
    expect(X86_64.kind(0x1, 0xff, 1)).toBe(PteKind.Table); // bit 39 is an address bit
    expect(createX86Arch({ maxPhyAddr: 52 }).kind(0x1, 0xfffff, 1)).toBe(PteKind.Table);
    expect(X86_64.kind(0x1, 0x7ff0_0000, 0)).toBe(PteKind.Leaf); // 62:52 ignored / protection key
    expect(X86_64.kind(0x1, 0x8000_0000, 0)).toBe(PteKind.Leaf);
    expect(createX86Arch({ nxe: false }).kind(0x1, 0x8000_0000, 0)).toBe(PteKind.Malformed);
    expect(X86_64.kind(0x0, 0xffff_ffff, 0)).toBe(PteKind.Invalid);
  });

  it('encodeTable is Linux _PAGE_TABLE; withFlags keeps frame, PS, PAT and the protection key', () => {
    X86_64.encodeTable(0x777, out);
    expect(bits(out.lo, out.hi)).toBe(0x77_7067n);
    expect(X86_64.kind(out.lo, out.hi, 2)).toBe(PteKind.Table);
    X86_64.withFlags(0x0020_1083 | 0x18, 0x4800_0000, PteFlag.Read | PteFlag.User, out);
    expect(bits(out.lo, out.hi)).toBe(0xc800_0000_0020_109dn);
  });

  it('PROT_NONE: P = 0 with _PAGE_PROTNONE (bit 8), frame and U/A/D kept', () => {
    X86_64.encodeProtNone(0x4242, PteFlag.Read | PteFlag.User | PteFlag.Accessed | PteFlag.Global, out);
    expect(bits(out.lo, out.hi)).toBe(0x424_2124n);
    expect(X86_64.kind(out.lo, out.hi, 0)).toBe(PteKind.Invalid);
    expect(X86_64.isProtNone(out.lo, out.hi)).toBe(true);
    expect(X86_64.ppn(out.lo, out.hi)).toBe(0x4242);
    expect(X86_64.isProtNone(0, 0)).toBe(false);
    X86_64.encodeLeaf(0x4242, PteFlag.Read | PteFlag.Global, 0, out);
    expect(X86_64.isProtNone(out.lo, out.hi)).toBe(false);
  });

  it('leafAllows: user needs U, supervisor reaches U pages only with sum and never fetches them', () => {
    const u = PteFlag.Read | PteFlag.User;
    expect(X86_64.leafAllows(u, Access.Load, { privilege: 0, sum: false, mxr: false })).toBe(true);
    expect(X86_64.leafAllows(u, Access.Store, { privilege: 0, sum: false, mxr: false })).toBe(false);
    expect(X86_64.leafAllows(PteFlag.Read, Access.Load, { privilege: 0, sum: false, mxr: false })).toBe(
      false,
    );
    expect(X86_64.leafAllows(u, Access.Load, { privilege: 1, sum: false, mxr: false })).toBe(false);
    expect(X86_64.leafAllows(u, Access.Load, { privilege: 1, sum: true, mxr: false })).toBe(true);
    expect(X86_64.leafAllows(u | PteFlag.Exec, Access.Fetch, { privilege: 1, sum: true, mxr: false })).toBe(
      false,
    );
  });
});
