/**
 * {@link SetAssociativeTlb}: a sets × ways, ASID-tagged TLB with superpage entries and a pluggable replacement
 * policy, kept in parallel typed arrays. Architecture-neutral: it stores arch-neutral flags and leaves the question
 * "may this entry serve this access?" to the CPU model ({@link ServableFlags}).
 *
 * @module
 */

import {
  createRng,
  emptyTlbStats,
  PluginContractError,
  PteFlag,
  type PteFlags,
  type Rng,
  TLB_MISS,
  type Tlb,
  type TlbEntryView,
  type TlbFrameResult,
  type TlbSlotResult,
  type TlbStats,
} from '@pagewright/core';
import { FifoPolicy } from './fifo-policy.js';
import { LruPolicy } from './lru-policy.js';
import { type ReplacementPolicySpec, resolveReplacementPolicy } from './policy-registry.js';
import { RandomPolicy } from './random-policy.js';
import type { ReplacementPolicy } from './replacement-policy.js';
import type { ServableFlags } from './servable-flags.js';
import { TranslationCache, type TranslationCacheOwner } from './translation-cache.js';
import { TreePlruPolicy } from './tree-plru-policy.js';

export {
  TRANSLATION_CACHE_ENTRIES,
  TRANSLATION_CACHE_MASK,
  TranslationCache,
  type TranslationCacheOwner,
} from './translation-cache.js';

/**
 * 512^level: 4 KiB frames per page of a level (levels 0..4) — the 9-bit radix of Sv39/Sv48/Sv57 and of x86-64's
 * 4- and 5-level paging.
 */
const SPAN = [1, 512, 512 ** 2, 512 ** 3, 512 ** 4];
const MAX_LEVEL = 4;
const INVALID = -1;
/** The arch-neutral flag bits an entry caches (R W X U G A D). */
const FLAG_MASK = 0x7f;

/**
 * How a TLB hands the hits its translation caches served to its replacement policy.
 * - `Every`: one `touch` per hit, in order (any policy) — which a translation cache cannot record cheaply, so a TLB
 *   with such a policy never fills its caches (every hit is its own).
 * - `None`: no `touch` at all — the built-in FIFO and random policies' `touch` does nothing.
 * - `LastTouches`: for each slot only its last hit, in the order of those last hits — for the built-in LRU and
 *   tree-PLRU, whose every answer depends only on that order: an LRU victim is the way of its set touched or
 *   filled longest ago (only the relative order of stamps within a set matters, never their values), and a
 *   tree-PLRU node holds what the last touch through it wrote, so the replayed state is bit for bit the same.
 */
const TouchReplay = { Every: 0, None: 1, LastTouches: 2 } as const;
type TouchReplay = (typeof TouchReplay)[keyof typeof TouchReplay];

/** Policy instances attached to a TLB: one instance serves one TLB (it keeps that TLB's per-set state). */
const attachedPolicies = new WeakSet<ReplacementPolicy>();

/** Options of {@link SetAssociativeTlb}. */
export interface SetAssociativeTlbOptions {
  /** Number of sets, a power of two ≥ 1 (1 = fully associative). */
  sets: number;
  /** Ways per set, ≥ 1 (1 = direct-mapped). */
  ways: number;
  /**
   * Replacement policy (default `lru`), as a `PluginSpec`: a built-in name (a key of
   * `BUILTIN_REPLACEMENT_POLICIES`: `lru`, `fifo`, `random`, `plru`), a fresh instance (used by this TLB only; an
   * instance already attached to another TLB is refused), or a factory called once for this TLB with
   * `{ sets, ways, rng }`. One policy instance serves the whole TLB (all sets), not one set.
   */
  policy?: ReplacementPolicySpec | undefined;
  /** Randomness handed to the policy (the `random` built-in draws from it; default seed 1). */
  rng?: Rng | undefined;
}

