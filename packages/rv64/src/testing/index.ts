/**
 * `@pagewright/rv64/testing`: the contract kit of {@link @pagewright/rv64!index.GuestMemory}, for your own memory ports. Uses no test
 * framework.
 *
 * @packageDocumentation
 */

export * from './guest-memory-kit.js';
