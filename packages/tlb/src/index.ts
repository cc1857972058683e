/**
 * `@pagewright/tlb`: architecture-neutral, ASID-tagged TLBs — a set-associative TLB with superpage entries, a TLB
 * that caches nothing, the replacement-policy plug-in point with its built-ins, and the resolvers a machine's
 * composition root uses to build them from options.
 *
 * @packageDocumentation
 */

export * from './fifo-policy.js';
export * from './lru-policy.js';
export * from './no-tlb.js';
export * from './policy-registry.js';
export * from './random-policy.js';
export * from './replacement-policy.js';
export * from './servable-flags.js';
export * from './set-associative-tlb.js';
export * from './tlb-spec.js';
export * from './tree-plru-policy.js';
