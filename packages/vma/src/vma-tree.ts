/**
 * `VmaTree`: the default O(log n) {@link VmaIndex}. Since 0.2 it is the gap-augmented B+tree of {@link VmaBTree}
 * (the maple tree's shape) under the name `"tree"`; the treap it used to be is still available as
 * {@link VmaTreap}.
 *
 * Why the B+tree: with 100 k VMAs a treap lookup follows ~21 nodes scattered in memory, a B+tree ~4 nodes whose keys
 * sit in contiguous arrays; insert+remove pairs measured 2–2.5× and lookups at 100 k+ VMAs 1.7–2.2× faster (see the
 * package README). The contract and the observable behaviour (order, gap searches, errors) are the same.
 *
 * @module
 */

import { VmaBTree } from './vma-btree.js';

/** Options of {@link VmaTree}. */
export interface VmaTreeOptions {
  /** Stack guard gap in pages below `VM_GROWSDOWN` VMAs (default 256, Linux `stack_guard_gap`). */
  stackGuardGap?: number | undefined;
  /**
   * Accepted for compatibility with the treap-based `VmaTree` of 0.1 and ignored: the B+tree has no random
   * priorities (it never changed observable behaviour). Use {@link VmaTreap} for a seeded treap.
   */
  seed?: number | undefined;
}

/**
 * The default address-ordered, gap-augmented VMA index (a {@link VmaBTree} named `"tree"`). See {@link VmaIndex}
 * for the contract and {@link VmaBTree} for the invariants; `checkInvariants()` checks them.
 *
 * @example
 * ```ts
 * import { MAP_ANONYMOUS, MAP_PRIVATE, mmapVmFlags, PROT_READ } from '@pagewright/core';
 * import { Vma, VmaTree } from '@pagewright/vma';
 *
 * const tree = new VmaTree({ stackGuardGap: 256 });
 * const flags = mmapVmFlags(PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
 * tree.insert(new Vma({ start: 0x100, end: 0x200, flags }));
 * tree.insert(new Vma({ start: 0x400, end: 0x500, flags }));
 * console.log(tree.find(0x150)?.start.toString(16), tree.size); // 100 2
 * tree.checkInvariants(); // throws if an invariant is broken
 * ```
 */
export class VmaTree extends VmaBTree {
  override readonly name: string = 'tree';

  constructor(options: VmaTreeOptions = {}) {
    super({ stackGuardGap: options.stackGuardGap });
  }
}
