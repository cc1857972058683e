/**
 * `VmEvents`: the event counters of `/proc/vmstat` that faults, reclaim, swap and the OOM killer produce, under
 * Linux's names and in Linux's order (`include/linux/vm_event_item.h`, `mm/vmstat.c`'s `vmstat_text`). Only what
 * is modelled is here: a counter that nothing increments would be a claim about the simulator that is not true.
 *
 * @module
 */

/** The counters, in the order `/proc/vmstat` prints them. */
export const VM_EVENT_NAMES = [
  'pswpin',
  'pswpout',
  'allocstall_normal',
  'pgfault',
  'pgmajfault',
  'pgsteal_kswapd',
  'pgsteal_direct',
  'pgscan_kswapd',
  'pgscan_direct',
  'pgscan_anon',
  'pgsteal_anon',
  'kswapd_low_wmark_hit_quickly',
  'kswapd_high_wmark_hit_quickly',
  'oom_kill',
  'unevictable_pgs_culled',
  'unevictable_pgs_rescued',
] as const;

/** One counter's name. */
export type VmEventName = (typeof VM_EVENT_NAMES)[number];

/** Index of each counter in {@link VmEvents.counts} (for hot paths: `events.counts[VM_EVENT.pgfault]++`). */
export const VM_EVENT = Object.freeze(
  Object.fromEntries(VM_EVENT_NAMES.map((n, i) => [n, i])) as Record<VmEventName, number>,
);

/** Monotonic event counters, one per name of {@link VM_EVENT_NAMES}. */
export class VmEvents {
  /** The values, indexed by {@link VM_EVENT}. */
  readonly counts = new Float64Array(VM_EVENT_NAMES.length);

  /** The counter `name`. */
  get(name: VmEventName): number {
    return this.counts[VM_EVENT[name]] as number;
  }

  /** Adds `n` (default 1) to `name`. */
  add(name: VmEventName, n = 1): void {
    const i = VM_EVENT[name];
    this.counts[i] = (this.counts[i] as number) + n;
  }

  /** Every counter as `[name, value]`, in `/proc/vmstat` order. */
  entries(): [VmEventName, number][] {
    return VM_EVENT_NAMES.map((n, i) => [n, this.counts[i] as number]);
  }
}
