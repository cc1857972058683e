import { assertContract, ContractViolationError } from '@pagewright/core/testing';
import { describe, expect, it } from 'vitest';
import { FifoPolicy } from '../fifo-policy.js';
import { LruPolicy } from '../lru-policy.js';
import type { ReplacementPolicy } from '../replacement-policy.js';
import { checkReplacementPolicy, REPLACEMENT_POLICY_RULES } from './replacement-policy-kit.js';

let instances = 0;

/** One deliberately broken policy per rule: each breaks exactly the rule it is filed under. */
const BROKEN: Record<string, () => ReplacementPolicy> = {
  name: () =>
    new (class extends LruPolicy {
      override readonly name = '' as 'lru';
    })(),
  'attach-geometry': () =>
    new (class extends LruPolicy {
      override attach(sets: number, ways: number): void {
        if ((ways & (ways - 1)) !== 0) throw new TypeError('odd ways');
        super.attach(sets, ways);
      }
    })(),
  'victim-in-range': () =>
    new (class extends FifoPolicy {
      private w = 1;
      override attach(sets: number, ways: number): void {
        this.w = ways;
        super.attach(sets, ways);
      }
      // Off by one on the last way.
      override victim(set: number): number {
        const v = super.victim(set);
        return v === this.w - 1 ? this.w : v;
      }
    })(),
  'hot-paths-never-throw': () =>
    new (class extends LruPolicy {
      private filled = new Set<number>();
      override attach(sets: number, ways: number): void {
        this.filled = new Set();
        super.attach(sets, ways);
      }
      override fill(set: number, way: number): void {
        this.filled.add(set * 4096 + way);
        super.fill(set, way);
      }
      // Throws when a way is touched before it was ever filled.
      override touch(set: number, way: number): void {
        if (!this.filled.has(set * 4096 + way))
          throw new RangeError(`way ${way} of set ${set} was never filled`);
        super.touch(set, way);
      }
    })(),
  replays: () =>
    new (class extends FifoPolicy {
      // Each instance favours a different way: the same calls give different victims in two instances.
      private readonly salt = instances++ % 2;
      private w = 1;
      override attach(sets: number, ways: number): void {
        this.w = ways;
        super.attach(sets, ways);
      }
      override victim(set: number): number {
        return (super.victim(set) + this.salt) % this.w;
      }
    })(),
  reset: () =>
    new (class extends FifoPolicy {
      override reset(): void {}
    })(),
  'sets-independent': () =>
    new (class implements ReplacementPolicy {
      readonly name = 'way-fifo';
      private stamps = new Float64Array(1);
      private clock = 0;
      // Stamps per way, shared by every set.
      attach(_sets: number, ways: number): void {
        this.stamps = new Float64Array(ways);
        this.clock = 0;
      }
      touch(): void {}
      fill(_set: number, way: number): void {
        this.stamps[way] = ++this.clock;
      }
      victim(): number {
        let best = 0;
        for (let w = 1; w < this.stamps.length; w++) {
          if ((this.stamps[w] as number) < (this.stamps[best] as number)) best = w;
        }
        return best;
      }
      reset(): void {
        this.stamps.fill(0);
        this.clock = 0;
      }
    })(),
};

describe('ReplacementPolicy contract kit', () => {
  it('has one broken policy per rule', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(REPLACEMENT_POLICY_RULES.map((r) => r.id).sort());
  });

  it.each(Object.keys(BROKEN))('names exactly the rule %s when only it is broken', (rule) => {
    const report = checkReplacementPolicy(BROKEN[rule] as () => ReplacementPolicy, { name: rule });
    expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    expect(() => assertContract(report)).toThrow(ContractViolationError);
  });

  it('passes a policy given as a factory', () => {
    const report = checkReplacementPolicy(() => new LruPolicy(), { name: 'lru factory' });
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(REPLACEMENT_POLICY_RULES.map((r) => r.id));
  });
});
