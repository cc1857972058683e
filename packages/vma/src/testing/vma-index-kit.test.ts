import { assertContract } from '@pagewright/core/testing';
import { describe, expect, it } from 'vitest';
import { CheckedVmaIndex } from '../checked-vma-index.js';
import { scanGapBottomUp, scanGapTopDown } from '../index-scan.js';
import { VMA_INDEXES } from '../registry.js';
import type { Vma } from '../vma.js';
import { VmaBTree } from '../vma-btree.js';
import { type GapQuery, type VmaIndex, VmaIndexError } from '../vma-index.js';
import { VmaList } from '../vma-list.js';
import { VmaTreap } from '../vma-treap.js';
import { VmaTree } from '../vma-tree.js';
import { checkVmaIndex, VMA_INDEX_RULES, type VmaIndexKitFactory } from './vma-index-kit.js';

describe.each<[string, VmaIndexKitFactory]>([
  ['VmaTree', (c) => new VmaTree(c)],
  ['VmaBTree', (c) => new VmaBTree(c)],
  ['VmaTreap', (c) => new VmaTreap(c)],
  ['VmaList', (c) => new VmaList(c)],
  ['CheckedVmaIndex(VmaTree)', (c) => new CheckedVmaIndex(new VmaTree(c))],
  ...Object.entries(VMA_INDEXES).map(([n, f]): [string, VmaIndexKitFactory] => [`VMA_INDEXES.${n}`, f]),
])('the VmaIndex kit passes %s', (name, factory) => {
  it('keeps every rule', () => {
    const report = checkVmaIndex(factory, { name });
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(VMA_INDEX_RULES.map((r) => r.id));
    assertContract(report);
  });
});

/** Rule k of the kit works in pages [zone(k), zone(k + 1)). */
const zone = (k: number): number => (k + 1) * 0x100000;
const inZone = (k: number, vpn: number): boolean => vpn >= zone(k) && vpn < zone(k + 1);
const ruleIndex = (id: string): number => VMA_INDEX_RULES.findIndex((r) => r.id === id);

/** The list's private array, for the broken variants. */
const itemsOf = (l: VmaList): Vma[] => (l as unknown as { items: Vma[] }).items;
const sorted = (l: VmaList): Vma[] => [...itemsOf(l)].sort((a, b) => a.start - b.start);

