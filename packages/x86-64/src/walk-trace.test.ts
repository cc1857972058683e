import { SparsePhysicalMemory } from '@pagewright/frames';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PfError } from './fault.js';
import { X86_A, X86_D, X86_HI_XD, X86_RW, X86_US } from './pte.js';
import { X86TableBuilder } from './test-helpers.js';
import {
  createX86WalkResult,
  QEMU_WALK_OPTIONS,
  SDM_WALK_OPTIONS,
  walkX86,
  walkX86Trace,
  X86Ctl,
} from './walk.js';
import { X86_64 } from './x86-arch.js';

const BASE = 0x8000_0000;
const RAM = 16 * 1024 * 1024;
const DATA = BASE / 4096 + 0x800;
const VA = 0x12_3456_7000;
const USER = X86Ctl.User | X86Ctl.Wp | X86Ctl.Nxe;

function setup() {
  const memory = new SparsePhysicalMemory({ base: BASE, size: RAM });
  return { memory, tb: new X86TableBuilder(memory, X86_64, BASE / 4096 + 1) };
}

function snapshot(memory: SparsePhysicalMemory, frames: number): string {
  const w = { lo: 0, hi: 0 };
  const out: number[] = [];
  for (let a = BASE; a < BASE + frames * 4096; a += 8) {
    memory.read64(a, w);
    out.push(w.lo, w.hi);
  }
  return out.join(',');
}

describe('walkX86Trace', () => {
  it('reports the four levels of a 4 KiB translation and the A/D the walk would set, writing nothing', () => {
    const { memory, tb } = setup();
    const leaf = tb.map(VA, 0, DATA, X86_RW | X86_US);
    const before = snapshot(memory, 8);
    const t = walkX86Trace(X86_64, memory, tb.root, VA / 4096, 0x18, 1, USER, 0, SDM_WALK_OPTIONS);
    expect(snapshot(memory, 8)).toBe(before);
    expect(t.pa).toBe(DATA * 4096 + 0x18);
    expect(t.levels.map((l) => [l.level, l.kind])).toEqual([
      [3, 'table'],
      [2, 'table'],
      [1, 'table'],
      [0, 'leaf'],
    ]);
    expect(t.levels[0]!.tableFrame).toBe(tb.root);
    for (let k = 1; k < 4; k++) expect(t.levels[k]!.tableFrame).toBe(t.levels[k - 1]!.pfn);
    expect(t.levels[3]!.entryAddr).toBe(leaf);
    expect(t.levels[3]!.bits).toBe('pwu-----');
    expect(t.adUpdates).toContain('0:AD');
    expect(t.stop).toMatch(/a leaf at level 0 maps a 4 KiB page: PA 0x/);
    // The real walk does write them.
    walkX86(X86_64, memory, tb.root, VA / 4096, 0x18, 1, USER, 0, SDM_WALK_OPTIONS, createX86WalkResult());
    expect(snapshot(memory, 8)).not.toBe(before);
  });

  it('says why a walk faulted, with the error code', () => {
    const { memory, tb } = setup();
    const trace = (va: number, access: number, ctl = USER) =>
      walkX86Trace(X86_64, memory, tb.root, va / 4096, 0, access, ctl, 0, QEMU_WALK_OPTIONS);
    const none = trace(VA, 0);
    expect(none.levels.at(-1)!.kind).toBe('not-present');
    expect(none.stop).toMatch(/#PF \(vector 14, error code U\): P = 0 at level 3/);
    tb.map(VA, 0, DATA, X86_US | X86_A);
    expect(trace(VA, 1).stop).toMatch(/error code P\|W\|U\): a store to a read-only page/);
    tb.map(VA, 0, DATA, X86_RW | X86_A | X86_D);
    expect(trace(VA, 0).stop).toMatch(/a user access to a supervisor page/);
    tb.map(VA, 0, DATA, X86_RW | X86_US | X86_A, X86_HI_XD);
    expect(trace(VA, 2).stop).toMatch(/error code P\|U\|I\): XD = 1 on the path/);
    tb.set(VA, 0, ((DATA * 4096) | 1 | X86_US) >>> 0, 0x000f_0000); // bits above MAXPHYADDR (40)
    const rsvd = trace(VA, 0);
    expect(rsvd.errorCode & PfError.RSVD).not.toBe(0);
    expect(rsvd.stop).toMatch(/a reserved bit is set/);
  });

  it('agrees with walkX86 on random tables and never writes (seeded)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            frame: fc.integer({ min: 0, max: 7 }),
            index: fc.constantFrom(0, 1, 2, 511),
            low: fc.integer({ min: 0, max: 0xfff }),
            target: fc.integer({ min: 0, max: 7 }),
            hi: fc.constantFrom(0, 0x8000_0000, 0x000f_0000, 0x7800_0000),
          }),
          { maxLength: 30 },
        ),
        fc.constantFrom(0, 1, 0x200, 0x40000, 0x7ffffff, 0x8000000),
        fc.constantFrom(0, 1, 2),
        fc.constantFrom(
          USER,
          X86Ctl.Wp | X86Ctl.Nxe,
          X86Ctl.Nxe | X86Ctl.Smep | X86Ctl.SmapBlock,
          USER | X86Ctl.Pke,
        ),
        fc.constantFrom(QEMU_WALK_OPTIONS, SDM_WALK_OPTIONS),
        (entries, vpn, access, ctl, options) => {
          const memory = new SparsePhysicalMemory({ base: BASE, size: RAM });
          for (const e of entries)
            memory.write64(
              BASE + e.frame * 4096 + e.index * 8,
              ((BASE / 4096 + e.target) * 4096 + e.low) >>> 0,
              e.hi,
            );
          const before = snapshot(memory, 8);
          const t = walkX86Trace(X86_64, memory, BASE / 4096, vpn, 8, access, ctl, 0x0c, options);
          expect(snapshot(memory, 8)).toBe(before);
          const out = createX86WalkResult();
          const r = walkX86(X86_64, memory, BASE / 4096, vpn, 8, access, ctl, 0x0c, options, out);
          expect(t.pa).toBe(r >= 0 ? r : -1);
          expect(t.errorCode).toBe(r >= 0 ? 0 : out.errorCode);
          expect(t.levels).toHaveLength(out.levelsWalked);
          expect(t.stop.length).toBeGreaterThan(0);
        },
      ),
      { seed: 0x86, numRuns: 300 },
    );
  });
});
