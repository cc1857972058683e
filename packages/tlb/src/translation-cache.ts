/**
 * {@link TranslationCache}: a CPU model's direct-mapped cache of the translations its {@link SetAssociativeTlb}
 * last served, in typed arrays — the one-compare hit path in front of the configured TLB (the role of QEMU's
 * softmmu TLB in front of the guest's).
 *
 * @module
 */

/** Entries per access type (a power of two). */
export const TRANSLATION_CACHE_ENTRIES = 256;
/** `vpn & TRANSLATION_CACHE_MASK` is an entry's index within its access type's part. */
export const TRANSLATION_CACHE_MASK = TRANSLATION_CACHE_ENTRIES - 1;
/**
 * A direct-mapped cache of translations, one part per access type (load, store, fetch), indexed
 * `access * TRANSLATION_CACHE_ENTRIES + (vpn & TRANSLATION_CACHE_MASK)`. An entry holds a virtual page, the frame
 * backing it and the TLB slot that served it; it exists only while that slot holds the same entry, and only for
 * the (address space, privilege context) the CPU had when it was filled: the CPU {@link clear}s it whenever its
 * context changes, and the TLB it is attached to drops entries on every insert, flush and `setFlags`.
 *
 * A hit on it is a TLB hit the TLB has not yet seen. The CPU records it with two stores and no call, counting the
 * hit in a field of its own ({@link TranslationCacheOwner.translationCacheHits}, from which it also derives its
 * translation count) and stamping the TLB slot with that count:
 *
 * ```javascript
 * const t = this.hits + 1; this.hits = t; stamps[slots[k]] = t; // then: frames[k] * 4096 + offset
 * ```
 *
 * Before any of its own operations and before its `stats` or `policy` is read, the TLB replays what happened since
 * its last replay: the hits counted since to `stats.hits`, and, for the built-in LRU and tree-PLRU policies, one `policy.touch` per slot hit since, in the
 * order of those slots' last hits — which is all those policies' answers depend on. So the TLB's statistics, its
 * policy's state and every victim are exactly those of a TLB that saw every hit itself. The built-in FIFO and random
 * policies ignore touches; with any other policy (which may want every touch) the TLB never fills the cache, so
 * every access goes to the TLB.
 *
 * Created by `SetAssociativeTlb.attachTranslationCache` (or, for a CPU whose TLB has none, {@link detached}: a
 * cache that is never filled); its arrays are never replaced, so a CPU keeps references to them.
 */
/** The CPU a {@link TranslationCache} serves, as its TLB sees it: the number of hits served through the cache. */
export interface TranslationCacheOwner {
  /** Hits served through the translation cache so far (never decreases). */
  readonly translationCacheHits: number;
}

export class TranslationCache {
  /** Virtual page of each entry, or -1 when invalid. */
  readonly tags = new Float64Array(3 * TRANSLATION_CACHE_ENTRIES).fill(-1);
  /** The frame backing the entry's page. */
  readonly frames = new Float64Array(3 * TRANSLATION_CACHE_ENTRIES);
  /** The TLB slot whose entry the cache entry copies. */
  readonly slots = new Int32Array(3 * TRANSLATION_CACHE_ENTRIES);
  /** Per TLB slot, the owner's hit count at the slot's last hit through this cache (0: none yet). */
  readonly stamps: Float64Array;
  /** The CPU whose hits this cache serves. */
  readonly owner: TranslationCacheOwner;
  /** @internal The owner's hit count at the TLB's last replay. */
  replayed = 0;

  /** @internal Made by `SetAssociativeTlb.attachTranslationCache` (`slotCount` = the TLB's capacity). */
  constructor(owner: TranslationCacheOwner, slotCount: number) {
    this.owner = owner;
    this.stamps = new Float64Array(slotCount);
  }

  /** A cache attached to no TLB: nothing ever fills it, so no tag ever matches (for a CPU with any other TLB). */
  static detached(owner: TranslationCacheOwner): TranslationCache {
    return new TranslationCache(owner, 1);
  }

  /** Invalidates every entry (hits already served stay to be replayed). Never allocates. */
  clear(): void {
    this.tags.fill(-1);
  }
  /** Invalidates the entries copied from TLB slot `slot`, whose first page is `first` (level 0) — cheap. */
  dropPage(slot: number, first: number): void {
    const i = first & TRANSLATION_CACHE_MASK;
    const tags = this.tags;
    const slots = this.slots;
    for (let k = i; k < 3 * TRANSLATION_CACHE_ENTRIES; k += TRANSLATION_CACHE_ENTRIES) {
      if (slots[k] === slot) tags[k] = -1;
    }
  }

  /** Invalidates the entries copied from TLB slot `slot`, wherever they are (a superpage's). */
  dropSlot(slot: number): void {
    const tags = this.tags;
    const slots = this.slots;
    for (let k = 0; k < 3 * TRANSLATION_CACHE_ENTRIES; k++) if (slots[k] === slot) tags[k] = -1;
  }

  /** Invalidates the entries for pages in `[first, first + span)`. */
  dropRange(first: number, span: number): void {
    const tags = this.tags;
    if (span === 1) {
      const i = first & TRANSLATION_CACHE_MASK;
      for (let k = i; k < 3 * TRANSLATION_CACHE_ENTRIES; k += TRANSLATION_CACHE_ENTRIES) {
        if (tags[k] === first) tags[k] = -1;
      }
      return;
    }
    const end = first + span;
    for (let k = 0; k < 3 * TRANSLATION_CACHE_ENTRIES; k++) {
      const t = tags[k] as number;
      if (t >= first && t < end) tags[k] = -1;
    }
  }
}