/** One deliberately broken index per rule: each breaks exactly the rule it is filed under. */
const BROKEN: Record<string, VmaIndexKitFactory> = {
  empty: (c) =>
    new (class extends VmaList {
      override findGapBottomUp(q: GapQuery): number {
        return this.size === 0 ? q.low + 1 : super.findGapBottomUp(q);
      }
    })(c),
  'stack-guard-gap': () => new VmaList(), // ignores the guard gap it is asked for
  find: (c) =>
    new (class extends VmaList {
      override find(vpn: number): Vma | undefined {
        if (!inZone(ruleIndex('find'), vpn)) return super.find(vpn);
        return itemsOf(this).find((v) => vpn >= v.start && vpn <= v.end); // one past the end too
      }
    })(c),
  ordered: (c) =>
    new (class extends VmaList {
      override *iterateFrom(vpn: number): IterableIterator<Vma> {
        const items = itemsOf(this);
        if (items[0] !== undefined && inZone(ruleIndex('ordered'), items[0].start)) {
          for (const v of items) if (v.end > vpn) yield v; // insertion order
        } else yield* super.iterateFrom(vpn);
      }
    })(c),
  'find-from': (c) =>
    new (class extends VmaList {
      override findFrom(vpn: number): Vma | undefined {
        return inZone(ruleIndex('find-from'), vpn) ? this.find(vpn) : super.findFrom(vpn); // misses across holes
      }
    })(c),
  'iterate-from': (c) =>
    new (class extends VmaList {
      override *iterateFrom(vpn: number): IterableIterator<Vma> {
        const all = [...super.iterateFrom(vpn)];
        yield* inZone(ruleIndex('iterate-from'), vpn) ? all.slice(1) : all;
      }
    })(c),
  intersecting: (c) =>
    new (class extends VmaList {
      override findFirstIntersecting(start: number, end: number): Vma | undefined {
        // Only the VMA containing `start`: misses one starting inside the range.
        return inZone(ruleIndex('intersecting'), start)
          ? this.find(start)
          : super.findFirstIntersecting(start, end);
      }
    })(c),
  neighbours: (c) =>
    new (class extends VmaList {
      override nextOf(vma: Vma): Vma | undefined {
        const n = super.nextOf(vma);
        return inZone(ruleIndex('neighbours'), vma.start) && n !== undefined && n.start > vma.end
          ? undefined
          : n;
      }
    })(c),
  'insert-overlap': (c) =>
    new (class extends VmaList {
      override conflicts(start: number, end: number): boolean {
        return inZone(ruleIndex('insert-overlap'), start) ? false : super.conflicts(start, end);
      }
    })(c),
  'insert-twice': (c) =>
    new (class extends VmaList {
      override insert(vma: Vma): void {
        if (inZone(ruleIndex('insert-twice'), vma.start)) vma.indexSlot = null; // steals it from its index
        super.insert(vma);
      }
    })(c),
  'remove-foreign': (c) =>
    new (class extends VmaList {
      override remove(vma: Vma): void {
        if (inZone(ruleIndex('remove-foreign'), vma.start) && !itemsOf(this).includes(vma)) return;
        super.remove(vma);
      }
    })(c),
  'neighbours-foreign': (c) =>
    new (class extends VmaList {
      override prevOf(vma: Vma): Vma | undefined {
        if (inZone(ruleIndex('neighbours-foreign'), vma.start) && !itemsOf(this).includes(vma))
          return undefined;
        return super.prevOf(vma);
      }
      override nextOf(vma: Vma): Vma | undefined {
        if (inZone(ruleIndex('neighbours-foreign'), vma.start) && !itemsOf(this).includes(vma))
          return undefined;
        return super.nextOf(vma);
      }
    })(c),
  remove: (c) =>
    new (class extends VmaList {
      override remove(vma: Vma): void {
        const slot = vma.indexSlot;
        super.remove(vma);
        if (inZone(ruleIndex('remove'), vma.start)) vma.indexSlot = slot; // a stale handle
      }
    })(c),
  clear: (c) =>
    new (class extends VmaList {
      override clear(): void {
        const items = itemsOf(this);
        if (items[0] !== undefined && inZone(ruleIndex('clear'), items[0].start)) items.length = 0;
        else super.clear();
      }
    })(c),
  updated: (c) =>
    new (class extends VmaBTree {
      override updated(vma: Vma): void {
        if (!inZone(ruleIndex('updated'), vma.start)) super.updated(vma);
      }
    })(c),
  'gap-top-down': (c) =>
    new (class extends VmaList {
      override findGapTopDown(q: GapQuery): number {
        return super.findGapTopDown(inZone(ruleIndex('gap-top-down'), q.low) ? { ...q, alignMask: 0 } : q);
      }
    })(c),
  'gap-bottom-up': (c) =>
    new (class extends VmaList {
      override findGapBottomUp(q: GapQuery): number {
        return super.findGapBottomUp(inZone(ruleIndex('gap-bottom-up'), q.low) ? { ...q, alignMask: 0 } : q);
      }
    })(c),
  'gap-guard': (c) =>
    new (class extends VmaList {
      private guarded(q: GapQuery): boolean {
        return !(q.high < zone(0) || inZone(ruleIndex('gap-guard'), q.low));
      }
      override findGapTopDown(q: GapQuery): number {
        return this.guarded(q) ? super.findGapTopDown(q) : scanGapTopDown(sorted(this), 0, q); // no guard gap
      }
      override findGapBottomUp(q: GapQuery): number {
        return this.guarded(q) ? super.findGapBottomUp(q) : scanGapBottomUp(sorted(this), 0, q);
      }
    })(c),
  scale: (c) =>
    new (class extends VmaList {
      override find(vpn: number): Vma | undefined {
        const v = super.find(vpn);
        // Loses the upper pages of VMAs once the index is large (the B+tree's stale-separator failure).
        return this.size > 100 && v !== undefined && vpn > v.start ? undefined : v;
      }
    })(c),
};

describe('the VmaIndex kit can fail', () => {
  it('has one broken index per rule', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(VMA_INDEX_RULES.map((r) => r.id).sort());
  });

  it.each(Object.keys(BROKEN))('names exactly the rule %s when only it is broken', (rule) => {
    const report = checkVmaIndex(BROKEN[rule] as VmaIndexKitFactory, { name: `broken-${rule}` });
    expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    expect(() => assertContract(report)).toThrow(new RegExp(`broken-${rule}[\\s\\S]*${rule}`));
  });

  it('fails every rule for a factory that returns no index', () => {
    const report = checkVmaIndex(() => null as unknown as VmaIndex);
    expect(report.failed).toHaveLength(VMA_INDEX_RULES.length);
  });

  it('reports a thrown non-VmaIndexError as the rule’s failure', () => {
    const report = checkVmaIndex(
      (c) =>
        new (class extends VmaList {
          override insert(vma: Vma): void {
            if (vma.indexSlot !== null) throw new TypeError('already indexed');
            super.insert(vma);
          }
        })(c),
      { only: ['insert-twice'] },
    );
    expect(report.failed[0]?.message).toMatch(/expected a VmaIndexError, threw TypeError/);
    expect(VmaIndexError).toBeDefined();
  });
});
