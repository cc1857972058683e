/**
 * The TLB-related state of one address space (Linux's `mm_context_t` plus `mm_cpumask`).
 *
 * @module
 */

/**
 * Per-address-space TLB bookkeeping shared by the {@link AsidAllocator}, the flushers and the stale-TLB detector.
 *
 * Invariants:
 * - `cpumask` holds every hart whose TLB may hold non-global entries of this address space. With ASIDs a hart stays
 *   in it after switching away (its entries stay tagged); without ASIDs it leaves on switch-out, because switching
 *   flushes the TLB (Linux `arch/riscv/mm/context.c`, `switch_mm`).
 * - `deferredFlush` ⊆ harts that must invalidate this address space's ASID before it runs there again
 *   ({@link InactiveFlusher}); the {@link AsidAllocator} performs that flush on activation.
 */
export class MmContext {
  /** Generation-tagged ASID: `generation * numAsids + asid`; 0 until the first activation. */
  id = 0;
  /** Number of ASIDs of the allocator that assigned {@link MmContext.id} (1 before any assignment). */
  numAsids = 1;
  /** Harts whose TLB may hold entries of this address space. */
  readonly cpumask = new Set<number>();
  /** Harts that must flush this address space's ASID before it runs there again. */
  readonly deferredFlush = new Set<number>();
  /**
   * Set by the ASID allocator: true when hart `hartId` will flush its whole TLB before it next runs an address
   * space (after an ASID rollover), so entries it holds now can never be used.
   */
  flushPendingOn: (hartId: number) => boolean = () => false;

  /** The ASID part of {@link MmContext.id}. */
  get asid(): number {
    return this.id % this.numAsids;
  }

  /** True when hart `hartId` may still use this address space's non-global TLB entries without flushing first. */
  mayHoldLiveEntries(hartId: number): boolean {
    return this.cpumask.has(hartId) && !this.deferredFlush.has(hartId) && !this.flushPendingOn(hartId);
  }
}
