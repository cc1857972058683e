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
  type TlbStats,
} from '@pagewright/core';
import { type ReplacementPolicySpec, resolveReplacementPolicy } from './policy-registry.js';
import type { ReplacementPolicy } from './replacement-policy.js';
import type { ServableFlags } from './servable-flags.js';

/**
 * 512^level: 4 KiB frames per page of a level (levels 0..4) — the 9-bit radix of Sv39/Sv48/Sv57 and of x86-64's
 * 4- and 5-level paging.
 */
const SPAN = [1, 512, 512 ** 2, 512 ** 3, 512 ** 4];
const MAX_LEVEL = 4;
const INVALID = -1;
/** The arch-neutral flag bits an entry caches (R W X U G A D). */
const FLAG_MASK = 0x7f;

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
  readonly stats: TlbStats = emptyTlbStats();
  /** Number of sets. */
  readonly sets: number;
  /** Ways per set. */
  readonly ways: number;
  /** The replacement policy in use. */
  readonly policy: ReplacementPolicy;

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
    this.policy = policy;
    this.sets = sets;
    this.ways = ways;
    this.capacity = sets * ways;
    this.setMask = sets - 1;
    this.tags = new Float64Array(this.capacity).fill(INVALID);
    this.ppns = new Float64Array(this.capacity);
    this.asids = new Int32Array(this.capacity);
    this.levels = new Uint8Array(this.capacity);
    this.flags = new Uint8Array(this.capacity);
  }

  lookup(vpn: number, asid: number): number {
    const ways = this.ways;
    const set = vpn & this.setMask;
    const base = set * ways;
    const tags = this.tags;
    for (let w = 0; w < ways; w++) {
      const s = base + w;
      if (tags[s] === vpn && (this.asids[s] === asid || ((this.flags[s] as number) & PteFlag.Global) !== 0)) {
        this.stats.hits++;
        this.policy.touch(set, w);
        return s;
      }
    }
    if (this.superEntries !== 0) return this.lookupSuper(vpn, asid);
    this.stats.misses++;
    return TLB_MISS;
  }

  private lookupSuper(vpn: number, asid: number): number {
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
          this.stats.hits++;
          this.policy.touch(set, w);
          return s;
        }
      }
    }
    this.stats.misses++;
    return TLB_MISS;
  }

  /**
   * One-call hit path (used by CPU models such as sv39's `Hart`): looks up `vpn` for `asid` exactly as
   * {@link lookup} does (same statistics and policy updates) and returns the frame backing the page (≥ 0) when an
   * entry matches and `servable[its cached flags]` is non-zero; -1 on a miss, or on a hit the table says may not
   * serve the access (the caller walks). `servable` is the CPU's {@link ServableFlags} table for the access and
   * its current privilege context. Never allocates or throws.
   */
  lookupPpn(vpn: number, asid: number, servable: ServableFlags): number {
    const s = this.lookup(vpn, asid);
    if (s < 0 || servable[this.flags[s] as number] === 0) return -1;
    return (this.ppns[s] as number) + (vpn - (this.tags[s] as number));
  }

  translate(slot: number, vpn: number): number {
    return (this.ppns[slot] as number) + (vpn - (this.tags[slot] as number));
  }

  flagsOf(slot: number): PteFlags {
    return this.flags[slot] as number;
  }

  setFlags(slot: number, flags: PteFlags): void {
    if (slot >= 0 && slot < this.capacity && this.tags[slot] !== INVALID) {
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
  insert(vpn: number, asid: number, level: number, ppn: number, flags: PteFlags, global: boolean): number {
    if (!(level >= 0 && level <= MAX_LEVEL && vpn >= 0 && ppn >= 0)) return TLB_MISS;
    level |= 0;
    const span = SPAN[level] as number;
    const quotient = Math.floor(vpn / span);
    const first = quotient * span;
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
        way = this.policy.victim(set);
        if (!(way >>> 0 === way && way < this.ways)) this.badVictim(set, way);
        this.invalidateSlot(base + way);
        this.stats.evictions++;
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
    this.policy.fill(set, way);
    this.stats.fills++;
    return s;
  }

  private badVictim(set: number, way: number): never {
    throw new PluginContractError(
      `ReplacementPolicy ${this.policy.name}`,
      `victim(${set}) returned ${String(way)}, not an integer way in [0, ${this.ways})`,
    );
  }

  private invalidateSlot(s: number): void {
    if (this.tags[s] === INVALID) return;
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
      this.stats.invalidated++;
    }
  }

  flushAll(): void {
    this.stats.flushAll++;
    this.flushMatching(false, 0);
    this.policy.reset();
  }

  flushAsid(asid: number): void {
    this.stats.flushAsid++;
    this.flushMatching(true, asid);
  }

  private flushPage(vpn: number, keepGlobal: boolean, asid: number): void {
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
        this.stats.invalidated++;
      }
    }
  }

  flushVa(vpn: number): void {
    this.stats.flushVa++;
    this.flushPage(vpn, false, 0);
  }

  flushVaAsid(vpn: number, asid: number): void {
    this.stats.flushVaAsid++;
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
    Object.assign(this.stats, emptyTlbStats());
  }
}
