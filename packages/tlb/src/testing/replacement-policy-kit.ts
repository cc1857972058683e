/**
 * The contract kit of {@link ReplacementPolicy}: {@link checkReplacementPolicy} plays the TLB's part against policies
 * made from your spec and reports which rules of the interface's TSDoc hold.
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkReplacementPolicy } from '@pagewright/tlb/testing';
 * assertContract(checkReplacementPolicy(() => new MyPolicy(), { name: 'mine' }));
 * ```
 *
 * @module
 */

import { createRng, type Rng } from '@pagewright/core';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  type KitOptions,
  RuleFailure,
  runContract,
} from '@pagewright/core/testing';
import { type ReplacementPolicyName, resolveReplacementPolicy } from '../policy-registry.js';
import type { ReplacementPolicy, ReplacementPolicyContext } from '../replacement-policy.js';

/** How the kit gets fresh policies: a built-in name or a factory (called once per policy the kit needs). */
export type ReplacementPolicyKitSubject =
  | ReplacementPolicyName
  | (string & {})
  | ((context: ReplacementPolicyContext) => ReplacementPolicy);

/** Power-of-two geometries every policy must accept (`[sets, ways]`). */
const GEOMETRIES: readonly (readonly [number, number])[] = [
  [1, 1],
  [1, 2],
  [1, 8],
  [16, 4],
  [4, 16],
  [64, 2],
];
/** Geometries a policy may refuse (with a RangeError only). */
const ODD_GEOMETRIES: readonly (readonly [number, number])[] = [
  [4, 3],
  [2, 5],
  [1, 7],
];
const SEED = 7;

/**
 * A generator the kit can rewind to its seed: a policy's randomness then replays exactly in each phase of a rule
 * (a policy keeps the `Rng` it was given, so rewinding is done behind it).
 */
class RewindableRng implements Rng {
  private inner: Rng = createRng(SEED);
  rewind(): void {
    this.inner = createRng(SEED);
  }
  nextU32(): number {
    return this.inner.nextU32();
  }
  nextFloat(): number {
    return this.inner.nextFloat();
  }
  nextInt(bound: number): number {
    return this.inner.nextInt(bound);
  }
  fork(): Rng {
    return this.inner.fork();
  }
}

interface Made {
  readonly policy: ReplacementPolicy;
  readonly rng: RewindableRng;
}

