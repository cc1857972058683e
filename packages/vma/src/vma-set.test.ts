import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  mmapVmFlags,
  PROT_EXEC,
  PROT_READ,
  PROT_WRITE,
  RecordingSink,
  VM_LOCKED,
  VM_READ,
  VM_SOFTDIRTY,
  VM_WRITE,
  vmFlags,
} from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { anonShared, SharedObject } from './backing.js';
import { Vma } from './vma.js';
import { VmaBTree } from './vma-btree.js';
import type { VmaIndex } from './vma-index.js';
import { VmaList } from './vma-list.js';
import { VmaSet } from './vma-set.js';
import { VmaTreap } from './vma-treap.js';
import { VmaTree } from './vma-tree.js';

const RW = mmapVmFlags(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
const R = mmapVmFlags(PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
const RWX = mmapVmFlags(PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS);
const SH = mmapVmFlags(PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
/** The conformance BASE (0x2000000000) as a page number. */
const B = 0x2000000;

const indexes: [string, () => VmaIndex][] = [
  ['tree', () => new VmaTree()],
  ['list', () => new VmaList()],
  ['btree', () => new VmaBTree()],
  ['treap', () => new VmaTreap()],
];

/** `[start, end, pgoff]` of every VMA, relative to B. */
function layout(set: VmaSet): [number, number, number][] {
  return [...set].map((v) => [v.start - B, v.end - B, v.pgoff - B]);
}

/** Anonymous private mmap of pages [s, e) relative to B. */
function anon(s: number, e: number, flags = RW): Vma {
  return new Vma({ start: B + s, end: B + e, flags });
}

/** Sets a range's flags the way mprotect does (replacing the access bits). */
function protect(set: VmaSet, s: number, e: number, flags: number) {
  return set.modifyRange(B + s, B + e, () => ({ flags }));
}

describe.each(indexes)('VmaSet on %s', (_name, makeIndex) => {
  const newSet = (sink?: RecordingSink) => new VmaSet({ index: makeIndex(), sink, pid: 7 });

  it('#73 a new VMA between compatible prev and next merges into one VMA [0,3) with pgoff 0', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 1));
    set.insertAndMerge(anon(2, 3));
    const r = set.insertAndMerge(anon(1, 2));
    expect(r.merged).toBe('both');
    expect(r.removed.map((v) => v.start - B)).toEqual([2]);
    expect(layout(set)).toEqual([[0, 3, 0]]);
    set.checkInvariants();
  });

  it('#74 modifying the middle of [0,3) gives three VMAs with pgoff 0,1,2', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 3));
    const r = protect(set, 1, 2, R);
    expect(r.splits).toBe(2);
    expect(layout(set)).toEqual([
      [0, 1, 0],
      [1, 2, 1],
      [2, 3, 2],
    ]);
    expect([...set].map((v) => v.flags)).toEqual([RW, R, RW]);
  });

  it('#75 merge_new: prev extended, next prepended with pgoff adjusted, both, neither', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 2));
    expect(set.insertAndMerge(anon(2, 3)).merged).toBe('prev');
    expect(layout(set)).toEqual([[0, 3, 0]]);
    set.insertAndMerge(anon(10, 12));
    const r = set.insertAndMerge(anon(8, 10));
    expect(r.merged).toBe('next');
    expect(layout(set)).toEqual([
      [0, 3, 0],
      [8, 12, 8],
    ]);
    expect(set.insertAndMerge(anon(3, 8)).merged).toBe('both');
    expect(layout(set)).toEqual([[0, 12, 0]]);
    expect(set.insertAndMerge(anon(20, 21, R)).merged).toBe('none');
    expect(set.insertAndMerge(anon(21, 22, RW)).merged).toBe('none');
    expect(set.size).toBe(3);
  });

  it('#75 pgoff must be contiguous: a shared-object piece at the wrong offset does not merge', () => {
    const set = newSet();
    const obj = new SharedObject(1, 10);
    set.insertAndMerge(new Vma({ start: B, end: B + 2, flags: SH, backing: anonShared(obj), pgoff: 0 }));
    const r = set.insertAndMerge(
      new Vma({ start: B + 2, end: B + 3, flags: SH, backing: anonShared(obj), pgoff: 5 }),
    );
    expect(r.merged).toBe('none');
    const r2 = set.insertAndMerge(
      new Vma({ start: B + 3, end: B + 4, flags: SH, backing: anonShared(obj), pgoff: 6 }),
    );
    expect(r2.merged).toBe('prev');
  });

  describe('#76 merge_existing', () => {
    it('VVVVNNN modify [1,4) to match N -> VNNNNNN', () => {
      const set = newSet();
      set.insertAndMerge(anon(0, 4, R));
      set.insertAndMerge(anon(4, 7, RW));
      const r = protect(set, 1, 4, RW);
      expect(r.merges).toBe(1);
      expect(r.splits).toBe(0);
      expect(layout(set)).toEqual([
        [0, 1, 0],
        [1, 7, 1],
      ]);
      expect([...set].map((v) => v.flags)).toEqual([R, RW]);
    });
    it('VVVVNNN modify all of V -> N absorbs V', () => {
      const set = newSet();
      const v = set.insertAndMerge(anon(0, 4, R)).vma;
      set.insertAndMerge(anon(4, 7, RW));
      const r = protect(set, 0, 4, RW);
      expect(r.removed).toEqual([v]);
      expect(layout(set)).toEqual([[0, 7, 0]]);
    });
    it('PPPVVVV modify [3,6) to match P -> PPPPPPV', () => {
      const set = newSet();
      set.insertAndMerge(anon(0, 3, RW));
      set.insertAndMerge(anon(3, 7, R));
      protect(set, 3, 6, RW);
      expect(layout(set)).toEqual([
        [0, 6, 0],
        [6, 7, 6],
      ]);
      expect([...set].map((v) => v.flags)).toEqual([RW, R]);
    });
    it('PPPVVVV modify all of V -> P absorbs V', () => {
      const set = newSet();
      set.insertAndMerge(anon(0, 3, RW));
      set.insertAndMerge(anon(3, 7, R));
      protect(set, 3, 7, RW);
      expect(layout(set)).toEqual([[0, 7, 0]]);
    });
    it('PPPVVVVNNN modify all of V -> one VMA', () => {
      const sink = new RecordingSink();
      const set = newSet(sink);
      set.insertAndMerge(anon(0, 3, RW));
      set.insertAndMerge(anon(3, 7, R));
      set.insertAndMerge(anon(7, 10, RW));
      const r = protect(set, 3, 7, RW);
      expect(r.removed).toHaveLength(2);
      expect(layout(set)).toEqual([[0, 10, 0]]);
      expect(sink.ofKind('vma.merge').at(-1)).toMatchObject({
        pid: 7,
        start: B * 4096,
        end: (B + 10) * 4096,
      });
    });
    it('strictly inside V -> split only, no merge', () => {
      const sink = new RecordingSink();
      const set = newSet(sink);
      set.insertAndMerge(anon(0, 3, RW));
      set.insertAndMerge(anon(3, 7, R));
      set.insertAndMerge(anon(7, 10, RW));
      const r = protect(set, 4, 6, RW);
      expect(r.merges).toBe(0);
      expect(r.splits).toBe(2);
      expect(set.size).toBe(5);
      expect(sink.ofKind('vma.split')).toHaveLength(2);
    });
    it('one change across three VMAs re-merges them into one (#69)', () => {
      const set = newSet();
      set.insertAndMerge(anon(0, 4, R));
      protect(set, 1, 3, RW);
      expect(set.size).toBe(3);
      const r = protect(set, 0, 4, R);
      expect(layout(set)).toEqual([[0, 4, 0]]);
      expect(r.vmas).toHaveLength(1);
    });
    it('#68/#70 split then restore merges back', () => {
      const set = newSet();
      set.insertAndMerge(anon(0, 5, R));
      protect(set, 1, 2, vmFlags(R | 0x4));
      protect(set, 3, 4, vmFlags((R & ~VM_READ) | VM_WRITE));
      expect(set.size).toBe(5);
      protect(set, 1, 5, R);
      expect(layout(set)).toEqual([[0, 5, 0]]);
    });
  });

  it('#77 prev and next with different anon_vmas: V matching both merges with prev only', () => {
    const set = newSet();
    const p = set.insertAndMerge(anon(0, 3, RW)).vma;
    set.insertAndMerge(anon(3, 7, R));
    const n = set.insertAndMerge(anon(7, 10, RW)).vma;
    const a = set.prepareAnonVma(p);
    const b = set.prepareAnonVma(n);
    expect(a).not.toBe(b);
    protect(set, 3, 7, RW);
    expect(layout(set)).toEqual([
      [0, 7, 0],
      [7, 10, 7],
    ]);
    expect(set.find(B)?.anonVma).toBe(a);
  });

  it('#77 a new VMA in the gap between different anon_vmas merges with prev only (p13 step 15)', () => {
    const set = newSet();
    const p = set.insertAndMerge(anon(0x20, 0x21)).vma;
    set.prepareAnonVma(p);
    const n = set.insertAndMerge(anon(0x22, 0x23)).vma;
    set.prepareAnonVma(n);
    expect(set.insertAndMerge(anon(0x21, 0x22)).merged).toBe('prev');
    expect(layout(set)).toEqual([
      [0x20, 0x22, 0x20],
      [0x22, 0x23, 0x22],
    ]);
  });

  it('p13: unfaulted neighbours merge, a faulted prev absorbs a new unfaulted VMA, shared anon never merges', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 1));
    set.insertAndMerge(anon(1, 2));
    set.insertAndMerge(anon(2, 3, R));
    const f = set.insertAndMerge(anon(0x10, 0x11)).vma;
    set.prepareAnonVma(f); // w +0x10000
    const r = set.insertAndMerge(anon(0x11, 0x12));
    expect(r.merged).toBe('prev');
    expect(set.prepareAnonVma(r.vma)).toBe(f.anonVma); // w +0x11000 lands in the same anon_vma
    for (const s of [0x30, 0x31]) {
      const obj = new SharedObject(s, 1);
      set.insertAndMerge(new Vma({ start: B + s, end: B + s + 1, flags: SH, backing: anonShared(obj) }));
    }
    expect(layout(set).map(([s, e]) => [s, e])).toEqual([
      [0, 2],
      [2, 3],
      [0x10, 0x12],
      [0x30, 0x31],
      [0x31, 0x32],
    ]);
  });

  it('#78 merging copies the anon_vma into the surviving VMA', () => {
    const set = newSet();
    const p = set.insertAndMerge(anon(0, 3, RW)).vma;
    const v = set.insertAndMerge(anon(3, 6, R)).vma;
    const a = set.prepareAnonVma(v);
    expect(p.anonVma).toBeNull();
    protect(set, 3, 6, RW);
    expect(layout(set)).toEqual([[0, 6, 0]]);
    expect(set.find(B)?.anonVma).toBe(a);
    expect(set.find(B)).toBe(p);
  });

  it('#78 vma_merge_extend into the gap up to the next VMA gives a single VMA (#92)', () => {
    const set = newSet();
    const v = set.insertAndMerge(anon(0, 3)).vma;
    set.prepareAnonVma(v);
    set.removeRange(B + 1, B + 2);
    const head = set.find(B) as Vma;
    const r = set.extendAndMerge(head, B + 2);
    expect(r.merged).toBe('both');
    expect(layout(set)).toEqual([[0, 3, 0]]);
  });

  it('#72 mprotect merges a faulted VMA with an unfaulted one', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 10));
    protect(set, 0, 5, R);
    const hi = set.find(B + 5) as Vma;
    set.prepareAnonVma(hi); // touch page 5
    protect(set, 5, 10, R);
    expect(layout(set)).toEqual([[0, 10, 0]]);
    expect(set.find(B)?.anonVma).toBe(hi.anonVma);
  });

  it('#80 shared anon pieces of one object re-merge after an mprotect split; private never merges with shared', () => {
    const set = newSet();
    const obj = new SharedObject(1, 4);
    set.insertAndMerge(new Vma({ start: B, end: B + 4, flags: SH, backing: anonShared(obj) }));
    protect(set, 1, 2, vmFlags(SH & ~VM_WRITE));
    expect(layout(set).map((l) => l[2] + B)).toEqual([0, 1, 2]);
    protect(set, 1, 2, SH);
    expect(layout(set)).toEqual([[0, 4, -B]]);
    expect(set.insertAndMerge(anon(4, 5, RW)).merged).toBe('none');
  });

  it('#81 naming part of a VMA splits it; equal names merge', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 4));
    set.modifyRange(B + 1, B + 3, () => ({ name: 'x' }));
    expect([...set].map((v) => v.name)).toEqual([null, 'x', null]);
    set.modifyRange(B + 3, B + 4, () => ({ name: 'x' }));
    expect([...set].map((v) => v.name)).toEqual([null, 'x']);
    set.modifyRange(B, B + 4, () => ({ name: null }));
    expect(layout(set)).toEqual([[0, 4, 0]]);
  });

  it('#82 a forked VMA never merges with a new neighbour in the child', () => {
    const parent = newSet();
    const v = parent.insertAndMerge(anon(0, 3)).vma;
    parent.prepareAnonVma(v);
    const child = new VmaSet({ index: makeIndex(), anonVmas: parent.anonVmas });
    const [[pv, cv]] = parent.forkInto(child) as [[Vma, Vma]];
    expect(pv).toBe(v);
    expect(cv.anonVma?.parent).toBe(v.anonVma);
    expect(cv.isForkChild).toBe(true);
    const r = child.insertAndMerge(anon(3, 6));
    expect(r.merged).toBe('none');
    const own = child.prepareAnonVma(r.vma); // touching it cannot reuse a fork child's anon_vma
    expect(own).not.toBe(cv.anonVma);
    expect(child.size).toBe(2);
    expect(parent.size).toBe(1);
  });

  it('#83 mprotect of a forked VMA to match an adjacent new VMA does not merge', () => {
    const parent = newSet();
    const v = parent.insertAndMerge(anon(0, 3)).vma;
    parent.prepareAnonVma(v);
    const child = newSet();
    parent.forkInto(child);
    child.insertAndMerge(anon(3, 6, RWX));
    child.modifyRange(B, B + 3, () => ({ flags: RWX }));
    expect(child.size).toBe(2);
  });

  it('a fork child whose parent VMA was never faulted has no anon_vma and merges freely', () => {
    const parent = newSet();
    parent.insertAndMerge(anon(0, 3));
    const child = newSet();
    parent.forkInto(child);
    expect(child.insertAndMerge(anon(3, 4)).merged).toBe('prev');
  });

  it('fork drops VM_LOCKED, skips VM_DONTCOPY and gives VM_WIPEONFORK copies no anon_vma', () => {
    const parent = newSet();
    const a = parent.insertAndMerge(anon(0, 1, vmFlags(RW | VM_LOCKED))).vma;
    parent.insertAndMerge(anon(2, 3, vmFlags(RW | 0x20000)));
    const w = parent.insertAndMerge(anon(4, 5, vmFlags(RW | 0x2000000))).vma;
    parent.prepareAnonVma(a);
    parent.prepareAnonVma(w);
    const child = newSet();
    const pairs = parent.forkInto(child);
    expect(pairs.map(([p]) => p.start - B)).toEqual([0, 4]);
    expect(child.find(B)?.flags).toBe(RW);
    expect(child.find(B + 4)?.anonVma).toBeNull();
  });

  it('p14: mlock of the middle page splits, munlock merges back', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 3));
    set.modifyRange(B + 1, B + 2, (v) => ({ flags: v.flags | VM_LOCKED }));
    expect(set.size).toBe(3);
    set.modifyRange(B + 1, B + 2, (v) => ({ flags: v.flags & ~VM_LOCKED }));
    expect(layout(set)).toEqual([[0, 3, 0]]);
  });

  it('modifyRange stops at a hole (mprotect) or skips it (madvise) and reports it', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 3));
    set.removeRange(B + 1, B + 2);
    const r = protect(set, 0, 3, R);
    expect(r.holeAt).toBe(B + 1);
    expect([...set].map((v) => v.flags)).toEqual([R, RW]);
    const r2 = set.modifyRange(B, B + 3, () => ({ flags: R }), false);
    expect(r2.holeAt).toBe(B + 1);
    expect([...set].map((v) => v.flags)).toEqual([R, R]);
  });

  it('an update that throws leaves earlier VMAs changed and the set consistent', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 2, R));
    set.insertAndMerge(anon(2, 4, RW));
    expect(() =>
      set.modifyRange(B, B + 4, (v) => {
        if (v.start === B + 2) throw new Error('EACCES');
        return { flags: vmFlags(R | VM_SOFTDIRTY) };
      }),
    ).toThrow('EACCES');
    set.checkInvariants();
    expect(set.find(B)?.flags).toBe(vmFlags(R | VM_SOFTDIRTY));
  });

  it('p02: MAP_FIXED over the middle then the same prot again collapses to one VMA', () => {
    const set = newSet();
    const v = set.insertAndMerge(anon(0, 3)).vma;
    set.prepareAnonVma(v);
    set.removeRange(B + 1, B + 2);
    expect(set.insertAndMerge(anon(1, 2, R)).merged).toBe('none');
    expect(set.removeRange(B + 1, B + 2)).toHaveLength(1);
    expect(set.insertAndMerge(anon(1, 2)).merged).toBe('both');
    expect(layout(set)).toEqual([[0, 3, 0]]);
  });

  it('p07 step 13: a faulted VMA moved next to another faulted one keeps its pgoff and stays separate', () => {
    const set = newSet();
    const src = set.insertAndMerge(anon(0, 2)).vma;
    set.prepareAnonVma(src);
    const x = set.insertAndMerge(anon(0x200, 0x203)).vma;
    set.prepareAnonVma(x);
    set.removeRange(B + 0x200, B + 0x202);
    const r = set.copyVma(src, src.start, src.end, B + 0x200);
    set.removeRange(B, B + 2);
    expect(r.merged).toBe('none');
    expect(layout(set)).toEqual([
      [0x200, 0x202, 0],
      [0x202, 0x203, 0x202],
    ]);
  });

  it('#122 an unfaulted VMA moved next to a compatible one merges (pgoff follows the new address)', () => {
    const set = newSet();
    const src = set.insertAndMerge(anon(0, 2)).vma;
    set.insertAndMerge(anon(0x100, 0x102));
    const r = set.copyVma(src, src.start, src.end, B + 0x102);
    set.removeRange(B, B + 2);
    expect(r.merged).toBe('prev');
    expect(layout(set)).toEqual([[0x100, 0x104, 0x100]]);
  });

  it('prepareAnonVma reuses an adjacent neighbour that differs only in access bits', () => {
    const set = newSet();
    const a = set.insertAndMerge(anon(0, 1, RW)).vma;
    // Read-only, but still VM_ACCOUNT (as after mprotect of a private writable mapping): only access bits differ.
    const b = set.insertAndMerge(anon(1, 2, vmFlags(RW & ~VM_WRITE))).vma;
    const av = set.prepareAnonVma(a);
    expect(set.prepareAnonVma(b)).toBe(av);
    protect(set, 1, 2, RW);
    expect(layout(set)).toEqual([[0, 2, 0]]);
  });

  it('prepareAnonVma does not reuse a neighbour whose non-access flags differ (VM_ACCOUNT)', () => {
    const set = newSet();
    const a = set.insertAndMerge(anon(0, 1, RW)).vma;
    const b = set.insertAndMerge(anon(1, 2, R)).vma;
    expect(set.prepareAnonVma(b)).not.toBe(set.prepareAnonVma(a));
  });

  it('splitAt splits inside a VMA and refuses boundaries and holes', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 4));
    expect(set.splitAt(B)).toBeNull();
    expect(set.splitAt(B + 9)).toBeNull();
    const [lo, hi] = set.splitAt(B + 1) as [Vma, Vma];
    expect([lo.start, lo.end, hi.start, hi.end, hi.pgoff]).toEqual([B, B + 1, B + 1, B + 4, B + 1]);
  });

  it('removeRange splits at the ends, removes across holes and returns the pieces', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 4));
    set.insertAndMerge(anon(6, 10, R));
    const removed = set.removeRange(B + 2, B + 8);
    expect(removed.map((v) => [v.start - B, v.end - B])).toEqual([
      [2, 4],
      [6, 8],
    ]);
    expect(layout(set)).toEqual([
      [0, 2, 0],
      [8, 10, 8],
    ]);
    expect(set.removeRange(B + 20, B + 30)).toEqual([]);
  });

  it('rejects overlapping inserts and bad ranges without changing anything', () => {
    const set = newSet();
    set.insertAndMerge(anon(0, 4));
    expect(() => set.insertAndMerge(anon(3, 5))).toThrow(/overlaps/);
    expect(() => set.removeRange(B + 3, B + 1)).toThrow(/invalid/);
    expect(() => set.modifyRange(-1, 2, () => null)).toThrow(/invalid/);
    expect(layout(set)).toEqual([[0, 4, 0]]);
  });

  it('growDown moves start and pgoff down; the gap below a GROWSDOWN VMA shrinks', () => {
    const set = newSet();
    const s = set.insertAndMerge(anon(100, 110, vmFlags(RW | 0x100))).vma;
    set.growDown(s, B + 90);
    expect([s.start - B, s.pgoff - B]).toEqual([90, 90]);
    expect(() => set.growDown(s, B + 95)).toThrow();
  });
});
