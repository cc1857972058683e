/**
 * Result types of the hot paths. A hot path returns a plain number — a value when non-negative, one of its domain's
 * negative codes otherwise — and never allocates; {@link DomainResult} gives each domain its own type over that
 * number, so that a result of one domain cannot be passed on as another's without the compiler saying so (a failed
 * frame allocation returned as a mapper result, a TLB miss taken for a frame), while costing nothing at run time.
 *
 * | domain | type | value | codes |
 * | --- | --- | --- | --- |
 * | frame allocation | `FrameResult` (`frame-allocator.ts`) | a frame number | `NO_FRAME` (-1) |
 * | physical-memory reads | `MemoryReadResult` (`physical-memory.ts`) | the value read | `NOT_MEMORY` (-1) |
 * | TLB lookups | `TlbSlotResult`, `TlbFrameResult` (`tlb.ts`) | a slot, a frame | `TLB_MISS` (-1) |
 * | translations and walks | `TranslationResult` (`mmu-hart.ts`) | a physical address | `-cause` / `-vector` of the CPU |
 * | page-table edits | `MapperResult` (`@pagewright/mapper`) | a frame or a count | `MapperError` (-1001 … -1006) |
 * | system calls | `-errno` (`errno.ts`) | the call's value | `-Errno.X` |
 *
 * @module
 */

/** The brand of {@link DomainResult} (a type only: nothing exists at run time). */
declare const resultDomain: unique symbol;

/**
 * A number result of domain `D`: a plain `number` at run time (any number may be returned as one), but not
 * assignable to the result type of another domain. Compare it with its domain's named codes, never with a literal.
 */
export type DomainResult<D extends string> = number & { readonly [resultDomain]?: D };
