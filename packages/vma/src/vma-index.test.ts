import { VM_GROWSDOWN, VM_READ, VM_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { Vma } from './vma.js';
import { VmaBTree } from './vma-btree.js';
import { type GapQuery, type VmaIndex, VmaIndexError } from './vma-index.js';
import { VmaList } from './vma-list.js';
import { VmaTreap } from './vma-treap.js';
import { VmaTree } from './vma-tree.js';

const RW = VM_READ | VM_WRITE;
const vma = (s: number, e: number, flags = RW) => new Vma({ start: s, end: e, flags });
const q = (length: number, low: number, high: number, alignMask = 0, alignOffset = 0): GapQuery => ({
  length,
  low,
  high,
  alignMask,
  alignOffset,
});

describe.each<[string, (g?: number) => VmaIndex]>([
  ['tree', (g) => new VmaTree({ stackGuardGap: g })],
  ['list', (g) => new VmaList({ stackGuardGap: g })],
  ['btree', (g) => new VmaBTree({ stackGuardGap: g })],
  ['treap', (g) => new VmaTreap({ stackGuardGap: g })],
])('VmaIndex conformance: %s', (_n, make) => {
  it('finds containing VMAs, find_vma successors, intersections and neighbours', () => {
    const idx = make();
    const a = vma(10, 20);
    const b = vma(30, 40);
    const c = vma(40, 45);
    for (const v of [b, c, a]) idx.insert(v);
    expect(idx.size).toBe(3);
    expect(idx.find(10)).toBe(a);
    expect(idx.find(19)).toBe(a);
    expect(idx.find(20)).toBeUndefined();
    expect(idx.find(44)).toBe(c);
    expect(idx.findFrom(0)).toBe(a);
    expect(idx.findFrom(20)).toBe(b);
    expect(idx.findFrom(45)).toBeUndefined();
    expect(idx.findFirstIntersecting(15, 35)).toBe(a);
    expect(idx.findFirstIntersecting(20, 30)).toBeUndefined();
    expect(idx.conflicts(20, 30)).toBe(false);
    expect(idx.conflicts(20, 31)).toBe(true);
    expect(idx.prevOf(b)).toBe(a);
    expect(idx.nextOf(b)).toBe(c);
    expect(idx.prevOf(a)).toBeUndefined();
    expect(idx.nextOf(c)).toBeUndefined();
    expect(idx.first()).toBe(a);
    expect(idx.last()).toBe(c);
    expect([...idx.iterateFrom(35)]).toEqual([b, c]);
    expect([...idx]).toEqual([a, b, c]);
  });

  it('rejects overlaps, double inserts and foreign removes without changing anything', () => {
    const idx = make();
    const a = vma(10, 20);
    idx.insert(a);
    expect(() => idx.insert(vma(19, 21))).toThrow(VmaIndexError);
    expect(() => idx.insert(a)).toThrow(VmaIndexError);
    expect(() => idx.remove(vma(50, 60))).toThrow(VmaIndexError);
    const other = make();
    expect(() => other.remove(a)).toThrow(VmaIndexError);
    expect(idx.size).toBe(1);
    idx.remove(a);
    expect(idx.size).toBe(0);
    expect(a.indexSlot).toBeNull();
    other.insert(a);
    expect(other.find(15)).toBe(a);
    other.clear();
    expect(other.size).toBe(0);
    expect(a.indexSlot).toBeNull();
  });

  it('finds gaps top-down and bottom-up with limits and alignment', () => {
    const idx = make();
    idx.insert(vma(100, 110));
    idx.insert(vma(120, 130));
    idx.insert(vma(200, 210));
    // Top-down below 200: the gap [130,200) is the highest; area placed at its top.
    expect(idx.findGapTopDown(q(10, 16, 200))).toBe(190);
    // Below 125: [110,120) exactly fits 10.
    expect(idx.findGapTopDown(q(10, 16, 125))).toBe(110);
    expect(idx.findGapTopDown(q(11, 16, 125))).toBe(89);
    // Above everything.
    expect(idx.findGapTopDown(q(10, 16, 1000))).toBe(990);
    // Bottom-up from 16.
    expect(idx.findGapBottomUp(q(10, 16, 1000))).toBe(16);
    expect(idx.findGapBottomUp(q(10, 105, 1000))).toBe(110);
    expect(idx.findGapBottomUp(q(15, 105, 1000))).toBe(130);
    expect(idx.findGapBottomUp(q(100, 105, 1000))).toBe(210);
    expect(idx.findGapBottomUp(q(100, 105, 300))).toBe(-1);
    // Alignment: Linux wants length + alignMask pages in the gap.
    expect(idx.findGapTopDown(q(8, 16, 200, 15))).toBe(192);
    expect(idx.findGapTopDown(q(8, 16, 200, 15, 3))).toBe(179);
    expect(idx.findGapBottomUp(q(8, 105, 1000, 15))).toBe(144);
    expect(idx.findGapBottomUp(q(8, 105, 1000, 15, 3))).toBe(131);
    // [110,120) holds 8 + 1 pages (mask 1) but not 8 + 15: Linux skips it for the larger alignment.
    expect(idx.findGapTopDown(q(8, 16, 125, 1))).toBe(112);
    expect(idx.findGapTopDown(q(8, 16, 125, 15))).toBe(80);
  });

  it('keeps the stack guard gap below a GROWSDOWN VMA free', () => {
    const idx = make(16);
    idx.insert(vma(100, 110));
    const stack = vma(150, 160, RW | VM_GROWSDOWN);
    idx.insert(stack);
    // Gap [110,150) minus the 16-page guard = [110,134).
    expect(idx.findGapTopDown(q(10, 16, 150))).toBe(124);
    expect(idx.findGapTopDown(q(25, 16, 150))).toBe(75);
    expect(idx.findGapBottomUp(q(24, 105, 150))).toBe(110);
    expect(idx.findGapBottomUp(q(25, 105, 1000))).toBe(160);
  });

  it('tracks gaps when VMAs are resized in place', () => {
    const idx = make();
    const a = vma(100, 110);
    idx.insert(a);
    idx.insert(vma(200, 210));
    expect(idx.findGapBottomUp(q(90, 105, 1000))).toBe(110);
    (a as { end: number }).end = 150;
    idx.updated(a);
    expect(idx.findGapBottomUp(q(90, 105, 1000))).toBe(210);
    expect(idx.findGapBottomUp(q(50, 105, 1000))).toBe(150);
    if (idx instanceof VmaBTree || idx instanceof VmaTreap) idx.checkInvariants();
  });
});

describe.each<[string, () => VmaTree | VmaBTree | VmaTreap]>([
  ['tree', () => new VmaTree()],
  ['btree', () => new VmaBTree()],
  ['treap', () => new VmaTreap()],
])('%s under many inserts and removes', (_n, make) => {
  it('keeps its invariants and agrees with the list on lookups and gap searches', () => {
    const idx = make();
    const ref = new VmaList();
    let x = 12345;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % n;
    };
    const live: [Vma, Vma][] = [];
    for (let step = 0; step < 3000; step++) {
      if (live.length > 0 && rnd(3) === 0) {
        const [a, b] = live.splice(rnd(live.length), 1)[0] as [Vma, Vma];
        idx.remove(a);
        ref.remove(b);
      } else {
        const s = rnd(4000);
        const e = s + 1 + rnd(6);
        const flags = rnd(10) === 0 ? RW | VM_GROWSDOWN : RW;
        if (ref.conflicts(s, e)) continue;
        const a = vma(s, e, flags);
        const b = vma(s, e, flags);
        idx.insert(a);
        ref.insert(b);
        live.push([a, b]);
      }
      if (step % 100 === 0) idx.checkInvariants();
      const p = rnd(4100);
      expect(idx.find(p)?.start).toBe(ref.find(p)?.start);
      expect(idx.findFrom(p)?.start).toBe(ref.findFrom(p)?.start);
      const query = q(1 + rnd(12), rnd(2000), 2000 + rnd(2200), rnd(2) ? 0 : 3, rnd(4));
      expect(idx.findGapTopDown(query)).toBe(ref.findGapTopDown(query));
      expect(idx.findGapBottomUp(query)).toBe(ref.findGapBottomUp(query));
    }
    idx.checkInvariants();
    expect([...idx].map((v) => v.start)).toEqual([...ref].map((v) => v.start));
  });
});

