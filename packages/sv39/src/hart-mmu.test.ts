import {
  Access,
  type AccessContext,
  type PagingArch,
  PteFlag,
  type PteFlags,
  PteKind,
  type U64Pair,
} from '@pagewright/core';
import { assertContract, checkPagingArch, checkTlb } from '@pagewright/core/testing';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { NoTlb, SetAssociativeTlb } from '@pagewright/tlb';
import { describe, expect, it } from 'vitest';
import { Hart } from './hart.js';
import { PTE_A, PTE_D, PTE_R, PTE_W } from './pte.js';
import { createSv39, createSv48, Sv39, Sv48 } from './riscv-arch.js';
import { TableBuilder } from './test-helpers.js';

const BASE = 0x8000_0000;
const DATA = BASE / 4096 + 0x2000;
const VA = 0x4000_0000;
const RWAD = PTE_R | PTE_W | PTE_A | PTE_D;

function riscv(arch = Sv39) {
  const memory = new SparsePhysicalMemory({ base: BASE, size: 64 * 1024 * 1024 });
  const tb = new TableBuilder(memory, arch, BASE / 4096 + 1);
  const tlb = new SetAssociativeTlb({ sets: 4, ways: 2 });
  const hart = new Hart({ id: 0, memory, tlb, arch });
  return { memory, tb, tlb, hart };
}

describe('Hart as an MmuHart', () => {
  it('translating follows satp.MODE and M-mode; userMode and enterUserMode follow the privilege', () => {
    const { hart, tb } = riscv();
    expect([hart.translating, hart.userMode]).toEqual([false, false]);
    expect(hart.switchAddressSpace(Sv39, 3, tb.root)).toBe(true);
    expect([hart.translating, hart.satpMode, hart.asid, hart.rootPpn]).toEqual([true, 'sv39', 3, tb.root]);
    hart.privilege = 3;
    expect(hart.translating).toBe(false);
    hart.sum = true;
    hart.enterUserMode();
    expect([hart.privilege, hart.userMode, hart.translating, hart.sum, hart.asid]).toEqual([
      0,
      true,
      true,
      true,
      3,
    ]);
  });

  it('switchAddressSpace is a satp write without a flush: a stale entry of the old space still serves', () => {
    const { hart, tb, tlb } = riscv();
    tb.leaf(VA, 0, DATA, RWAD);
    hart.switchAddressSpace(Sv39, 1, tb.root);
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096);
    const other = new TableBuilder(hart.memory, Sv39, BASE / 4096 + 0x100);
    expect(hart.switchAddressSpace(Sv39, 2, other.root)).toBe(true);
    expect(hart.translate(VA, Access.Load)).toBe(-13); // ASID 2: nothing mapped, nothing cached
    expect(hart.switchAddressSpace(Sv39, 1, other.root)).toBe(true);
    expect(hart.translate(VA, Access.Load)).toBe(DATA * 4096); // ASID 1's entry survived both writes
    expect(tlb.stats.flushAll + tlb.stats.flushAsid + tlb.stats.flushVa + tlb.stats.flushVaAsid).toBe(0);
  });

  it('switchAddressSpace names the mode by the architecture and refuses what the hart cannot run', () => {
    const sv39 = riscv().hart;
    const before = [sv39.satpMode, sv39.asid, sv39.rootPpn];
    expect(sv39.switchAddressSpace(Sv48, 1, 5)).toBe(false);
    expect(sv39.switchAddressSpace(new ToyArch(), 1, 5)).toBe(false);
    expect(sv39.switchAddressSpace(Sv39, 0x10000, 5)).toBe(false);
    expect(sv39.switchAddressSpace(Sv39, 1, 2 ** 44)).toBe(false);
    expect([sv39.satpMode, sv39.asid, sv39.rootPpn]).toEqual(before);
    // Another instance of Sv39 names the same mode; the hart's own extensions apply.
    expect(sv39.switchAddressSpace(createSv39({ svnapot: true }), 1, 5)).toBe(true);
    expect(sv39.activeArch.svnapot).toBe(false);
    const sv48 = riscv(Sv48).hart;
    expect(sv48.switchAddressSpace(createSv48(), 2, 6)).toBe(true);
    expect(sv48.satpMode).toBe('sv48');
    expect(sv48.switchAddressSpace(Sv39, 2, 6)).toBe(true);
    expect(sv48.satpMode).toBe('sv39');
  });

  it('its tlb cannot be re-wired: assignment throws and every translation keeps using the original', () => {
    const { hart, tb, tlb } = riscv();
    tb.leaf(VA, 0, DATA, RWAD);
    hart.writeSatp('sv39', 1, tb.root);
    const other = new SetAssociativeTlb({ sets: 1, ways: 1 });
    expect(() => {
      (hart as unknown as { tlb: unknown }).tlb = other;
    }).toThrow(TypeError);
    expect(hart.tlb).toBe(tlb);
    hart.translate(VA, Access.Load);
    hart.translate(VA, Access.Load);
    hart.sfenceVma();
    expect([tlb.stats.misses, tlb.stats.hits, tlb.stats.fills, tlb.stats.flushAll]).toEqual([1, 1, 1, 1]);
    expect(other.stats).toEqual(new NoTlb().stats);
  });
});

