import { VM_READ, VM_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { VmaIndexCorruptError } from './index-scan.js';
import { mutableVma, Vma } from './vma.js';
import { VmaBTree } from './vma-btree.js';
import type { VmaIndex } from './vma-index.js';
import { VmaList } from './vma-list.js';
import { VmaTreap } from './vma-treap.js';
import { VmaTree } from './vma-tree.js';

const RW = VM_READ | VM_WRITE;
const BASE = 0x1000;

type Checked = VmaIndex & { checkInvariants(): void };

describe.each<[string, () => Checked]>([
  ['tree', () => new VmaTree()],
  ['btree', () => new VmaBTree()],
  ['treap', () => new VmaTreap()],
  ['list', () => new VmaList()],
])('%s: a VMA crossing the separator left by removing a leaf-first VMA', (_name, make) => {
  /** 40 one-page VMAs at BASE + 2i (more than one 32-entry leaf), the one at BASE + 28 removed. */
  function setup(): { idx: Checked; vmas: Vma[] } {
    const idx = make();
    const vmas: Vma[] = [];
    for (let i = 0; i < 40; i++) {
      const v = new Vma({ start: BASE + 2 * i, end: BASE + 2 * i + 1, flags: RW });
      vmas.push(v);
      idx.insert(v);
    }
    idx.remove(vmas[14] as Vma); // page BASE + 28
    idx.checkInvariants();
    return { idx, vmas };
  }

  it('finds every page of an inserted VMA that starts left of the old separator and ends past it', () => {
    const { idx } = setup();
    const v = new Vma({ start: BASE + 27, end: BASE + 29, flags: RW });
    idx.insert(v);
    expect(idx.find(BASE + 27)).toBe(v);
    expect(idx.find(BASE + 28)).toBe(v);
    expect(idx.findFrom(BASE + 28)).toBe(v);
    expect(idx.conflicts(BASE + 28, BASE + 29)).toBe(true);
    idx.checkInvariants();
  });

  it('at every leaf boundary: remove VMA k, insert a 2-page VMA across its page, find both pages', () => {
    // Wherever the index splits its nodes, one k removes the first VMA of a node.
    for (let k = 1; k < 40; k++) {
      const idx = make();
      const vmas: Vma[] = [];
      for (let i = 0; i < 40; i++) {
        const v = new Vma({ start: BASE + 2 * i, end: BASE + 2 * i + 1, flags: RW });
        vmas.push(v);
        idx.insert(v);
      }
      const gone = vmas[k] as Vma;
      idx.remove(gone);
      const v = new Vma({ start: gone.start - 1, end: gone.start + 1, flags: RW });
      idx.insert(v);
      expect(idx.find(gone.start - 1)).toBe(v);
      expect(idx.find(gone.start)).toBe(v);
      idx.checkInvariants();
      // The same through growth in place: the VMA below grows over the freed page.
      idx.remove(v);
      const below = vmas[k - 1] as Vma;
      mutableVma(below).end = gone.start + 1;
      idx.updated(below);
      expect(idx.find(gone.start)).toBe(below);
      idx.checkInvariants();
    }
  });

  it('finds the upper pages of a VMA grown in place across the old separator', () => {
    const { idx, vmas } = setup();
    const v = vmas[13] as Vma; // page BASE + 26
    mutableVma(v).end = BASE + 29;
    idx.updated(v);
    expect(idx.find(BASE + 28)).toBe(v);
    idx.checkInvariants();
    mutableVma(v).start = BASE + 25;
    mutableVma(v).end = BASE + 26; // shrink from above, grow below
    idx.updated(v);
    expect(idx.find(BASE + 28)).toBeUndefined();
    expect(idx.find(BASE + 25)).toBe(v);
    idx.checkInvariants();
  });
});

describe('the self-checks see a broken structure', () => {
  const fill = (idx: VmaIndex, n: number): Vma[] => {
    const vmas: Vma[] = [];
    for (let i = 0; i < n; i++) {
      const v = new Vma({ start: BASE + 2 * i, end: BASE + 2 * i + 1, flags: RW });
      vmas.push(v);
      idx.insert(v);
    }
    return vmas;
  };
  // Direct field edits of private structure: the only way to corrupt it deliberately.
  type Node = {
    leaf: boolean;
    keys: Float64Array;
    gaps: Float64Array;
    maxGap: number;
    items: unknown[];
    count: number;
  };
  const rootOf = (t: VmaBTree): Node => (t as unknown as { root: Node }).root;

  it('B+tree: a separator too low for the VMA that crosses it', () => {
    const t = new VmaBTree();
    const vmas = fill(t, 40);
    t.checkInvariants();
    const root = rootOf(t);
    expect(root.leaf).toBe(false);
    const sep = root.keys[1] as number;
    // Two pages low: the last VMA of child 0 ([sep-2, sep-1)) now crosses the separator (the bug's state).
    root.keys[1] = sep - 2;
    expect(() => t.checkInvariants()).toThrow(/not within the separators/);
    // One page low: no VMA crosses it yet, but it is not exact (the next insert below it could cross it).
    root.keys[1] = sep - 1;
    expect(() => t.checkInvariants()).toThrow(/not the lowest start/);
    root.keys[1] = sep;
    t.checkInvariants();
    expect(vmas.length).toBe(40);
  });

  it('B+tree: a stale max gap of a child', () => {
    const t = new VmaBTree();
    fill(t, 40);
    const root = rootOf(t);
    root.gaps[0] = 0;
    expect(() => t.checkInvariants()).toThrow(VmaIndexCorruptError);
  });

  it('B+tree: a stale end cached in a leaf (lookup disagrees with the scan)', () => {
    const t = new VmaBTree();
    const vmas = fill(t, 40);
    const v = vmas[3] as Vma;
    // Change the VMA without telling the index: the cached end is stale.
    mutableVma(v).end = v.end + 1;
    expect(() => t.checkInvariants()).toThrow(/stale bounds/);
  });

  it('treap: a stale subtree max gap and a node out of its ancestors bounds', () => {
    const t = new VmaTreap();
    const vmas = fill(t, 40);
    t.checkInvariants();
    type TNode = { maxGap: number; end: number; vma: Vma };
    const root = (t as unknown as { root: TNode }).root;
    const saved = root.maxGap;
    root.maxGap = saved + 5;
    expect(() => t.checkInvariants()).toThrow(VmaIndexCorruptError);
    root.maxGap = saved;
    t.checkInvariants();
    const node = (vmas[0] as Vma).indexSlot as TNode;
    node.end = node.end + 100; // cached end crossing the VMAs above
    expect(() => t.checkInvariants()).toThrow(VmaIndexCorruptError);
  });

  it('list: a slot pointing at the wrong position, and overlapping VMAs', () => {
    const l = new VmaList();
    const vmas = fill(l, 5);
    l.checkInvariants();
    const slot = (vmas[0] as Vma).indexSlot as { pos: number };
    slot.pos = 3;
    expect(() => l.checkInvariants()).toThrow(/bad slot/);
    slot.pos = 0;
    mutableVma(vmas[0] as Vma).end = (vmas[1] as Vma).start + 1;
    expect(() => l.checkInvariants()).toThrow(/overlap/);
  });
});