/**
 * A set-associative TLB.
 *
 * Placement: an entry for a level-L page (L = 0 for 4 KiB) whose first page is `t` lives in set
 * `(t / 512^L) mod sets`; a lookup probes the level-0 set first and then, only for levels that currently hold
 * entries, each superpage level's set. Tags: the first virtual page of the entry, its level, its ASID and the
 * global bit (kept in the cached flags as {@link PteFlag.Global}).
 *
 * Invariants (the core `Tlb` contract, checked by `checkTlb` in `@pagewright/core/testing`): a non-global entry
 * matches only its ASID; a global entry matches every ASID; `flushAsid` and `flushVaAsid` never remove global
 * entries; at most one entry per (first page, level, ASID-or-global); at most `capacity` valid entries.
 * `lookup`, `lookupPpn`, `translate`, `flagsOf`, `setFlags` and `insert` never allocate, and never throw — except
 * that `insert` reports a replacement policy that broke its contract (a victim outside `[0, ways)`) with a
 * `PluginContractError` naming the policy, before any entry is changed.
 *
 * Levels are 9-bit radix levels (0 = 4 KiB … 4 = 256 TiB), which fits RISC-V Sv39/Sv48/Sv57 and x86-64 4-/5-level
 * paging alike; the cached flags are arch-neutral `PteFlag` bits. Nothing in it knows any architecture's rules.
 */
export class SetAssociativeTlb implements Tlb {
  readonly capacity: number;
  /** Number of sets. */
  readonly sets: number;
  /** Ways per set. */
  readonly ways: number;

  private readonly statsRecord: TlbStats = emptyTlbStats();
  private readonly policyRef: ReplacementPolicy;
  /** The CPUs' translation caches attached to this TLB (usually none or one). */
  private caches: TranslationCache[] = [];
  /** Number of attached caches. */
  private cacheCount = 0;
  /**
   * How pending cache hits reach the policy: {@link TouchReplay}. Decided from the policy's exact class: only the
   * built-ins are known well enough to take a shortcut.
   */
  private readonly touchReplay: TouchReplay;
  /** The last-touch replay's scratch: the slots hit since the last replay, ordered by their last hit. */
  private readonly lastTouches: Int32Array;

  private readonly setMask: number;
  /** First virtual page of each slot's entry, or -1 when the slot is invalid. */
  private readonly tags: Float64Array;
  /** First frame of each slot's page. */
  private readonly ppns: Float64Array;
  private readonly asids: Int32Array;
  private readonly levels: Uint8Array;
  private readonly flags: Uint8Array;
  /** Valid entries per level; lookup skips levels with none. */
  private readonly perLevel = new Int32Array(MAX_LEVEL + 1);
  private superEntries = 0;

  /**
   * @throws RangeError on a bad geometry, an unknown policy name, a geometry the policy refuses, or a policy
   *   instance already attached to another TLB; `PluginContractError` when a policy factory returns a non-policy
   */
  constructor(options: SetAssociativeTlbOptions) {
    const { sets, ways } = options;
    if (!(Number.isInteger(sets) && sets >= 1 && sets <= 2 ** 20 && (sets & (sets - 1)) === 0)) {
      throw new RangeError(`TLB sets must be a power of two in [1, 2^20], got ${sets}`);
    }
    if (!(Number.isInteger(ways) && ways >= 1 && ways <= 1024)) {
      throw new RangeError(`TLB ways must be an integer in [1, 1024], got ${ways}`);
    }
    const policy = resolveReplacementPolicy(options.policy ?? 'lru', {
      sets,
      ways,
      rng: options.rng ?? createRng(1),
    });
    if (attachedPolicies.has(policy)) {
      throw new RangeError(
        `replacement policy "${policy.name}" already serves another TLB: give each TLB its own instance (or a name or factory)`,
      );
    }
    policy.attach(sets, ways);
    attachedPolicies.add(policy);
    this.policyRef = policy;
    this.sets = sets;
    this.ways = ways;
    this.capacity = sets * ways;
    this.setMask = sets - 1;
    this.tags = new Float64Array(this.capacity).fill(INVALID);
    this.ppns = new Float64Array(this.capacity);
    this.asids = new Int32Array(this.capacity);
    this.levels = new Uint8Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
    const kind = policy.constructor;
    this.touchReplay =
      kind === FifoPolicy || kind === RandomPolicy
        ? TouchReplay.None
        : kind === LruPolicy || kind === TreePlruPolicy
          ? TouchReplay.LastTouches
          : TouchReplay.Every;
    this.lastTouches = new Int32Array(this.touchReplay === TouchReplay.LastTouches ? this.capacity : 0);
  }

  /**
   * The statistics. Hits served by an attached {@link TranslationCache} are counted before this returns, so the
   * numbers are exact whenever they are read through this property.
   */
  get stats(): TlbStats {
    if (this.cacheCount !== 0) this.replayAll();
    return this.statsRecord;
  }