/**
 * A toy x86-like architecture: 2 levels of 512 entries, 30-bit VAs, no R bit (present = readable), W and U
 * combined across levels, NX in bit 63, PS (bit 7) for a 2 MiB leaf at level 1, A = bit 5, D = bit 6, G = bit 8.
 */
const P = 1;
const RW = 2;
const US = 4;
const A = 0x20;
const D = 0x40;
const PS = 0x80;
const G = 0x100;
const NX_HI = 0x8000_0000;

class ToyArch implements PagingArch {
  readonly name = 'toy';
  readonly levels = 2;
  readonly bitsPerLevel = 9;
  readonly entriesPerTable = 512;
  readonly pteSize = 8;
  readonly vaBits = 30;
  readonly ppnBits = 28;
  readonly asidBits = 12;
  readonly maxLeafLevel = 1;
  readonly rightsCombineAcrossLevels = true;
  readonly userStart = 0;
  readonly userEnd = 2 ** 29;

  pageSizeAt(level: number): number {
    return 4096 * 512 ** level;
  }
  indexAt(vpn: number, level: number): number {
    return Math.floor(vpn / 512 ** level) % 512;
  }
  isCanonical(va: bigint): boolean {
    const v = BigInt.asIntN(64, va);
    return v >= -(2n ** 29n) && v < 2n ** 29n;
  }
  kind(lo: number, hi: number, level: number): PteKind {
    if ((lo & P) === 0) return PteKind.Invalid;
    if (level === 1 && (lo & PS) === 0) return PteKind.Table;
    if (level === 1 && this.ppn(lo, hi) % 512 !== 0) return PteKind.Malformed;
    return PteKind.Leaf;
  }
  ppn(lo: number, hi: number): number {
    return (lo >>> 12) + (hi & 0xff) * 2 ** 20;
  }
  flags(lo: number, hi: number): PteFlags {
    return (
      PteFlag.Read |
      (lo & RW ? PteFlag.Write : 0) |
      (lo & US ? PteFlag.User : 0) |
      (hi & NX_HI ? 0 : PteFlag.Exec) |
      (lo & A ? PteFlag.Accessed : 0) |
      (lo & D ? PteFlag.Dirty : 0) |
      (lo & G ? PteFlag.Global : 0)
    );
  }
  private bits(ppn: number, flags: PteFlags, extra: number, out: U64Pair): U64Pair {
    out.lo =
      ((ppn % 2 ** 20) * 4096 +
        P +
        extra +
        (flags & PteFlag.Write ? RW : 0) +
        (flags & PteFlag.User ? US : 0) +
        (flags & PteFlag.Accessed ? A : 0) +
        (flags & PteFlag.Dirty ? D : 0) +
        (flags & PteFlag.Global ? G : 0)) >>>
      0;
    out.hi = (Math.floor(ppn / 2 ** 20) | (flags & PteFlag.Exec ? 0 : NX_HI)) >>> 0;
    return out;
  }
  /** A leaf at `level`: PS set at level 1 (a 2 MiB leaf). */
  encodeLeaf(ppn: number, flags: PteFlags, level: number, out: U64Pair): U64Pair {
    return this.bits(ppn, flags, level === 1 ? PS : 0, out);
  }
  encodeTable(ppn: number, out: U64Pair): U64Pair {
    return this.bits(ppn, PteFlag.Write | PteFlag.User | PteFlag.Exec, 0, out);
  }
  withFlags(lo: number, hi: number, flags: PteFlags, out: U64Pair): U64Pair {
    return this.bits(this.ppn(lo, hi), flags, lo & PS, out);
  }
  leafAllows(flags: PteFlags, access: Access, ctx: AccessContext): boolean {
    const user = (flags & PteFlag.User) !== 0;
    if (ctx.privilege === 0 ? !user : user && (access === Access.Fetch || !ctx.sum)) return false;
    if (access === Access.Fetch) return (flags & PteFlag.Exec) !== 0;
    if (access === Access.Store) return (flags & PteFlag.Write) !== 0;
    return (flags & PteFlag.Read) !== 0 || (ctx.mxr && (flags & PteFlag.Exec) !== 0);
  }
}

