import { PluginContractError, VM_READ, VM_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { CheckedVmaIndex } from './checked-vma-index.js';
import { BottomUpPlacement, TopDownPlacement } from './placement.js';
import { PLACEMENTS, resolvePlacement, resolveVmaIndex, VMA_INDEXES } from './registry.js';
import { Vma } from './vma.js';
import { VmaBTree } from './vma-btree.js';
import { VmaIndexError } from './vma-index.js';
import { VmaList } from './vma-list.js';
import { VmaSet } from './vma-set.js';
import { VmaTreap } from './vma-treap.js';
import { VmaTree } from './vma-tree.js';

const RW = VM_READ | VM_WRITE;
const vma = (s: number, e: number) => new Vma({ start: s, end: e, flags: RW });

describe('VMA_INDEXES / resolveVmaIndex', () => {
  it('maps every built-in name to a fresh index of its class, with the context’s guard gap', () => {
    const classes = { tree: VmaTree, btree: VmaBTree, treap: VmaTreap, list: VmaList };
    expect(Object.keys(VMA_INDEXES).sort()).toEqual(Object.keys(classes).sort());
    for (const [name, cls] of Object.entries(classes)) {
      const make = resolveVmaIndex(name as keyof typeof classes);
      const a = make({ stackGuardGap: 7 });
      const b = make({});
      expect(a).toBeInstanceOf(cls);
      expect(a.name).toBe(name);
      expect(a).not.toBe(b);
      expect(a.stackGuardGap).toBe(7);
      expect(b.stackGuardGap).toBe(256);
    }
  });

  it('rejects an unknown name with a RangeError listing the known ones', () => {
    expect(() => resolveVmaIndex('rbtree' as 'tree')).toThrow(RangeError);
    expect(() => resolveVmaIndex('rbtree' as 'tree')).toThrow(/"tree", "btree", "treap", "list"/);
    expect(() => resolveVmaIndex('toString' as 'tree')).toThrow(RangeError);
  });

  it('rejects a class, an instance and other values with a TypeError that says what to pass', () => {
    expect(() => resolveVmaIndex(VmaList as unknown as () => VmaList)).toThrow(TypeError);
    expect(() => resolveVmaIndex(VmaList as unknown as () => VmaList)).toThrow(/\(ctx\) => new VmaList/);
    expect(() => resolveVmaIndex(new VmaList() as unknown as 'tree')).toThrow(/instance cannot be shared/);
    expect(() => resolveVmaIndex(42 as unknown as 'tree')).toThrow(TypeError);
  });

  it('wraps a user’s factory in CheckedVmaIndex (unless check: false) and never a built-in', () => {
    const user = resolveVmaIndex(() => new VmaList())({});
    expect(user).toBeInstanceOf(CheckedVmaIndex);
    expect(resolveVmaIndex(() => new VmaList(), { check: false })({})).toBeInstanceOf(VmaList);
    expect(resolveVmaIndex('list')({})).toBeInstanceOf(VmaList);
    const set = new VmaSet({ index: user });
    set.insertAndMerge(vma(10, 20));
    set.removeRange(12, 14);
    expect([...set].map((v) => `${v.start}-${v.end}`)).toEqual(['10-12', '14-20']);
  });
});

describe('PLACEMENTS / resolvePlacement', () => {
  const ctx = { taskSize: 0x40000, mmapBase: 0x3f000 };
  it('maps the built-in names to the policies, bottom-up from TASK_UNMAPPED_BASE = ceil(taskSize / 3)', () => {
    expect(Object.keys(PLACEMENTS).sort()).toEqual(['bottomup', 'topdown']);
    const td = resolvePlacement('topdown', ctx);
    const bu = resolvePlacement('bottomup', ctx);
    expect(td).toBeInstanceOf(TopDownPlacement);
    expect(bu).toBeInstanceOf(BottomUpPlacement);
    expect((bu as BottomUpPlacement).base).toBe(Math.ceil(0x40000 / 3));
    expect((td as TopDownPlacement).fallbackBase).toBe(Math.ceil(0x40000 / 3));
    const idx = new VmaTree();
    expect(td.place(idx, { length: 4 })).toBe(0x3f000 - 4);
    expect(bu.place(idx, { length: 4 })).toBe(Math.ceil(0x40000 / 3));
  });
  it('passes instances through, calls factories, rejects unknown names and classes', () => {
    const p = new BottomUpPlacement({ taskSize: 100 });
    expect(resolvePlacement(p, ctx)).toBe(p);
    expect(resolvePlacement((c) => new BottomUpPlacement({ taskSize: c.taskSize }), ctx)).toBeInstanceOf(
      BottomUpPlacement,
    );
    expect(() => resolvePlacement('legacy' as 'topdown', ctx)).toThrow(/known: "topdown", "bottomup"/);
    expect(() => resolvePlacement(BottomUpPlacement as unknown as 'topdown', ctx)).toThrow(TypeError);
    expect(() => resolvePlacement({} as unknown as 'topdown', ctx)).toThrow(TypeError);
  });
});

describe('CheckedVmaIndex', () => {
  const contract = (f: () => unknown, rule: RegExp) => {
    let err: unknown;
    try {
      f();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PluginContractError);
    expect((err as PluginContractError).plugin).toBe('VmaIndex list');
    expect((err as PluginContractError).rule).toMatch(rule);
  };

  it('passes a correct index through unchanged, errors included', () => {
    const c = new CheckedVmaIndex(new VmaTree());
    const a = vma(10, 20);
    c.insert(a);
    expect(() => c.insert(vma(15, 25))).toThrow(VmaIndexError);
    expect(c.find(15)).toBe(a);
    expect(c.findGapTopDown({ length: 5, low: 0, high: 30, alignMask: 0, alignOffset: 0 })).toBe(25);
    c.remove(a);
    expect(c.size).toBe(0);
  });

  it('names the index and the rule: a lookup answer that does not contain the page', () => {
    class Lying extends VmaList {
      override find(vpn: number): Vma | undefined {
        return super.find(vpn) ?? super.first();
      }
    }
    const c = new CheckedVmaIndex(new Lying());
    c.insert(vma(10, 20));
    contract(() => c.find(30), /find\(30\) returns a VMA containing it/);
  });

  it('an insert that is not found afterwards, and an overlapping insert that is accepted', () => {
    class Forgetful extends VmaList {
      override insert(v: Vma): void {
        if (v.start !== 50) super.insert(v);
      }
    }
    const c = new CheckedVmaIndex(new Forgetful());
    contract(() => c.insert(vma(50, 60)), /grows size by one/);
    class Careless extends VmaList {
      override insert(v: Vma): void {
        // No overlap check.
        (this as unknown as { items: Vma[] }).items.push(v);
        v.indexSlot = {};
      }
    }
    const d = new CheckedVmaIndex(new Careless());
    d.insert(vma(10, 20));
    contract(() => d.insert(vma(15, 25)), /overlaps an existing VMA, throws VmaIndexError/);
  });

  it('a remove that does not remove', () => {
    class Sticky extends VmaList {
      override remove(_v: Vma): void {}
    }
    const c = new CheckedVmaIndex(new Sticky());
    const a = vma(10, 20);
    c.insert(a);
    contract(() => c.remove(a), /shrinks size by one/);
  });

  it('a gap that is not free, and a rejected insert that changed the index', () => {
    class BadGap extends VmaList {
      override findGapTopDown(): number {
        return 12;
      }
    }
    const c = new CheckedVmaIndex(new BadGap());
    c.insert(vma(10, 20));
    contract(
      () => c.findGapTopDown({ length: 2, low: 0, high: 100, alignMask: 0, alignOffset: 0 }),
      /free area/,
    );
    class HalfInsert extends VmaList {
      override insert(v: Vma): void {
        super.insert(v);
        if (v.start === 30) throw new VmaIndexError('nope');
      }
    }
    const d = new CheckedVmaIndex(new HalfInsert());
    contract(() => d.insert(vma(30, 40)), /rejected insert leaves the index unchanged/);
  });
});
