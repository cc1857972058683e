/**
 * The contract kit of {@link PagingArch}: {@link checkPagingArch} runs every rule of the interface's TSDoc on an
 * architecture and reports which rules hold.
 *
 * ```ts
 * import { assertContract, checkPagingArch } from '@pagewright/core/testing';
 * assertContract(checkPagingArch(() => myArch, { name: 'my-arch' }));
 * ```
 *
 * @module
 */

import { Access, PteFlag, type PteFlags, type U64Pair } from '../hardware.js';
import { type AccessContext, type PagingArch, PteKind } from '../paging-arch.js';
import { createRng } from '../rng.js';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  ensureEqual,
  type KitOptions,
  RuleFailure,
  runContract,
} from './kit.js';

/** Gives the architecture to check (called once per rule: it may return the same instance every time). */
export type PagingArchFactory = () => PagingArch;

/** Options of {@link checkPagingArch}. */
export interface PagingArchKitOptions extends KitOptions {
  /** The flag sets the architecture stores exactly in a leaf (default: every set of R W X U G A D with R). */
  leafFlags?: readonly PteFlags[] | undefined;
}

/** What each rule of the kit receives: the factory and the options the rules read. */
export interface PagingArchKitSubject {
  readonly make: PagingArchFactory;
  readonly leafFlags: readonly PteFlags[];
}

const { Read, Write, Exec, User, Global, Accessed, Dirty } = PteFlag;
const RW = Read | Write | Accessed | Dirty;

function make(subject: PagingArchKitSubject): PagingArch {
  const arch = subject.make();
  ensure(typeof arch === 'object' && arch !== null, `the factory returned ${String(arch)}, not a PagingArch`);
  return arch;
}

function words(): U64Pair {
  return { lo: 0, hi: 0 };
}

/** PPNs every rule tries: the ends of the range and seeded ones in between. */
function ppns(arch: PagingArch, align = 1): number[] {
  const top = 2 ** arch.ppnBits;
  const r = createRng(arch.ppnBits);
  const list = [0, align, top - align];
  for (let i = 0; i < 6; i++) list.push(Math.floor(r.nextFloat() * (top / align)) * align);
  return list.filter((p) => p >= 0 && p < top);
}

/** True when a level-0 leaf with exactly `flags` exists: `encodeLeaf` accepts them and `flags()` gives them back. */
function stores(arch: PagingArch, flags: PteFlags): boolean {
  const out = words();
  try {
    arch.encodeLeaf(0, flags, 0, out);
  } catch (e) {
    if (e instanceof RangeError) return false;
    throw e;
  }
  return arch.flags(out.lo, out.hi) === flags;
}

/** The {@link PteKind} names, for messages. */
const KIND_NAMES: Readonly<Record<number, string>> = {
  [PteKind.Invalid]: 'Invalid',
  [PteKind.Table]: 'Table',
  [PteKind.Leaf]: 'Leaf',
  [PteKind.Malformed]: 'Malformed',
};

function kindName(k: number): string {
  return KIND_NAMES[k] ?? String(k);
}

function ctx(privilege: number, sum = false, mxr = false): AccessContext {
  return { privilege, sum, mxr };
}

const ACCESS_NAMES = ['load', 'store', 'fetch'];

function expectAllows(
  arch: PagingArch,
  flags: number,
  access: Access,
  c: AccessContext,
  want: boolean,
): void {
  const got = arch.leafAllows(flags, access, c);
  if (got !== want) {
    throw new RuleFailure(
      `leafAllows(flags 0x${flags.toString(16)}, ${ACCESS_NAMES[access]}, privilege ${c.privilege}, ` +
        `sum ${c.sum}, mxr ${c.mxr}) = ${got}, expected ${want}`,
    );
  }
}

