import { Access, type AccessContext, PteFlag, PteKind, type U64Pair } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { describe, expect, it } from 'vitest';
import { PTE_G, PTE_R, PTE_V } from './pte.js';
import { type RiscvPagingArch, Sv39, Sv48 } from './riscv-arch.js';
import { TableBuilder } from './test-helpers.js';
import { createWalkResult, SPEC_WALK_OPTIONS, walk } from './walk.js';

const BASE = 0x8000_0000;
const U: AccessContext = { privilege: 0, sum: false, mxr: false };
const S: AccessContext = { privilege: 1, sum: true, mxr: true };
const RWX = PteFlag.Read | PteFlag.Write | PteFlag.Exec;

describe.each([
  ['sv39', Sv39],
  ['sv48', Sv48],
] as const)('inaccessible (PROT_NONE) entries on %s', (_name, arch: RiscvPagingArch) => {
  const out: U64Pair = { lo: 0, hi: 0 };

  it.each([0, 1, 0x3fffff, 0x400000, 0x123456789, 2 ** 44 - 1])(
    'keeps frame 0x%s and U/A/D; V = 0 and the G marker (Linux _PAGE_PROT_NONE)',
    (ppn) => {
      const flags = PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
      arch.encodeProtNone(ppn, flags | RWX | PteFlag.Global, out);
      expect(out.lo & PTE_V).toBe(0);
      expect(out.lo & PTE_G).toBe(PTE_G);
      expect(out.lo & 0x0e).toBe(0); // R/W/X never set
      expect(arch.ppn(out.lo, out.hi)).toBe(ppn);
      expect(arch.flags(out.lo, out.hi) & ~PteFlag.Global).toBe(flags);
      expect(arch.isProtNone(out.lo, out.hi)).toBe(true);
      for (let level = 0; level < arch.levels; level++)
        expect(arch.kind(out.lo, out.hi, level)).toBe(PteKind.Invalid);
    },
  );

  it('drops what it does not keep: no flags gives only the marker', () => {
    arch.encodeProtNone(7, RWX, out);
    expect(arch.flags(out.lo, out.hi)).toBe(PteFlag.Global);
  });

  it('is false for zero, valid leaves, tables, and V = 0 entries without the marker', () => {
    expect(arch.isProtNone(0, 0)).toBe(false);
    arch.encodeLeaf(5, PteFlag.Read | PteFlag.Global, 0, out);
    expect(arch.isProtNone(out.lo, out.hi)).toBe(false);
    arch.encodeTable(5, out);
    expect(arch.isProtNone(out.lo, out.hi)).toBe(false);
    expect(arch.isProtNone(5 * 1024 + PTE_R, 0)).toBe(false);
  });

  it('rejects a frame number outside [0, 2^44)', () => {
    expect(() => arch.encodeProtNone(-1, 0, out)).toThrow(RangeError);
    expect(() => arch.encodeProtNone(2 ** 44, 0, out)).toThrow(RangeError);
    expect(() => arch.encodeProtNone(1.5, 0, out)).toThrow(RangeError);
  });

  it('the hardware walker faults on it for every access, in U and S mode', () => {
    const memory = new SparsePhysicalMemory({ base: BASE, size: 16 * 1024 * 1024 });
    const tb = new TableBuilder(memory, arch, BASE / 4096 + 1);
    const va = 0x4000_1000;
    const frame = BASE / 4096 + 0x800;
    arch.encodeProtNone(frame, PteFlag.User | PteFlag.Accessed | PteFlag.Dirty, out);
    const addr = tb.set(va, 0, out.lo, out.hi);
    const result = createWalkResult();
    for (const [access, cause] of [
      [Access.Load, 13],
      [Access.Store, 15],
      [Access.Fetch, 12],
    ] as const) {
      for (const ctx of [U, S]) {
        expect(walk(arch, memory, tb.root, va, access, ctx, SPEC_WALK_OPTIONS, result)).toBeLessThan(0);
        expect(result.cause).toBe(cause);
        expect(result.adUpdated).toBe(false);
      }
    }
    expect(tb.read(addr)).toEqual({ lo: out.lo, hi: out.hi });
  });
});
