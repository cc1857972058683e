/**
 * The contract kit of {@link @pagewright/vma!index.VmaIndex}: {@link checkVmaIndex} runs every rule of the interface's TSDoc on indexes made
 * by your factory and reports which rules hold.
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkVmaIndex } from '@pagewright/vma/testing';
 * assertContract(checkVmaIndex(({ stackGuardGap }) => new MyIndex({ stackGuardGap }), { name: 'mine' }));
 * ```
 *
 * Every answer is compared with a scan of a plain sorted array. Each rule works in its own address range, so one
 * broken behaviour is reported under the rule that states it.
 *
 * @module
 */

import { VM_GROWSDOWN, VM_READ, VM_WRITE } from '@pagewright/core';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  type KitOptions,
  RuleFailure,
  runContract,
} from '@pagewright/core/testing';
import { scanFind, scanFromIndex, scanGapBottomUp, scanGapTopDown } from '../index-scan.js';
import { mutableVma, Vma } from '../vma.js';
import { type GapQuery, type VmaIndex, VmaIndexError } from '../vma-index.js';

/** What the kit asks a factory for. */
export interface VmaIndexKitContext {
  /** The stack guard gap (pages) the index must use below `VM_GROWSDOWN` VMAs. */
  readonly stackGuardGap: number;
}

/** Makes a fresh, empty index (every call a new, independent index). */
export type VmaIndexKitFactory = (context: VmaIndexKitContext) => VmaIndex;

const RW = VM_READ | VM_WRITE;
/** The guard gap most rules ask for (small, so guard effects show in small layouts). */
const GUARD = 8;

/** The first page of rule `k`'s address range. */
const zone = (k: number): number => (k + 1) * 0x100000;

function make(factory: VmaIndexKitFactory, stackGuardGap = GUARD): VmaIndex {
  const idx = factory({ stackGuardGap });
  ensure(typeof idx === 'object' && idx !== null, `the factory returned ${String(idx)}, not an index`);
  ensure(idx.size === 0, `a new index has size ${idx.size}, not 0`);
  return idx;
}

/** A small deterministic generator (the kit must not depend on the caller's). */
function lcg(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return Math.floor((x / 2 ** 32) * n);
  };
}

/**
 * A layout of `n` VMAs from `base`: adjacent pairs, one-page holes and larger holes, lengths 1–6, every fifth VMA
 * `VM_GROWSDOWN` when `growsDown`. Returned ascending.
 */
function layout(base: number, n: number, seed: number, growsDown = false): Vma[] {
  const rnd = lcg(seed);
  const out: Vma[] = [];
  let p = base + rnd(4);
  for (let i = 0; i < n; i++) {
    const len = 1 + rnd(6);
    const flags = growsDown && i % 5 === 4 ? RW | VM_GROWSDOWN : RW;
    out.push(new Vma({ start: p, end: p + len, flags }));
    const hole = [0, 1, 3, 12, 40][rnd(5)] as number;
    p += len + hole;
  }
  return out;
}

/** Inserts `vmas` in a scrambled order (the index must sort). */
function insertAll(idx: VmaIndex, vmas: readonly Vma[], seed = 7): void {
  const rnd = lcg(seed);
  const order = vmas.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rnd(i + 1);
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  for (const i of order) idx.insert(vmas[i] as Vma);
}

const str = (v: Vma | undefined): string => (v === undefined ? 'undefined' : `[${v.start}, ${v.end})`);
const list = (vs: Iterable<Vma>): string => [...vs].map(str).join(' ');

/** The pages a lookup rule probes: every page from one below the first VMA to a few past the last. */
function pagesOf(vmas: readonly Vma[]): number[] {
  const lo = Math.max(0, (vmas[0] as Vma).start - 2);
  const hi = (vmas[vmas.length - 1] as Vma).end + 3;
  const out: number[] = [];
  for (let p = lo; p < hi; p++) out.push(p);
  return out;
}

