import * as tlb from '@pagewright/tlb';
import { describe, expect, it } from 'vitest';
import * as sv39 from './index.js';

describe('@pagewright/sv39 re-exports the TLBs of @pagewright/tlb', () => {
  it('every moved name is the very same object', () => {
    const moved = [
      'SetAssociativeTlb',
      'NoTlb',
      'parseTlbSpec',
      'resolveTlb',
      'LruPolicy',
      'FifoPolicy',
      'RandomPolicy',
      'TreePlruPolicy',
      'createReplacementPolicy',
      'resolveReplacementPolicy',
      'REPLACEMENT_POLICY_NAMES',
      'BUILTIN_REPLACEMENT_POLICIES',
    ] as const;
    const fromSv39 = sv39 as Record<string, unknown>;
    const fromTlb = tlb as Record<string, unknown>;
    for (const name of moved) {
      expect(fromSv39[name], name).toBeDefined();
      expect(fromSv39[name], name).toBe(fromTlb[name]);
    }
  });
});
