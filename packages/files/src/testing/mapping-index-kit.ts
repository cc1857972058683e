/**
 * The contract kit of {@link MappingIndex}: {@link checkMappingIndex} runs every rule of the interface's TSDoc on
 * indexes made by your factory and reports which hold.
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkMappingIndex } from '@pagewright/files/testing';
 * assertContract(checkMappingIndex(() => new MyIntervalTree(), { name: 'mine' }));
 * ```
 *
 * @module
 */

import {
  type ContractReport,
  type ContractRule,
  ensure,
  ensureEqual,
  type KitOptions,
  RuleFailure,
  runContract,
} from '@pagewright/core/testing';
import type { MappingIndex, MappingRange } from '../mapping-tree.js';

/** Makes an empty index whose handles are strings. */
export type MappingIndexFactory = () => MappingIndex<string>;

function fresh(factory: MappingIndexFactory): MappingIndex<string> {
  const index = factory();
  ensure(
    typeof index === 'object' && index !== null && typeof index.insert === 'function',
    `the factory returned ${String(index)}`,
  );
  ensureEqual(index.size, 0, 'size of a new index');
  return index;
}

/** A fixed layout: `a` [0,4), `b` [2,3), `c` [4,8) (touches `a`), `d` [2,10), `e` [20,30). */
function layout(factory: MappingIndexFactory): MappingIndex<string> {
  const index = fresh(factory);
  index.insert('a', 0, 4);
  index.insert('b', 2, 3);
  index.insert('c', 4, 8);
  index.insert('d', 2, 10);
  index.insert('e', 20, 30);
  return index;
}

const SPANS: Record<string, [number, number]> = { a: [0, 4], b: [2, 3], c: [4, 8], d: [2, 10], e: [20, 30] };

const handles = (rs: readonly MappingRange<string>[]): string => rs.map((r) => r.handle).join(',');
const sortedHandles = (rs: readonly MappingRange<string>[]): string =>
  rs
    .map((r) => r.handle)
    .sort()
    .join(',');

function throwsRange(f: () => unknown, what: string): void {
  try {
    f();
  } catch (e) {
    if (e instanceof RangeError) return;
    throw new RuleFailure(`${what}: expected a RangeError, threw ${e instanceof Error ? e.name : String(e)}`);
  }
  throw new RuleFailure(`${what}: expected a RangeError, returned normally`);
}

function members(index: MappingIndex<string>): string {
  return sortedHandles(index.overlapping(0, 1000));
}

/** Every rule of the {@link MappingIndex} contract. */
export const MAPPING_INDEX_RULES: readonly ContractRule<MappingIndexFactory>[] = [
  {
    id: 'insert-duplicate',
    text: 'inserting a handle already present throws RangeError and changes nothing',
    check(factory) {
      const index = layout(factory);
      throwsRange(() => index.insert('a', 50, 60), 'insert of a present handle');
      ensureEqual(
        sortedHandles(index.overlapping(50, 60)),
        '',
        'mappings over [50, 60) after the refused insert',
      );
      ensureEqual(
        sortedHandles(index.overlapping(0, 1)),
        'a',
        'mappings over [0, 1) after the refused insert',
      );
    },
  },
  {
    id: 'insert-bad-range',
    text: 'inserting an empty, negative or non-integer range throws RangeError and changes nothing',
    check(factory) {
      const index = layout(factory);
      throwsRange(() => index.insert('x', 5, 5), 'insert of an empty range');
      throwsRange(() => index.insert('x', 6, 5), 'insert of an inverted range');
      throwsRange(() => index.insert('x', -1, 5), 'insert of a negative range');
      throwsRange(() => index.insert('x', 1.5, 5), 'insert of a fractional range');
      ensureEqual(members(index), 'a,b,c,d,e', 'mappings after the refused inserts');
    },
  },
  {
    id: 'overlap-exact',
    text: 'overlapping(a, b) returns every mapping with firstPage < b && a < endPage, each once, and no other',
    check(factory) {
      const index = layout(factory);
      for (const [a, b] of [
        [0, 1],
        [3, 4],
        [4, 5],
        [8, 20],
        [9, 21],
        [0, 100],
        [30, 40],
        [2, 3],
      ] as const) {
        const want = Object.entries(SPANS)
          .filter(([, [s, e]]) => s < b && a < e)
          .map(([h]) => h)
          .sort()
          .join(',');
        ensureEqual(sortedHandles(index.overlapping(a, b)), want, `mappings over [${a}, ${b})`);
      }
    },
  },
  {
    id: 'overlap-order',
    text: 'overlapping results are ordered by firstPage, ties in insertion order',
    check(factory) {
      const index = layout(factory);
      ensureEqual(handles(index.overlapping(0, 1000)), 'a,b,d,c,e', 'order of every mapping');
    },
  },
  {
    id: 'empty-query',
    text: 'overlapping(a, b) with b <= a returns nothing',
    check(factory) {
      const index = layout(factory);
      ensureEqual(handles(index.overlapping(3, 3)), '', 'mappings over [3, 3)');
      ensureEqual(handles(index.overlapping(5, 2)), '', 'mappings over [5, 2)');
    },
  },
  {
    id: 'remove',
    text: 'remove(h) returns true and the mapping is gone from every query; a second remove(h) returns false',
    check(factory) {
      const index = layout(factory);
      ensureEqual(index.remove('d'), true, 'remove of a present handle');
      ensureEqual(members(index), 'a,b,c,e', 'mappings after the remove');
      ensureEqual(index.remove('d'), false, 'second remove');
      ensureEqual(index.remove('zz'), false, 'remove of a never-inserted handle');
    },
  },
  {
    id: 'update',
    text: 'update(h, a, b) moves a present mapping to [a, b) and returns true; an absent handle returns false',
    check(factory) {
      const index = layout(factory);
      ensureEqual(index.update('a', 40, 41), true, 'update of a present handle');
      ensure(
        !index.overlapping(0, 2).some((r) => r.handle === 'a'),
        'a still found over [0, 2) after moving it away',
      );
      ensureEqual(
        sortedHandles(index.overlapping(40, 41)),
        'a',
        'mappings over [40, 41) after moving a there',
      );
      ensureEqual(index.update('zz', 1, 2), false, 'update of an absent handle');
      ensureEqual(members(index), 'a,b,c,d,e', 'mappings after the refused update');
    },
  },
  {
    id: 'get',
    text: 'get(h) returns { handle, firstPage, endPage } of a present handle, undefined otherwise',
    check(factory) {
      const index = layout(factory);
      const c = index.get('c');
      ensure(c !== undefined, 'get of a present handle returned undefined');
      ensureEqual(`${c.handle} ${c.firstPage} ${c.endPage}`, 'c 4 8', 'get(c)');
      ensureEqual(index.get('zz'), undefined, 'get of an absent handle');
    },
  },
  {
    id: 'all',
    text: 'all() returns every mapping, ordered as overlapping',
    check(factory) {
      const index = layout(factory);
      ensureEqual(handles(index.all()), 'a,b,d,c,e', 'all()');
    },
  },
  {
    id: 'size',
    text: 'size counts the mappings present',
    check(factory) {
      const index = layout(factory);
      ensureEqual(index.size, 5, 'size after five inserts');
      index.remove('a');
      index.remove('a');
      ensureEqual(index.size, 4, 'size after removing one');
    },
  },
];

/** Runs every {@link MAPPING_INDEX_RULES} rule on indexes from `factory`. */
export function checkMappingIndex(factory: MappingIndexFactory, options: KitOptions = {}): ContractReport {
  return runContract('MappingIndex', MAPPING_INDEX_RULES, factory, options);
}
