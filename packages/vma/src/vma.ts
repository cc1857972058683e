/**
 * `Vma`: one virtual memory area — a page range with uniform rights and backing (Linux `vm_area_struct`,
 * DragonOS `VMA`).
 *
 * ## Mutability (who may change what)
 * Every field is `readonly` in the public type. While a VMA belongs to a {@link VmaSet}, only that set changes it
 * (split, merge, modify, grow), because the index's order and gap bookkeeping depend on `start`, `end` and
 * `VM_GROWSDOWN`. The one exception is {@link VmaSet.prepareAnonVma}, which attaches an anon_vma on the first fault.
 * A VMA that is not in any set may be built freely with the constructor; {@link Vma.with} copies one with changes.
 *
 * @module
 */

import { VM_GROWSDOWN, type VmFlags, vmFlags } from '@pagewright/core';
import type { AnonVma } from './anon-vma.js';
import { ANON_PRIVATE, type Backing } from './backing.js';
import { isValidRegion, RegionError, VirtRegion } from './virt-region.js';

/** What {@link Vma}'s constructor takes. */
export interface VmaInit {
  /** First page (inclusive). */
  start: number;
  /** One past the last page (exclusive); `end > start`. */
  end: number;
  /** The flag word (Linux bits, see `@pagewright/core`). */
  flags: VmFlags;
  /** Defaults to private anonymous. */
  backing?: Backing | undefined;
  /**
   * Page offset of `start` in the backing. Defaults to `start` for private anonymous memory (Linux sets
   * `vm_pgoff = addr >> PAGE_SHIFT` at creation and keeps it through moves) and 0 otherwise.
   */
  pgoff?: number | undefined;
  /** The anon_vma (only private anonymous or private file VMAs ever get one). Default `null`. */
  anonVma?: AnonVma | null | undefined;
  /**
   * Linux's `anon_vma_chain`: every anon_vma this VMA is linked to. Defaults to `[anonVma]` (or `[]`). A fork child
   * has its parent's chain plus its own anon_vma, so its chain is longer than one.
   */
  anonChain?: readonly AnonVma[] | undefined;
  /** The anonymous name (`PR_SET_VMA_ANON_NAME`) or `null`. Equal names merge. */
  name?: string | null | undefined;
}

/** Thrown when a VMA is built from an invalid description. */
export class VmaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VmaError';
  }
}

/**
 * A virtual memory area `[start, end)` in page numbers.
 *
 * Invariants: `0 <= start < end <= MAX_VPN`; `flags` is an unsigned 32-bit word; `anonChain` contains `anonVma`
 * when `anonVma` is not null and is empty when it is; `pgoff >= 0`.
 */
export class Vma {
  /** First page (inclusive). */
  readonly start: number;
  /** One past the last page (exclusive). */
  readonly end: number;
  /** The flag word (`VM_*`), normalised unsigned. */
  readonly flags: VmFlags;
  /** What backs the pages. */
  readonly backing: Backing;
  /** Page offset of `start` in the backing (for private anon: the page number it was created at). */
  readonly pgoff: number;
  /** The anon_vma, set on the first fault of a private VMA; `null` before. */
  readonly anonVma: AnonVma | null;
  /** Every anon_vma this VMA is linked to (Linux `anon_vma_chain`); length > 1 only for fork children. */
  readonly anonChain: readonly AnonVma[];
  /** Anonymous VMA name or `null`. */
  readonly name: string | null;
  /**
   * Slot owned by the {@link VmaIndex} that holds this VMA (a tree node, a list position). Never touch it.
   * @internal
   */
  indexSlot: unknown = null;

  /**
   * @throws {@link RegionError} for bad bounds, {@link VmaError} for an empty VMA or a bad pgoff
   */
  constructor(init: VmaInit) {
    if (!isValidRegion(init.start, init.end)) throw new RegionError(init.start, init.end);
    if (init.end === init.start) throw new VmaError(`empty VMA at page ${init.start}`);
    const backing = init.backing ?? ANON_PRIVATE;
    const pgoff = init.pgoff ?? (backing.kind === 'anon-private' ? init.start : 0);
    if (!Number.isInteger(pgoff) || pgoff < 0) throw new VmaError(`bad pgoff ${String(pgoff)}`);
    const anonVma = init.anonVma ?? null;
    const chain = init.anonChain ?? (anonVma ? [anonVma] : []);
    if ((anonVma === null) !== (chain.length === 0) || (anonVma !== null && !chain.includes(anonVma)))
      throw new VmaError('anonChain must contain anonVma (and be empty without one)');
    this.start = init.start;
    this.end = init.end;
    this.flags = vmFlags(init.flags);
    this.backing = backing;
    this.pgoff = pgoff;
    this.anonVma = anonVma;
    this.anonChain = chain;
    this.name = init.name ?? null;
  }

  /** Number of pages. */
  get pages(): number {
    return this.end - this.start;
  }

  /** The region as a {@link VirtRegion} (allocates). */
  get region(): VirtRegion {
    return new VirtRegion(this.start, this.end);
  }

  /** True when page `vpn` lies inside. */
  contains(vpn: number): boolean {
    return vpn >= this.start && vpn < this.end;
  }

  /** The backing page offset of page `vpn` (`pgoff + vpn - start`; Linux `linear_page_index`). */
  pgoffAt(vpn: number): number {
    return this.pgoff + (vpn - this.start);
  }

  /** True when this VMA was inherited through fork with an anon_vma (Linux: chain not singular). */
  get isForkChild(): boolean {
    return this.anonChain.length > 1;
  }

  /** True for `VM_GROWSDOWN` stacks. */
  get growsDown(): boolean {
    return (this.flags & VM_GROWSDOWN) !== 0;
  }

  /**
   * A detached copy with some fields replaced (the copy is in no set). `pgoff` is copied unless replaced (it does
   * not follow a new `start`); replacing `anonVma` without `anonChain` gives the chain `[anonVma]`.
   */
  with(changes: Partial<VmaInit>): Vma {
    const chain =
      changes.anonChain ??
      ('anonVma' in changes ? (changes.anonVma ? [changes.anonVma] : []) : this.anonChain);
    return new Vma({
      start: this.start,
      end: this.end,
      flags: this.flags,
      backing: this.backing,
      pgoff: this.pgoff,
      anonVma: this.anonVma,
      name: this.name,
      ...changes,
      anonChain: chain,
    });
  }

  /** `[0x<start>, 0x<end>) flags=0x.. pgoff=0x..` in page numbers. */
  toString(): string {
    return `[0x${this.start.toString(16)}, 0x${this.end.toString(16)}) flags=0x${this.flags.toString(16)} pgoff=0x${this.pgoff.toString(16)}${this.anonVma ? ` ${this.anonVma}` : ''}`;
  }
}

/** The writable view the owning set uses. Internal. */
export type MutableVma = { -readonly [K in keyof Vma]: Vma[K] };

/** Internal: the writable view of a VMA. Only `VmaSet` (and tests) may use it. */
export function mutableVma(v: Vma): MutableVma {
  return v as MutableVma;
}