  /**
   * The replacement policy in use. Hits served by an attached {@link TranslationCache} reach it (as `touch`, in
   * order) before this returns and before every operation of this TLB.
   */
  get policy(): ReplacementPolicy {
    if (this.cacheCount !== 0) this.replayAll();
    return this.policyRef;
  }

  /**
   * Attaches a new {@link TranslationCache} for one CPU model and returns it (cold). From then on this TLB drops
   * the cache's entries whenever an insert, flush or `setFlags` could change what {@link lookup} answers for
   * them, and replays the hits served through it (statistics and `policy.touch`) before each of its own operations
   * and each read of {@link stats} or {@link policy}. The CPU fills it through {@link lookupPpnCached}, clears it
   * when its own context (ASID, privilege, rights) changes, and on a cache hit advances its clock and stamps the
   * entry's slot (see {@link TranslationCache}).
   */
  attachTranslationCache(owner: TranslationCacheOwner): TranslationCache {
    const cache = new TranslationCache(owner, this.capacity);
    this.caches = [...this.caches, cache];
    this.cacheCount = this.caches.length;
    return cache;
  }

  /**
   * Replays the hits served through `cache` since the last replay: their number to the statistics, and for the
   * `LastTouches` policies one `touch` per slot hit since, in the order of the slots' last hits (at most
   * `capacity` slots, sorted by their stamps). Never allocates.
   */
  private replayTranslationCache(cache: TranslationCache): void {
    const now = cache.owner.translationCacheHits;
    const prev = cache.replayed;
    if (now === prev) return;
    cache.replayed = now;
    this.statsRecord.hits += now - prev;
    if (this.touchReplay !== TouchReplay.LastTouches) return;
    const stamps = cache.stamps;
    const order = this.lastTouches;
    let count = 0;
    for (let s = 0; s < this.capacity; s++) {
      const t = stamps[s] as number;
      if (t <= prev) continue;
      let j = count++;
      while (j > 0 && (stamps[order[j - 1] as number] as number) > t) {
        order[j] = order[j - 1] as number;
        j--;
      }
      order[j] = s;
    }
    const ways = this.ways;
    const policy = this.policyRef;
    for (let i = 0; i < count; i++) {
      const s = order[i] as number;
      const set = Math.floor(s / ways);
      policy.touch(set, s - set * ways);
    }
  }

  private replayAll(): void {
    const caches = this.caches;
    for (let c = 0; c < caches.length; c++) this.replayTranslationCache(caches[c] as TranslationCache);
  }

  /** Drops the cached copies of slot `s` (about to be invalidated or refilled). */
  private dropCached(s: number): void {
    const caches = this.caches;
    const level = this.levels[s] as number;
    const first = this.tags[s] as number;
    for (let c = 0; c < caches.length; c++) {
      const cache = caches[c] as TranslationCache;
      if (level === 0) cache.dropPage(s, first);
      else cache.dropSlot(s);
    }
  }

  lookup(vpn: number, asid: number): TlbSlotResult {
    if (this.cacheCount !== 0) this.replayAll();
    const ways = this.ways;
    const set = vpn & this.setMask;
    const base = set * ways;
    const tags = this.tags;
    for (let w = 0; w < ways; w++) {
      const s = base + w;
      if (tags[s] === vpn && (this.asids[s] === asid || ((this.flags[s] as number) & PteFlag.Global) !== 0)) {
        this.statsRecord.hits++;
        this.policyRef.touch(set, w);
        return s;
      }
    }
    if (this.superEntries !== 0) return this.lookupSuper(vpn, asid);
    this.statsRecord.misses++;
    return TLB_MISS;
  }

  private lookupSuper(vpn: number, asid: number): TlbSlotResult {
    const ways = this.ways;
    for (let level = 1; level <= MAX_LEVEL; level++) {
      if (this.perLevel[level] === 0) continue;
      const span = SPAN[level] as number;
      const quotient = Math.floor(vpn / span);
      const first = quotient * span;
      const set = quotient & this.setMask;
      const base = set * ways;
      for (let w = 0; w < ways; w++) {
        const s = base + w;
        if (
          this.tags[s] === first &&
          this.levels[s] === level &&
          (this.asids[s] === asid || ((this.flags[s] as number) & PteFlag.Global) !== 0)
        ) {
          this.statsRecord.hits++;
          this.policyRef.touch(set, w);
          return s;
        }
      }
    }
    this.statsRecord.misses++;
    return TLB_MISS;
  }

