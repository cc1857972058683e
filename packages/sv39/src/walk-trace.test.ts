import { Access, type AccessContext } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { walkPagingArch } from './paging-arch-walk.js';
import { PTE_A, PTE_D, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X } from './pte.js';
import { type RiscvPagingArch, Sv39, Sv48 } from './riscv-arch.js';
import { TableBuilder } from './test-helpers.js';
import {
  createWalkResult,
  QEMU_WALK_OPTIONS,
  SPEC_WALK_OPTIONS,
  type WalkOptions,
  walk,
  walkTrace,
  walkTracePagingArch,
} from './walk.js';

const BASE = 0x8000_0000;
const RAM = 16 * 1024 * 1024;
const DATA = BASE / 4096 + 0x800;
const S: AccessContext = { privilege: 1, sum: false, mxr: false };
const U: AccessContext = { privilege: 0, sum: false, mxr: false };
const VA = 0x12_3456_7000;
const SVADE: WalkOptions = { adPolicy: 'svade', pteReadFault: 'page' };

function setup(arch: RiscvPagingArch = Sv39) {
  const memory = new SparsePhysicalMemory({ base: BASE, size: RAM });
  const tb = new TableBuilder(memory, arch, BASE / 4096 + 1);
  return { memory, tb };
}

/** Every 64-bit word of the table frames, to prove a trace writes nothing. */
function snapshot(memory: SparsePhysicalMemory, frames: number): string {
  const w = { lo: 0, hi: 0 };
  const words: number[] = [];
  for (let a = BASE; a < BASE + frames * 4096; a += 8) {
    memory.read64(a, w);
    words.push(w.lo, w.hi);
  }
  return words.join(',');
}

