import { assertContract } from '@pagewright/core/testing';
import { describe, expect, it } from 'vitest';
import {
  BottomUpPlacement,
  type PlacementPolicy,
  type PlacementRequest,
  TopDownPlacement,
} from '../placement.js';
import { PLACEMENTS, type PlacementContext } from '../registry.js';
import { Vma } from '../vma.js';
import type { VmaIndex } from '../vma-index.js';
import { checkPlacementPolicy, PLACEMENT_RULES, type PlacementKitFactory } from './placement-kit.js';

describe.each<[string, PlacementKitFactory]>([
  ['PLACEMENTS.topdown', PLACEMENTS.topdown],
  ['PLACEMENTS.bottomup', PLACEMENTS.bottomup],
  [
    'TopDownPlacement',
    (c) => new TopDownPlacement({ mmapBase: c.mmapBase, taskSize: c.taskSize, fallbackBase: c.unmappedBase }),
  ],
  ['BottomUpPlacement', (c) => new BottomUpPlacement({ taskSize: c.taskSize, base: c.unmappedBase })],
])('the PlacementPolicy kit passes %s', (name, factory) => {
  it('keeps every rule', () => {
    const report = checkPlacementPolicy(factory, { name });
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(PLACEMENT_RULES.map((r) => r.id));
    assertContract(report);
  });
});

/** A policy that answers like top-down after `adjust` changed the request or the answer. */
class Adjusted implements PlacementPolicy {
  readonly name: string = 'adjusted';
  protected readonly base: PlacementPolicy;
  constructor(
    ctx: PlacementContext,
    private readonly adjust: (base: PlacementPolicy, index: VmaIndex, req: PlacementRequest) => number,
  ) {
    this.base = PLACEMENTS.topdown(ctx);
  }
  place(index: VmaIndex, req: PlacementRequest): number {
    return this.adjust(this.base, index, req);
  }
}

const adjusted =
  (adjust: (base: PlacementPolicy, index: VmaIndex, req: PlacementRequest) => number): PlacementKitFactory =>
  (ctx) =>
    new Adjusted(ctx, adjust);

/** One deliberately broken policy per rule: each breaks exactly the rule it is filed under. */
const BROKEN: Record<string, PlacementKitFactory> = {
  name: (ctx) =>
    new (class extends Adjusted {
      override readonly name = '';
    })(ctx, (b, i, r) => b.place(i, r)),
  'free-area': adjusted((b, i, r) => {
    const a = b.place(i, r);
    const first = i.first();
    // An occupied page instead of a free one (only where a free area exists, unaligned, no hint).
    return a === -1 || r.hint || (r.alignPages ?? 1) > 1 || first === undefined || first.start < 0x10
      ? a
      : first.start;
  }),
  aligned: adjusted((b, i, r) => {
    const a = b.place(i, r);
    return a === -1 ? a : b.place(i, { ...r, alignPages: 1, alignOffset: 0 }); // ignores the alignment
  }),
  'finds-space': adjusted((b, i, r) => (r.length > 1000 ? -1 : b.place(i, r))),
  hint: adjusted((b, i, r) =>
    b.place(i, Number.isInteger(r.hint) && (r.hint as number) > 0 ? { ...r, hint: 0 } : r),
  ),
  'bad-request': adjusted((b, i, r) => (Number.isInteger(r.length) && r.length >= 1 ? b.place(i, r) : -1)),
  'no-mutation': (ctx) => {
    let touched = false;
    return new Adjusted(ctx, (b, i, r) => {
      // Leaves a page-0 VMA behind on its first call: below mmapMin, so no answer changes, but the index does.
      if (!touched && !i.conflicts(0, 1)) i.insert(new Vma({ start: 0, end: 1, flags: 0 }));
      touched = true;
      return b.place(i, r);
    });
  },
  deterministic: (ctx) => {
    let calls = 0;
    const other = PLACEMENTS.bottomup(ctx);
    return new Adjusted(ctx, (b, i, r) => (calls++ % 2 === 0 ? b : other).place(i, r));
  },
};

describe('the PlacementPolicy kit can fail', () => {
  it('has one broken policy per rule', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(PLACEMENT_RULES.map((r) => r.id).sort());
  });

  it.each(Object.keys(BROKEN))('names exactly the rule %s when only it is broken', (rule) => {
    const report = checkPlacementPolicy(BROKEN[rule] as PlacementKitFactory, { name: `broken-${rule}` });
    expect(report.failed.map((f) => f.rule)).toEqual([rule]);
  });
});
