/**
 * The contract kit of {@link TlbFlusher}: {@link checkTlbFlusher} runs every rule of the interface's TSDoc on
 * flushers made by your factory, over TLBs the kit provides and watches, and reports which rules hold.
 *
 * ```ts
 * import { assertContract, checkTlbFlusher } from '@pagewright/core/testing';
 * assertContract(checkTlbFlusher(({ tlbs, asid }) => new MyFlusher(tlbs, asid), { name: 'my-flusher' }));
 * ```
 *
 * @module
 */

import { PteFlag, type PteFlags } from '../hardware.js';
import { emptyTlbStats, TLB_MISS, type Tlb, type TlbEntryView, type TlbStats } from '../tlb.js';
import type { TlbFlusher } from '../tlb-flusher.js';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  ensureEqual,
  type KitOptions,
  runContract,
} from './kit.js';

/**
 * What a flusher under test is built for: the TLBs that may cache the address space's entries (one per CPU the
 * space runs on) and the address-space tag those entries carry.
 */
export interface TlbFlusherTarget {
  /** The TLBs the flusher must invalidate (the kit's own, which it watches). */
  readonly tlbs: readonly Tlb[];
  /** The tag (ASID, PCID) of the address space's entries. */
  readonly asid: number;
}

/** Makes a fresh flusher for `target` (every call a new, empty one). */
export type TlbFlusherFactory = (target: TlbFlusherTarget) => TlbFlusher;

/** Options of {@link checkTlbFlusher}. */
export interface TlbFlusherKitOptions extends KitOptions {
  /** CPUs the address space runs on (default 3: a local one and two remote ones). */
  cpus?: number | undefined;
  /**
   * False for a flusher of an address space that runs on no CPU (its stale entries are flushed when it is next
   * activated, so no TLB can reach a freed frame in between): the rules then check queuing, releases and `pending`
   * only. Default true.
   */
  invalidates?: boolean | undefined;
}

/** A factory with the options the rules read. */
export interface TlbFlusherKitSubject {
  readonly make: TlbFlusherFactory;
  readonly cpus: number;
  readonly invalidates: boolean;
}

/** The tag of the address space under test, and of another one whose entries may stay. */
const ASID = 5;
const RW = PteFlag.Read | PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty;

/**
 * A minimal fully associative TLB that the kit fills and inspects (no eviction: it holds what the rules insert).
 * It implements the core `Tlb` contract, so a flusher may call any of its operations.
 */
class WatchedTlb implements Tlb {
  readonly capacity = 1 << 16;
  readonly stats: TlbStats = emptyTlbStats();
  private readonly entries: { vpn: number; asid: number; ppn: number; flags: PteFlags; global: boolean }[] =
    [];

  lookup(vpn: number, asid: number): number {
    const i = this.entries.findIndex((e) => e.vpn === vpn && (e.global || e.asid === asid));
    if (i < 0) this.stats.misses++;
    else this.stats.hits++;
    return i < 0 ? TLB_MISS : i;
  }
  /** True when an entry for `vpn` tagged `asid` (or global) is cached; counts nothing. */
  holds(vpn: number, asid: number): boolean {
    return this.entries.some((e) => e.vpn === vpn && (e.global || e.asid === asid));
  }
  /** True when any entry tagged `asid` (not global) is cached. */
  holdsAny(asid: number): boolean {
    return this.entries.some((e) => !e.global && e.asid === asid);
  }
  translate(slot: number, _vpn: number): number {
    return this.entries[slot]?.ppn ?? TLB_MISS;
  }
  flagsOf(slot: number): PteFlags {
    return this.entries[slot]?.flags ?? 0;
  }
  setFlags(slot: number, flags: PteFlags): void {
    const e = this.entries[slot];
    if (e !== undefined) e.flags = flags;
  }
  insert(vpn: number, asid: number, _level: number, ppn: number, flags: PteFlags, global: boolean): number {
    this.stats.fills++;
    return this.entries.push({ vpn, asid, ppn, flags, global }) - 1;
  }
  private drop(keep: (e: WatchedTlb['entries'][number]) => boolean): void {
    const before = this.entries.length;
    const kept = this.entries.filter(keep);
    this.entries.length = 0;
    this.entries.push(...kept);
    this.stats.invalidated += before - kept.length;
  }
  flushAll(): void {
    this.stats.flushAll++;
    this.drop(() => false);
  }
  flushAsid(asid: number): void {
    this.stats.flushAsid++;
    this.drop((e) => e.global || e.asid !== asid);
  }
  flushVa(vpn: number): void {
    this.stats.flushVa++;
    this.drop((e) => e.vpn !== vpn);
  }
  flushVaAsid(vpn: number, asid: number): void {
    this.stats.flushVaAsid++;
    this.drop((e) => e.global || e.vpn !== vpn || e.asid !== asid);
  }
  forEach(visit: (entry: TlbEntryView) => void): void {
    for (const e of this.entries) visit({ ...e, level: 0 });
  }
  resetStats(): void {
    Object.assign(this.stats, emptyTlbStats());
  }
}