/** Calls `f` and checks it throws {@link VmaIndexError}. */
function ensureIndexError(f: () => unknown, what: string): void {
  let threw: unknown = null;
  try {
    f();
  } catch (e) {
    threw = e;
  }
  if (threw === null) throw new RuleFailure(`${what}: expected a VmaIndexError, returned normally`);
  // By name too: a CommonJS user's index may throw the VmaIndexError of the package's other entry point.
  const isIndexError =
    threw instanceof VmaIndexError || (threw instanceof Error && threw.name === 'VmaIndexError');
  ensure(isIndexError, `${what}: expected a VmaIndexError, threw ${String(threw)}`);
}

/** The state a rejected call must leave alone: size, and every VMA in order. */
function snapshot(idx: VmaIndex): string {
  return `${idx.size}: ${list(idx)}`;
}

/** Gap queries over `[lo, hi)`: lengths, limits and alignments that hit the layout's holes and edges. */
function gapQueries(lo: number, hi: number, seed: number, count: number): GapQuery[] {
  const rnd = lcg(seed);
  const out: GapQuery[] = [];
  for (let i = 0; i < count; i++) {
    const low = lo + rnd(hi - lo);
    const high = low + 1 + rnd(hi - low + 20);
    const alignMask = rnd(3) === 0 ? (1 << rnd(4)) - 1 : 0;
    const alignOffset = alignMask === 0 ? 0 : rnd(alignMask + 1);
    out.push({ length: 1 + rnd(rnd(4) === 0 ? 50 : 5), low, high, alignMask, alignOffset });
  }
  out.push({ length: 1, low: 0, high: hi + 100, alignMask: 0, alignOffset: 0 });
  out.push({ length: 1, low: lo, high: lo + 1, alignMask: 0, alignOffset: 0 });
  return out;
}

function checkGaps(
  idx: VmaIndex,
  sorted: readonly Vma[],
  queries: readonly GapQuery[],
  dir: 'top' | 'bottom',
): void {
  const g = idx.stackGuardGap;
  for (const q of queries) {
    const got = dir === 'top' ? idx.findGapTopDown(q) : idx.findGapBottomUp(q);
    const want = dir === 'top' ? scanGapTopDown(sorted, g, q) : scanGapBottomUp(sorted, g, q);
    ensure(
      got === want,
      `${dir === 'top' ? 'findGapTopDown' : 'findGapBottomUp'}(${JSON.stringify(q)}) gave ${got}, vm_unmapped_area gives ${want}`,
    );
  }
}

function rule(
  k: number,
  id: string,
  text: string,
  check: (factory: VmaIndexKitFactory, base: number) => void,
): ContractRule<VmaIndexKitFactory> {
  return { id, text, check: (factory) => check(factory, zone(k)) };
}

