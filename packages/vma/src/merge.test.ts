/**
 * Directed tests of every condition of the merge rules (merge.ts, Linux mm/vma.c `is_mergeable_vma`,
 * `is_mergeable_anon_vma`, `can_vma_merge_{before,after}`, `can_vma_merge_right`, mm/rmap.c
 * `anon_vma_compatible`): each test makes exactly one condition decide, once through `VmaSet` and, where a set
 * can never reach the condition (its neighbours are always adjacent), through the exported predicate.
 */
import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  MAP_SHARED,
  mmapVmFlags,
  PROT_READ,
  PROT_WRITE,
  VM_IO,
  VM_LOCKED,
  VM_SOFTDIRTY,
  VM_WRITE,
  vmFlags,
} from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { AnonVma } from './anon-vma.js';
import { anonShared, fileBacking, SharedObject } from './backing.js';
import {
  anonVmaMergeable,
  anonVmaReusable,
  anonVmasCompatible,
  candidateOf,
  canMergeAfter,
  canMergeBefore,
} from './merge.js';
import { Vma } from './vma.js';
import { VmaSet } from './vma-set.js';
import { VmaTree } from './vma-tree.js';

const RW = mmapVmFlags(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
const R = mmapVmFlags(PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
const SH = mmapVmFlags(PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
const B = 0x1000;

const set = (): VmaSet => new VmaSet({ index: new VmaTree() });
const av = (id: number, parent: AnonVma | null = null): AnonVma => new AnonVma(id, parent);
/** A fork child's VMA: anon_vma `child` whose chain also holds the parent's. */
const forkChild = (start: number, end: number, parent: AnonVma, child: AnonVma): Vma =>
  new Vma({ start, end, flags: RW, anonVma: child, anonChain: [parent, child] });
const ranges = (s: VmaSet): string => [...s].map((v) => `${v.start - B}-${v.end - B}`).join(' ');

describe('anon_vma rules (is_mergeable_anon_vma)', () => {
  it('a new range with anon_vma b never joins prev or next holding a different anon_vma a', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, anonVma: av(1) }));
    const r = s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW, anonVma: av(2) }));
    expect(r.merged).toBe('none');
    s.insertNoMerge(new Vma({ start: B + 12, end: B + 16, flags: RW, anonVma: av(3) }));
    expect(s.insertAndMerge(new Vma({ start: B + 8, end: B + 12, flags: RW, anonVma: av(4) })).merged).toBe(
      'none',
    );
    expect(ranges(s)).toBe('0-4 4-8 8-12 12-16');
  });

  it('the same anon_vma on both sides merges (equal anon_vmas are compatible)', () => {
    const s = set();
    const a = av(1);
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, anonVma: a }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW, anonVma: a })).merged).toBe(
      'prev',
    );
  });

  it('mprotect back to the neighbour’s flags does not merge a VMA with a different anon_vma', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, anonVma: av(1) }));
    s.insertNoMerge(new Vma({ start: B + 4, end: B + 8, flags: R, anonVma: av(2) }));
    s.insertNoMerge(new Vma({ start: B + 8, end: B + 12, flags: RW, anonVma: av(3) }));
    s.modifyRange(B + 4, B + 8, () => ({ flags: RW }));
    expect(ranges(s)).toBe('0-4 4-8 8-12');
  });

  it('an unfaulted range does not join a fork child (the target’s chain is not singular)', () => {
    const s = set();
    const parent = av(1);
    s.insertNoMerge(forkChild(B, B + 4, parent, av(2, parent)));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW })).merged).toBe('none');
    const t = set();
    t.insertNoMerge(forkChild(B + 12, B + 16, parent, av(3, parent)));
    expect(t.insertAndMerge(new Vma({ start: B + 8, end: B + 12, flags: RW })).merged).toBe('none');
  });

  it('an unfaulted range joins a faulted neighbour that is not a fork child', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, anonVma: av(1) }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW })).merged).toBe('prev');
  });

  it('a fork child’s pages do not move into an unfaulted neighbour (the source is a fork child)', () => {
    const parent = av(1);
    // Control: a faulted VMA without fork ancestry, mprotected to its unfaulted neighbour's flags, merges.
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW }));
    s.insertNoMerge(new Vma({ start: B + 4, end: B + 8, flags: R, anonVma: av(2) }));
    const s2 = set();
    s2.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW }));
    const child = av(3, parent);
    s2.insertNoMerge(
      new Vma({ start: B + 4, end: B + 8, flags: R, anonVma: child, anonChain: [parent, child] }),
    );
    s2.modifyRange(B + 4, B + 8, () => ({ flags: RW }));
    expect(ranges(s2)).toBe('0-4 4-8');
    s.modifyRange(B + 4, B + 8, () => ({ flags: RW }));
    expect(ranges(s)).toBe('0-8');
  });

  it('an mremap copy of a fork child does not join an unfaulted neighbour (copied_from is a fork child)', () => {
    const s = set();
    const parent = av(1);
    const child = av(2, parent);
    const src = new Vma({
      start: B + 100,
      end: B + 104,
      flags: RW,
      anonVma: child,
      anonChain: [parent, child],
    });
    s.insertNoMerge(src);
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, pgoff: 0 }));
    // The copy keeps the source's anon_vma (a detached plain VMA here, so only copiedFrom carries the ancestry).
    const copy = new Vma({ start: B + 4, end: B + 8, flags: RW, pgoff: 4, anonVma: child });
    expect(s.insertAndMerge(copy, src).merged).toBe('none');
    // Control: copied from a VMA that is not a fork child, it merges.
    const s2 = set();
    const plain = new Vma({ start: B + 100, end: B + 104, flags: RW, anonVma: child });
    s2.insertNoMerge(plain);
    s2.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, pgoff: 0 }));
    expect(
      s2.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW, pgoff: 4, anonVma: child }), plain)
        .merged,
    ).toBe('prev');
  });

  it('anonVmaMergeable, case by case', () => {
    const a = av(1);
    const target = new Vma({ start: B, end: B + 4, flags: RW });
    const withA = new Vma({ start: B, end: B + 4, flags: RW, anonVma: a });
    const cand = (anonVma: AnonVma | null) => ({
      ...candidateOf(new Vma({ start: B + 4, end: B + 8, flags: RW })),
      anonVma,
    });
    expect(anonVmaMergeable(target, cand(a))).toBe(true);
    expect(anonVmaMergeable(withA, cand(null))).toBe(true);
    expect(anonVmaMergeable(withA, cand(a))).toBe(true);
    expect(anonVmaMergeable(withA, cand(av(2)))).toBe(false);
    expect(anonVmaMergeable(target, cand(null))).toBe(true);
  });
});

