/**
 * `@pagewright/reclaim/testing`: the contract kit of `PageReplacementPolicy`. Call it from your own tests with a
 * factory of your policy; it uses no test framework (reports come from `@pagewright/core/testing`'s runner).
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkPageReplacementPolicy } from '@pagewright/reclaim/testing';
 * assertContract(checkPageReplacementPolicy('lru'));
 * ```
 *
 * @packageDocumentation
 */

export * from './page-replacement-kit.js';