interface Bench {
  readonly flusher: TlbFlusher;
  readonly tlbs: readonly WatchedTlb[];
}

function bench(subject: TlbFlusherKitSubject): Bench {
  const tlbs = Array.from({ length: subject.cpus }, () => new WatchedTlb());
  const flusher = subject.make({ tlbs, asid: ASID });
  ensure(
    typeof flusher === 'object' && flusher !== null,
    `the factory returned ${String(flusher)}, not a flusher`,
  );
  return { flusher, tlbs };
}

/** Caches page `vpn` of the address space in every TLB (and the same page of another address space). */
function cache(b: Bench, vpn: number): void {
  for (const t of b.tlbs) {
    t.insert(vpn, ASID, 0, 0x1000 + vpn, RW, false);
    t.insert(vpn, ASID + 1, 0, 0x2000 + vpn, RW, false);
  }
}

/** Which TLBs still hold page `vpn` of the address space. */
function stillHolding(b: Bench, vpn: number): number[] {
  return b.tlbs.flatMap((t, i) => (t.holds(vpn, ASID) ? [i] : []));
}

/** The rules {@link checkTlbFlusher} checks, in the words of the {@link TlbFlusher} TSDoc. */
export const TLB_FLUSHER_RULES: readonly ContractRule<TlbFlusherKitSubject>[] = [
  {
    id: 'queue-only',
    text: '`flushPage`/`flushAll` only queue: nothing is invalidated until `dispatch`',
    check(s) {
      const b = bench(s);
      for (const vpn of [10, 11, 12]) cache(b, vpn);
      b.flusher.flushPage(10);
      b.flusher.flushPage(11);
      b.flusher.flushAll();
      for (const vpn of [10, 11, 12])
        ensureEqual(stillHolding(b, vpn).length, s.cpus, `TLBs holding page ${vpn} before dispatch`);
      b.flusher.dispatch();
    },
  },
  {
    id: 'page-invalidated',
    text: 'after `dispatch`, no TLB the address space runs on holds a page queued with `flushPage`',
    check(s) {
      if (!s.invalidates) return;
      const b = bench(s);
      const pages = [20, 21, 22, 40, 4096, 2 ** 35 - 1];
      for (const vpn of pages) cache(b, vpn);
      for (const vpn of pages) b.flusher.flushPage(vpn);
      b.flusher.dispatch();
      for (const vpn of pages)
        ensureEqual(stillHolding(b, vpn).join(','), '', `TLBs still holding page ${vpn}`);
    },
  },
  {
    id: 'many-pages',
    text: 'any number of queued pages is invalidated by one `dispatch` (a flusher may collapse them into one flush)',
    check(s) {
      if (!s.invalidates) return;
      const b = bench(s);
      for (let vpn = 100; vpn < 300; vpn++) cache(b, vpn);
      for (let vpn = 100; vpn < 300; vpn++) b.flusher.flushPage(vpn);
      b.flusher.dispatch();
      for (let vpn = 100; vpn < 300; vpn++)
        ensureEqual(stillHolding(b, vpn).join(','), '', `TLBs still holding page ${vpn}`);
    },
  },
  {
    id: 'all-invalidated',
    text: 'after `flushAll` and `dispatch`, no TLB the address space runs on holds any of its entries',
    check(s) {
      if (!s.invalidates) return;
      const b = bench(s);
      for (const vpn of [1, 2, 3, 1000]) cache(b, vpn);
      b.flusher.flushAll();
      b.flusher.dispatch();
      for (const [i, t] of b.tlbs.entries())
        ensure(!t.holdsAny(ASID), `TLB ${i} still holds entries of the address space`);
    },
  },
  {
    id: 'release-after-invalidation',
    text: 'a frame passed to `deferFree` is released only after `dispatch` invalidated every TLB that could reach it',
    check(s) {
      const b = bench(s);
      cache(b, 50);
      const released: number[] = [];
      let heldAtRelease = '';
      b.flusher.flushPage(50);
      b.flusher.deferFree(0x1032, (pfn) => {
        released.push(pfn);
        heldAtRelease = stillHolding(b, 50).join(',');
      });
      ensureEqual(released.length, 0, 'releases run before dispatch');
      b.flusher.dispatch();
      ensureEqual(released.join(','), String(0x1032), 'frames released by dispatch');
      if (s.invalidates)
        ensureEqual(heldAtRelease, '', 'TLBs still holding the page when its frame was released');
    },
  },
  {
    id: 'release-once',
    text: 'each deferred release runs exactly once, at the first `dispatch` after it was queued',
    check(s) {
      const b = bench(s);
      const runs = new Map<number, number>();
      const release = (pfn: number) => runs.set(pfn, (runs.get(pfn) ?? 0) + 1);
      for (const pfn of [1, 2, 3]) b.flusher.deferFree(pfn, release);
      b.flusher.flushPage(7);
      b.flusher.dispatch();
      b.flusher.dispatch();
      b.flusher.deferFree(4, release);
      b.flusher.dispatch();
      b.flusher.dispatch();
      ensureEqual([...runs].map(([p, n]) => `${p}:${n}`).join(' '), '1:1 2:1 3:1 4:1', 'releases by frame');
    },
  },
  {
    id: 'pending',
    text: '`pending` counts the queued page invalidations (a queued full flush counts as one) and is 0 after `dispatch`',
    check(s) {
      const b = bench(s);
      ensureEqual(b.flusher.pending, 0, 'pending of a new flusher');
      b.flusher.flushPage(3);
      ensure(b.flusher.pending >= 1, `pending after one queued page is ${b.flusher.pending}`);
      b.flusher.dispatch();
      ensureEqual(b.flusher.pending, 0, 'pending after dispatch');
      b.flusher.flushAll();
      ensure(b.flusher.pending >= 1, `pending after a queued full flush is ${b.flusher.pending}`);
      b.flusher.dispatch();
      ensureEqual(b.flusher.pending, 0, 'pending after dispatch');
    },
  },
  {
    id: 'idle-dispatch',
    text: '`dispatch` with nothing queued changes no TLB entry and runs no release',
    check(s) {
      const b = bench(s);
      cache(b, 60);
      b.flusher.dispatch();
      ensureEqual(stillHolding(b, 60).length, s.cpus, 'TLBs holding the page after an idle dispatch');
    },
  },
  {
    id: 'other-spaces-kept',
    text: 'a page flush of the address space never removes another address space’s entries for other pages',
    check(s) {
      if (!s.invalidates) return;
      const b = bench(s);
      for (const t of b.tlbs) t.insert(70, ASID + 1, 0, 0x70, RW, false);
      cache(b, 71);
      b.flusher.flushPage(71);
      b.flusher.dispatch();
      // Collapsing into a full flush of every tag is allowed only past a threshold of queued pages, not for one.
      for (const [i, t] of b.tlbs.entries())
        ensure(t.holds(70, ASID + 1), `TLB ${i} lost another address space's page 70`);
    },
  },
];

/**
 * Runs every {@link TLB_FLUSHER_RULES} rule on flushers made by `factory` over TLBs the kit provides (`cpus` of
 * them, default 3) and reports which held. Never throws for a broken rule; pass the report to `assertContract`.
 */
export function checkTlbFlusher(
  factory: TlbFlusherFactory,
  options: TlbFlusherKitOptions = {},
): ContractReport {
  const subject: TlbFlusherKitSubject = {
    make: factory,
    cpus: options.cpus ?? 3,
    invalidates: options.invalidates ?? true,
  };
  return runContract('TlbFlusher', TLB_FLUSHER_RULES, subject, options);
}
