/**
 * `Reclaimer`: the reclaim loop of `mm/vmscan.c` over any host that can age and evict pages — kswapd's
 * `balance_pgdat` (reclaim until the high watermark) and direct reclaim's `try_to_free_pages` (a batch of
 * `SWAP_CLUSTER_MAX` pages for a failing allocation) — with the replacement decision left to a
 * {@link PageReplacementPolicy} and mlocked pages parked on an unevictable list.
 *
 * The host owns the pages: it says how many frames are free, answers the policy's reference probes
 * (`folio_referenced`) and evicts a page (`shrink_folio_list`: unmap through the reverse map, write to swap, free).
 *
 * @module
 */

import { NO_PAGE, PageLists } from './page-lists.js';
import type { PageReplacementPolicy, ReferenceProbe } from './page-replacement-policy.js';
import type { VmEvents } from './vm-events.js';
import type { Watermarks } from './watermarks.js';

/** What {@link ReclaimHost.evict} did with a page. */
export const Eviction = {
  /** The page is gone (swapped out and freed). */
  Evicted: 0,
  /** Not now (busy, not mapped where reclaim can see it): back to the policy. */
  Keep: 1,
  /** Cannot be evicted while it is locked (`VM_LOCKED`): parked on the unevictable list. */
  Unevictable: 2,
  /** Swap is full (or an injected failure): back to the policy, and this pass stops. */
  NoSwap: 3,
} as const;

/** What a reclaim host provides. */
export interface ReclaimHost {
  /** Free frames now. */
  freeFrames(): number;
  /** `folio_referenced`: PTEs of `page` whose accessed bit was set (cleared). */
  referenced(page: number): number;
  /** Tries to evict `page` (taken from the policy); one of {@link Eviction}. */
  evict(page: number): number;
}

/** Linux `SWAP_CLUSTER_MAX`: the batch of one reclaim pass. */
export const SWAP_CLUSTER_MAX = 32;

/**
 * The reclaim loop of one machine.
 *
 * Invariant: an evictable page the host reported ({@link Reclaimer.pageAdded}) and has not freed is held by the
 * policy, parked as unevictable, or being evicted (inside a pass), never two of these.
 */
export class Reclaimer {
  private readonly unevictable: PageLists;
  private readonly probe: ReferenceProbe;
  private probed = NO_PAGE;
  private probes = 0;
  private evicting = NO_PAGE;

  constructor(
    readonly policy: PageReplacementPolicy,
    readonly watermarks: Watermarks,
    readonly events: VmEvents,
    private readonly host: ReclaimHost,
    pages: number,
  ) {
    this.unevictable = new PageLists(pages, 1);
    this.probe = (page) => {
      this.probed = page;
      this.probes++;
      return this.host.referenced(page);
    };
  }

  /** Pages parked as unevictable (Linux `nr_unevictable`). */
  get unevictablePages(): number {
    return this.unevictable.size(1);
  }

  /** A new evictable page is resident (`folio_add_lru`). */
  pageAdded(page: number): void {
    this.policy.insert(page);
  }

  /** `page` was freed: it leaves the policy or the unevictable list. */
  pageFreed(page: number): void {
    if (page === this.evicting) return;
    if (!this.policy.remove(page)) this.unevictable.remove(page);
  }

  /** True when `page` is parked as unevictable. */
  isUnevictable(page: number): boolean {
    return this.unevictable.listOf(page) !== 0;
  }

  /**
   * kswapd's step (`balance_pgdat`): when free frames are below `low`, reclaims until they reach `high` or a pass
   * frees nothing. Returns the pages reclaimed.
   */
  kswapd(): number {
    if (this.host.freeFrames() >= this.watermarks.low) {
      this.events.add('kswapd_low_wmark_hit_quickly');
      return 0;
    }
    let total = 0;
    while (this.host.freeFrames() < this.watermarks.high) {
      const n = this.shrink(Math.max(SWAP_CLUSTER_MAX, this.watermarks.high - this.host.freeFrames()), false);
      if (n === 0) break;
      total += n;
    }
    if (this.host.freeFrames() >= this.watermarks.high) this.events.add('kswapd_high_wmark_hit_quickly');
    return total;
  }

  /** Direct reclaim for a failing allocation (`try_to_free_pages`): up to {@link SWAP_CLUSTER_MAX} pages. */
  direct(): number {
    this.events.add('allocstall_normal');
    return this.shrink(SWAP_CLUSTER_MAX, true);
  }

  /**
   * One pass (`shrink_lruvec`): asks the policy for victims until `target` pages are evicted, swap is full, or every
   * page held at the start was looked at once. When the target is not met, parked pages are given back to the
   * policy (a page munlocked since it was parked becomes evictable again) and looked at in the next pass.
   */
  shrink(target: number, direct: boolean): number {
    const policy = this.policy;
    let attempts = policy.size;
    let evicted = 0;
    const kept: number[] = [];
    while (evicted < target && attempts-- > 0) {
      this.probed = NO_PAGE;
      this.probes = 0;
      const page = policy.victim(this.probe);
      const scanned = this.probes + (this.probed === page ? 0 : 1);
      this.events.add(direct ? 'pgscan_direct' : 'pgscan_kswapd', scanned);
      this.events.add('pgscan_anon', scanned);
      if (page === NO_PAGE) break;
      this.evicting = page;
      let r: number;
      try {
        r = this.host.evict(page);
      } finally {
        this.evicting = NO_PAGE;
      }
      if (r === Eviction.Evicted) {
        evicted++;
        this.events.add(direct ? 'pgsteal_direct' : 'pgsteal_kswapd');
        this.events.add('pgsteal_anon');
      } else if (r === Eviction.Unevictable) {
        this.unevictable.pushHead(1, page);
        this.events.add('unevictable_pgs_culled');
      } else {
        kept.push(page);
        if (r === Eviction.NoSwap) break;
      }
    }
    for (const page of kept) policy.insert(page);
    if (evicted < target) this.rescueUnevictable();
    return evicted;
  }

  /** Gives every parked page back to the policy (they are checked again when next chosen). */
  private rescueUnevictable(): void {
    const lists = this.unevictable;
    for (let p = lists.tail(1); p !== NO_PAGE; p = lists.tail(1)) {
      lists.remove(p);
      this.policy.insert(p);
      this.events.add('unevictable_pgs_rescued');
    }
  }
}
