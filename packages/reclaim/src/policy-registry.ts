/**
 * The built-in page-replacement policies by name ({@link PAGE_REPLACEMENT_POLICIES}) and
 * {@link resolvePageReplacementPolicy}, which turns a policy `PluginSpec` (a name, an instance or a factory) into an
 * attached instance.
 *
 * @module
 */

import { isClassConstructor, PluginContractError, type PluginSpec } from '@pagewright/core';
import type { PageReplacementContext, PageReplacementPolicy } from './page-replacement-policy.js';
import { ArcPolicy } from './policies/arc.js';
import { ClockPolicy } from './policies/clock.js';
import { FifoPagePolicy } from './policies/fifo.js';
import { RandomPagePolicy } from './policies/random.js';
import { SecondChancePolicy } from './policies/second-chance.js';
import { TwoListLruPolicy } from './policies/two-list-lru.js';

/**
 * Every built-in policy that needs nothing but the context, by name; adding one is one line here. OPT is not
 * here: it needs the reference stream (`(ctx) => new OptPolicy(trace)`).
 */
export const PAGE_REPLACEMENT_POLICIES = {
  lru: () => new TwoListLruPolicy(),
  fifo: () => new FifoPagePolicy(),
  clock: () => new ClockPolicy(),
  'second-chance': () => new SecondChancePolicy(),
  random: () => new RandomPagePolicy(),
  arc: () => new ArcPolicy(),
} as const satisfies Record<string, (context: PageReplacementContext) => PageReplacementPolicy>;

/** The name of a built-in policy. */
export type PageReplacementPolicyName = keyof typeof PAGE_REPLACEMENT_POLICIES;

/** The built-in names, in registry order. */
export const PAGE_REPLACEMENT_POLICY_NAMES = Object.freeze(
  Object.keys(PAGE_REPLACEMENT_POLICIES),
) as readonly PageReplacementPolicyName[];

/** A page-replacement policy as an option names it: a built-in name, an instance, or a factory of the context. */
export type PageReplacementSpec = PluginSpec<
  PageReplacementPolicy,
  PageReplacementPolicyName | (string & {}),
  PageReplacementContext
>;

const METHODS = ['attach', 'insert', 'remove', 'touch', 'victim', 'reset'] as const;

/** True when `x` has the shape of a {@link PageReplacementPolicy}. */
export function isPageReplacementPolicy(x: unknown): x is PageReplacementPolicy {
  if (typeof x !== 'object' || x === null) return false;
  const p = x as Record<string, unknown>;
  return typeof p.name === 'string' && METHODS.every((m) => typeof p[m] === 'function');
}

/**
 * The attached policy `spec` names, for `context` (cold; once per machine).
 *
 * @throws RangeError for an unknown name, a class given where a factory is expected, or anything that is not a
 *   spec; `PluginContractError` when a factory returns something that is not a policy
 */
export function resolvePageReplacementPolicy(
  spec: PageReplacementSpec,
  context: PageReplacementContext,
): PageReplacementPolicy {
  let policy: PageReplacementPolicy;
  if (typeof spec === 'string') {
    if (!Object.hasOwn(PAGE_REPLACEMENT_POLICIES, spec))
      throw new RangeError(
        `unknown page-replacement policy "${spec}" (known: ${PAGE_REPLACEMENT_POLICY_NAMES.join(', ')}; ` +
          'opt needs a reference stream: (ctx) => new OptPolicy(trace); or pass a policy or a factory)',
      );
    policy = PAGE_REPLACEMENT_POLICIES[spec as PageReplacementPolicyName]();
  } else if (typeof spec === 'function') {
    if (isClassConstructor(spec))
      throw new RangeError('a page-replacement policy class is not a factory: pass (ctx) => new MyPolicy(…)');
    const made: unknown = spec(context);
    if (!isPageReplacementPolicy(made))
      throw new PluginContractError(
        'PageReplacementPolicy factory',
        'a factory must return an object with a name and attach, insert, remove, touch, victim and reset',
      );
    policy = made;
  } else if (isPageReplacementPolicy(spec)) policy = spec;
  else
    throw new RangeError(
      `a page-replacement policy is a name (${PAGE_REPLACEMENT_POLICY_NAMES.join(', ')}), a policy or a factory`,
    );
  policy.attach(context);
  return policy;
}