  /**
   * One-call hit path (used by CPU models such as sv39's `Hart`): looks up `vpn` for `asid` exactly as
   * {@link lookup} does (same statistics and policy updates) and returns the frame backing the page (≥ 0) when an
   * entry matches and `servable[its cached flags]` is non-zero; `TLB_MISS` on a miss, or on a hit the table says may not
   * serve the access (the caller walks). `servable` is the CPU's {@link ServableFlags} table for the access and
   * its current privilege context. Never allocates or throws.
   */
  lookupPpn(vpn: number, asid: number, servable: ServableFlags): TlbFrameResult {
    const s = this.lookup(vpn, asid);
    if (s < 0 || servable[this.flags[s] as number] === 0) return TLB_MISS;
    return (this.ppns[s] as number) + (vpn - (this.tags[s] as number));
  }

  /**
   * {@link lookupPpn}, and on a servable hit also fills entry `index` of `cache` (a {@link TranslationCache}
   * attached to this TLB) with the page, its frame and the slot, so the CPU's next access to the page for the
   * same access type hits the cache. `index` is `access * TRANSLATION_CACHE_ENTRIES + (vpn &
   * TRANSLATION_CACHE_MASK)`. Never allocates or throws.
   */
  lookupPpnCached(
    vpn: number,
    asid: number,
    servable: ServableFlags,
    cache: TranslationCache,
    index: number,
  ): TlbFrameResult {
    const s = this.lookup(vpn, asid);
    if (s < 0 || servable[this.flags[s] as number] === 0) return TLB_MISS;
    const ppn = (this.ppns[s] as number) + (vpn - (this.tags[s] as number));
    if (this.touchReplay === TouchReplay.Every) return ppn; // every hit must reach the policy itself
    cache.tags[index] = vpn;
    cache.frames[index] = ppn;
    cache.slots[index] = s;
    return ppn;
  }

  translate(slot: number, vpn: number): number {
    return (this.ppns[slot] as number) + (vpn - (this.tags[slot] as number));
  }

  flagsOf(slot: number): PteFlags {
    return this.flags[slot] as number;
  }

  setFlags(slot: number, flags: PteFlags): void {
    if (slot >= 0 && slot < this.capacity && this.tags[slot] !== INVALID) {
      if (this.cacheCount !== 0) {
        this.replayAll();
        this.dropCached(slot);
      }
      // The global tag is part of the entry's identity: keep it.
      this.flags[slot] =
        (flags & ~PteFlag.Global & FLAG_MASK) | ((this.flags[slot] as number) & PteFlag.Global);
    }
  }

  /**
   * Returns the slot used, or {@link TLB_MISS} (nothing inserted) for a level outside 0..4 or a negative page.
   *
   * @throws PluginContractError when the replacement policy names a victim outside `[0, ways)` (nothing changed)
   */
  insert(
    vpn: number,
    asid: number,
    level: number,
    ppn: number,
    flags: PteFlags,
    global: boolean,
  ): TlbSlotResult {
    if (!(level >= 0 && level <= MAX_LEVEL && vpn >= 0 && ppn >= 0)) return TLB_MISS;
    level |= 0;
    const span = SPAN[level] as number;
    const quotient = Math.floor(vpn / span);
    const first = quotient * span;
    if (this.cacheCount !== 0) {
      this.replayAll();
      // The new entry may answer lookups of its pages ahead of the entries the caches copied.
      const caches = this.caches;
      for (let c = 0; c < caches.length; c++) (caches[c] as TranslationCache).dropRange(first, span);
    }
    const firstPpn = Math.floor(ppn / span) * span;
    const set = quotient & this.setMask;
    const base = set * this.ways;
    const cached = (flags & FLAG_MASK & ~PteFlag.Global) | (global ? PteFlag.Global : 0);
    let way = -1;
    let free = -1;
    for (let w = 0; w < this.ways; w++) {
      const s = base + w;
      const tag = this.tags[s];
      if (tag === INVALID) {
        if (free < 0) free = w;
      } else if (
        tag === first &&
        this.levels[s] === level &&
        (global
          ? ((this.flags[s] as number) & PteFlag.Global) !== 0
          : ((this.flags[s] as number) & PteFlag.Global) === 0 && this.asids[s] === asid)
      ) {
        way = w;
        break;
      }
    }
    if (way < 0) {
      if (free >= 0) way = free;
      else {
        way = this.policyRef.victim(set);
        if (!(way >>> 0 === way && way < this.ways)) this.badVictim(set, way);
        this.invalidateSlot(base + way);
        this.statsRecord.evictions++;
      }
    } else {
      this.invalidateSlot(base + way);
    }
    const s = base + way;
    this.tags[s] = first;
    this.ppns[s] = firstPpn;
    this.asids[s] = asid;
    this.levels[s] = level;
    this.flags[s] = cached;
    this.perLevel[level] = (this.perLevel[level] as number) + 1;
    if (level > 0) this.superEntries++;
    this.policyRef.fill(set, way);
    this.statsRecord.fills++;
    return s;
  }

