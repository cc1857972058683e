/**
 * `SwapDevice`: a swap area of page-sized slots (Linux `struct swap_info_struct`), the swap map of each slot (how
 * many swap-entry PTEs name it, `swap_map[]`), the swap cache (the frame that holds the slot's page while it is in
 * memory, `swap_cache`), and the stored contents.
 *
 * A slot is free when no PTE names it and it is not cached. Pages of zeros are stored without bytes. Contents live in
 * 256 KiB slabs of 64 pages, recycled, never returned to the host; per slot the device keeps 16 bytes of metadata
 * (map count, cached frame, contents index, free-list entry).
 *
 * @module
 */

import type { PhysicalMemory } from '@pagewright/core';

/** No slot (a failed {@link SwapDevice.alloc}), no frame in the swap cache. */
export const NO_SLOT = -1;

const PAGE = 4096;
const SLAB_PAGES = 64;
/** Contents index of a slot holding zeros (no bytes stored). */
const ZERO = -1;
/** Contents index of a slot with nothing written yet. */
const UNWRITTEN = -2;

/** Thrown for a bad use of a slot (free of a free slot, an index out of range): the caller's bug. */
export class SwapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SwapError';
  }
}

/** How to build a {@link SwapDevice}. */
export interface SwapDeviceOptions {
  /** Number of page slots (Linux's swap size / 4 KiB). */
  slots: number;
}

/**
 * A swap area.
 *
 * Invariants: `used` is the number of slots that are named by a PTE or cached; a slot's contents exist from
 * {@link SwapDevice.write} until it is freed; a failed {@link SwapDevice.alloc} changes nothing but the allocation
 * counter.
 */
export class SwapDevice {
  /** Number of slots. */
  readonly slots: number;
  private readonly refs: Int32Array;
  private readonly cached: Int32Array;
  private readonly contents: Int32Array;
  private readonly freeSlots: Int32Array;
  private freeTop: number;
  private readonly slabs: Uint8Array[] = [];
  private freePages: Int32Array = new Int32Array(0);
  private freePagesTop = 0;
  private storedPages = 0;
  private readonly scratch = new Uint8Array(PAGE);
  private failAt = 0;
  /** Slot allocations attempted so far (fault injection counts them). */
  allocations = 0;