function toy(options: { adPolicy?: 'hardware' | 'svade' } = {}) {
  const arch = new ToyArch();
  const memory = new SparsePhysicalMemory({ base: BASE, size: 16 * 1024 * 1024 });
  const root = BASE / 4096 + 1;
  const table = root + 1;
  memory.zeroFrame(root);
  memory.zeroFrame(table);
  const tlb = new SetAssociativeTlb({ sets: 4, ways: 2 });
  const hart = new Hart({ id: 2, memory, tlb, arch, adPolicy: options.adPolicy });
  const w: U64Pair = { lo: 0, hi: 0 };
  const put = (frame: number, index: number, e: U64Pair) =>
    memory.write64(frame * 4096 + index * 8, e.lo, e.hi);
  /** Root entry `i` points at `table` with `flags`; a 4 KiB leaf at `table[j]`. */
  const pointer = (i: number, flags: PteFlags) => put(root, i, arch.encodeLeaf(table, flags, 0, w));
  const leaf = (j: number, ppn: number, flags: PteFlags) => put(table, j, arch.encodeLeaf(ppn, flags, 0, w));
  const big = (i: number, ppn: number, flags: PteFlags) => put(root, i, arch.encodeLeaf(ppn, flags, 1, w));
  const read = (frame: number, index: number) => {
    memory.read64(frame * 4096 + index * 8, w);
    return { ...w };
  };
  expect(hart.switchAddressSpace(arch, 7, root)).toBe(true);
  return { arch, memory, tlb, hart, root, table, pointer, leaf, big, read };
}

const ALL = PteFlag.Write | PteFlag.User | PteFlag.Exec;
const RWAD_N = PteFlag.Read | PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty;

