/**
 * `AnonVma`: the identity of a family of private anonymous pages, as Linux's `struct anon_vma`
 * (mm/rmap.c).
 *
 * A private VMA gets an anon_vma when its first page is faulted ({@link VmaSet.prepareAnonVma}); every page
 * faulted in it belongs to that anon_vma for the page's lifetime. Split pieces share the anon_vma of the VMA they
 * came from. A fork child's VMA gets a fresh anon_vma whose `parent` is the parent VMA's, and it is linked to
 * every anon_vma of the parent's chain too (Linux's `anon_vma_chain`), so that a page faulted before the fork is
 * found from both processes.
 *
 * Merge checks use only identity (`===`) and chain length (see `merge.ts`).
 *
 * @module
 */

/**
 * One anon_vma. Immutable after construction; identity is what matters.
 *
 * Invariant: `root` is `this` for an anon_vma created by a first fault, and `parent.root` for one created by fork.
 */
export class AnonVma {
  /** The anon_vma this one was forked from, or `null`. */
  readonly parent: AnonVma | null;
  /** The oldest ancestor (itself when it has no parent). */
  readonly root: AnonVma;

  /**
   * @param id - a number for printing and debugging; identity is the object itself
   * @param parent - the parent VMA's anon_vma when created by fork (`anon_vma_fork`), else `null`
   */
  constructor(
    readonly id: number,
    parent: AnonVma | null = null,
  ) {
    this.parent = parent;
    this.root = parent === null ? this : parent.root;
  }

  /** True when `other` is this anon_vma or one of its ancestors. */
  descendsFrom(other: AnonVma): boolean {
    for (let a: AnonVma | null = this; a !== null; a = a.parent) if (a === other) return true;
    return false;
  }

  /** `anon_vma#<id>`. */
  toString(): string {
    return `anon_vma#${this.id}`;
  }
}

/**
 * Hands out {@link AnonVma}s with increasing ids. One per machine (no global state): pass it to every
 * `VmaSet` of the machine so ids are unique across processes.
 */
export class AnonVmaAllocator {
  private nextId = 1;

  /** A new root anon_vma (first fault in a VMA that could not reuse a neighbour's). */
  create(): AnonVma {
    return new AnonVma(this.nextId++, null);
  }

  /** A new anon_vma for a fork child whose parent VMA uses `parent` (`anon_vma_fork`). */
  fork(parent: AnonVma): AnonVma {
    return new AnonVma(this.nextId++, parent);
  }
}
