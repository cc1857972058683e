/**
 * `@pagewright/vma`: VMAs, an O(log n) mapping tree, Linux's merge and split rules, and the reverse map.
 *
 * @packageDocumentation
 */

export * from './anon-vma.js';
export * from './backing.js';
export * from './checked-vma-index.js';
export * from './index-scan.js';
export * from './merge.js';
export * from './placement.js';
export * from './registry.js';
export * from './reverse-map.js';
export * from './virt-region.js';
export { type MutableVma, Vma, VmaError, type VmaInit } from './vma.js';
export * from './vma-btree.js';
export * from './vma-index.js';
export * from './vma-list.js';
export * from './vma-set.js';
export * from './vma-treap.js';
export * from './vma-tree.js';