/** A fresh policy for `sets × ways`, attached. */
function make(subject: ReplacementPolicyKitSubject, sets: number, ways: number): Made {
  const rng = new RewindableRng();
  const policy = resolveReplacementPolicy(subject, { sets, ways, rng });
  ensure(typeof policy === 'object' && policy !== null, `the spec gave ${String(policy)}, not a policy`);
  policy.attach(sets, ways);
  return { policy, rng };
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** One step of a seeded call sequence. */
type Step = readonly [op: 0 | 1 | 2, set: number, way: number];

/** Fills every way of every set, in order (what a TLB does before a set is full). */
function fillAll(sets: number, ways: number): Step[] {
  const steps: Step[] = [];
  for (let set = 0; set < sets; set++) for (let w = 0; w < ways; w++) steps.push([1, set, w]);
  return steps;
}

/**
 * A seeded sequence of `n` touch (0), fill (1) and victim (2) calls over `sets × ways`, after {@link fillAll}
 * (so every way it touches or asks a victim for was filled, as in a TLB).
 */
function sequence(seed: number, sets: number, ways: number, n: number, victims = true): Step[] {
  const r = createRng(seed);
  const steps: Step[] = fillAll(sets, ways);
  for (let i = 0; i < n; i++) {
    const op = r.nextInt(victims ? 3 : 2) as 0 | 1 | 2;
    steps.push([op, r.nextInt(sets), r.nextInt(ways)]);
  }
  return steps;
}

/** Runs `steps` and returns the victims, in order. */
function play(p: ReplacementPolicy, steps: readonly Step[]): number[] {
  const victims: number[] = [];
  for (const [op, set, way] of steps) {
    if (op === 0) p.touch(set, way);
    else if (op === 1) p.fill(set, way);
    else victims.push(p.victim(set));
  }
  return victims;
}

function sameVictims(a: number[], b: number[], what: string): void {
  const i = a.findIndex((v, k) => v !== b[k]);
  ensure(
    i < 0 && a.length === b.length,
    `${what}: victim #${i} is ${String(b[i])}, expected ${String(a[i])} (the same calls were made)`,
  );
}

/** Every rule of the {@link ReplacementPolicy} contract, in the order the interface's TSDoc states them. */
export const REPLACEMENT_POLICY_RULES: readonly ContractRule<ReplacementPolicyKitSubject>[] = [
  {
    id: 'name',
    text: 'name is a non-empty string',
    check(subject) {
      const { policy } = make(subject, 1, 1);
      ensure(typeof policy.name === 'string' && policy.name.length > 0, `name is ${String(policy.name)}`);
    },
  },
  {
    id: 'attach-geometry',
    text:
      'attach accepts every power-of-two geometry, and refuses another only with a RangeError; attaching again ' +
      're-sizes the policy',
    check(subject) {
      for (const [sets, ways] of GEOMETRIES) {
        try {
          make(subject, sets, ways);
        } catch (e) {
          throw new RuleFailure(`attach(${sets}, ${ways}) threw ${describeError(e)}`);
        }
      }
      for (const [sets, ways] of ODD_GEOMETRIES) {
        try {
          make(subject, sets, ways);
        } catch (e) {
          ensure(
            e instanceof RangeError,
            `attach(${sets}, ${ways}) threw ${describeError(e)}, not a RangeError`,
          );
        }
      }
      const { policy } = make(subject, 1, 2);
      try {
        policy.attach(8, 8);
        policy.fill(7, 7);
        policy.victim(7);
      } catch (e) {
        throw new RuleFailure(
          `after attach(1, 2) then attach(8, 8), way 7 of set 7 threw ${describeError(e)}`,
        );
      }
    },
  },
  {
    id: 'victim-in-range',
    text: 'victim(set) is an integer way in [0, ways), for every set, whatever was filled before',
    check(subject) {
      for (const [sets, ways] of GEOMETRIES) {
        const { policy } = make(subject, sets, ways);
        const steps = sequence(sets * 31 + ways, sets, ways, 400).filter(([op]) => op !== 0);
        for (let set = 0; set < sets; set++) for (let w = 0; w < ways; w++) policy.fill(set, w);
        for (const [op, set, way] of steps) {
          if (op === 1) {
            policy.fill(set, way);
            continue;
          }
          const v = policy.victim(set);
          ensure(
            Number.isInteger(v) && v >= 0 && v < ways,
            `${sets}x${ways}: victim(${set}) = ${String(v)}, not a way in [0, ${ways})`,
          );
        }
      }
    },
  },
  {
    id: 'hot-paths-never-throw',
    text:
      'touch, fill and victim never throw for a set in [0, sets) and a way in [0, ways), even before the way was ' +
      'filled',
    check(subject) {
      for (const [sets, ways] of GEOMETRIES) {
        const { policy } = make(subject, sets, ways);
        for (let set = 0; set < sets; set++) {
          for (let w = 0; w < ways; w++) {
            try {
              policy.touch(set, w);
              policy.victim(set);
              policy.fill(set, w);
              policy.touch(set, w);
              policy.victim(set);
            } catch (e) {
              throw new RuleFailure(`${sets}x${ways}, set ${set}, way ${w}: ${describeError(e)}`);
            }
          }
        }
      }
    },
  },
  {
    id: 'replays',
    text: 'two policies given the same calls (and the same seed) choose the same victims',
    check(subject) {
      for (const [sets, ways] of GEOMETRIES) {
        const steps = sequence(sets + 97 * ways, sets, ways, 600);
        const a = play(make(subject, sets, ways).policy, steps);
        const b = play(make(subject, sets, ways).policy, steps);
        sameVictims(a, b, `${sets}x${ways}`);
      }
    },
  },
  {
    id: 'reset',
    text: 'after reset() the policy chooses as it did right after attach, whatever came between',
    check(subject) {
      for (const [sets, ways] of GEOMETRIES) {
        const { policy, rng } = make(subject, sets, ways);
        // Fills and victims only, on a fresh policy: what a stale state would change.
        const steps = sequence(sets * 5 + ways, sets, ways, 300)
          .slice(sets * ways)
          .filter(([op]) => op !== 0);
        const first = play(policy, steps);
        play(policy, sequence(11, sets, ways, 300));
        policy.reset();
        rng.rewind();
        sameVictims(first, play(policy, steps), `${sets}x${ways} after reset()`);
      }
    },
  },
  {
    id: 'sets-independent',
    text: "a set's victims depend only on the calls made for that set (sets are independent)",
    check(subject) {
      for (const [sets, ways] of GEOMETRIES) {
        if (sets < 2) continue;
        const own = sequence(sets * 3 + ways, 1, ways, 200).map(([op, , way]) => [op, 1, way] as const);
        const others = sequence(ways, sets, ways, 200, false).filter(([, set]) => set !== 1);
        const mixed: Step[] = [];
        own.forEach((step, k) => {
          mixed.push(step);
          const other = others[k];
          if (other !== undefined) mixed.push(other);
        });
        // One instance, attached afresh (and its randomness rewound) for each of the two runs.
        const { policy, rng } = make(subject, sets, ways);
        const alone = play(policy, own);
        policy.attach(sets, ways);
        rng.rewind();
        sameVictims(alone, play(policy, mixed), `${sets}x${ways}, set 1 with other sets busy`);
      }
    },
  },
];

/**
 * Runs every {@link REPLACEMENT_POLICY_RULES} rule on policies made from `subject` (a built-in name, or a factory
 * called once per policy with `{ sets, ways, rng }`; the `rng` is seeded, and rewound by the kit where a rule
 * replays a sequence). Never throws for a broken rule: read the report, or pass it to `assertContract`.
 */
export function checkReplacementPolicy(
  subject: ReplacementPolicyKitSubject,
  options: KitOptions = {},
): ContractReport {
  return runContract('ReplacementPolicy', REPLACEMENT_POLICY_RULES, subject, options);
}
