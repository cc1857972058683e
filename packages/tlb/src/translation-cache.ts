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
/** Hits kept pending before they are handed to the TLB (its statistics and its replacement policy). */
export const TRANSLATION_CACHE_LOG = 1024;

/**
 * A direct-mapped cache of translations, one part per access type (load, store, fetch), indexed
 * `access * TRANSLATION_CACHE_ENTRIES + (vpn & TRANSLATION_CACHE_MASK)`. An entry holds a virtual page, the frame
 * backing it and the TLB slot that served it; it exists only while that slot holds the same entry, and only for
 * the (address space, privilege context) the CPU had when it was filled: the CPU {@link clear}s it whenever its
 * context changes, and the TLB it is attached to drops entries on every insert, flush and `setFlags`.
 *
 * A hit on it is a TLB hit the TLB has not yet seen: the CPU appends the slot to {@link log}. The TLB replays
 * the log — one `stats.hits` and one `policy.touch(set, way)` per hit, in the order of the hits — before any of
 * its own operations and before its `stats` or `policy` is read, so its statistics and its policy's state are
 * exactly those of a TLB that saw every hit itself.
 *
 * Created and attached by `SetAssociativeTlb.attachTranslationCache`; its arrays are never replaced, so a CPU may
 * keep references to them.
 */
export class TranslationCache {
  /** Virtual page of each entry, or -1 when invalid. */
  readonly tags = new Float64Array(3 * TRANSLATION_CACHE_ENTRIES).fill(-1);
  /** The frame backing the entry's page. */
  readonly frames = new Float64Array(3 * TRANSLATION_CACHE_ENTRIES);
  /** The TLB slot whose entry the cache entry copies. */
  readonly slots = new Int32Array(3 * TRANSLATION_CACHE_ENTRIES);
  /** TLB slots hit through the cache and not yet replayed to the TLB, in order: `log[0 .. pending)`. */
  readonly log = new Int32Array(TRANSLATION_CACHE_LOG);
  /** Number of pending hits in {@link log}. */
  pending = 0;
  /** The TLB that replays the log (set on attach). */
  private readonly owner: { replayTranslationCache(cache: TranslationCache): void };

  /** @internal Made by `SetAssociativeTlb.attachTranslationCache`. */
  constructor(owner: { replayTranslationCache(cache: TranslationCache): void }) {
    this.owner = owner;
  }

  /** Hands the pending hits to the TLB now (the CPU calls it when {@link log} is full). Never allocates. */
  replay(): void {
    this.owner.replayTranslationCache(this);
  }

  /** Invalidates every entry (the pending hits stay pending). Never allocates. */
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
