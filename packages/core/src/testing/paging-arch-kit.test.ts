import { describe, expect, it } from 'vitest';
import { Access, PteFlag, type PteFlags, type U64Pair } from '../hardware.js';
import { type AccessContext, type PagingArch, PteKind } from '../paging-arch.js';
import { assertContract, ContractViolationError } from './kit.js';
import { checkPagingArch, PAGING_ARCH_RULES } from './paging-arch-kit.js';

/**
 * Bit 0 valid; bits 1..7 the neutral flags (R W X U G A D); bit 8 the PROT_NONE marker; bit 9 a page-size bit (set
 * exactly in leaves above level 0, as x86's PS); PPN from bit 10.
 */
const V = 1;
const PROT_NONE = 0x100;
const PS = 0x200;
const FLAGS_SHIFT = 1;
const RWX = PteFlag.Read | PteFlag.Write | PteFlag.Exec;

/**
 * A small architecture that keeps every rule: 3 levels of 512 entries, 39-bit VAs, 30-bit frame numbers, leaves at
 * levels 0 and 1 only (no 1 GiB pages, a level-1 leaf has the PS bit), RISC-V's permission rules. The broken variants below each change one
 * behaviour.
 */
class ToyArch implements PagingArch {
  readonly name: string = 'toy';
  readonly levels: number = 3;
  readonly bitsPerLevel: number = 9;
  readonly entriesPerTable: number = 512;
  readonly pteSize: number = 8;
  readonly vaBits: number = 39;
  readonly ppnBits: number = 30;
  readonly asidBits: number = 9;
  readonly maxLeafLevel: number = 1;
  readonly rightsCombineAcrossLevels: boolean = false;
  readonly userStart: number = 0;
  readonly userEnd: number = 2 ** 38;

  pageSizeAt(level: number): number {
    return 4096 * 512 ** level;
  }
  indexAt(vpn: number, level: number): number {
    return Math.floor(vpn / 512 ** level) % 512;
  }
  isCanonical(va: bigint): boolean {
    const v = BigInt.asIntN(64, va);
    return v >= -(2n ** 38n) && v < 2n ** 38n;
  }
  kind(lo: number, hi: number, level: number): PteKind {
    if ((lo & V) === 0) return PteKind.Invalid;
    const flags = this.flags(lo, hi);
    if ((flags & RWX) === 0) return level === 0 || (lo & PS) !== 0 ? PteKind.Malformed : PteKind.Table;
    if (level > this.maxLeafLevel) return PteKind.Malformed;
    if ((lo & PS) !== (level > 0 ? PS : 0)) return PteKind.Malformed;
    if (this.ppn(lo, hi) % 512 ** level !== 0) return PteKind.Malformed;
    return PteKind.Leaf;
  }
  ppn(lo: number, hi: number, _level?: number): number {
    return (lo >>> 10) + (hi & 0xff) * 2 ** 22;
  }
  flags(lo: number, _hi: number): PteFlags {
    return (lo >>> FLAGS_SHIFT) & 0x7f;
  }
  protected write(ppn: number, low10: number, out: U64Pair): U64Pair {
    out.lo = ((ppn % 2 ** 22) * 1024 + low10) >>> 0;
    out.hi = Math.floor(ppn / 2 ** 22);
    return out;
  }
  encodeLeaf(ppn: number, flags: PteFlags, level: number, out: U64Pair): U64Pair {
    return this.write(ppn, ((flags & 0x7f) << FLAGS_SHIFT) | V | (level > 0 ? PS : 0), out);
  }
  encodeTable(ppn: number, out: U64Pair): U64Pair {
    return this.write(ppn, V, out);
  }
  withFlags(lo: number, hi: number, flags: PteFlags, out: U64Pair): U64Pair {
    return this.write(this.ppn(lo, hi), ((flags & 0x7f) << FLAGS_SHIFT) | V | (lo & PS), out);
  }
  leafAllows(flags: PteFlags, access: Access, ctx: AccessContext): boolean {
    const user = (flags & PteFlag.User) !== 0;
    if (ctx.privilege === 0 ? !user : user && (access === Access.Fetch || !ctx.sum)) return false;
    if (access === Access.Fetch) return (flags & PteFlag.Exec) !== 0;
    if (access === Access.Store) return (flags & PteFlag.Write) !== 0;
    return (flags & PteFlag.Read) !== 0 || (ctx.mxr && (flags & PteFlag.Exec) !== 0);
  }
  encodeProtNone?(ppn: number, flags: PteFlags, out: U64Pair): U64Pair {
    const keep = flags & (PteFlag.User | PteFlag.Accessed | PteFlag.Dirty);
    return this.write(ppn, PROT_NONE | (keep << FLAGS_SHIFT), out);
  }
  isProtNone?(lo: number, _hi: number): boolean {
    return (lo & (V | PROT_NONE)) === PROT_NONE;
  }
}

