/** The README's kit and registry examples, as written there (keeps the README true). */
import { assertContract } from '@pagewright/core/testing';
import { checkPlacementPolicy, checkVmaIndex } from '@pagewright/vma/testing';
import { describe, expect, it } from 'vitest';
import { resolvePlacement, resolveVmaIndex } from './registry.js';
import { VmaList } from './vma-list.js';
import { VmaSet } from './vma-set.js';

describe('README examples', () => {
  it('runs a kit from a user test', () => {
    class MyIndex extends VmaList {}
    assertContract(
      checkVmaIndex(({ stackGuardGap }) => new MyIndex({ stackGuardGap }), { name: 'my-index' }),
    );
    const report = checkPlacementPolicy(() => ({ name: 'never', place: () => -1 }), { name: 'never' });
    expect(report.failed.map((f) => f.rule)).toEqual(['finds-space', 'hint', 'bad-request']);
  });

  it('resolves options through the registry', () => {
    const makeIndex = resolveVmaIndex('btree');
    const set = new VmaSet({ index: makeIndex({ stackGuardGap: 256 }) });
    const placement = resolvePlacement('topdown', { taskSize: 0x4000000, mmapBase: 0x3f00000 });
    expect([set.index.name, placement.name]).toEqual(['btree', 'top-down']);
  });
});
