/**
 * `@pagewright/vma/testing`: contract kits for the interfaces `@pagewright/vma` defines — {@link checkVmaIndex} for a
 * {@link @pagewright/vma!index.VmaIndex} and {@link checkPlacementPolicy} for a {@link @pagewright/vma!index.PlacementPolicy}. Call a kit from your own tests
 * with a factory of your implementation; kits use no test framework (the runner is `@pagewright/core/testing`'s).
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkVmaIndex } from '@pagewright/vma/testing';
 * assertContract(checkVmaIndex(({ stackGuardGap }) => new MyIndex({ stackGuardGap }), { name: 'my-index' }));
 * ```
 *
 * @packageDocumentation
 */

export * from './placement-kit.js';
export * from './vma-index-kit.js';
