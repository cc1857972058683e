/**
 * Every VMA index against a plain sorted array: a long seeded run of inserts (overlapping ones must throw and change
 * nothing), removes, in-place grows and shrinks at either end, and VM_GROWSDOWN toggles, with lookups at every page
 * boundary each step touched (start-1, start, end-1, end of the old and new range), random pages, neighbour queries,
 * and periodic gap searches. `PAGEWRIGHT_SOAK=1` runs ten times more operations.
 */
import { createRng, type Rng, VM_GROWSDOWN, VM_READ, VM_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { scanFind, scanFromIndex, scanGapBottomUp, scanGapTopDown } from './index-scan.js';
import { mutableVma, Vma } from './vma.js';
import { VmaBTree } from './vma-btree.js';
import { type GapQuery, type VmaIndex, VmaIndexError } from './vma-index.js';
import { VmaList } from './vma-list.js';
import { VmaTreap } from './vma-treap.js';
import { VmaTree } from './vma-tree.js';

const SOAK = process.env.PAGEWRIGHT_SOAK === '1' ? 10 : 1;
const RW = VM_READ | VM_WRITE;
const GUARD = 3;

interface Config {
  name: string;
  make: () => VmaIndex & { checkInvariants(): void };
  /** Operations in the default run. */
  ops: number;
  /** Upper bound on the number of VMAs. */
  maxVmas: number;
  /** A gap search pair every `gapEvery` operations. */
  gapEvery: number;
}

const CONFIGS: Config[] = [
  {
    name: 'tree',
    make: () => new VmaTree({ stackGuardGap: GUARD }),
    ops: 100_000,
    maxVmas: 10_000,
    gapEvery: 20,
  },
  {
    name: 'btree',
    make: () => new VmaBTree({ stackGuardGap: GUARD }),
    ops: 100_000,
    maxVmas: 10_000,
    gapEvery: 20,
  },
  {
    name: 'treap',
    make: () => new VmaTreap({ stackGuardGap: GUARD }),
    ops: 100_000,
    maxVmas: 10_000,
    gapEvery: 20,
  },
  // The list is O(n) per lookup and O(n log n) per gap search: the same operation count over fewer VMAs.
  {
    name: 'list',
    make: () => new VmaList({ stackGuardGap: GUARD }),
    ops: 100_000,
    maxVmas: 300,
    gapEvery: 50,
  },
];

/** Pages per VMA slot of the address space: the space holds about `2 * maxVmas` VMAs at most. */
const SPAN = 6;

function insertSorted(a: Vma[], v: Vma): void {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as Vma).start < v.start) lo = mid + 1;
    else hi = mid;
  }
  a.splice(lo, 0, v);
}

function positionOf(a: Vma[], v: Vma): number {
  const i = scanFromIndex(a, v.start);
  if (a[i] !== v) throw new Error('model lost a VMA');
  return i;
}

