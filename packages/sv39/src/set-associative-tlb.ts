/**
 * {@link SetAssociativeTlb}: a sets × ways, ASID-tagged TLB with superpage entries and a pluggable replacement
 * policy, kept in parallel typed arrays.
 *
 * @module
 */

import {
  emptyTlbStats,
  PteFlag,
  type PteFlags,
  type Rng,
  TLB_MISS,
  type Tlb,
  type TlbEntryView,
  type TlbStats,
} from '@pagewright/core';
import { cachedRightsOf } from './cached-rights.js';
import { createReplacementPolicy, type ReplacementPolicy } from './replacement.js';

/** 512^level: 4 KiB frames per page of a level (levels 0..4). */
const SPAN = [1, 512, 512 ** 2, 512 ** 3, 512 ** 4];
const MAX_LEVEL = 4;
const INVALID = -1;

/** Options of {@link SetAssociativeTlb}. */
export interface SetAssociativeTlbOptions {
  /** Number of sets, a power of two ≥ 1 (1 = fully associative). */
  sets: number;
  /** Ways per set, ≥ 1 (1 = direct-mapped). */
  ways: number;
  /** Replacement policy: a fresh instance or a name (`lru`, `fifo`, `random`, `plru`); default `lru`. */
  policy?: ReplacementPolicy | string | undefined;
  /** Randomness for the `random` policy given by name (default seed 1). */
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
 * Invariants: a non-global entry matches only its ASID; a global entry matches every ASID; `flushAsid` and
 * `flushVaAsid` never remove global entries; at most one entry per (first page, level, ASID-or-global).
 * `rights[s]` is always `cachedRightsOf(flags[s])`. `lookup`, `lookupPpn`, `translate`, `flagsOf`, `setFlags`
 * and `insert` never allocate or throw.
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
  /** {@link cachedRightsOf} each slot's flags, computed at fill time (the hit test of {@link lookupPpn}). */
  private readonly rights: Int32Array;
  /** Valid entries per level; lookup skips levels with none. */
  private readonly perLevel = new Int32Array(MAX_LEVEL + 1);
  private superEntries = 0;

  /** @throws RangeError on a bad geometry or policy. */
  constructor(options: SetAssociativeTlbOptions) {
    const { sets, ways } = options;
    if (!(Number.isInteger(sets) && sets >= 1 && sets <= 2 ** 20 && (sets & (sets - 1)) === 0)) {
      throw new RangeError(`TLB sets must be a power of two in [1, 2^20], got ${sets}`);
    }
    if (!(Number.isInteger(ways) && ways >= 1 && ways <= 1024)) {
      throw new RangeError(`TLB ways must be an integer in [1, 1024], got ${ways}`);
    }
    const policy =
      typeof options.policy === 'object'
        ? options.policy
        : createReplacementPolicy(options.policy ?? 'lru', options.rng);
    policy.attach(sets, ways);
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
    this.rights = new Int32Array(this.capacity);
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
   * One-call hit path (used by `Hart`): looks up `vpn` for `asid` exactly as {@link lookup} does (same statistics
   * and policy updates) and returns the frame backing the page (≥ 0) when an entry matches and its cached rights
   * include `rightsBit` (a `cachedRightsBit`); -1 on a miss, or on a hit whose rights lack the bit (the caller
   * walks). Never allocates or throws.
   */
  lookupPpn(vpn: number, asid: number, rightsBit: number): number {
    const s = this.lookup(vpn, asid);
    if (s < 0 || ((this.rights[s] as number) & rightsBit) === 0) return -1;
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
      this.flags[slot] = (flags & ~PteFlag.Global & 0x7f) | ((this.flags[slot] as number) & PteFlag.Global);
      this.rights[slot] = cachedRightsOf(this.flags[slot] as number);
    }
  }

  /** Returns the slot used, or {@link TLB_MISS} (nothing inserted) for a level outside 0..4 or a negative page. */
  insert(vpn: number, asid: number, level: number, ppn: number, flags: PteFlags, global: boolean): number {
    if (!(level >= 0 && level <= MAX_LEVEL && vpn >= 0 && ppn >= 0)) return TLB_MISS;
    level |= 0;
    const span = SPAN[level] as number;
    const quotient = Math.floor(vpn / span);
    const first = quotient * span;
    const firstPpn = Math.floor(ppn / span) * span;
    const set = quotient & this.setMask;
    const base = set * this.ways;
    const cached = (flags & 0x7f & ~PteFlag.Global) | (global ? PteFlag.Global : 0);
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
    this.rights[s] = cachedRightsOf(cached);
    this.perLevel[level] = (this.perLevel[level] as number) + 1;
    if (level > 0) this.superEntries++;
    this.policy.fill(set, way);
    this.stats.fills++;
    return s;
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

/**
 * A TLB that holds nothing: every lookup misses and every insert is dropped, so every translation walks.
 * For "TLB off" measurements and for checking that results do not depend on caching.
 */
export class NoTlb implements Tlb {
  readonly capacity = 0;
  readonly stats: TlbStats = emptyTlbStats();
  lookup(_vpn: number, _asid: number): number {
    this.stats.misses++;
    return TLB_MISS;
  }
  translate(_slot: number, _vpn: number): number {
    return -1;
  }
  flagsOf(_slot: number): PteFlags {
    return 0;
  }
  setFlags(_slot: number, _flags: PteFlags): void {}
  insert(
    _vpn: number,
    _asid: number,
    _level: number,
    _ppn: number,
    _flags: PteFlags,
    _global: boolean,
  ): number {
    return TLB_MISS;
  }
  flushAll(): void {
    this.stats.flushAll++;
  }
  flushAsid(_asid: number): void {
    this.stats.flushAsid++;
  }
  flushVa(_vpn: number): void {
    this.stats.flushVa++;
  }
  flushVaAsid(_vpn: number, _asid: number): void {
    this.stats.flushVaAsid++;
  }
  forEach(_visit: (entry: TlbEntryView) => void): void {}
  resetStats(): void {
    Object.assign(this.stats, emptyTlbStats());
  }
}

/**
 * Builds a TLB from a spec string, as the CLI's `--tlb` flag gives it:
 * - `SETSxWAYS[:POLICY]` — e.g. `16x4:lru` is 16 sets × 4 ways (64 entries) with LRU; `1x64:fifo` is fully
 *   associative; `256x1` is direct-mapped (policy defaults to `lru`). POLICY is `lru`, `fifo`, `random`, `plru`.
 * - `off` or `none` — a {@link NoTlb}.
 *
 * @param rng - randomness for `random` (default seed 1)
 * @throws RangeError with the reason on malformed input
 */
export function parseTlbSpec(spec: string, rng?: Rng): Tlb {
  if (typeof spec !== 'string') throw new RangeError('TLB spec must be a string like "16x4:lru"');
  const text = spec.trim().toLowerCase();
  if (text === 'off' || text === 'none') return new NoTlb();
  const m = /^(\d+)x(\d+)(?::([a-z]+))?$/.exec(text);
  if (!m) {
    throw new RangeError(`bad TLB spec "${spec}": expected SETSxWAYS[:POLICY] (e.g. "16x4:lru") or "off"`);
  }
  const sets = Number(m[1]);
  const ways = Number(m[2]);
  try {
    return new SetAssociativeTlb({ sets, ways, policy: m[3] ?? 'lru', rng });
  } catch (e) {
    throw new RangeError(`bad TLB spec "${spec}": ${(e as Error).message}`);
  }
}
