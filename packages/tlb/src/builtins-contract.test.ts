import { createRng } from '@pagewright/core';
import { assertContract, checkTlb } from '@pagewright/core/testing';
import { describe, it } from 'vitest';
import { NoTlb } from './no-tlb.js';
import { REPLACEMENT_POLICY_NAMES } from './policy-registry.js';
import { SetAssociativeTlb } from './set-associative-tlb.js';
import { checkReplacementPolicy } from './testing/index.js';
import { parseTlbSpec } from './tlb-spec.js';

/** Geometries covering fully associative, direct-mapped and in-between TLBs. */
const GEOMETRIES = [
  { sets: 1, ways: 8 },
  { sets: 16, ways: 4 },
  { sets: 64, ways: 1 },
  { sets: 4, ways: 2 },
] as const;

describe('the built-in TLBs keep the core Tlb contract', () => {
  for (const policy of REPLACEMENT_POLICY_NAMES) {
    for (const { sets, ways } of GEOMETRIES) {
      it(`SetAssociativeTlb ${sets}x${ways}:${policy}`, () => {
        assertContract(
          checkTlb(() => new SetAssociativeTlb({ sets, ways, policy, rng: createRng(3) }), {
            name: `${sets}x${ways}:${policy}`,
            maxLevel: 4,
          }),
        );
      });
    }
  }
  it('NoTlb, and the TLBs parseTlbSpec builds', () => {
    assertContract(checkTlb(() => new NoTlb(), { name: 'NoTlb' }));
    for (const spec of ['off', '16x4:lru', '1x64:fifo', '8x8:plru', '32x2:random']) {
      assertContract(checkTlb(() => parseTlbSpec(spec), { name: spec }));
    }
  });
});

describe('the built-in replacement policies keep the ReplacementPolicy contract', () => {
  it.each(REPLACEMENT_POLICY_NAMES)('%s', (name) => {
    assertContract(checkReplacementPolicy(name, { name }));
  });
});
