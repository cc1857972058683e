/**
 * `@pagewright/reclaim`: what a machine needs to live under memory pressure — a swap device with slots, a swap map
 * and a swap cache; page-replacement policies as plug-ins (Linux's two-list LRU by default, FIFO, CLOCK, second
 * chance, random, ARC, and OPT over a recorded reference stream); Linux's watermarks; the reclaim loop (kswapd and
 * direct reclaim) over any host that can age and evict pages; and `/proc/vmstat`'s reclaim counters.
 *
 * @packageDocumentation
 */

export { NO_PAGE, PageLists } from './page-lists.js';
export {
  NO_REFERENCES,
  type PageReplacementContext,
  type PageReplacementPolicy,
  type ReferenceProbe,
} from './page-replacement-policy.js';
export { ArcPolicy } from './policies/arc.js';
export { ClockPolicy } from './policies/clock.js';
export { FifoPagePolicy } from './policies/fifo.js';
export { OptPolicy } from './policies/opt.js';
export { RandomPagePolicy } from './policies/random.js';
export { SecondChancePolicy } from './policies/second-chance.js';
export { TwoListLruPolicy } from './policies/two-list-lru.js';
export {
  isPageReplacementPolicy,
  PAGE_REPLACEMENT_POLICIES,
  PAGE_REPLACEMENT_POLICY_NAMES,
  type PageReplacementPolicyName,
  type PageReplacementSpec,
  resolvePageReplacementPolicy,
} from './policy-registry.js';
export { Eviction, Reclaimer, type ReclaimHost, SWAP_CLUSTER_MAX } from './reclaimer.js';
export { NO_SLOT, SwapDevice, type SwapDeviceOptions, SwapError } from './swap-device.js';
export { simulateTrace, type TraceResult } from './trace.js';
export { VM_EVENT, VM_EVENT_NAMES, type VmEventName, VmEvents } from './vm-events.js';
export { checkWatermarks, linuxWatermarks, type Watermarks } from './watermarks.js';
