/**
 * Free-area search policies (plug-ins): where does a new mapping of `length` pages go when the caller did not
 * insist on an address (Linux `get_unmapped_area`).
 *
 * - {@link TopDownPlacement}: Linux's default (`generic_get_unmapped_area_topdown`): the highest free area below
 *   `mmapBase`, above `mmapMin`; if none, a bottom-up search from `fallbackBase` up to `taskSize`.
 * - {@link BottomUpPlacement}: Linux's legacy layout and DragonOS's `find_free`: the lowest free area at or above
 *   `base`.
 *
 * Both first honour a hint when the hinted range is free — including the stack guard gap below a `VM_GROWSDOWN`
 * VMA (`vm_start_gap`) — and lies in `[mmapMin, taskSize)`. The searches are the index's O(log n) (tree) gap
 * searches. All values are page numbers; the caller converts byte addresses (and rounds the hint) at the edge.
 *
 * Not modelled: the extra guard Linux ≥ 6.8 reserves below a *new* GROWSDOWN mapping (`stack_guard_placement`),
 * and THP alignment of large anonymous mappings (the `alignPages` option can request it).
 *
 * @module
 */

import { MAX_VPN } from './virt-region.js';
import type { VmaIndex } from './vma-index.js';
import { vmaStartGap } from './vma-index.js';

/** A placement request; all numbers are pages. */
export interface PlacementRequest {
  /** Pages wanted (>= 1). */
  length: number;
  /** A page-aligned hint as a page number; 0 or undefined for none. */
  hint?: number | undefined;
  /** Alignment in pages: a power of two in `[1, 2^30]` (default 1). */
  alignPages?: number | undefined;
  /** Alignment offset in pages (default 0): the result satisfies `(start - alignOffset) % alignPages === 0`. */
  alignOffset?: number | undefined;
}

/**
 * A free-area search policy.
 *
 * The contract (checked by the kit `checkPlacementPolicy` of `@pagewright/vma/testing`, ids in brackets), for a
 * policy made for a layout `{ taskSize, mmapBase, mmapMin, unmappedBase }`:
 * - [name] `name` is a non-empty string.
 * - [free-area] A result other than -1 is the start of a free area of `length` pages inside `[mmapMin, taskSize)`,
 *   ending at or below `vm_start_gap` of the VMA above (so clear of the stack guard gap below `VM_GROWSDOWN`).
 * - [aligned] A result other than -1 satisfies `(start - alignOffset) % alignPages === 0`.
 * - [finds-space] The result is -1 (ENOMEM) when no free area for the request exists in `[max(1, mmapMin),
 *   taskSize)`, and never when one exists in `[unmappedBase, taskSize)` (where both Linux layouts search).
 * - [hint] A hint whose whole range is free ({@link hintIsFree}) is returned as is.
 * - [bad-request] A malformed request throws a `RangeError` ({@link PlacementError}).
 * - [no-mutation] `place` never changes the index.
 * - [deterministic] The same request on the same index gives the same answer.
 */
export interface PlacementPolicy {
  /** A short name for reports (`"top-down"`, `"bottom-up"`). */
  readonly name: string;
  /** The first page of a free area for `req`, or -1 when there is none (the system call answers ENOMEM). */
  place(index: VmaIndex, req: PlacementRequest): number;
}

/** Thrown for a malformed {@link PlacementRequest} or policy option. */
export class PlacementError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'PlacementError';
  }
}

/** Options of {@link TopDownPlacement}. */
export interface TopDownOptions {
  /** Lowest page a mapping may use (`mmap_min_addr`, default 0x10 = 64 KiB). */
  mmapMin?: number | undefined;
  /** One past the highest page the top-down search uses (`mm->mmap_base`). */
  mmapBase: number;
  /** One past the last user page (`TASK_SIZE`). */
  taskSize: number;
  /** Where the bottom-up fallback starts (`TASK_UNMAPPED_BASE`); default `taskSize / 3`. */
  fallbackBase?: number | undefined;
}

/** Options of {@link BottomUpPlacement}. */
export interface BottomUpOptions {
  /** Lowest page a mapping may use (`mmap_min_addr`, default 0x10). */
  mmapMin?: number | undefined;
  /** Where the search starts (Linux legacy `mmap_base`, DragonOS `mmap_min`); default `mmapMin`. */
  base?: number | undefined;
  /** One past the last user page (`TASK_SIZE`). */
  taskSize: number;
}