describe('Hart with a non-RISC-V PagingArch (a generic walk over the interface)', () => {
  it('the toy architecture keeps the PagingArch contract', () => {
    assertContract(checkPagingArch(() => new ToyArch(), { name: 'toy' }));
  });

  it('switches to it, translates 4 KiB pages and caches them (ASID-tagged)', () => {
    const { hart, tlb, pointer, leaf } = toy();
    expect([hart.satpMode, hart.translating, hart.pagingArch.name]).toEqual(['toy', true, 'toy']);
    pointer(1, ALL);
    leaf(3, DATA, RWAD_N);
    const va = 1 * 2 ** 21 + 3 * 4096 + 0x123;
    expect(hart.translate(va, Access.Load)).toBe(DATA * 4096 + 0x123);
    expect(hart.translate(va + 8, Access.Store)).toBe(DATA * 4096 + 0x12b);
    expect([hart.walks, tlb.stats.hits]).toEqual([1, 1]);
    expect(hart.switchAddressSpace(hart.arch, 8, hart.rootPpn)).toBe(true);
    expect(hart.translate(va, Access.Load)).toBe(DATA * 4096 + 0x123);
    expect(hart.walks).toBe(2); // another ASID: walked again
  });

  it('combines Write, User and Exec across levels when the architecture says so', () => {
    const { hart, pointer, leaf } = toy();
    pointer(0, PteFlag.User | PteFlag.Exec); // the table entry takes Write away
    leaf(5, DATA, RWAD_N | PteFlag.User | PteFlag.Exec);
    const va = 5 * 4096;
    hart.enterUserMode();
    expect(hart.translate(va, Access.Load)).toBe(DATA * 4096);
    expect(hart.translate(va, Access.Store)).toBe(-15);
    expect(hart.translate(va, Access.Fetch)).toBe(DATA * 4096);
    pointer(0, PteFlag.Write | PteFlag.Exec); // and now User
    hart.sfenceVma();
    expect(hart.translate(va, Access.Load)).toBe(-13);
  });

  it('maps a 2 MiB leaf at level 1, faults on a misaligned one, on a not-present entry and outside the VA space', () => {
    const { hart, big, pointer } = toy();
    big(2, DATA - (DATA % 512), RWAD_N);
    const base = DATA - (DATA % 512);
    expect(hart.translate(2 * 2 ** 21 + 0x1234, Access.Load)).toBe(base * 4096 + 0x1234);
    expect(hart.translate(2 * 2 ** 21 + 2 ** 21 - 1, Access.Store)).toBe(base * 4096 + 2 ** 21 - 1);
    expect(hart.lastWalk.level).toBe(1);
    big(3, base + 1, RWAD_N);
    expect(hart.translate(3 * 2 ** 21, Access.Load)).toBe(-13);
    pointer(4, 0);
    expect(hart.translate(4 * 2 ** 21, Access.Load)).toBe(-13); // table entry present, leaf not
    expect(hart.translate(2 ** 29, Access.Load)).toBe(-13); // first non-canonical VA
    expect(hart.translate(2 ** 31, Access.Fetch)).toBe(-12);
  });

  it('upper-half (negative) VAs index from the top of the space', () => {
    const { hart, big } = toy();
    const base = DATA - (DATA % 512);
    big(511, base, RWAD_N);
    expect(hart.translate(-4096, Access.Load)).toBe(base * 4096 + 2 ** 21 - 4096);
  });

  it('sets A and D in the leaf through withFlags (hardware A/D), or faults under Svade', () => {
    const { hart, pointer, leaf, read, table, arch } = toy();
    pointer(0, ALL);
    leaf(1, DATA, PteFlag.Read | PteFlag.Write);
    expect(hart.translate(4096, Access.Load)).toBe(DATA * 4096);
    let e = read(table, 1);
    expect(arch.flags(e.lo, e.hi) & (PteFlag.Accessed | PteFlag.Dirty)).toBe(PteFlag.Accessed);
    expect(hart.translate(4096, Access.Store)).toBe(DATA * 4096); // cached with D = 0: walks and sets D
    e = read(table, 1);
    expect(arch.flags(e.lo, e.hi) & PteFlag.Dirty).toBe(PteFlag.Dirty);
    expect(hart.walks).toBe(2);

    const svade = toy({ adPolicy: 'svade' });
    svade.pointer(0, ALL);
    svade.leaf(1, DATA, PteFlag.Read | PteFlag.Write);
    expect(svade.hart.translate(4096, Access.Load)).toBe(-13);
  });

  it('refuses RISC-V modes, and RISC-V switches, on a toy hart', () => {
    const { hart } = toy();
    expect(hart.writeSatp('sv39', 1, 1)).toBe(false);
    expect(hart.switchAddressSpace(Sv39, 1, 1)).toBe(false);
    expect(hart.switchAddressSpace(new ToyArch(), 1, 1)).toBe(false); // another instance: not this hart's
    expect(hart.writeSatp('toy', 2 ** 12, 1)).toBe(false); // 12-bit ASIDs
    expect(hart.writeSatp('bare', 0, 0)).toBe(true);
    expect([hart.translating, hart.translate(0x1234, Access.Load)]).toEqual([false, 0x1234]);
  });
});

describe('the built-in architectures and the default hart TLB keep their contracts', () => {
  it.each([
    ['Sv39', Sv39],
    ['Sv48', Sv48],
    ['Sv39+Svnapot+Svpbmt', createSv39({ svnapot: true, svpbmt: true })],
    ['Sv48+Svnapot+Svpbmt', createSv48({ svnapot: true, svpbmt: true })],
  ] as const)('%s', (name, arch) => {
    assertContract(checkPagingArch(() => arch, { name }));
  });

  it('the TLB a Hart builds by default', () => {
    assertContract(
      checkTlb(() => new Hart({ id: 0, memory: new SparsePhysicalMemory({ base: BASE, size: 4096 }) }).tlb),
    );
  });
});