describe('the three-way choice (can_vma_merge_right: prev and next anon_vmas)', () => {
  it('PPPP(a) VVVV NNNN(b): joins prev only', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, anonVma: av(1) }));
    s.insertNoMerge(new Vma({ start: B + 8, end: B + 12, flags: RW, anonVma: av(2) }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW })).merged).toBe('prev');
    expect(ranges(s)).toBe('0-8 8-12');
  });

  it('prev without an anon_vma and next with one: both (anonVmasCompatible)', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW }));
    s.insertNoMerge(new Vma({ start: B + 8, end: B + 12, flags: RW, anonVma: av(2) }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW })).merged).toBe('both');
  });

  it('prev with an anon_vma and next without: both', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, anonVma: av(1) }));
    s.insertNoMerge(new Vma({ start: B + 8, end: B + 12, flags: RW }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW })).merged).toBe('both');
  });

  it('anonVmasCompatible, case by case', () => {
    const a = av(1);
    const v = (anonVma: AnonVma | null) => new Vma({ start: B, end: B + 1, flags: RW, anonVma });
    expect(anonVmasCompatible(v(null), v(a))).toBe(true);
    expect(anonVmasCompatible(v(a), v(null))).toBe(true);
    expect(anonVmasCompatible(v(a), v(a))).toBe(true);
    expect(anonVmasCompatible(v(a), v(av(2)))).toBe(false);
  });
});

describe('attributes (is_mergeable_vma)', () => {
  it('VM_SPECIAL ranges never merge, even with equal flags', () => {
    const s = set();
    const io = vmFlags(RW | VM_IO);
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: io }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: io })).merged).toBe('none');
  });

  it('different flags do not merge, on either side', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: R }));
    s.insertNoMerge(new Vma({ start: B + 8, end: B + 12, flags: vmFlags(RW | VM_LOCKED) }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW })).merged).toBe('none');
  });

  it('flags differing only in VM_SOFTDIRTY merge, on either side', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: vmFlags(RW | VM_SOFTDIRTY) }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW })).merged).toBe('prev');
    const t = set();
    t.insertNoMerge(new Vma({ start: B + 4, end: B + 8, flags: vmFlags(RW | VM_SOFTDIRTY) }));
    expect(t.insertAndMerge(new Vma({ start: B, end: B + 4, flags: RW })).merged).toBe('next');
  });

  it('different shared objects do not merge; the same one with contiguous pgoff does', () => {
    const o1 = new SharedObject(1, 64);
    const o2 = new SharedObject(2, 64);
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: SH, backing: anonShared(o1), pgoff: 0 }));
    expect(
      s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: SH, backing: anonShared(o2), pgoff: 4 }))
        .merged,
    ).toBe('none');
    const t = set();
    t.insertNoMerge(new Vma({ start: B, end: B + 4, flags: SH, backing: anonShared(o1), pgoff: 0 }));
    expect(
      t.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: SH, backing: anonShared(o1), pgoff: 4 }))
        .merged,
    ).toBe('prev');
  });

  it('different anonymous names do not merge, on either side', () => {
    const s = set();
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: RW, name: 'a' }));
    s.insertNoMerge(new Vma({ start: B + 8, end: B + 12, flags: RW, name: 'b' }));
    expect(s.insertAndMerge(new Vma({ start: B + 4, end: B + 8, flags: RW, name: 'c' })).merged).toBe('none');
    expect(s.insertAndMerge(new Vma({ start: B + 12, end: B + 16, flags: RW, name: 'b' })).merged).toBe(
      'prev',
    );
  });
});