/** One deliberately broken architecture per rule: each breaks exactly the rule it is filed under. */
const BROKEN: Record<string, () => PagingArch> = {
  geometry: () =>
    new (class extends ToyArch {
      override readonly userEnd = 2 ** 39;
    })(),
  'page-size': () =>
    new (class extends ToyArch {
      override pageSizeAt(level: number): number {
        return 4096 * 512 * level || 4096;
      }
    })(),
  'index-at': () =>
    new (class extends ToyArch {
      // Loses the top bit of the root index.
      override indexAt(vpn: number, level: number): number {
        return Math.floor(vpn / 512 ** level) % (level === 2 ? 256 : 512);
      }
    })(),
  canonical: () =>
    new (class extends ToyArch {
      override isCanonical(va: bigint): boolean {
        const v = BigInt.asIntN(64, va);
        return v >= -(2n ** 38n) && v <= 2n ** 38n;
      }
    })(),
  'invalid-zero': () =>
    new (class extends ToyArch {
      override kind(lo: number, hi: number, level: number): PteKind {
        return lo === 0 && hi === 0 && level === 2 ? PteKind.Malformed : super.kind(lo, hi, level);
      }
    })(),
  'leaf-round-trip': () =>
    new (class extends ToyArch {
      // Drops Global when it encodes a leaf.
      override encodeLeaf(ppn: number, flags: PteFlags, level: number, out: U64Pair): U64Pair {
        return super.encodeLeaf(ppn, flags & ~PteFlag.Global, level, out);
      }
    })(),
  'table-round-trip': () =>
    new (class extends ToyArch {
      // Tables are classified as leaves at the root.
      override kind(lo: number, hi: number, level: number): PteKind {
        const k = super.kind(lo, hi, level);
        return k === PteKind.Table && level === 2 ? PteKind.Leaf : k;
      }
    })(),
  'with-flags': () =>
    new (class extends ToyArch {
      override withFlags(lo: number, hi: number, flags: PteFlags, out: U64Pair): U64Pair {
        return super.withFlags(lo, hi, flags | (this.flags(lo, hi) & PteFlag.Dirty), out);
      }
    })(),
  'superpage-leaf': () =>
    new (class extends ToyArch {
      // Forgets the alignment check.
      override kind(lo: number, hi: number, level: number): PteKind {
        const k = super.kind(lo, hi, level);
        return k === PteKind.Malformed && level === 1 && (this.flags(lo, hi) & RWX) !== 0 ? PteKind.Leaf : k;
      }
    })(),
  'leaf-allows': () =>
    new (class extends ToyArch {
      // Ignores SUM: the supervisor reaches user pages.
      override leafAllows(flags: PteFlags, access: Access, ctx: AccessContext): boolean {
        return super.leafAllows(flags, access, { ...ctx, sum: access !== Access.Fetch });
      }
    })(),
  'leaf-allows-ignores-ad': () =>
    new (class extends ToyArch {
      // Treats a store to a clean page as refused (an A/D policy leaking into the permission check).
      override leafAllows(flags: PteFlags, access: Access, ctx: AccessContext): boolean {
        const clean =
          access === Access.Store && (flags & PteFlag.Dirty) === 0 && (flags & PteFlag.Accessed) !== 0;
        return !clean && super.leafAllows(flags, access, ctx);
      }
    })(),
  'prot-none': () =>
    new (class extends ToyArch {
      override isProtNone(lo: number, _hi: number): boolean {
        return (lo & V) === 0;
      }
    })(),
};

