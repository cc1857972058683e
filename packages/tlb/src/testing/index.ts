/**
 * `@pagewright/tlb/testing`: the contract kit of `ReplacementPolicy`. Call it from your own tests with a factory
 * of your policy; it uses no test framework (reports come from `@pagewright/core/testing`'s runner).
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkReplacementPolicy } from '@pagewright/tlb/testing';
 * assertContract(checkReplacementPolicy(() => new MyPolicy(), { name: 'mine' }));
 * ```
 *
 * @packageDocumentation
 */

export * from './replacement-policy-kit.js';