/** Linux's default `mmap_min_addr` (64 KiB) in pages. */
export const DEFAULT_MMAP_MIN = 0x10;

interface Normalised {
  length: number;
  hint: number;
  alignMask: number;
  alignOffset: number;
}

function normalise(req: PlacementRequest): Normalised {
  const { length } = req;
  if (!Number.isInteger(length) || length < 1 || length > MAX_VPN)
    throw new PlacementError(`bad length ${String(length)}`);
  const hint = req.hint ?? 0;
  if (!Number.isInteger(hint) || hint < 0 || hint > MAX_VPN)
    throw new PlacementError(`bad hint ${String(hint)}`);
  const align = req.alignPages ?? 1;
  if (!Number.isInteger(align) || align < 1 || align > 2 ** 30 || (align & (align - 1)) !== 0)
    throw new PlacementError(`bad alignment ${String(align)}`);
  const off = req.alignOffset ?? 0;
  if (!Number.isInteger(off) || off < 0 || off > MAX_VPN)
    throw new PlacementError(`bad align offset ${String(off)}`);
  return { length, hint, alignMask: align - 1, alignOffset: off };
}

function checkLimit(what: string, v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > MAX_VPN) throw new PlacementError(`bad ${what} ${String(v)}`);
  return v;
}

/**
 * The hint test of `generic_get_unmapped_area{,_topdown}`: the hinted range fits below `taskSize`, starts at or
 * above `mmapMin`, ends at or below `vm_start_gap` of the VMA above, and starts at or above the end of the VMA below.
 */
export function hintIsFree(
  index: VmaIndex,
  hint: number,
  length: number,
  mmapMin: number,
  taskSize: number,
): boolean {
  if (hint === 0 || taskSize - length < hint || hint < mmapMin) return false;
  const above = index.findFrom(hint);
  const below = above === undefined ? index.last() : index.prevOf(above);
  if (above !== undefined && hint + length > vmaStartGap(above, index.stackGuardGap)) return false;
  return below === undefined || hint >= below.end;
}

/** Linux's default placement: highest free area below `mmapBase` (see the module comment). */
export class TopDownPlacement implements PlacementPolicy {
  readonly name = 'top-down';
  readonly mmapMin: number;
  readonly mmapBase: number;
  readonly taskSize: number;
  readonly fallbackBase: number;

  constructor(options: TopDownOptions) {
    this.mmapMin = checkLimit('mmapMin', options.mmapMin ?? DEFAULT_MMAP_MIN);
    this.taskSize = checkLimit('taskSize', options.taskSize);
    this.mmapBase = checkLimit('mmapBase', options.mmapBase);
    this.fallbackBase = checkLimit('fallbackBase', options.fallbackBase ?? Math.floor(options.taskSize / 3));
    if (this.mmapBase > this.taskSize) throw new PlacementError('mmapBase above taskSize');
  }

  place(index: VmaIndex, req: PlacementRequest): number {
    const r = normalise(req);
    if (r.length > this.taskSize - this.mmapMin) return -1;
    if (hintIsFree(index, r.hint, r.length, this.mmapMin, this.taskSize)) return r.hint;
    const low = Math.max(1, this.mmapMin);
    const a = index.findGapTopDown({ ...r, low, high: this.mmapBase });
    if (a >= 0) return a;
    return index.findGapBottomUp({ ...r, low: Math.max(low, this.fallbackBase), high: this.taskSize });
  }
}

/** Bottom-up placement: the lowest free area at or above `base` (Linux legacy layout, DragonOS). */
export class BottomUpPlacement implements PlacementPolicy {
  readonly name = 'bottom-up';
  readonly mmapMin: number;
  readonly base: number;
  readonly taskSize: number;

  constructor(options: BottomUpOptions) {
    this.mmapMin = checkLimit('mmapMin', options.mmapMin ?? DEFAULT_MMAP_MIN);
    this.base = checkLimit('base', options.base ?? this.mmapMin);
    this.taskSize = checkLimit('taskSize', options.taskSize);
  }

  place(index: VmaIndex, req: PlacementRequest): number {
    const r = normalise(req);
    if (r.length > this.taskSize - this.mmapMin) return -1;
    if (hintIsFree(index, r.hint, r.length, this.mmapMin, this.taskSize)) return r.hint;
    return index.findGapBottomUp({ ...r, low: Math.max(this.base, this.mmapMin), high: this.taskSize });
  }
}