/** More broken architectures, each filed under the one rule it breaks: the level of a leaf matters. */
const MORE_BROKEN: readonly [rule: string, what: string, make: () => PagingArch][] = [
  [
    'leaf-round-trip',
    'encodeLeaf ignores the level (no size bit on a 2 MiB leaf)',
    () =>
      new (class extends ToyArch {
        override encodeLeaf(ppn: number, flags: PteFlags, _level: number, out: U64Pair): U64Pair {
          return super.encodeLeaf(ppn, flags, 0, out);
        }
      })(),
  ],
  [
    'leaf-round-trip',
    'ppn of a superpage leaf loses the frame bits of the upper half',
    () =>
      new (class extends ToyArch {
        override ppn(lo: number, hi: number, level?: number): number {
          return level !== undefined && level > 0 && (lo & PS) !== 0 ? lo >>> 10 : super.ppn(lo, hi);
        }
      })(),
  ],
  [
    'with-flags',
    'withFlags drops the size bit of a superpage leaf',
    () =>
      new (class extends ToyArch {
        override withFlags(lo: number, hi: number, flags: PteFlags, out: U64Pair): U64Pair {
          return super.withFlags(lo & ~PS, hi, flags, out);
        }
      })(),
  ],
  [
    'superpage-leaf',
    'a leaf above maxLeafLevel is classified Leaf',
    () =>
      new (class extends ToyArch {
        override kind(lo: number, hi: number, level: number): PteKind {
          const k = super.kind(lo, hi, level);
          const aligned = this.ppn(lo, hi) % 512 ** level === 0;
          return k === PteKind.Malformed && level === 2 && (lo & PS) !== 0 && aligned ? PteKind.Leaf : k;
        }
      })(),
  ],
];

/** The toy architecture as a plain object without the members `names` (to drop optional members). */
function toyWithout(names: readonly string[]): PagingArch {
  const arch = new ToyArch();
  const members = arch as unknown as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of [...Object.keys(arch), ...Object.getOwnPropertyNames(ToyArch.prototype)]) {
    if (key === 'constructor' || names.includes(key)) continue;
    const v = members[key];
    copy[key] = typeof v === 'function' ? v.bind(arch) : v;
  }
  return copy as unknown as PagingArch;
}

describe('PagingArch contract kit', () => {
  it('passes the reference architecture, with and without PROT_NONE support', () => {
    const report = checkPagingArch(() => new ToyArch(), { name: 'toy' });
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(PAGING_ARCH_RULES.map((r) => r.id));
    expect(checkPagingArch(() => toyWithout(['encodeProtNone', 'isProtNone'])).failed).toEqual([]);
  });

  it('has one broken architecture per rule', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(PAGING_ARCH_RULES.map((r) => r.id).sort());
  });

  it.each(Object.keys(BROKEN))('names exactly the rule %s when only it is broken', (rule) => {
    const report = checkPagingArch(BROKEN[rule] as () => PagingArch, { name: rule });
    expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    expect(() => assertContract(report)).toThrow(ContractViolationError);
  });

  it.each(MORE_BROKEN)('names exactly the rule %s when %s', (rule, _what, broken) => {
    expect(checkPagingArch(broken).failed.map((f) => f.rule)).toEqual([rule]);
  });

  it('accepts an architecture that refuses to encode misaligned or too-high leaves', () => {
    const refusing = new (class extends ToyArch {
      override encodeLeaf(ppn: number, flags: PteFlags, level: number, out: U64Pair): U64Pair {
        if (level > this.maxLeafLevel || ppn % 512 ** level !== 0) throw new RangeError('no such leaf');
        return super.encodeLeaf(ppn, flags, level, out);
      }
    })();
    expect(checkPagingArch(() => refusing).failed).toEqual([]);
  });

  it('reports an architecture with only one of the PROT_NONE members', () => {
    expect(checkPagingArch(() => toyWithout(['isProtNone'])).failed.map((f) => f.rule)).toEqual([
      'prot-none',
    ]);
  });

  it('reports a factory that returns nothing on every rule', () => {
    const report = checkPagingArch(() => undefined as unknown as PagingArch);
    expect(report.passed).toEqual([]);
    expect(report.failed).toHaveLength(PAGING_ARCH_RULES.length);
  });
});