/** Every rule of the {@link PagingArch} contract, in the order the interface's TSDoc states them. */
export const PAGING_ARCH_RULES: readonly ContractRule<PagingArchKitSubject>[] = [
  {
    id: 'geometry',
    text:
      'levels ≥ 1, entriesPerTable = 2^bitsPerLevel, pteSize > 0, 0 ≤ maxLeafLevel < levels, ' +
      'vaBits ≤ 12 + bitsPerLevel · levels, ppnBits and asidBits ≥ 0, and userStart = 0 < userEnd ≤ 2^(vaBits−1)',
    check(s) {
      const a = make(s);
      ensure(Number.isInteger(a.levels) && a.levels >= 1, `levels = ${a.levels}`);
      ensureEqual(a.entriesPerTable, 2 ** a.bitsPerLevel, 'entriesPerTable');
      ensure(Number.isInteger(a.pteSize) && a.pteSize > 0, `pteSize = ${a.pteSize}`);
      ensure(
        Number.isInteger(a.maxLeafLevel) && a.maxLeafLevel >= 0 && a.maxLeafLevel < a.levels,
        `maxLeafLevel = ${a.maxLeafLevel} with ${a.levels} levels`,
      );
      ensure(a.vaBits <= 12 + a.bitsPerLevel * a.levels, `vaBits = ${a.vaBits} exceeds the tables' reach`);
      ensure(a.ppnBits > 0 && a.asidBits >= 0, `ppnBits = ${a.ppnBits}, asidBits = ${a.asidBits}`);
      ensureEqual(a.userStart, 0, 'userStart');
      ensure(a.userEnd > 0 && a.userEnd <= 2 ** (a.vaBits - 1), `userEnd = ${a.userEnd}`);
      ensure(typeof a.rightsCombineAcrossLevels === 'boolean', 'rightsCombineAcrossLevels is not a boolean');
    },
  },
  {
    id: 'page-size',
    text: 'pageSizeAt(level) = 4096 · entriesPerTable^level for every level',
    check(s) {
      const a = make(s);
      for (let l = 0; l < a.levels; l++)
        ensureEqual(a.pageSizeAt(l), 4096 * a.entriesPerTable ** l, `level ${l}`);
    },
  },
  {
    id: 'index-at',
    text: 'indexAt(vpn, level) = ⌊vpn / entriesPerTable^level⌋ mod entriesPerTable for every page of the VA space',
    check(s) {
      const a = make(s);
      const pages = 2 ** (a.vaBits - 12);
      const r = createRng(a.vaBits);
      const vpns = [0, 1, pages - 1, pages / 2, pages / 2 - 1];
      for (let i = 0; i < 64; i++) vpns.push(Math.floor(r.nextFloat() * pages));
      for (const vpn of vpns) {
        for (let l = 0; l < a.levels; l++) {
          const e = a.entriesPerTable;
          ensureEqual(a.indexAt(vpn, l), Math.floor(vpn / e ** l) % e, `indexAt(${vpn}, ${l})`);
        }
      }
    },
  },
  {
    id: 'canonical',
    text:
      'isCanonical(va) is true exactly when bits 63 … vaBits−1 of the u64 va are all equal (both halves, their ends, ' +
      'and the first address past each)',
    check(s) {
      const a = make(s);
      const half = 1n << BigInt(a.vaBits - 1);
      const top = 1n << 64n;
      const cases: [bigint, boolean][] = [
        [0n, true],
        [half - 1n, true],
        [half, false],
        [top - half, true],
        [top - half - 1n, false],
        [top - 1n, true],
        [1n << 63n, false],
      ];
      for (const [va, want] of cases)
        ensureEqual(a.isCanonical(va), want, `isCanonical(0x${va.toString(16)})`);
    },
  },
  {
    id: 'invalid-zero',
    text: 'an all-zero entry is Invalid at every level',
    check(s) {
      const a = make(s);
      for (let l = 0; l < a.levels; l++)
        ensureEqual(kindName(a.kind(0, 0, l)), 'Invalid', `kind(0, 0, ${l})`);
    },
  },
  {
    id: 'leaf-round-trip',
    text:
      'encodeLeaf(ppn, flags, level) at every level 0 … maxLeafLevel is a Leaf at that level whose ppn(…, level) is ' +
      'ppn and whose flags() are flags, for every aligned frame number and every flag set the architecture stores',
    check(s) {
      const a = make(s);
      const out = words();
      for (let l = 0; l <= a.maxLeafLevel; l++) {
        const frames = l === 0 ? 1 : a.pageSizeAt(l) / 4096;
        for (const ppn of l === 0 ? ppns(a) : ppns(a, frames).slice(0, 4)) {
          for (const f of s.leafFlags) {
            a.encodeLeaf(ppn, f, l, out);
            const what = `encodeLeaf(${ppn}, 0x${f.toString(16)}, ${l})`;
            ensureEqual(kindName(a.kind(out.lo, out.hi, l)), 'Leaf', `kind at level ${l} of ${what}`);
            ensureEqual(a.ppn(out.lo, out.hi, l), ppn, `ppn at level ${l} of ${what}`);
            if (l === 0) ensureEqual(a.ppn(out.lo, out.hi), ppn, `ppn (no level given) of ${what}`);
            ensureEqual(a.flags(out.lo, out.hi), f, `flags of ${what}`);
          }
        }
      }
    },
  },
  {
    id: 'table-round-trip',
    text: 'encodeTable(ppn) is a Table at every level above 0 whose ppn(…, level) is ppn',
    check(s) {
      const a = make(s);
      const out = words();
      for (const ppn of ppns(a)) {
        a.encodeTable(ppn, out);
        for (let l = 1; l < a.levels; l++) {
          ensureEqual(
            kindName(a.kind(out.lo, out.hi, l)),
            'Table',
            `kind of encodeTable(${ppn}) at level ${l}`,
          );
          ensureEqual(a.ppn(out.lo, out.hi, l), ppn, `ppn of encodeTable(${ppn}) at level ${l}`);
        }
        ensureEqual(a.ppn(out.lo, out.hi), ppn, `ppn of encodeTable(${ppn})`);
      }
    },
  },
  {
    id: 'with-flags',
    text:
      "withFlags(leaf, flags) of a leaf at any level 0 … maxLeafLevel keeps the leaf's frame and its kind at that " +
      'level and gives it exactly flags',
    check(s) {
      const a = make(s);
      const out = words();
      const changed = words();
      const sets = s.leafFlags;
      for (let l = 0; l <= a.maxLeafLevel; l++) {
        const frames = l === 0 ? 1 : a.pageSizeAt(l) / 4096;
        for (const ppn of l === 0 ? ppns(a) : ppns(a, frames).slice(0, 3)) {
          for (let i = 0; i < sets.length; i++) {
            const from = sets[i] as number;
            const to = sets[(i * 7 + 3) % sets.length] as number;
            a.encodeLeaf(ppn, from, l, out);
            // A leaf encodeLeaf did not make is the [leaf-round-trip] rule's failure, not this one's.
            if (a.kind(out.lo, out.hi, l) !== PteKind.Leaf) continue;
            const frame = a.ppn(out.lo, out.hi, l);
            a.withFlags(out.lo, out.hi, to, changed);
            const what = `withFlags(encodeLeaf(${ppn}, 0x${from.toString(16)}, ${l}), 0x${to.toString(16)})`;
            ensureEqual(kindName(a.kind(changed.lo, changed.hi, l)), 'Leaf', `kind at level ${l} of ${what}`);
            ensureEqual(a.ppn(changed.lo, changed.hi, l), frame, `ppn at level ${l} of ${what}`);
            ensureEqual(a.flags(changed.lo, changed.hi), to, `flags of ${what}`);
          }
        }
      }
    },
  },
  {
    id: 'superpage-leaf',
    text:
      'a leaf at a level 1 … maxLeafLevel whose frame is not aligned to its page size, and a leaf above ' +
      'maxLeafLevel, is Malformed (or encodeLeaf refuses it with a RangeError)',
    check(s) {
      const a = make(s);
      const out = words();
      /** kind of `encodeLeaf(ppn, RW, l)` at `l`, or 'refused' when encodeLeaf throws a RangeError. */
      const kindOf = (ppn: number, l: number): string => {
        try {
          a.encodeLeaf(ppn, RW, l, out);
        } catch (e) {
          if (e instanceof RangeError) return 'refused';
          throw e;
        }
        return kindName(a.kind(out.lo, out.hi, l));
      };
      for (let l = 1; l < a.levels; l++) {
        const frames = a.pageSizeAt(l) / 4096;
        for (const ppn of ppns(a, frames).slice(0, 4)) {
          if (l > a.maxLeafLevel) {
            const k = kindOf(ppn, l);
            ensure(k === 'Malformed' || k === 'refused', `kind of a level-${l} leaf (ppn ${ppn}) is ${k}`);
            continue;
          }
          // Misaligned by one frame and by half the page (the frame bits right above an attribute bit).
          for (const off of [1, frames / 2]) {
            if (ppn + off >= 2 ** a.ppnBits) continue;
            const k = kindOf(ppn + off, l);
            ensure(
              k === 'Malformed' || k === 'refused',
              `kind of a misaligned level-${l} leaf (ppn ${ppn + off}) is ${k}`,
            );
          }
        }
      }
    },
  },
  {
    id: 'leaf-allows',
    text:
      'leafAllows: a store needs Write, a fetch needs Exec, a load needs Read (or Exec with MXR, where execute-only ' +
      'leaves exist); user mode ' +
      '(privilege 0) reaches only User pages; supervisor mode reaches non-User pages, loads and stores User pages ' +
      'only with SUM, and never fetches from them',
    check(s) {
      const a = make(s);
      const { Load, Store, Fetch } = Access;
      const all = Read | Write | Exec | Accessed | Dirty;
      const u = ctx(0);
      const sv = ctx(1);
      const svSum = ctx(1, true);
      for (const access of [Load, Store, Fetch]) {
        expectAllows(a, all | User, access, u, true);
        expectAllows(a, all, access, u, false);
        expectAllows(a, all, access, sv, true);
        expectAllows(a, all, access, svSum, true);
        expectAllows(a, all | User, access, sv, false);
      }
      expectAllows(a, all | User, Load, svSum, true);
      expectAllows(a, all | User, Store, svSum, true);
      expectAllows(a, all | User, Fetch, svSum, false);
      for (const c of [u, sv]) {
        const user = c.privilege === 0 ? User : 0;
        expectAllows(a, Read | Exec | Accessed | Dirty | user, Store, c, false);
        expectAllows(a, Read | Write | Accessed | Dirty | user, Fetch, c, false);
        expectAllows(a, Read | Accessed | user, Load, c, true);
        // Execute-only pages, where the architecture has them (x86 has no read-disable: Read is implied).
        if (!stores(a, Exec | Accessed | user)) continue;
        expectAllows(a, Exec | Accessed | user, Load, c, false);
        expectAllows(a, Exec | Accessed | user, Load, { ...c, mxr: true }, true);
      }
    },
  },
  {
    id: 'leaf-allows-ignores-ad',
    text: 'leafAllows does not look at Accessed or Dirty (that is the walker’s A/D policy) nor at Global',
    check(s) {
      const a = make(s);
      for (let f = 0; f < 128; f++) {
        const base = f & ~(Accessed | Dirty | Global);
        for (const access of [Access.Load, Access.Store, Access.Fetch]) {
          for (let c = 0; c < 8; c++) {
            const context = ctx(c < 4 ? 0 : 1, (c & 2) !== 0, (c & 1) !== 0);
            const want = a.leafAllows(base, access, context);
            const got = a.leafAllows(f, access, context);
            if (got !== want) {
              throw new RuleFailure(
                `leafAllows(0x${f.toString(16)}, ${ACCESS_NAMES[access]}) = ${got} but without A/D/G ${want}`,
              );
            }
          }
        }
      }
    },
  },
  {
    id: 'prot-none',
    text:
      'encodeProtNone and isProtNone are both present or both absent; encodeProtNone(ppn, flags) is Invalid at ' +
      'level 0, isProtNone, keeps ppn() and the User, Accessed and Dirty flags; isProtNone is false for an all-zero ' +
      'entry, a leaf and a table',
    check(s) {
      const a = make(s);
      const has = typeof a.encodeProtNone === 'function';
      ensureEqual(
        typeof a.isProtNone === 'function',
        has,
        'isProtNone present exactly when encodeProtNone is',
      );
      if (!has || a.encodeProtNone === undefined || a.isProtNone === undefined) return;
      const keep = User | Accessed | Dirty;
      const out = words();
      for (const ppn of ppns(a)) {
        for (const f of [0, Read, Read | Write | User, RW | User | Exec, Accessed | Dirty, Global | Read]) {
          a.encodeProtNone(ppn, f, out);
          const what = `encodeProtNone(${ppn}, 0x${f.toString(16)})`;
          ensureEqual(kindName(a.kind(out.lo, out.hi, 0)), 'Invalid', `kind of ${what}`);
          ensure(a.isProtNone(out.lo, out.hi), `isProtNone of ${what} is false`);
          ensureEqual(a.ppn(out.lo, out.hi), ppn, `ppn of ${what}`);
          ensureEqual(a.flags(out.lo, out.hi) & keep, f & keep, `User/Accessed/Dirty of ${what}`);
        }
        ensure(!a.isProtNone(0, 0), 'isProtNone(0, 0) is true');
        a.encodeLeaf(ppn, RW | Global, 0, out);
        ensure(!a.isProtNone(out.lo, out.hi), `isProtNone of a leaf (ppn ${ppn}) is true`);
        a.encodeTable(ppn, out);
        ensure(!a.isProtNone(out.lo, out.hi), `isProtNone of a table (ppn ${ppn}) is true`);
      }
    },
  },
];

/** Every flag set of R W X U G A D that has R. */
function readableFlagSets(): PteFlags[] {
  const list: PteFlags[] = [];
  for (let f = 0; f < 128; f++) if ((f & Read) !== 0) list.push(f);
  return list;
}

/**
 * Runs every {@link PAGING_ARCH_RULES} rule on the architecture `factory` gives. Never throws for a broken rule:
 * read the report, or pass it to `assertContract`.
 */
export function checkPagingArch(
  factory: PagingArchFactory,
  options: PagingArchKitOptions = {},
): ContractReport {
  const subject: PagingArchKitSubject = {
    make: factory,
    leafFlags: options.leafFlags ?? readableFlagSets(),
  };
  return runContract('PagingArch', PAGING_ARCH_RULES, subject, options);
}
