/**
 * `@pagewright/mapper`: page tables in simulated memory, cursors, TLB flushers and shootdowns, ASID allocation.
 *
 * @packageDocumentation
 */

export {};