describe('VmaBTree at depth (inner splits, dropped leaves, root collapse)', () => {
  it('keeps its invariants, order and gap searches through 4000 shuffled inserts and removes', () => {
    const idx = new VmaBTree();
    let x = 777;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % n;
    };
    const shuffle = <T>(a: T[]): T[] => {
      for (let i = a.length - 1; i > 0; i--) {
        const j = rnd(i + 1);
        [a[i], a[j]] = [a[j] as T, a[i] as T];
      }
      return a;
    };
    // 4000 VMAs of 2 pages with 1-page holes, plus a 9-page hole at every 500th: three levels at 32 per node.
    const vmas = shuffle(
      Array.from({ length: 4000 }, (_, i) =>
        vma(10 + 3 * i + 8 * Math.floor(i / 500), 12 + 3 * i + 8 * Math.floor(i / 500)),
      ),
    );
    for (const [k, v] of vmas.entries()) {
      idx.insert(v);
      if (k % 500 === 0) idx.checkInvariants();
    }
    idx.checkInvariants();
    const starts = [...idx].map((v) => v.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    expect(starts.length).toBe(4000);
    // The highest 9-page hole lies just below the 3500th VMA.
    const top = 10 + 3 * 3500 + 8 * 7;
    expect(idx.findGapTopDown(q(9, 0, (idx.last() as Vma).end))).toBe(top - 9);
    expect(idx.findGapBottomUp(q(9, 10, 1e6))).toBe(12 + 3 * 499);
    for (const [k, v] of shuffle(vmas).entries()) {
      idx.remove(v);
      if (k % 250 === 0) idx.checkInvariants();
      if (k === 3990) expect(idx.size).toBe(9);
    }
    idx.checkInvariants();
    expect(idx.size).toBe(0);
    expect(idx.first()).toBeUndefined();
  });

  it('VmaTree is the B+tree under the name "tree"', () => {
    const t = new VmaTree({ seed: 1 });
    expect(t.name).toBe('tree');
    expect(t).toBeInstanceOf(VmaBTree);
    expect(new VmaTreap().name).toBe('treap');
  });
});