  private badVictim(set: number, way: number): never {
    throw new PluginContractError(
      `ReplacementPolicy ${this.policyRef.name}`,
      `victim(${set}) returned ${String(way)}, not an integer way in [0, ${this.ways})`,
    );
  }

  private invalidateSlot(s: number): void {
    if (this.tags[s] === INVALID) return;
    if (this.cacheCount !== 0) this.dropCached(s);
    const level = this.levels[s] as number;
    this.perLevel[level] = (this.perLevel[level] as number) - 1;
    if (level > 0) this.superEntries--;
    this.tags[s] = INVALID;
  }

  private flushMatching(keepGlobal: boolean, asid: number): void {
    for (let s = 0; s < this.capacity; s++) {
      if (this.tags[s] === INVALID) continue;
      const global = ((this.flags[s] as number) & PteFlag.Global) !== 0;
      if (keepGlobal && (global || this.asids[s] !== asid)) continue;
      this.invalidateSlot(s);
      this.statsRecord.invalidated++;
    }
  }

  flushAll(): void {
    if (this.cacheCount !== 0) this.clearCaches();
    this.statsRecord.flushAll++;
    this.flushMatchingCleared(false, 0);
    this.policyRef.reset();
  }

  flushAsid(asid: number): void {
    if (this.cacheCount !== 0) this.clearCaches();
    this.statsRecord.flushAsid++;
    this.flushMatchingCleared(true, asid);
  }

  /** Replays and empties every attached cache (before a flush of many entries). */
  private clearCaches(): void {
    this.replayAll();
    const caches = this.caches;
    for (let c = 0; c < caches.length; c++) (caches[c] as TranslationCache).clear();
  }

  /** {@link flushMatching} after {@link clearCaches}: no per-slot drops needed. */
  private flushMatchingCleared(keepGlobal: boolean, asid: number): void {
    const count = this.cacheCount;
    this.cacheCount = 0;
    this.flushMatching(keepGlobal, asid);
    this.cacheCount = count;
  }

  private flushPage(vpn: number, keepGlobal: boolean, asid: number): void {
    if (this.cacheCount !== 0) this.replayAll();
    if (!(vpn >= 0)) return;
    for (let level = 0; level <= MAX_LEVEL; level++) {
      if (this.perLevel[level] === 0) continue;
      const span = SPAN[level] as number;
      const quotient = Math.floor(vpn / span);
      const first = quotient * span;
      const base = (quotient & this.setMask) * this.ways;
      for (let w = 0; w < this.ways; w++) {
        const s = base + w;
        if (this.tags[s] !== first || this.levels[s] !== level) continue;
        if (keepGlobal && (((this.flags[s] as number) & PteFlag.Global) !== 0 || this.asids[s] !== asid))
          continue;
        this.invalidateSlot(s);
        this.statsRecord.invalidated++;
      }
    }
  }

  flushVa(vpn: number): void {
    this.statsRecord.flushVa++;
    this.flushPage(vpn, false, 0);
  }

  flushVaAsid(vpn: number, asid: number): void {
    this.statsRecord.flushVaAsid++;
    this.flushPage(vpn, true, asid);
  }

  forEach(visit: (entry: TlbEntryView) => void): void {
    for (let s = 0; s < this.capacity; s++) {
      if (this.tags[s] === INVALID) continue;
      const flags = this.flags[s] as number;
      visit({
        vpn: this.tags[s] as number,
        asid: this.asids[s] as number,
        level: this.levels[s] as number,
        ppn: this.ppns[s] as number,
        flags,
        global: (flags & PteFlag.Global) !== 0,
      });
    }
  }

  resetStats(): void {
    if (this.cacheCount !== 0) this.replayAll();
    Object.assign(this.statsRecord, emptyTlbStats());
  }
}