describe('walkTrace', () => {
  it('reports every level of a 4 KiB translation: table frame, index, PTE address, raw PTE, bits', () => {
    const { memory, tb } = setup();
    const leafAddr = tb.leaf(VA, 0, DATA, PTE_R | PTE_W | PTE_U);
    const t = walkTrace(Sv39, memory, tb.root, VA + 0x18, Access.Load, U, QEMU_WALK_OPTIONS);
    expect(t.pa).toBe(DATA * 4096 + 0x18);
    expect(t.cause).toBe(0);
    expect(t.levels.map((l) => l.level)).toEqual([2, 1, 0]);
    expect(t.levels.map((l) => l.kind)).toEqual(['table', 'table', 'leaf']);
    const vpn = [(VA / 4096) % 512, Math.floor(VA / 2 ** 21) % 512, Math.floor(VA / 2 ** 30) % 512];
    expect(t.levels.map((l) => l.index)).toEqual([vpn[2], vpn[1], vpn[0]]);
    expect(t.levels[0]!.tableFrame).toBe(tb.root);
    // Each level's table is the frame the level above points to.
    expect(t.levels[1]!.tableFrame).toBe(t.levels[0]!.ppn);
    expect(t.levels[2]!.tableFrame).toBe(t.levels[1]!.ppn);
    expect(t.levels[2]!.pteAddr).toBe(leafAddr);
    expect(t.levels[2]!.ppn).toBe(DATA);
    expect(t.levels[2]!.bits).toBe('vrw-u---');
    const raw = tb.read(leafAddr);
    expect(BigInt(t.levels[2]!.raw)).toBe((BigInt(raw.hi) << 32n) | BigInt(raw.lo));
    expect(t.adUpdate).toBe('A');
    expect(t.stop).toMatch(/level 0 maps a 4 KiB page: PA 0x/);
  });

  it('writes nothing: the A/D update the walk makes is only reported', () => {
    const { memory, tb } = setup();
    tb.leaf(VA, 0, DATA, PTE_R | PTE_W | PTE_U);
    const before = snapshot(memory, 8);
    const t = walkTrace(Sv39, memory, tb.root, VA, Access.Store, U, QEMU_WALK_OPTIONS);
    expect(t.adUpdate).toBe('AD');
    expect(snapshot(memory, 8)).toBe(before);
    const out = createWalkResult();
    walk(Sv39, memory, tb.root, VA, Access.Store, U, QEMU_WALK_OPTIONS, out);
    expect(snapshot(memory, 8)).not.toBe(before);
    expect(out.adUpdated).toBe(true);
  });

  it('says why the walk stopped', () => {
    const { memory, tb } = setup(Sv48);
    const trace = (va: number, access: number, ctx: AccessContext, o: WalkOptions = QEMU_WALK_OPTIONS) =>
      walkTrace(Sv48, memory, tb.root, va, access, ctx, o);
    // Nothing mapped: the root's entry is invalid.
    const none = trace(0x7000_0000_0000, Access.Load, U);
    expect(none.levels).toHaveLength(1);
    expect(none.levels[0]!.kind).toBe('invalid');
    expect(none.cause).toBe(13);
    expect(none.stop).toMatch(/^load fault \(cause 13\): V = 0/);
    // W without R.
    tb.set(VA, 0, PTE_V | PTE_W | PTE_U);
    expect(trace(VA, Access.Load, U).stop).toMatch(/W = 1 with R = 0/);
    expect(trace(VA, Access.Load, U).levels.at(-1)!.kind).toBe('malformed');
    // A supervisor page from user mode; a user page from S without SUM; a store to a read-only page.
    tb.leaf(VA, 0, DATA, PTE_R | PTE_A);
    expect(trace(VA, Access.Load, U).stop).toMatch(/supervisor page \(U = 0\) accessed from user mode/);
    tb.leaf(VA, 0, DATA, PTE_R | PTE_U | PTE_A);
    expect(trace(VA, Access.Load, S).stop).toMatch(/SUM = 0/);
    expect(trace(VA, Access.Store, U).stop).toMatch(/^store fault \(cause 15\): the leaf is not writable/);
    expect(trace(VA, Access.Fetch, U).levels.at(-1)!.kind).toBe('leaf');
    // Svade: a store to a clean page.
    tb.leaf(VA, 0, DATA, PTE_R | PTE_W | PTE_U | PTE_A);
    expect(trace(VA, Access.Store, U, SVADE).stop).toMatch(/D = 0 with Svade/);
    // A misaligned megapage.
    tb.leaf(0x4000_0000, 1, DATA + 1, PTE_R | PTE_X | PTE_U | PTE_A | PTE_D);
    expect(trace(0x4000_0000, Access.Load, U).stop).toMatch(/misaligned superpage/);
    // A non-canonical VA: no level read.
    const nc = trace(2 ** 47, Access.Load, U);
    expect(nc.levels).toHaveLength(0);
    expect(nc.stop).toMatch(/not canonical/);
    // A root outside memory.
    const out = walkTrace(Sv48, memory, 0x200000, VA, Access.Load, U, SPEC_WALK_OPTIONS);
    expect(out.levels[0]!.kind).toBe('unreadable');
    expect(out.cause).toBe(5);
    expect(out.stop).toMatch(/is not memory \(access fault\)/);
  });

  it('agrees with the walk on random tables and never writes (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            frame: fc.integer({ min: 0, max: 7 }),
            index: fc.constantFrom(0, 1, 2, 511),
            lo: fc.integer({ min: 0, max: 0xffff_ffff }),
            hi: fc.constantFrom(0, 0x40, 0x20000000, 0x80000000, 0x1fc00000),
            table: fc.integer({ min: 0, max: 7 }),
          }),
          { maxLength: 30 },
        ),
        fc.constantFrom(0, 0x1000, 0x20_0000, 0x4000_0000, 0x7f_c000_0000, -0x1000),
        fc.constantFrom(0, 1, 2),
        fc.constantFrom(S, U, { privilege: 1, sum: true, mxr: true }),
        fc.constantFrom(QEMU_WALK_OPTIONS, SPEC_WALK_OPTIONS, SVADE),
        (entries, va, access, ctx, options) => {
          const memory = new SparsePhysicalMemory({ base: BASE, size: RAM });
          for (const e of entries) {
            // Half the entries point at one of the 8 table frames, the rest are garbage.
            const lo = e.table % 2 === 0 ? (((BASE / 4096 + e.table) * 1024) | (e.lo & 0x3ff)) >>> 0 : e.lo;
            memory.write64(BASE + e.frame * 4096 + e.index * 8, lo, e.hi);
          }
          const before = snapshot(memory, 8);
          const t = walkTrace(Sv39, memory, BASE / 4096, va, access, ctx, options);
          expect(snapshot(memory, 8)).toBe(before);
          const out = createWalkResult();
          const r = walk(Sv39, memory, BASE / 4096, va, access, ctx, options, out);
          expect(t.pa).toBe(r >= 0 ? r : -1);
          expect(t.cause).toBe(r >= 0 ? 0 : -r);
          expect(t.level).toBe(out.level);
          expect(t.levels).toHaveLength(out.levelsWalked);
          if (r >= 0) expect(t.flags).toBe(out.flags);
          expect(t.stop.length).toBeGreaterThan(0);
          const g = walkTracePagingArch(Sv39, memory, BASE / 4096, va, access, ctx, options);
          const gr = walkPagingArch(Sv39, memory, BASE / 4096, va, access, ctx, options, createWalkResult());
          expect(g.pa).toBe(gr >= 0 ? gr : -1);
        },
      ),
      { seed: 0x5eed, numRuns: 400 },
    );
  });
});

describe('walkTracePagingArch', () => {
  it('traces a translation through the PagingArch interface with neutral bits', () => {
    const { memory, tb } = setup();
    tb.leaf(VA, 1, DATA, PTE_R | PTE_X | PTE_U | PTE_A);
    const t = walkTracePagingArch(Sv39, memory, tb.root, VA + 0x1234, Access.Fetch, U, QEMU_WALK_OPTIONS);
    expect(t.levels.map((l) => l.kind)).toEqual(['table', 'leaf']);
    expect(t.levels[1]!.bits).toBe('vr-xu-a-');
    expect(t.pa).toBe(DATA * 4096 + ((VA + 0x1234) % 2 ** 21));
    expect(t.stop).toMatch(/2 MiB megapage/);
    const f = walkTracePagingArch(Sv39, memory, tb.root, VA, Access.Store, U, QEMU_WALK_OPTIONS);
    expect(f.cause).toBe(15);
    expect(f.stop).toMatch(/do not allow a store/);
  });
});