function run(cfg: Config, seed: number, ops: number): number {
  const rng: Rng = createRng(seed);
  const idx = cfg.make();
  const model: Vma[] = [];
  const space = cfg.maxVmas * 2 * SPAN;
  const fail = (what: string): never => {
    throw new Error(`${cfg.name} seed ${seed}: ${what}`);
  };
  const check = (vpn: number): void => {
    if (vpn < 0) return;
    const want = scanFind(model, vpn);
    if (idx.find(vpn) !== want) fail(`find(${vpn}) gave ${String(idx.find(vpn))}, want ${String(want)}`);
    const from = model[scanFromIndex(model, vpn)];
    if (idx.findFrom(vpn) !== from)
      fail(`findFrom(${vpn}) gave ${String(idx.findFrom(vpn))}, want ${String(from)}`);
  };
  const checkAround = (start: number, end: number): void => {
    check(start - 1);
    check(start);
    check(end - 1);
    check(end);
  };
  const checkNeighbours = (v: Vma): void => {
    const i = positionOf(model, v);
    if (idx.prevOf(v) !== model[i - 1]) fail(`prevOf(${v})`);
    if (idx.nextOf(v) !== model[i + 1]) fail(`nextOf(${v})`);
  };
  const randomPage = (): number => rng.nextInt(space);
  let peak = 0;

  for (let step = 0; step < ops; step++) {
    // The size follows a target: up to maxVmas by 40% of the run, down to 30% by 70%, up to maxVmas at the end.
    const phase = step / ops;
    const target =
      cfg.maxVmas *
      (phase < 0.4
        ? phase / 0.4
        : phase < 0.7
          ? 1 - ((phase - 0.4) / 0.3) * 0.7
          : 0.3 + ((phase - 0.7) / 0.3) * 0.7);
    const below = model.length < target;
    const r = rng.nextFloat();
    const pInsert = below ? 0.7 : 0.2;
    const pRemove = below ? 0.1 : 0.5;
    if (model.length === 0 || (r < pInsert && model.length < cfg.maxVmas)) {
      // insert (possibly overlapping: then it must throw and change nothing)
      const start = randomPage();
      const len = 1 + rng.nextInt(rng.nextInt(8) === 0 ? 40 : 4);
      const end = Math.min(space, start + len);
      if (end <= start) continue;
      const flags = rng.nextInt(10) === 0 ? RW | VM_GROWSDOWN : RW;
      const v = new Vma({ start, end, flags });
      const i = scanFromIndex(model, start);
      const overlaps = model[i] !== undefined && (model[i] as Vma).start < end;
      if (overlaps) {
        const size = idx.size;
        let threw: unknown = null;
        try {
          idx.insert(v);
        } catch (e) {
          threw = e;
        }
        if (!(threw instanceof VmaIndexError)) fail(`overlapping insert of ${v} did not throw VmaIndexError`);
        if (idx.size !== size || v.indexSlot !== null) fail(`overlapping insert of ${v} changed the index`);
      } else {
        idx.insert(v);
        insertSorted(model, v);
        checkNeighbours(v);
      }
      checkAround(start, end);
    } else if (r < pInsert + pRemove) {
      // remove
      const i = rng.nextInt(model.length);
      const v = model[i] as Vma;
      idx.remove(v);
      model.splice(i, 1);
      checkAround(v.start, v.end);
      if (v.indexSlot !== null) fail(`removed ${v} still has a slot`);
      const above = model[i];
      if (above !== undefined) checkNeighbours(above);
    } else {
      // grow or shrink one end in place (never past a neighbour, never empty), or toggle VM_GROWSDOWN
      const i = rng.nextInt(model.length);
      const v = model[i] as Vma;
      const m = mutableVma(v);
      const lowLimit = i > 0 ? (model[i - 1] as Vma).end : 0;
      const highLimit = i + 1 < model.length ? (model[i + 1] as Vma).start : space;
      const oldStart = v.start;
      const oldEnd = v.end;
      const kind = rng.nextInt(5);
      if (kind === 0) m.start = lowLimit + rng.nextInt(v.start - lowLimit + 1);
      else if (kind === 1) m.end = v.end + rng.nextInt(highLimit - v.end + 1);
      else if (kind === 2) m.start = v.start + rng.nextInt(v.end - v.start);
      else if (kind === 3) m.end = v.start + 1 + rng.nextInt(v.end - v.start);
      else m.flags = v.flags ^ VM_GROWSDOWN;
      idx.updated(v);
      checkAround(oldStart, oldEnd);
      checkAround(v.start, v.end);
      checkNeighbours(v);
    }
    for (let k = 0; k < 2; k++) check(randomPage());
    if (step % cfg.gapEvery === 0) {
      const low = rng.nextInt(space);
      const high = low + 1 + rng.nextInt(space - low + SPAN);
      const alignMask = rng.nextInt(4) === 0 ? (1 << rng.nextInt(4)) - 1 : 0;
      const q: GapQuery = {
        length: 1 + rng.nextInt(rng.nextInt(4) === 0 ? 64 : 6),
        low,
        high,
        alignMask,
        alignOffset: 0,
      };
      const td = idx.findGapTopDown(q);
      const bu = idx.findGapBottomUp(q);
      if (td !== scanGapTopDown(model, GUARD, q)) fail(`findGapTopDown(${JSON.stringify(q)}) gave ${td}`);
      if (bu !== scanGapBottomUp(model, GUARD, q)) fail(`findGapBottomUp(${JSON.stringify(q)}) gave ${bu}`);
    }
    if (idx.size !== model.length) fail(`size ${idx.size}, model ${model.length}`);
    if (model.length > peak) peak = model.length;
    if ((step + 1) % 25_000 === 0) idx.checkInvariants();
  }
  idx.checkInvariants();
  expect([...idx]).toEqual(model);
  return peak;
}

describe.each(CONFIGS)('VmaIndex property: $name against a sorted array', (cfg) => {
  it(
    `${cfg.ops * SOAK} random operations, up to ${cfg.maxVmas} VMAs`,
    () => {
      const peak = run(cfg, 0x5eed + cfg.name.length, cfg.ops * SOAK);
      expect(peak).toBeGreaterThan(cfg.maxVmas * 0.95); // the run really reached its size
    },
    120_000 * SOAK,
  );
});
