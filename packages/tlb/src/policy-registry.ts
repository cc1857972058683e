/**
 * The built-in replacement policies by name ({@link BUILTIN_REPLACEMENT_POLICIES}), and
 * {@link resolveReplacementPolicy}, which turns a policy `PluginSpec` (a name, an instance or a factory) into the
 * instance a TLB uses.
 *
 * @module
 */

import {
  createRng,
  isClassConstructor,
  PluginContractError,
  type PluginSpec,
  type Rng,
} from '@pagewright/core';
import { FifoPolicy } from './fifo-policy.js';
import { LruPolicy } from './lru-policy.js';
import { RandomPolicy } from './random-policy.js';
import type { ReplacementPolicy, ReplacementPolicyContext } from './replacement-policy.js';
import { TreePlruPolicy } from './tree-plru-policy.js';

/**
 * Every built-in replacement policy: its name (as the `:POLICY` suffix of a TLB spec names it) and a factory of a
 * fresh instance for one TLB. Adding a built-in is one line here.
 */
export const BUILTIN_REPLACEMENT_POLICIES = {
  lru: () => new LruPolicy(),
  fifo: () => new FifoPolicy(),
  random: (context: ReplacementPolicyContext) => new RandomPolicy(context.rng),
  plru: () => new TreePlruPolicy(),
} as const satisfies Record<string, (context: ReplacementPolicyContext) => ReplacementPolicy>;

/** The name of a built-in policy: a key of {@link BUILTIN_REPLACEMENT_POLICIES}. */
export type ReplacementPolicyName = keyof typeof BUILTIN_REPLACEMENT_POLICIES;

/** The names of the built-in policies, in registry order (`lru`, `fifo`, `random`, `plru`). */
export const REPLACEMENT_POLICY_NAMES = Object.freeze(
  Object.keys(BUILTIN_REPLACEMENT_POLICIES),
) as readonly ReplacementPolicyName[];

/**
 * How a TLB's `policy` option names its replacement policy: a built-in name, a fresh instance (for this one TLB
 * only), or a factory called once per TLB with the TLB's geometry and randomness.
 */
export type ReplacementPolicySpec = PluginSpec<
  ReplacementPolicy,
  ReplacementPolicyName | (string & {}),
  ReplacementPolicyContext
>;

/** True when `name` is a key of {@link BUILTIN_REPLACEMENT_POLICIES}. */
export function isReplacementPolicyName(name: unknown): name is ReplacementPolicyName {
  return typeof name === 'string' && Object.hasOwn(BUILTIN_REPLACEMENT_POLICIES, name);
}

/**
 * A fresh built-in policy by name (`random` draws from `rng`, default seed 1).
 *
 * @throws RangeError on an unknown name
 */
export function createReplacementPolicy(name: string, rng?: Rng): ReplacementPolicy {
  if (!isReplacementPolicyName(name)) {
    throw new RangeError(
      `unknown TLB replacement policy "${name}" (expected one of ${REPLACEMENT_POLICY_NAMES.join(', ')})`,
    );
  }
  return BUILTIN_REPLACEMENT_POLICIES[name]({ sets: 1, ways: 1, rng: rng ?? createRng(1) });
}

const POLICY_METHODS = ['attach', 'touch', 'fill', 'victim', 'reset'] as const;

/** True when `x` has the shape of a {@link ReplacementPolicy} (a `name` and the five methods). */
export function isReplacementPolicy(x: unknown): x is ReplacementPolicy {
  if (typeof x !== 'object' || x === null) return false;
  const p = x as Record<string, unknown>;
  return typeof p.name === 'string' && POLICY_METHODS.every((m) => typeof p[m] === 'function');
}

/**
 * The policy instance a `policy` option names (cold; called once per TLB): a built-in name → a fresh instance; an
 * instance → itself; a factory → what it returns for `context`.
 *
 * @throws RangeError for an unknown name, a class given where a factory is expected, or anything else that is not
 *   a spec; `PluginContractError` when a factory returns something that is not a `ReplacementPolicy`
 */
export function resolveReplacementPolicy(
  spec: ReplacementPolicySpec,
  context: ReplacementPolicyContext,
): ReplacementPolicy {
  if (typeof spec === 'string') {
    if (!isReplacementPolicyName(spec)) return createReplacementPolicy(spec);
    return BUILTIN_REPLACEMENT_POLICIES[spec](context);
  }
  if (typeof spec === 'function') {
    if (isClassConstructor(spec)) {
      throw new RangeError(
        'a replacement-policy class is not a factory: pass (context) => new MyPolicy(…) or an instance',
      );
    }
    const made: unknown = spec(context);
    if (!isReplacementPolicy(made)) {
      throw new PluginContractError(
        'ReplacementPolicy factory',
        'a factory must return an object with a name and attach, touch, fill, victim and reset',
      );
    }
    return made;
  }
  if (isReplacementPolicy(spec)) return spec;
  throw new RangeError(
    `a replacement policy is a name (${REPLACEMENT_POLICY_NAMES.join(', ')}), a ReplacementPolicy or a factory`,
  );
}