/** The rules {@link checkVmaIndex} checks, in the words of the {@link @pagewright/vma!index.VmaIndex} TSDoc. */
export const VMA_INDEX_RULES: readonly ContractRule<VmaIndexKitFactory>[] = [
  rule(
    0,
    'empty',
    'a new index is empty: size 0, no first/last, no VMA found, iteration yields nothing',
    (f) => {
      const idx = make(f);
      ensure(
        idx.first() === undefined && idx.last() === undefined,
        'first()/last() of an empty index are defined',
      );
      ensure(
        idx.find(0) === undefined && idx.find(12345) === undefined,
        'find() in an empty index found a VMA',
      );
      ensure(idx.findFrom(0) === undefined, 'findFrom(0) in an empty index found a VMA');
      ensure([...idx].length === 0 && [...idx.iterateFrom(0)].length === 0, 'an empty index iterates VMAs');
      ensure(!idx.conflicts(0, 1000), 'conflicts() in an empty index');
      const q: GapQuery = { length: 4, low: 16, high: 100, alignMask: 0, alignOffset: 0 };
      ensure(
        idx.findGapTopDown(q) === 96,
        `findGapTopDown in an empty index gave ${idx.findGapTopDown(q)}, not 96`,
      );
      ensure(
        idx.findGapBottomUp(q) === 16,
        `findGapBottomUp in an empty index gave ${idx.findGapBottomUp(q)}, not 16`,
      );
    },
  ),
  rule(1, 'stack-guard-gap', 'stackGuardGap is the guard gap the factory was asked for (0 allowed)', (f) => {
    for (const g of [0, 3, 256]) {
      const idx = make(f, g);
      ensure(idx.stackGuardGap === g, `asked for stackGuardGap ${g}, the index reports ${idx.stackGuardGap}`);
    }
  }),
  rule(2, 'find', 'find(vpn) is the VMA containing vpn, or undefined', (f, base) => {
    const vmas = layout(base, 40, 1);
    const idx = make(f);
    insertAll(idx, vmas);
    for (const p of pagesOf(vmas)) {
      const want = scanFind(vmas, p);
      ensure(idx.find(p) === want, `find(${p}) gave ${str(idx.find(p))}, want ${str(want)}`);
    }
  }),
  rule(
    3,
    'ordered',
    'iteration yields every VMA once, in ascending start, whatever the insert order; size counts them',
    (f, base) => {
      const vmas = layout(base, 40, 2);
      const idx = make(f);
      insertAll(idx, vmas, 3);
      ensure(idx.size === vmas.length, `size ${idx.size} after ${vmas.length} inserts`);
      ensure(list(idx) === list(vmas), `iteration gave ${list(idx)}`);
    },
  ),
  rule(
    4,
    'find-from',
    'findFrom(vpn) is the lowest VMA with end > vpn (Linux find_vma), or undefined',
    (f, base) => {
      const vmas = layout(base, 40, 4);
      const idx = make(f);
      insertAll(idx, vmas);
      for (const p of [0, ...pagesOf(vmas)]) {
        const want = vmas[scanFromIndex(vmas, p)];
        ensure(idx.findFrom(p) === want, `findFrom(${p}) gave ${str(idx.findFrom(p))}, want ${str(want)}`);
      }
    },
  ),
  rule(5, 'iterate-from', 'iterateFrom(vpn) yields the VMAs with end > vpn, ascending', (f, base) => {
    const vmas = layout(base, 40, 5);
    const idx = make(f);
    insertAll(idx, vmas);
    for (const p of [0, ...pagesOf(vmas)]) {
      const want = list(vmas.slice(scanFromIndex(vmas, p)));
      ensure(list(idx.iterateFrom(p)) === want, `iterateFrom(${p}) gave ${list(idx.iterateFrom(p))}`);
    }
  }),
  rule(
    6,
    'intersecting',
    'findFirstIntersecting(start, end) is the lowest VMA sharing a page with [start, end) and conflicts() says whether one exists; an empty range shares no page',
    (f, base) => {
      const vmas = layout(base, 30, 6);
      const idx = make(f);
      insertAll(idx, vmas);
      const pages = pagesOf(vmas);
      for (let i = 0; i < pages.length; i += 2)
        for (const len of [-1, 0, 1, 2, 5, 30]) {
          const s = pages[i] as number;
          const e = s + len;
          const first = vmas.find((v) => s < e && v.start < e && s < v.end);
          ensure(
            idx.findFirstIntersecting(s, e) === first,
            `findFirstIntersecting(${s}, ${e}) gave ${str(idx.findFirstIntersecting(s, e))}, want ${str(first)}`,
          );
          ensure(
            idx.conflicts(s, e) === (first !== undefined),
            `conflicts(${s}, ${e}) gave ${idx.conflicts(s, e)}`,
          );
        }
    },
  ),
  rule(
    7,
    'neighbours',
    'prevOf/nextOf are the VMAs just below/above; first()/last() the lowest/highest',
    (f, base) => {
      const vmas = layout(base, 40, 7);
      const idx = make(f);
      insertAll(idx, vmas);
      ensure(idx.first() === vmas[0], `first() gave ${str(idx.first())}`);
      ensure(idx.last() === vmas[vmas.length - 1], `last() gave ${str(idx.last())}`);
      vmas.forEach((v, i) => {
        ensure(idx.prevOf(v) === vmas[i - 1], `prevOf(${str(v)}) gave ${str(idx.prevOf(v))}`);
        ensure(idx.nextOf(v) === vmas[i + 1], `nextOf(${str(v)}) gave ${str(idx.nextOf(v))}`);
      });
    },
  ),
  rule(
    8,
    'insert-overlap',
    'insert of a VMA sharing a page with one in the index throws VmaIndexError and changes nothing',
    (f, base) => {
      const vmas = layout(base, 20, 8);
      const idx = make(f);
      insertAll(idx, vmas);
      const before = snapshot(idx);
      const v = vmas[10] as Vma;
      const w = vmas[11] as Vma;
      const cases: [number, number][] = [
        [v.start, v.end],
        [v.start - 1, v.start + 1],
        [v.end - 1, v.end + 1],
        [v.start - 2, w.end + 2],
        [v.end - 1, w.start + 1],
        [(v.start + v.end) >> 1, ((v.start + v.end) >> 1) + 1],
      ];
      for (const [s, e] of cases) {
        if (!(s < e)) continue;
        const c = new Vma({ start: s, end: e, flags: RW });
        ensureIndexError(() => idx.insert(c), `insert of [${s}, ${e}) over ${str(v)}`);
        ensure(c.indexSlot === null, `a rejected VMA [${s}, ${e}) is marked as indexed`);
        ensure(snapshot(idx) === before, `a rejected insert of [${s}, ${e}) changed the index`);
        ensure(idx.find(v.start) === v, `after a rejected insert, find(${v.start}) lost ${str(v)}`);
      }
    },
  ),
  rule(
    9,
    'insert-twice',
    'insert of a VMA already in this or another index throws VmaIndexError and changes neither',
    (f, base) => {
      const vmas = layout(base, 10, 9);
      const a = make(f);
      const b = make(f);
      insertAll(a, vmas);
      const before = snapshot(a);
      const v = vmas[4] as Vma;
      ensureIndexError(() => a.insert(v), `a second insert of ${str(v)}`);
      ensureIndexError(() => b.insert(v), `an insert into another index of ${str(v)}`);
      ensure(snapshot(a) === before && b.size === 0, 'a rejected insert changed an index');
      ensure(a.find(v.start) === v, `${str(v)} is no longer found`);
    },
  ),
  rule(
    10,
    'remove-foreign',
    'remove of a VMA not in this index (never inserted, in another index, already removed) throws VmaIndexError and changes nothing',
    (f, base) => {
      const vmas = layout(base, 10, 10);
      const a = make(f);
      const b = make(f);
      insertAll(a, vmas.slice(0, 8));
      b.insert(vmas[9] as Vma);
      const gone = vmas[3] as Vma;
      a.remove(gone);
      const before = snapshot(a);
      const twin = new Vma({ start: (vmas[2] as Vma).start, end: (vmas[2] as Vma).end, flags: RW });
      ensureIndexError(() => a.remove(vmas[8] as Vma), 'remove of a never-inserted VMA');
      ensureIndexError(() => a.remove(twin), 'remove of a copy with the same range as a member');
      ensureIndexError(() => a.remove(vmas[9] as Vma), "remove of another index's VMA");
      ensureIndexError(() => a.remove(gone), 'remove of an already removed VMA');
      ensure(snapshot(a) === before, 'a rejected remove changed the index');
      ensure(
        b.size === 1 && b.find((vmas[9] as Vma).start) === vmas[9],
        'a rejected remove changed the other index',
      );
    },
  ),
  rule(
    11,
    'neighbours-foreign',
    'prevOf/nextOf of a VMA not in this index throw VmaIndexError',
    (f, base) => {
      const vmas = layout(base, 6, 11);
      const a = make(f);
      insertAll(a, vmas.slice(0, 5));
      const stranger = vmas[5] as Vma;
      ensureIndexError(() => a.prevOf(stranger), 'prevOf of a VMA not in the index');
      ensureIndexError(() => a.nextOf(stranger), 'nextOf of a VMA not in the index');
    },
  ),
  rule(
    12,
    'remove',
    'remove takes the VMA out (its pages are no longer found, the others are unchanged) and detaches it: its indexSlot is null again, so it may be inserted into any index',
    (f, base) => {
      const vmas = layout(base, 40, 12);
      const idx = make(f);
      insertAll(idx, vmas);
      const rnd = lcg(12);
      const left = [...vmas];
      for (let k = 0; k < 25; k++) {
        const v = left.splice(rnd(left.length), 1)[0] as Vma;
        idx.remove(v);
        ensure(v.indexSlot === null, `a removed VMA ${str(v)} keeps its indexSlot`);
        ensure(idx.size === left.length, `size ${idx.size} after a remove, want ${left.length}`);
        for (let p = v.start; p < v.end; p++)
          ensure(idx.find(p) !== v, `find(${p}) still returns removed ${str(v)}`);
        ensure(list(idx) === list(left), `after removing ${str(v)} the index holds ${list(idx)}`);
      }
      const other = make(f);
      const v = vmas.find((x) => !left.includes(x)) as Vma;
      other.insert(v);
      ensure(other.find(v.start) === v, 'a removed VMA inserted into another index is not found there');
      other.remove(v);
      idx.insert(v);
      ensure(idx.find(v.start) === v, 'a removed VMA inserted back is not found');
    },
  ),
  rule(13, 'clear', 'clear() removes every VMA and detaches each (indexSlot null)', (f, base) => {
    const vmas = layout(base, 40, 13);
    const idx = make(f);
    insertAll(idx, vmas);
    idx.clear();
    ensure(idx.size === 0 && [...idx].length === 0 && idx.first() === undefined, 'clear() left VMAs');
    ensure(
      vmas.every((v) => v.indexSlot === null),
      'clear() left a VMA marked as indexed',
    );
    ensure(idx.find((vmas[3] as Vma).start) === undefined, 'find() after clear() found a VMA');
    insertAll(idx, vmas);
    ensure(idx.size === vmas.length, 'the cleared VMAs cannot be inserted again');
  }),
  rule(
    14,
    'updated',
    "updated(vma) after an in-place change of a member's start, end or VM_GROWSDOWN (still disjoint) makes every lookup and gap search answer for the new range",
    (f, base) => {
      const vmas = layout(base, 60, 14);
      const idx = make(f);
      insertAll(idx, vmas);
      const rnd = lcg(14);
      for (let k = 0; k < 120; k++) {
        const i = rnd(vmas.length);
        const v = vmas[i] as Vma;
        const m = mutableVma(v);
        const lo = i > 0 ? (vmas[i - 1] as Vma).end : Math.max(base, v.start - 20);
        const hi = i + 1 < vmas.length ? (vmas[i + 1] as Vma).start : v.end + 50;
        const kind = rnd(5);
        if (kind === 0) m.start = lo + rnd(v.start - lo + 1);
        else if (kind === 1) m.end = v.end + rnd(hi - v.end + 1);
        else if (kind === 2) m.start = v.start + rnd(v.end - v.start);
        else if (kind === 3) m.end = v.start + 1 + rnd(v.end - v.start);
        else m.flags = v.flags ^ VM_GROWSDOWN;
        idx.updated(v);
        for (let p = Math.max(0, lo - 1); p <= Math.min(hi, v.end + 1); p++) {
          const want = scanFind(vmas, p);
          ensure(
            idx.find(p) === want,
            `after updated(${str(v)}): find(${p}) gave ${str(idx.find(p))}, want ${str(want)}`,
          );
          const from = vmas[scanFromIndex(vmas, p)];
          ensure(
            idx.findFrom(p) === from,
            `after updated(${str(v)}): findFrom(${p}) gave ${str(idx.findFrom(p))}`,
          );
        }
      }
      const all = pagesOf(vmas);
      checkGaps(idx, vmas, gapQueries(all[0] as number, all[all.length - 1] as number, 14, 60), 'top');
      checkGaps(idx, vmas, gapQueries(all[0] as number, all[all.length - 1] as number, 15, 60), 'bottom');
    },
  ),
  rule(
    15,
    'gap-top-down',
    'findGapTopDown(q) is the highest placement of Linux vm_unmapped_area top-down: the highest gap whose part in [low, high) holds length + alignMask pages, the area at its top with (start - alignOffset) & alignMask == 0; -1 when none',
    (f, base) => {
      const vmas = layout(base, 60, 15);
      const idx = make(f);
      insertAll(idx, vmas);
      const all = pagesOf(vmas);
      checkGaps(idx, vmas, gapQueries(all[0] as number, all[all.length - 1] as number, 16, 200), 'top');
    },
  ),
  rule(
    16,
    'gap-bottom-up',
    'findGapBottomUp(q) is the lowest placement of Linux vm_unmapped_area bottom-up (the gap after the last VMA is unbounded); -1 when none',
    (f, base) => {
      const vmas = layout(base, 60, 16);
      const idx = make(f);
      insertAll(idx, vmas);
      const all = pagesOf(vmas);
      checkGaps(idx, vmas, gapQueries(all[0] as number, all[all.length - 1] as number, 17, 200), 'bottom');
    },
  ),
  rule(
    17,
    'gap-guard',
    'the free gap below a VM_GROWSDOWN VMA ends stackGuardGap pages below its start (vm_start_gap, clamped at 0), in both gap searches',
    (f, base) => {
      // Guard gaps 8 (holes shorter and longer than it) and larger than the first VMA's start (the clamp).
      for (const [guard, start] of [
        [GUARD, base + 100],
        [40, 20],
      ] as const) {
        const idx = make(f, guard);
        const vmas = layout(start, 60, 18, true);
        insertAll(idx, vmas);
        const all = pagesOf(vmas);
        const lo = Math.max(0, (all[0] as number) - 60);
        const qs = gapQueries(lo, all[all.length - 1] as number, 19, 150);
        checkGaps(idx, vmas, qs, 'top');
        checkGaps(idx, vmas, qs, 'bottom');
      }
    },
  ),
  rule(
    18,
    'scale',
    'every rule holds with hundreds of VMAs through random inserts, removes and in-place changes (node splits, merges and separators)',
    (f, base) => {
      const idx = make(f);
      const rnd = lcg(18);
      const model: Vma[] = [];
      const span = 3000;
      for (let k = 0; k < 3000; k++) {
        const r = rnd(10);
        if (model.length === 0 || r < 5) {
          const s = base + rnd(span);
          const e = s + 1 + rnd(4);
          const i = scanFromIndex(model, s);
          if (model[i] !== undefined && (model[i] as Vma).start < e) continue;
          const v = new Vma({ start: s, end: e, flags: RW });
          idx.insert(v);
          model.splice(i, 0, v);
        } else if (r < 8) {
          const i = rnd(model.length);
          idx.remove(model[i] as Vma);
          model.splice(i, 1);
        } else {
          const i = rnd(model.length);
          const v = model[i] as Vma;
          const lo = i > 0 ? (model[i - 1] as Vma).end : base;
          const hi = i + 1 < model.length ? (model[i + 1] as Vma).start : base + span + 10;
          const m = mutableVma(v);
          if (rnd(2) === 0) m.start = lo + rnd(v.end - lo);
          else m.end = v.start + 1 + rnd(hi - v.start);
          idx.updated(v);
        }
        if (k % 50 === 0 || k > 2990) {
          for (const v of model) {
            const p = model.indexOf(v);
            for (const q of [v.start - 1, v.start, v.end - 1, v.end]) {
              const want = scanFind(model, q);
              ensure(
                idx.find(q) === want,
                `step ${k}: find(${q}) gave ${str(idx.find(q))}, want ${str(want)}`,
              );
            }
            ensure(idx.prevOf(v) === model[p - 1], `step ${k}: prevOf(${str(v)}) gave ${str(idx.prevOf(v))}`);
          }
          ensure(idx.size === model.length, `step ${k}: size ${idx.size}, want ${model.length}`);
        }
      }
      ensure(list(idx) === list(model), 'the final iteration differs from the model');
      const q: GapQuery = { length: 3, low: base, high: base + span, alignMask: 0, alignOffset: 0 };
      checkGaps(idx, model, [q], 'top');
      checkGaps(idx, model, [q], 'bottom');
    },
  ),
];

/** Runs every {@link VMA_INDEX_RULES} rule on indexes made by `factory`. */
export function checkVmaIndex(factory: VmaIndexKitFactory, options: KitOptions = {}): ContractReport {
  return runContract('VmaIndex', VMA_INDEX_RULES, factory, options);
}