describe('page offsets and adjacency (can_vma_merge_{after,before})', () => {
  const o = new SharedObject(1, 64);
  const sh = (start: number, end: number, pgoff: number) =>
    new Vma({ start, end, flags: SH, backing: anonShared(o), pgoff });

  it('a gap in pgoff below stops the merge with prev', () => {
    const s = set();
    s.insertNoMerge(sh(B, B + 4, 0));
    expect(s.insertAndMerge(sh(B + 4, B + 8, 5)).merged).toBe('none');
  });

  it('a gap in pgoff above stops the merge with next', () => {
    const s = set();
    s.insertNoMerge(sh(B + 4, B + 8, 10));
    expect(s.insertAndMerge(sh(B, B + 4, 0)).merged).toBe('none');
    const t = set();
    t.insertNoMerge(sh(B + 4, B + 8, 4));
    expect(t.insertAndMerge(sh(B, B + 4, 0)).merged).toBe('next');
  });

  it('canMergeAfter / canMergeBefore need the ranges to touch (pgoff contiguous, one page apart)', () => {
    // Shared-object pgoffs chosen contiguous, so only adjacency decides.
    const prev = sh(B, B + 4, 0);
    const near = { ...candidateOf(sh(B + 4, B + 8, 4)), src: null };
    const far = { ...candidateOf(sh(B + 5, B + 9, 4)), src: null };
    expect(canMergeAfter(prev, near)).toBe(true);
    expect(canMergeAfter(prev, far)).toBe(false);
    const next = sh(B + 9, B + 12, 8);
    const touching = { ...candidateOf(sh(B + 5, B + 9, 4)), src: null };
    const apart = { ...candidateOf(sh(B + 4, B + 8, 4)), src: null };
    expect(canMergeBefore(next, touching)).toBe(true);
    expect(canMergeBefore(next, apart)).toBe(false);
  });
});

describe('anon_vma reuse on the first fault (anon_vma_compatible)', () => {
  it('reuses an adjacent neighbour’s anon_vma of the same file with contiguous pgoff', () => {
    const f = { id: 1, path: '/a' };
    const s = set();
    const a = av(1);
    s.insertNoMerge(
      new Vma({ start: B, end: B + 4, flags: RW, backing: fileBacking(f), pgoff: 0, anonVma: a }),
    );
    const v = new Vma({ start: B + 4, end: B + 8, flags: RW, backing: fileBacking(f), pgoff: 4 });
    s.insertNoMerge(v);
    expect(s.prepareAnonVma(v)).toBe(a);
  });

  it('reuses an adjacent neighbour’s anon_vma when only the access bits differ', () => {
    const s = set();
    const a = av(1);
    // Only VM_WRITE differs (R and RW from mmap differ in VM_ACCOUNT too, which does matter).
    s.insertNoMerge(new Vma({ start: B, end: B + 4, flags: vmFlags(RW & ~VM_WRITE), anonVma: a }));
    const v = new Vma({ start: B + 4, end: B + 8, flags: RW });
    s.insertNoMerge(v);
    expect(s.prepareAnonVma(v)).toBe(a);
  });

  it('does not reuse across a hole, another backing, other non-access flags, or a pgoff jump', () => {
    const a = av(1);
    const f1 = { id: 1, path: '/a' };
    const f2 = { id: 2, path: '/b' };
    const cases: [string, Vma, Vma][] = [
      [
        'hole',
        new Vma({ start: B, end: B + 3, flags: RW, anonVma: a }),
        new Vma({ start: B + 4, end: B + 8, flags: RW }),
      ],
      [
        'backing', // two private file mappings of different files, pgoff contiguous, same flags
        new Vma({ start: B, end: B + 4, flags: RW, backing: fileBacking(f1), pgoff: 0, anonVma: a }),
        new Vma({ start: B + 4, end: B + 8, flags: RW, backing: fileBacking(f2), pgoff: 4 }),
      ],
      [
        'locked',
        new Vma({ start: B, end: B + 4, flags: vmFlags(RW | VM_LOCKED), anonVma: a }),
        new Vma({ start: B + 4, end: B + 8, flags: RW }),
      ],
      [
        'pgoff',
        new Vma({ start: B, end: B + 4, flags: RW, anonVma: a, pgoff: 0 }),
        new Vma({ start: B + 4, end: B + 8, flags: RW }),
      ],
    ];
    for (const [what, below, v] of cases) {
      const s = set();
      s.insertNoMerge(below);
      s.insertNoMerge(v);
      expect(s.prepareAnonVma(v), what).not.toBe(a);
      expect(anonVmaReusable(below, v), what).toBe(false);
    }
  });
});
