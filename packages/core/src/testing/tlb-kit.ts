/**
 * The contract kit of {@link Tlb}: {@link checkTlb} runs every rule of the interface's TSDoc on TLBs made by your
 * factory and reports which rules hold.
 *
 * ```ts
 * import { assertContract, checkTlb } from '@pagewright/core/testing';
 * assertContract(checkTlb(() => new MyTlb(), { name: 'my-tlb' }));
 * ```
 *
 * @module
 */

import { PteFlag } from '../hardware.js';
import { TLB_MISS, type Tlb, type TlbEntryView, type TlbStats } from '../tlb.js';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  ensureEqual,
  type KitOptions,
  RuleFailure,
  runContract,
} from './kit.js';

/** Makes a fresh, empty TLB (every call a new, independent TLB). */
export type TlbFactory = () => Tlb;

/** Options of {@link checkTlb}. */
export interface TlbKitOptions extends KitOptions {
  /** The highest leaf level the TLB caches (0 = 4 KiB only; default 2, as for Sv39's 1 GiB pages). */
  maxLevel?: number | undefined;
}

/** A factory with the options the rules read. */
export interface TlbKitSubject {
  readonly make: TlbFactory;
  readonly maxLevel: number;
}

/** Flags of a cached read-write leaf (R W A D). */
const RW = PteFlag.Read | PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty;
/** The flag bits a TLB caches as the leaf gave them (Global is the `global` argument). */
const CACHED = PteFlag.Read | PteFlag.Write | PteFlag.Exec | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
/** Most rules' work stays below this many inserts, whatever the capacity. */
const MAX_WORK = 4096;

function make(subject: TlbKitSubject): Tlb {
  const tlb = subject.make();
  ensure(typeof tlb === 'object' && tlb !== null, `the factory returned ${String(tlb)}, not a TLB`);
  ensure(
    Number.isInteger(tlb.capacity) && tlb.capacity >= 0,
    `capacity is ${String(tlb.capacity)}, not an integer ≥ 0`,
  );
  return tlb;
}

