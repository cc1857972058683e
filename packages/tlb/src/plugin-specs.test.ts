import {
  createRng,
  type HartPluginContext,
  PluginContractError,
  PteFlag,
  TLB_MISS,
  type Tlb,
} from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { LruPolicy } from './lru-policy.js';
import { NoTlb } from './no-tlb.js';
import {
  BUILTIN_REPLACEMENT_POLICIES,
  REPLACEMENT_POLICY_NAMES,
  resolveReplacementPolicy,
} from './policy-registry.js';
import type { ReplacementPolicy } from './replacement-policy.js';
import { SetAssociativeTlb } from './set-associative-tlb.js';
import { resolveTlb } from './tlb-spec.js';

const RW = PteFlag.Read | PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty;

/** A policy whose victim is always `answer`. */
function fixedVictim(answer: number): ReplacementPolicy {
  return {
    name: `always-${answer}`,
    attach() {},
    touch() {},
    fill() {},
    victim: () => answer,
    reset() {},
  };
}

function context(hartIndex: number): HartPluginContext {
  return { hartIndex, rng: createRng(5) } as unknown as HartPluginContext;
}

describe('replacement policy as a plug-in', () => {
  it('the registry names every built-in, and REPLACEMENT_POLICY_NAMES follows it', () => {
    expect(REPLACEMENT_POLICY_NAMES).toEqual(Object.keys(BUILTIN_REPLACEMENT_POLICIES));
    for (const name of REPLACEMENT_POLICY_NAMES) {
      const p = resolveReplacementPolicy(name, { sets: 2, ways: 2, rng: createRng(1) });
      expect(p.name).toBe(name);
    }
  });

  it('takes a name, an instance or a factory called once per TLB with its geometry', () => {
    const mine = new LruPolicy();
    expect(new SetAssociativeTlb({ sets: 2, ways: 2, policy: mine }).policy).toBe(mine);
    const calls: [number, number][] = [];
    const tlb = new SetAssociativeTlb({
      sets: 8,
      ways: 2,
      policy: (ctx) => {
        calls.push([ctx.sets, ctx.ways]);
        return new LruPolicy();
      },
    });
    expect(calls).toEqual([[8, 2]]);
    expect(tlb.policy.name).toBe('lru');
    expect(new SetAssociativeTlb({ sets: 1, ways: 2, policy: 'plru' }).policy.name).toBe('plru');
  });

  it('refuses a class, a non-policy from a factory, an unknown name, and an instance already in use', () => {
    expect(() => new SetAssociativeTlb({ sets: 1, ways: 2, policy: LruPolicy as never })).toThrow(
      /not a factory/,
    );
    expect(() => new SetAssociativeTlb({ sets: 1, ways: 2, policy: () => ({ name: 'x' }) as never })).toThrow(
      PluginContractError,
    );
    expect(() => new SetAssociativeTlb({ sets: 1, ways: 2, policy: 'mru' })).toThrow(
      /unknown TLB replacement/,
    );
    const shared = new LruPolicy();
    new SetAssociativeTlb({ sets: 1, ways: 2, policy: shared });
    expect(() => new SetAssociativeTlb({ sets: 1, ways: 2, policy: shared })).toThrow(
      /already serves another TLB/,
    );
  });

  it.each([2, -1, 0.5, Number.NaN])(
    'a victim of %s (outside the set) is a PluginContractError naming the policy, and the TLB is unchanged',
    (answer) => {
      const tlb = new SetAssociativeTlb({ sets: 1, ways: 2, policy: fixedVictim(answer) });
      tlb.insert(10, 1, 0, 100, RW, false);
      tlb.insert(11, 1, 0, 101, RW, false);
      let error: unknown;
      try {
        tlb.insert(12, 1, 0, 102, RW, false);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PluginContractError);
      expect((error as PluginContractError).plugin).toBe(`ReplacementPolicy always-${answer}`);
      expect((error as Error).message).toMatch(/victim\(0\) returned/);
      expect(tlb.translate(tlb.lookup(10, 1), 10)).toBe(100);
      expect(tlb.translate(tlb.lookup(11, 1), 11)).toBe(101);
      expect(tlb.lookup(12, 1)).toBe(TLB_MISS);
      expect([tlb.stats.fills, tlb.stats.evictions]).toEqual([2, 0]);
    },
  );
});

describe('resolveTlb (the per-hart TLB PluginSpec)', () => {
  it('reads a spec string, passes an instance through, and calls a factory per hart', () => {
    const a = resolveTlb('4x2:fifo', context(0)) as SetAssociativeTlb;
    expect([a.sets, a.ways, a.policy.name]).toEqual([4, 2, 'fifo']);
    expect(resolveTlb('off', context(0))).toBeInstanceOf(NoTlb);
    const mine = new NoTlb();
    expect(resolveTlb(mine, context(0))).toBe(mine);
    const seen: number[] = [];
    const factory = (ctx: HartPluginContext): Tlb => {
      seen.push(ctx.hartIndex);
      return new SetAssociativeTlb({ sets: 1, ways: 1 + ctx.hartIndex });
    };
    expect(resolveTlb(factory, context(0)).capacity).toBe(1);
    expect(resolveTlb(factory, context(3)).capacity).toBe(4);
    expect(seen).toEqual([0, 3]);
  });

  it('refuses bad specs with a clear error', () => {
    expect(() => resolveTlb('16x', context(0))).toThrow(RangeError);
    expect(() => resolveTlb(NoTlb as never, context(0))).toThrow(/not a factory/);
    expect(() => resolveTlb((() => 42) as never, context(1))).toThrow(PluginContractError);
    expect(() => resolveTlb({} as never, context(0))).toThrow(/spec string/);
  });
});
