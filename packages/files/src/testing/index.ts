/**
 * `@pagewright/files/testing`: the contract kit of the files layer's plug-in interface, `MappingIndex` (a file's
 * reverse map of its mappings). Kits use no test framework.
 *
 * ```ts
 * import { assertContract } from '@pagewright/core/testing';
 * import { checkMappingIndex } from '@pagewright/files/testing';
 * assertContract(checkMappingIndex(() => new MyIntervalTree(), { name: 'mine' }));
 * ```
 *
 * @packageDocumentation
 */

export * from './mapping-index-kit.js';