function noThrow<T>(f: () => T, what: string): T {
  try {
    return f();
  } catch (e) {
    throw new RuleFailure(`${what} threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
}

function entries(tlb: Tlb): TlbEntryView[] {
  const list: TlbEntryView[] = [];
  tlb.forEach((e) => {
    list.push({ ...e });
  });
  return list;
}

/** The frames (`ppn`) of the valid entries, sorted: rules give every entry its own frame to identify it. */
function frames(tlb: Tlb): number[] {
  return entries(tlb)
    .map((e) => e.ppn)
    .sort((a, b) => a - b);
}

function same(actual: number[], expected: number[], what: string): void {
  const a = [...actual].sort((x, y) => x - y).join(',');
  const b = [...expected].sort((x, y) => x - y).join(',');
  ensure(a === b, `${what}: expected entries with frames [${b}], have [${a}]`);
}

/** 512^level: 4 KiB pages in a page of `level`. */
function span(level: number): number {
  return 512 ** level;
}

/** Looks `vpn` up for `asid` and returns the frame it translates to, or -1 on a miss. */
function frameOf(tlb: Tlb, vpn: number, asid: number): number {
  const slot = tlb.lookup(vpn, asid);
  return slot === TLB_MISS || slot < 0 ? -1 : tlb.translate(slot, vpn);
}

/** Pages far apart (different sets of any set-associative TLB with 4 to 2^20 sets), for rules with several entries. */
const PAGES = [0x10, 0x2_0021, 0x40_0042, 0x800_0083] as const;

/** One entry a rule places: page, ASID, frame (unique per rule: it identifies the entry), global. */
type Placed = readonly [vpn: number, asid: number, ppn: number, global: boolean];

/**
 * Inserts `list` (4 KiB, R W A D) and returns true when every entry is then held (seen by `forEach`). A TLB too
 * small or too conflicted to hold them together is flushed and the rule that asked holds vacuously.
 */
function place(tlb: Tlb, list: readonly Placed[]): boolean {
  for (const [vpn, asid, ppn, global] of list) tlb.insert(vpn, asid, 0, ppn, RW, global);
  const held = new Set(frames(tlb));
  if (list.every(([, , ppn]) => held.has(ppn))) return true;
  tlb.flushAll();
  return false;
}

function statsOf(tlb: Tlb): TlbStats {
  return { ...tlb.stats };
}

/** Every rule of the {@link Tlb} contract, in the order the interface's TSDoc states them. */
export const TLB_RULES: readonly ContractRule<TlbKitSubject>[] = [
  {
    id: 'never-throws',
    text: 'lookup, insert and the four flushes never throw, whatever numbers they are given',
    check(s) {
      const tlb = make(s);
      const odd = [Number.NaN, -1, -4096, 1.5, 2 ** 53, 2 ** 60, Number.POSITIVE_INFINITY, 0];
      for (const x of odd) {
        noThrow(() => tlb.lookup(x, 0), `lookup(${x}, 0)`);
        noThrow(() => tlb.lookup(5, x), `lookup(5, ${x})`);
        noThrow(() => tlb.insert(x, 0, 0, 7, RW, false), `insert(${x}, 0, 0, 7, …)`);
        noThrow(() => tlb.insert(5, x, 0, 7, RW, false), `insert(5, ${x}, 0, 7, …)`);
        noThrow(() => tlb.insert(5, 0, x, 7, RW, false), `insert(5, 0, ${x}, 7, …)`);
        noThrow(() => tlb.insert(5, 0, 0, x, RW, true), `insert(5, 0, 0, ${x}, …)`);
        noThrow(() => tlb.insert(5, 0, 0, 7, x, false), `insert(5, 0, 0, 7, ${x}, …)`);
        noThrow(() => tlb.flushVa(x), `flushVa(${x})`);
        noThrow(() => tlb.flushVaAsid(x, 0), `flushVaAsid(${x}, 0)`);
        noThrow(() => tlb.flushVaAsid(5, x), `flushVaAsid(5, ${x})`);
        noThrow(() => tlb.flushAsid(x), `flushAsid(${x})`);
      }
      noThrow(() => tlb.insert(5, 0, 99, 7, RW, false), 'insert at level 99');
      noThrow(() => tlb.flushAll(), 'flushAll()');
    },
  },
  {
    id: 'capacity',
    text:
      'capacity is an integer ≥ 0; the TLB never holds more than capacity valid entries, and one with capacity 0 ' +
      'caches nothing (insert returns TLB_MISS, every lookup misses)',
    check(s) {
      const tlb = make(s);
      const n = Math.min(4 * Math.max(tlb.capacity, 8), MAX_WORK);
      for (let i = 0; i < n; i++) {
        const slot = tlb.insert(i * 3, 1 + (i % 3), 0, 5000 + i, RW, false);
        if (tlb.capacity === 0) {
          ensureEqual(slot, TLB_MISS, `capacity 0: insert #${i}`);
          ensureEqual(tlb.lookup(i * 3, 1 + (i % 3)), TLB_MISS, `capacity 0: lookup after insert #${i}`);
        }
        if (i % 97 === 0 || i === n - 1) {
          const held = entries(tlb).length;
          ensure(
            held <= tlb.capacity,
            `holds ${held} entries after ${i + 1} inserts, capacity ${tlb.capacity}`,
          );
        }
      }
    },
  },
  {
    id: 'insert-lookup',
    text:
      'right after insert (which returns the slot, ≥ 0), lookup of the page in its ASID returns that slot, ' +
      'translate gives the frame and flagsOf the flags (R W X U A D as inserted)',
    check(s) {
      const tlb = make(s);
      if (tlb.capacity === 0) return;
      const cases: [number, number, number, number][] = [
        [0, 0, 77, RW],
        [0x12345, 3, 0x2_0000, PteFlag.Read | PteFlag.Exec | PteFlag.User | PteFlag.Accessed],
        [2 ** 35 - 1, 0xfff, 2 ** 40 - 1, PteFlag.Read | PteFlag.Accessed],
      ];
      for (const [vpn, asid, ppn, flags] of cases) {
        const slot = tlb.insert(vpn, asid, 0, ppn, flags, false);
        ensure(slot >= 0, `insert(${vpn}, ${asid}, 0, ${ppn}) returned ${slot}, not a slot`);
        const found = tlb.lookup(vpn, asid);
        ensureEqual(found, slot, `lookup(${vpn}, ${asid}) right after insert`);
        ensureEqual(tlb.translate(found, vpn), ppn, `translate of page ${vpn}`);
        ensureEqual(tlb.flagsOf(found) & CACHED, flags & CACHED, `flagsOf of page ${vpn}`);
      }
    },
  },
  {
    id: 'asid-tagged',
    text:
      'a non-global entry matches only its own ASID: the same page may be cached for two ASIDs, each with its ' +
      'own frame, and a lookup in a third ASID misses',
    check(s) {
      const tlb = make(s);
      const vpn = PAGES[1];
      if (
        !place(tlb, [
          [vpn, 1, 111, false],
          [vpn, 2, 222, false],
        ])
      )
        return;
      ensureEqual(frameOf(tlb, vpn, 1), 111, 'page in ASID 1');
      ensureEqual(frameOf(tlb, vpn, 2), 222, 'page in ASID 2');
      ensureEqual(frameOf(tlb, vpn, 3), -1, 'page in ASID 3 (never inserted)');
      ensureEqual(frameOf(tlb, PAGES[2], 1), -1, 'another page in ASID 1');
    },
  },
  {
    id: 'global-every-asid',
    text: 'a global entry matches every ASID',
    check(s) {
      const tlb = make(s);
      if (tlb.capacity === 0) return;
      tlb.insert(PAGES[0], 4, 0, 444, RW, true);
      for (const asid of [4, 0, 1, 0xfff, 0xffff]) {
        ensureEqual(frameOf(tlb, PAGES[0], asid), 444, `global page looked up in ASID ${asid}`);
      }
    },
  },
  {
    id: 'one-per-key',
    text:
      'inserting the same page, level and ASID again (or the same page and level as global again) replaces the ' +
      'entry: one entry remains, translating to the new frame',
    check(s) {
      const tlb = make(s);
      if (tlb.capacity === 0) return;
      tlb.insert(PAGES[0], 1, 0, 10, RW, false);
      tlb.insert(PAGES[0], 1, 0, 11, RW, false);
      ensureEqual(frameOf(tlb, PAGES[0], 1), 11, 'page after a second insert');
      same(frames(tlb), [11], 'after inserting one key twice');
      tlb.flushAll();
      tlb.insert(PAGES[0], 1, 0, 20, RW, true);
      tlb.insert(PAGES[0], 2, 0, 21, RW, true);
      ensureEqual(frameOf(tlb, PAGES[0], 3), 21, 'global page after a second global insert');
      same(frames(tlb), [21], 'after inserting one global key twice');
    },
  },
  {
    id: 'set-flags',
    text:
      'setFlags(slot, flags) replaces the cached R W X U A D of the entry in slot; the entry keeps its page, frame, ' +
      'ASID and global tag',
    check(s) {
      const tlb = make(s);
      if (tlb.capacity === 0) return;
      tlb.insert(PAGES[0], 1, 0, 30, PteFlag.Read | PteFlag.Write, true);
      const slot = tlb.lookup(PAGES[0], 1);
      ensure(slot >= 0, 'the inserted entry is not found');
      tlb.setFlags(slot, RW);
      const again = tlb.lookup(PAGES[0], 9);
      ensure(again >= 0, 'after setFlags the global entry no longer matches another ASID');
      ensureEqual(tlb.flagsOf(again) & CACHED, RW, 'flags after setFlags');
      ensureEqual(tlb.translate(again, PAGES[0]), 30, 'frame after setFlags');
    },
  },
  {
    id: 'flush-all',
    text: 'flushAll invalidates every entry, global ones included',
    check(s) {
      const tlb = make(s);
      if (
        !place(tlb, [
          [PAGES[0], 1, 40, false],
          [PAGES[1], 2, 41, true],
          [PAGES[2], 3, 42, false],
        ])
      )
        return;
      tlb.flushAll();
      same(frames(tlb), [], 'after flushAll');
    },
  },
  {
    id: 'flush-asid',
    text: 'flushAsid(asid) invalidates exactly the non-global entries of asid (global ones and other ASIDs stay)',
    check(s) {
      const tlb = make(s);
      if (
        !place(tlb, [
          [PAGES[0], 1, 50, false],
          [PAGES[1], 1, 51, true],
          [PAGES[2], 2, 52, false],
          [PAGES[3], 1, 53, false],
        ])
      )
        return;
      tlb.flushAsid(1);
      same(frames(tlb), [51, 52], 'after flushAsid(1)');
    },
  },
  {
    id: 'flush-va',
    text:
      'flushVa(vpn) invalidates exactly the entries translating vpn, in every ASID and global ones included ' +
      '(other pages stay)',
    check(s) {
      const tlb = make(s);
      if (
        !place(tlb, [
          [PAGES[1], 1, 60, false],
          [PAGES[1], 2, 61, false],
          [PAGES[2], 1, 62, false],
          [PAGES[3], 3, 63, true],
        ])
      )
        return;
      tlb.flushVa(PAGES[1]);
      same(frames(tlb), [62, 63], `after flushVa(${PAGES[1]})`);
      tlb.flushVa(PAGES[3]);
      same(frames(tlb), [62], `after flushVa(${PAGES[3]}) of a global page`);
    },
  },
  {
    id: 'flush-va-asid',
    text:
      'flushVaAsid(vpn, asid) invalidates exactly the non-global entries translating vpn in asid (global ones, ' +
      'other ASIDs and other pages stay)',
    check(s) {
      const tlb = make(s);
      if (
        !place(tlb, [
          [PAGES[1], 1, 70, false],
          [PAGES[1], 2, 71, false],
          [PAGES[2], 1, 72, false],
          [PAGES[3], 1, 73, true],
        ])
      )
        return;
      tlb.flushVaAsid(PAGES[1], 1);
      same(frames(tlb), [71, 72, 73], `after flushVaAsid(${PAGES[1]}, 1)`);
      tlb.flushVaAsid(PAGES[3], 1);
      same(frames(tlb), [71, 72, 73], `after flushVaAsid(${PAGES[3]}, 1) of a global page`);
    },
  },
  {
    id: 'superpage',
    text:
      'an entry at level L ≥ 1 (given any page and frame inside the superpage) translates every page of its ' +
      '512^L-page superpage to the aligned frame plus the offset, misses just outside it, and is invalidated by ' +
      'flushVa of any page inside it',
    check(s) {
      const tlb = make(s);
      if (tlb.capacity === 0) return;
      for (let level = 1; level <= s.maxLevel; level++) {
        const n = span(level);
        const first = 3 * n;
        const firstPpn = 7 * n;
        tlb.flushAll();
        tlb.insert(first + 5, 2, level, firstPpn + 5, RW, false);
        for (const k of [0, 1, n >> 1, n - 1]) {
          ensureEqual(frameOf(tlb, first + k, 2), firstPpn + k, `level ${level}: page ${k} of the superpage`);
        }
        ensureEqual(frameOf(tlb, first - 1, 2), -1, `level ${level}: the page before the superpage`);
        ensureEqual(frameOf(tlb, first + n, 2), -1, `level ${level}: the page after the superpage`);
        tlb.flushVa(first + (n >> 1) + 3);
        ensureEqual(frameOf(tlb, first, 2), -1, `level ${level}: after flushVa of an inner page`);
      }
    },
  },
  {
    id: 'for-each',
    text:
      'forEach visits every valid entry once, with its first page and first frame (aligned to its size), ASID, ' +
      'level, cached flags and global tag',
    check(s) {
      const tlb = make(s);
      if (tlb.capacity < 2) return;
      const level = Math.min(1, s.maxLevel);
      const n = span(level);
      tlb.insert(PAGES[0], 6, 0, 80, RW, false);
      tlb.insert(5 * n + 9, 7, level, 9 * n + 9, PteFlag.Read | PteFlag.Accessed, true);
      const seen = entries(tlb).sort((a, b) => a.ppn - b.ppn);
      if (seen.length === 1 && tlb.lookup(PAGES[0], 6) === TLB_MISS) return; // the two conflict: vacuous
      ensureEqual(seen.length, 2, 'entries visited');
      const [small, big] = seen as [TlbEntryView, TlbEntryView];
      ensure(
        small.vpn === PAGES[0] && small.asid === 6 && small.level === 0 && small.ppn === 80 && !small.global,
        `the 4 KiB entry is reported as ${JSON.stringify(small)}`,
      );
      ensureEqual(small.flags & CACHED, RW, 'flags of the 4 KiB entry');
      ensure(
        big.vpn === 5 * n && big.level === level && big.ppn === 9 * n && big.global,
        `the level-${level} global entry is reported as ${JSON.stringify(big)}`,
      );
    },
  },
  {
    id: 'stats',
    text:
      'stats count: hits and misses per lookup, fills per insert, one per call of each flush, invalidated per entry ' +
      'a flush removes, and evictions so that (with distinct pages and no flush) fills − evictions = valid ' +
      'entries; resetStats zeroes every counter',
    check(s) {
      const tlb = make(s);
      tlb.resetStats();
      const zero = statsOf(tlb);
      for (const [k, v] of Object.entries(zero)) ensureEqual(v, 0, `stats.${k} after resetStats`);
      if (tlb.capacity === 0) {
        tlb.lookup(1, 1);
        ensureEqual(tlb.stats.misses, 1, 'misses after one lookup');
        return;
      }
      tlb.insert(PAGES[0], 1, 0, 90, RW, false);
      ensureEqual(tlb.stats.fills, 1, 'fills after one insert');
      tlb.lookup(PAGES[0], 1);
      tlb.lookup(PAGES[0], 1);
      tlb.lookup(PAGES[0] + 1, 1);
      ensure(
        tlb.stats.hits === 2 && tlb.stats.misses === 1,
        `hits/misses ${tlb.stats.hits}/${tlb.stats.misses}`,
      );
      const n = Math.min(3 * tlb.capacity, MAX_WORK);
      for (let i = 1; i <= n; i++) tlb.insert(PAGES[0] + i * 7, 1, 0, 90 + i, RW, false);
      const held = entries(tlb).length;
      ensureEqual(tlb.stats.fills - tlb.stats.evictions, held, 'fills − evictions (= valid entries)');
      const before = statsOf(tlb);
      tlb.flushVa(PAGES[0] + 7 * n);
      tlb.flushVaAsid(PAGES[0] + 7 * n, 1);
      tlb.flushAsid(2);
      tlb.flushAll();
      const after = statsOf(tlb);
      ensure(
        after.flushVa - before.flushVa === 1 &&
          after.flushVaAsid - before.flushVaAsid === 1 &&
          after.flushAsid - before.flushAsid === 1 &&
          after.flushAll - before.flushAll === 1,
        `flush counters moved by ${after.flushVa - before.flushVa}, ${after.flushVaAsid - before.flushVaAsid}, ` +
          `${after.flushAsid - before.flushAsid}, ${after.flushAll - before.flushAll} (expected 1 each)`,
      );
      ensureEqual(
        after.invalidated - before.invalidated,
        held,
        'invalidated by the flushes (= entries held)',
      );
      tlb.resetStats();
      for (const [k, v] of Object.entries(statsOf(tlb))) ensureEqual(v, 0, `stats.${k} after resetStats`);
    },
  },
];

/**
 * Runs every {@link TLB_RULES} rule on TLBs made by `factory` (each rule builds fresh ones). Rules about cached
 * entries hold vacuously for a TLB of capacity 0 (the `capacity` rule checks it caches nothing); rules that keep
 * several entries at once hold vacuously for a TLB that cannot hold those entries together (too few ways): check
 * such a TLB at a larger geometry too. Never throws for a broken
 * rule: read the report, or pass it to `assertContract`.
 */
export function checkTlb(factory: TlbFactory, options: TlbKitOptions = {}): ContractReport {
  const maxLevel = options.maxLevel ?? 2;
  if (!(Number.isInteger(maxLevel) && maxLevel >= 0 && maxLevel <= 4)) {
    throw new RangeError(`maxLevel must be an integer in [0, 4], got ${maxLevel}`);
  }
  return runContract('Tlb', TLB_RULES, { make: factory, maxLevel }, options);
}
