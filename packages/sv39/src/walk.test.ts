import { Access, type AccessContext } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { describe, expect, it } from 'vitest';
import { PTE_A, PTE_D, PTE_G, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from './pte.js';
import { createSv39, createSv48, type RiscvPagingArch, Sv39, Sv48 } from './riscv-arch.js';
import { TableBuilder } from './test-helpers.js';
import { createWalkResult, QEMU_WALK_OPTIONS, SPEC_WALK_OPTIONS, type WalkOptions, walk } from './walk.js';

const BASE = 0x8000_0000;
const RAM = 64 * 1024 * 1024;
const DATA = BASE / 4096 + 0x2000; // a 2 MiB-aligned frame inside RAM
const S: AccessContext = { privilege: 1, sum: false, mxr: false };
const U: AccessContext = { privilege: 0, sum: false, mxr: false };
const RWXAD = PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;

function setup(arch: RiscvPagingArch) {
  const memory = new SparsePhysicalMemory({ base: BASE, size: RAM });
  const tb = new TableBuilder(memory, arch, BASE / 4096 + 1);
  const out = createWalkResult();
  const run = (
    va: number,
    access: number,
    ctx: AccessContext = S,
    options: WalkOptions = SPEC_WALK_OPTIONS,
  ) => walk(arch, memory, tb.root, va, access, ctx, options, out);
  return { memory, tb, out, run };
}

const VA = 0x1234_5678_9000 % 2 ** 38; // a user-half VA valid in both modes
const levelsOf = (arch: RiscvPagingArch) => Array.from({ length: arch.levels }, (_, i) => i);

describe.each([
  ['sv39', Sv39],
  ['sv48', Sv48],
] as const)('walk on %s', (_name, arch) => {
  it.each(levelsOf(arch))(
    'maps a leaf at level %i (4 KiB … superpage) and keeps the page offset',
    (level) => {
      const { tb, run, out } = setup(arch);
      const span = 512 ** level;
      if (level === 3) {
        // 512 GiB pages need a 2^27-frame-aligned PPN: outside RAM, so only the PA math is checked.
        tb.leaf(0, level, 2 ** 27, RWXAD);
        expect(run(0x1234, Access.Load)).toBe(2 ** 39 + 0x1234);
        return;
      }
      const ppn = Math.ceil(DATA / span) * span;
      tb.leaf(VA, level, ppn, RWXAD);
      const pa = run(VA + 8, Access.Load);
      expect(pa).toBe(ppn * 4096 + (VA % (4096 * span)) + 8);
      expect(out.level).toBe(level);
      expect(out.levelsWalked).toBe(arch.levels - level);
    },
  );

  it('faults with the access type of the original access (13 load, 15 store, 12 fetch) and V = 0', () => {
    const { tb, run, out } = setup(arch);
    tb.set(VA, 0, RWXAD); // V = 0
    expect(run(VA, Access.Load)).toBe(-13);
    expect(run(VA, Access.Store)).toBe(-15);
    expect(run(VA, Access.Fetch)).toBe(-12);
    expect(out.cause).toBe(12);
  });

  it('W without R is reserved (XWR = 010 and 110)', () => {
    const { tb, run } = setup(arch);
    for (const bits of [PTE_W, PTE_W | PTE_X]) {
      tb.leaf(VA, 0, DATA, bits | PTE_A | PTE_D);
      expect(run(VA, Access.Store)).toBe(-15);
      expect(run(VA, Access.Fetch)).toBe(-12);
    }
  });

  it.each([54, 55, 56, 57, 58, 59, 60])('reserved bit %i faults on leaf and table', (bit) => {
    const { tb, run } = setup(arch);
    tb.leaf(VA, 0, DATA, RWXAD);
    const leafAddr = tb.pteAddr(VA, 0);
    const w = tb.read(leafAddr);
    tb.memory.write64(leafAddr, w.lo, w.hi | (1 << (bit - 32)));
    expect(run(VA, Access.Load)).toBe(-13);
    tb.memory.write64(leafAddr, w.lo, w.hi);
    expect(run(VA, Access.Load)).toBeGreaterThan(0);
    const tableAddr = tb.pteAddr(VA, 1);
    const t = tb.read(tableAddr);
    tb.memory.write64(tableAddr, t.lo, t.hi | (1 << (bit - 32)));
    expect(run(VA, Access.Load)).toBe(-13);
  });

  it('N without Svnapot and PBMT without Svpbmt fault; with the extensions they are honoured', () => {
    const { tb, run, memory } = setup(arch);
    const napotPpn = DATA + 8; // ppn[3:0] = 1000
    const va = VA + 5 * 4096;
    const addr = tb.leaf(va, 0, napotPpn, RWXAD);
    const w = tb.read(addr);
    memory.write64(addr, w.lo, (w.hi | 0x80000000) >>> 0);
    expect(run(va, Access.Load)).toBe(-13);
    const napot = arch.levels === 3 ? createSv39({ svnapot: true }) : createSv48({ svnapot: true });
    const out = createWalkResult();
    const pa = walk(napot, memory, tb.root, va + 8, Access.Load, S, SPEC_WALK_OPTIONS, out);
    // ppn[3:0] comes from vpn[3:0].
    expect(pa).toBe((DATA + (Math.floor(va / 4096) & 0xf)) * 4096 + 8);
    // N with ppn[3:0] ≠ 1000 is reserved even with Svnapot.
    memory.write64(addr, (w.lo + 1024) >>> 0, (w.hi | 0x80000000) >>> 0);
    expect(walk(napot, memory, tb.root, va, Access.Load, S, SPEC_WALK_OPTIONS, out)).toBe(-13);

    memory.write64(addr, w.lo, w.hi | (1 << 29)); // PBMT = NC
    expect(run(va, Access.Load)).toBe(-13);
    const pbmt = arch.levels === 3 ? createSv39({ svpbmt: true }) : createSv48({ svpbmt: true });
    expect(walk(pbmt, memory, tb.root, va, Access.Load, S, SPEC_WALK_OPTIONS, out)).toBe(napotPpn * 4096);
    memory.write64(addr, w.lo, w.hi | (3 << 29)); // PBMT = 3 is reserved
    expect(walk(pbmt, memory, tb.root, va, Access.Load, S, SPEC_WALK_OPTIONS, out)).toBe(-13);
  });

  it.each([
    ['D', PTE_D],
    ['A', PTE_A],
    ['U', PTE_U],
  ])('a non-leaf PTE with %s faults; with G it is fine', (_name, bit) => {
    const { tb, run } = setup(arch);
    tb.leaf(VA, 0, DATA, RWXAD);
    const addr = tb.pteAddr(VA, 1);
    const t = tb.read(addr);
    tb.memory.write64(addr, t.lo | PTE_G, t.hi);
    expect(run(VA, Access.Load)).toBe(DATA * 4096);
    tb.memory.write64(addr, t.lo | bit, t.hi);
    expect(run(VA, Access.Load)).toBe(-13);
  });

  it('falling off the last level faults', () => {
    const { tb, run, out } = setup(arch);
    tb.set(VA, 0, ((DATA * 1024) | PTE_V) >>> 0); // a pointer at level 0
    expect(run(VA, Access.Load)).toBe(-13);
    expect(out.levelsWalked).toBe(arch.levels);
  });

  it.each(levelsOf(arch).filter((l) => l > 0))('a misaligned superpage at level %i faults', (level) => {
    const { tb, run } = setup(arch);
    tb.leaf(VA, level, DATA + 1, RWXAD);
    expect(run(VA, Access.Load)).toBe(-13);
    expect(run(VA, Access.Fetch)).toBe(-12);
  });

  it('non-canonical VAs fault before any PTE is read', () => {
    const { run, out } = setup(arch);
    expect(run(arch.vaMax, Access.Load)).toBe(-13);
    expect(out.levelsWalked).toBe(0);
    expect(run(arch.vaMin - 4096, Access.Store)).toBe(-15);
    expect(run(1.5, Access.Load)).toBe(-13);
    expect(run(Number.NaN, Access.Load)).toBe(-13);
  });

  it('translates upper-half (negative) VAs', () => {
    const { tb, run } = setup(arch);
    const va = arch.vaMin + 0x5000; // 0xffff...8000005000 style
    tb.leaf(va, 0, DATA, RWXAD);
    expect(run(va + 0x10, Access.Load)).toBe(DATA * 4096 + 0x10);
    expect(run(-4096, Access.Load)).toBe(-13);
    tb.leaf(-4096, 0, DATA + 1, RWXAD);
    expect(run(-8, Access.Load)).toBe((DATA + 1) * 4096 + 4088);
  });

  it('U-mode needs U = 1; S-mode needs SUM for U pages and never fetches them', () => {
    const { tb, run } = setup(arch);
    tb.leaf(VA, 0, DATA, RWXAD);
    expect(run(VA, Access.Load, U)).toBe(-13);
    expect(run(VA, Access.Load, S)).toBe(DATA * 4096);
    tb.leaf(VA, 0, DATA, RWXAD | PTE_U);
    expect(run(VA, Access.Load, U)).toBe(DATA * 4096);
    expect(run(VA, Access.Fetch, U)).toBe(DATA * 4096);
    expect(run(VA, Access.Load, S)).toBe(-13);
    expect(run(VA, Access.Store, S)).toBe(-15);
    const sum = { privilege: 1, sum: true, mxr: false };
    expect(run(VA, Access.Load, sum)).toBe(DATA * 4096);
    expect(run(VA, Access.Store, sum)).toBe(DATA * 4096);
    expect(run(VA, Access.Fetch, sum)).toBe(-12);
  });

  it('R/W/X against the access type, and MXR makes X-only pages loadable', () => {
    const { tb, run } = setup(arch);
    tb.leaf(VA, 0, DATA, PTE_X | PTE_A | PTE_D);
    expect(run(VA, Access.Fetch)).toBe(DATA * 4096);
    expect(run(VA, Access.Load)).toBe(-13);
    expect(run(VA, Access.Store)).toBe(-15);
    expect(run(VA, Access.Load, { privilege: 1, sum: false, mxr: true })).toBe(DATA * 4096);
    expect(run(VA, Access.Store, { privilege: 1, sum: false, mxr: true })).toBe(-15);
    tb.leaf(VA, 0, DATA, PTE_R | PTE_A | PTE_D);
    expect(run(VA, Access.Load)).toBe(DATA * 4096);
    expect(run(VA, Access.Store)).toBe(-15);
    expect(run(VA, Access.Fetch)).toBe(-12);
  });

  it('hardware A/D: sets A on a load, A and D on a store, never on a faulting access', () => {
    const { tb, run, out } = setup(arch);
    const addr = tb.leaf(VA, 0, DATA, PTE_R | PTE_W);
    expect(run(VA, Access.Fetch)).toBe(-12);
    expect(tb.read(addr).lo & (PTE_A | PTE_D)).toBe(0);
    expect(run(VA, Access.Load)).toBe(DATA * 4096);
    expect(out.adUpdated).toBe(true);
    expect(tb.read(addr).lo & (PTE_A | PTE_D)).toBe(PTE_A);
    expect(run(VA, Access.Store)).toBe(DATA * 4096);
    expect(tb.read(addr).lo & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(run(VA, Access.Store)).toBe(DATA * 4096);
    expect(out.adUpdated).toBe(false);
    // Non-leaf entries are never written.
    expect(tb.read(tb.pteAddr(VA, 1)).lo & (PTE_A | PTE_D)).toBe(0);
  });

  it('Svade: A = 0, or a store with D = 0, faults and writes nothing', () => {
    const { tb, run } = setup(arch);
    const svade: WalkOptions = { adPolicy: 'svade', pteReadFault: 'access' };
    const addr = tb.leaf(VA, 0, DATA, PTE_R | PTE_W);
    expect(run(VA, Access.Load, S, svade)).toBe(-13);
    tb.leaf(VA, 0, DATA, PTE_R | PTE_W | PTE_A);
    expect(run(VA, Access.Load, S, svade)).toBe(DATA * 4096);
    expect(run(VA, Access.Store, S, svade)).toBe(-15);
    expect(tb.read(addr).lo & PTE_D).toBe(0);
  });

  it('a PTE outside memory: access fault (spec) or page fault (QEMU 7.2)', () => {
    const { tb, run } = setup(arch);
    // The level below the root points outside RAM.
    tb.set(VA, arch.levels - 1, ((0x200000 * 1024) | PTE_V) >>> 0);
    expect(run(VA, Access.Load, S, SPEC_WALK_OPTIONS)).toBe(-5);
    expect(run(VA, Access.Store, S, SPEC_WALK_OPTIONS)).toBe(-7);
    expect(run(VA, Access.Fetch, S, SPEC_WALK_OPTIONS)).toBe(-1);
    expect(run(VA, Access.Load, S, QEMU_WALK_OPTIONS)).toBe(-13);
    expect(run(VA, Access.Fetch, S, QEMU_WALK_OPTIONS)).toBe(-12);
  });

  it('reports global mappings (G on the leaf or on a table above it)', () => {
    const { tb, run, out } = setup(arch);
    tb.leaf(VA, 0, DATA, RWXAD);
    run(VA, Access.Load);
    expect(out.global).toBe(false);
    const addr = tb.pteAddr(VA, arch.levels - 1);
    const t = tb.read(addr);
    tb.memory.write64(addr, t.lo | PTE_G, t.hi);
    run(VA, Access.Load);
    expect(out.global).toBe(true);
  });
});

describe('Sv39 vs Sv48 geometry', () => {
  it('a VA canonical in Sv48 but not in Sv39 faults only in Sv39', () => {
    const va = 2 ** 40;
    const sv39 = setup(Sv39);
    expect(sv39.run(va, Access.Load)).toBe(-13);
    const sv48 = setup(Sv48);
    sv48.tb.leaf(va, 0, DATA, RWXAD);
    expect(sv48.run(va, Access.Load)).toBe(DATA * 4096);
  });
});