  constructor(options: SwapDeviceOptions) {
    const n = options.slots;
    if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 31))
      throw new RangeError(`swap slots must be an integer in [0, 2^31), got ${String(n)}`);
    this.slots = n;
    this.refs = new Int32Array(n);
    this.cached = new Int32Array(n).fill(NO_SLOT);
    this.contents = new Int32Array(n).fill(UNWRITTEN);
    this.freeSlots = new Int32Array(n);
    for (let i = 0; i < n; i++) this.freeSlots[i] = n - 1 - i; // lowest slot first
    this.freeTop = n;
  }

  /** Slots in use. */
  get used(): number {
    return this.slots - this.freeTop;
  }

  /** Slots free. */
  get free(): number {
    return this.freeTop;
  }

  /** Slots holding stored bytes (the others in use hold zeros or are not written yet). */
  get storedBytes(): number {
    return this.storedPages * PAGE;
  }

  /** Fault injection: the `n`-th allocation from now (1-based) fails; 0 disarms. */
  failOnAllocation(n: number): void {
    this.failAt = n > 0 ? this.allocations + n : 0;
  }

  /**
   * A free slot, cached by frame `pfn` (the page being swapped out stays in the swap cache until it is written and
   * freed), with no PTE naming it yet; or {@link NO_SLOT} when the device is full (nothing changes).
   */
  alloc(pfn: number): number {
    this.allocations++;
    if (this.failAt !== 0 && this.allocations === this.failAt) {
      this.failAt = 0;
      return NO_SLOT;
    }
    if (this.freeTop === 0) return NO_SLOT;
    const slot = this.freeSlots[--this.freeTop] as number;
    this.cached[slot] = pfn;
    return slot;
  }

  /** PTEs naming `slot` (Linux `swap_count`). */
  count(slot: number): number {
    this.check(slot);
    return this.refs[slot] as number;
  }

  /** One more PTE names `slot` (Linux `swap_duplicate`: swap-out of another mapping, fork). */
  dup(slot: number): void {
    this.checkUsed(slot);
    this.refs[slot] = (this.refs[slot] as number) + 1;
  }

  /**
   * One PTE less names `slot` (Linux `swap_free`: swap-in, zap, exit). Returns the remaining count; a slot neither
   * named nor cached is freed.
   */
  put(slot: number): number {
    this.checkUsed(slot);
    if ((this.refs[slot] as number) === 0) throw new SwapError(`slot ${slot} has no PTE to drop`);
    const left = (this.refs[slot] as number) - 1;
    this.refs[slot] = left;
    if (left === 0 && (this.cached[slot] as number) === NO_SLOT) this.release(slot);
    return left;
  }

  /** The frame caching `slot`, or {@link NO_SLOT}. */
  cacheFrame(slot: number): number {
    this.check(slot);
    return this.cached[slot] as number;
  }

  /** Frame `pfn` now holds `slot`'s page (swap-in added it to the swap cache). */
  setCache(slot: number, pfn: number): void {
    this.checkUsed(slot);
    this.cached[slot] = pfn;
  }

  /** `slot` leaves the swap cache; a slot no PTE names is freed. */
  uncache(slot: number): void {
    this.checkUsed(slot);
    this.cached[slot] = NO_SLOT;
    if ((this.refs[slot] as number) === 0) this.release(slot);
  }

  /** Stores frame `pfn` of `memory` as `slot`'s contents (`swap_writepage`); a frame of zeros stores no bytes. */
  write(slot: number, memory: PhysicalMemory, pfn: number): void {
    this.checkUsed(slot);
    this.dropContents(slot);
    if (memory.isFrameZero(pfn)) {
      this.contents[slot] = ZERO;
      return;
    }
    const page = this.takePage();
    memory.readBytes(pfn * PAGE, this.scratch);
    (this.slabs[page >>> 6] as Uint8Array).set(this.scratch, (page & (SLAB_PAGES - 1)) * PAGE);
    this.contents[slot] = page;
  }

  /** Reads `slot`'s contents into frame `pfn` of `memory` (`swap_read_folio`). */
  read(slot: number, memory: PhysicalMemory, pfn: number): void {
    this.checkUsed(slot);
    const page = this.contents[slot] as number;
    if (page === UNWRITTEN) throw new SwapError(`slot ${slot} was never written`);
    if (page === ZERO) {
      memory.zeroFrame(pfn);
      return;
    }
    const off = (page & (SLAB_PAGES - 1)) * PAGE;
    this.scratch.set((this.slabs[page >>> 6] as Uint8Array).subarray(off, off + PAGE));
    memory.writeBytes(pfn * PAGE, this.scratch);
  }

  private release(slot: number): void {
    this.dropContents(slot);
    this.contents[slot] = UNWRITTEN;
    this.freeSlots[this.freeTop++] = slot;
  }

  private dropContents(slot: number): void {
    const page = this.contents[slot] as number;
    if (page >= 0) {
      this.freePages[this.freePagesTop++] = page;
      this.storedPages--;
    }
  }

  private takePage(): number {
    if (this.freePagesTop === 0) {
      const base = this.slabs.length * SLAB_PAGES;
      this.slabs.push(new Uint8Array(SLAB_PAGES * PAGE));
      const grown = new Int32Array(this.slabs.length * SLAB_PAGES);
      grown.set(this.freePages.subarray(0, this.freePagesTop));
      this.freePages = grown;
      for (let i = SLAB_PAGES - 1; i >= 0; i--) this.freePages[this.freePagesTop++] = base + i;
    }
    this.storedPages++;
    return this.freePages[--this.freePagesTop] as number;
  }

  private check(slot: number): void {
    if (!(Number.isInteger(slot) && slot >= 0 && slot < this.slots))
      throw new SwapError(`slot ${String(slot)} is out of range [0, ${this.slots})`);
  }

  private checkUsed(slot: number): void {
    this.check(slot);
    if ((this.refs[slot] as number) === 0 && (this.cached[slot] as number) === NO_SLOT)
      throw new SwapError(`slot ${slot} is free`);
  }
}
