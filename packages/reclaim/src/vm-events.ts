/**
 * `VmEvents`: the event counters of `/proc/vmstat` that reclaim and swap produce, under Linux's names
 * (`include/linux/vm_event_item.h`, `mm/vmstat.c`'s `vmstat_text`).
 *
 * @module
 */

/** The counters, in the order `/proc/vmstat` prints them. */
export const VM_EVENT_NAMES = [
  'pgfault',
  'pgmajfault',
  'pswpin',
  'pswpout',
  'pgactivate',
  'pgdeactivate',
  'pgsteal_kswapd',
  'pgsteal_direct',
  'pgscan_kswapd',
  'pgscan_direct',
  'pgscan_anon',
  'pgsteal_anon',
  'allocstall_normal',
  'oom_kill',
  'unevictable_pgs_culled',
  'unevictable_pgs_rescued',
  'kswapd_low_wmark_hit_quickly',
  'kswapd_high_wmark_hit_quickly',
] as const;

/** One counter's name. */
export type VmEventName = (typeof VM_EVENT_NAMES)[number];

/** Monotonic event counters, one per name of {@link VM_EVENT_NAMES}. */
export class VmEvents {
  private readonly values = new Float64Array(VM_EVENT_NAMES.length);
  private static readonly index = new Map<string, number>(VM_EVENT_NAMES.map((n, i) => [n, i]));

  /** The counter `name`. */
  get(name: VmEventName): number {
    return this.values[VmEvents.index.get(name) as number] as number;
  }

  /** Adds `n` (default 1) to `name`. */
  add(name: VmEventName, n = 1): void {
    const i = VmEvents.index.get(name) as number;
    this.values[i] = (this.values[i] as number) + n;
  }

  /** Every counter as `[name, value]`, in `/proc/vmstat` order. */
  entries(): [VmEventName, number][] {
    return VM_EVENT_NAMES.map((n, i) => [n, this.values[i] as number]);
  }
}
