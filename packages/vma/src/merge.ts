/**
 * Linux's VMA merge rules (mm/vma.c, 6.18): when may a range with given attributes join an existing neighbour.
 *
 * A range `R` may join `prev` (`canMergeAfter`, Linux `can_vma_merge_after`) or `next` (`canMergeBefore`,
 * `can_vma_merge_before`) when:
 * 1. the flag words are equal ignoring `VM_SOFTDIRTY` (`is_mergeable_vma`), and neither carries a `VM_SPECIAL`
 *    bit (`VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP`);
 * 2. the backing object is the same (`vm_file` identity: private anon with private anon, the same shared object,
 *    the same file) and the anonymous names are equal (`anon_vma_name_eq`);
 * 3. the page offsets are contiguous: `prev.pgoff + prev.pages === R.pgoff`, `R.pgoff + R.pages === next.pgoff`;
 * 4. the anon_vmas are compatible (`is_mergeable_anon_vma`): equal; or the target has none and the source's VMA is
 *    not a fork child; or the source has none and the target is not a fork child. Two different anon_vmas never
 *    merge.
 *
 * When `R` could join both but `prev` and `next` hold different anon_vmas, it joins `prev` only
 * (`can_vma_merge_right`'s last check).
 *
 * @module
 */

import { VM_DONTEXPAND, VM_IO, VM_MIXEDMAP, VM_PFNMAP, VM_SOFTDIRTY, type VmFlags } from '@pagewright/core';
import type { AnonVma } from './anon-vma.js';
import { type Backing, sameBackingObject } from './backing.js';
import type { Vma } from './vma.js';

/** Linux `VM_SPECIAL`: VMAs with any of these bits never merge. */
export const VM_SPECIAL: VmFlags = VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP;

/** A range that would be merged into a neighbour: a new mapping, or the changed part of an existing VMA. */
export interface MergeCandidate {
  /** First page of the range. */
  readonly start: number;
  /** One past the last page. */
  readonly end: number;
  /** Backing offset of `start`. */
  readonly pgoff: number;
  /** The flag word the range will have. */
  readonly flags: VmFlags;
  /** Its backing. */
  readonly backing: Backing;
  /** Its anonymous name. */
  readonly name: string | null;
  /** The anon_vma its pages belong to (`vmg->anon_vma`). */
  readonly anonVma: AnonVma | null;
  /** The existing VMA the range is part of (`vmg->middle`), or `null` for a new range. */
  readonly src: Vma | null;
  /** For an mremap copy, the VMA the range was copied from (`vmg->copied_from`), else `null`. */
  readonly copiedFrom: Vma | null;
}

/** `is_mergeable_vma`: flags (ignoring soft-dirty), backing identity and name; no `VM_SPECIAL`. */
export function attrsMergeable(vma: Vma, c: MergeCandidate): boolean {
  if ((c.flags & VM_SPECIAL) !== 0) return false;
  if (((vma.flags ^ c.flags) & ~VM_SOFTDIRTY) !== 0) return false;
  return sameBackingObject(vma.backing, c.backing) && vma.name === c.name;
}

/**
 * `is_mergeable_anon_vma` (6.18): may the pages of `c` (anon_vma `c.anonVma`) and of `target` end up in one VMA?
 */
export function anonVmaMergeable(target: Vma, c: MergeCandidate): boolean {
  const t = target.anonVma;
  const s = c.anonVma;
  // Case 1: the target takes the source's anon_vma (dup_anon_vma) — not from a fork child.
  if (t === null && s !== null)
    return !(c.src?.isForkChild ?? false) && !(c.copiedFrom?.isForkChild ?? false);
  // Case 2: the source's pages join the target's anon_vma — not if the target is a fork child.
  if (t !== null && s === null) return !target.isForkChild;
  // Case 3: already the same (or both none).
  return t === s;
}

/** `can_vma_merge_after`: may `c` (starting at `prev.end`) be appended to `prev`? */
export function canMergeAfter(prev: Vma, c: MergeCandidate): boolean {
  return (
    prev.end === c.start &&
    attrsMergeable(prev, c) &&
    anonVmaMergeable(prev, c) &&
    prev.pgoff + (prev.end - prev.start) === c.pgoff
  );
}

/** `can_vma_merge_before`: may `c` (ending at `next.start`) be prepended to `next`? */
export function canMergeBefore(next: Vma, c: MergeCandidate): boolean {
  return (
    next.start === c.end &&
    attrsMergeable(next, c) &&
    anonVmaMergeable(next, c) &&
    c.pgoff + (c.end - c.start) === next.pgoff
  );
}

/** The last check of `can_vma_merge_right`: may `prev` and `next` end up in one VMA (anon_vma-wise)? */
export function anonVmasCompatible(prev: Vma, next: Vma): boolean {
  return prev.anonVma === null || next.anonVma === null || prev.anonVma === next.anonVma;
}

/** The candidate describing all of an existing VMA `v` (for {@link vmaMergeable}). */
export function candidateOf(v: Vma): MergeCandidate {
  return {
    start: v.start,
    end: v.end,
    pgoff: v.pgoff,
    flags: v.flags,
    backing: v.backing,
    name: v.name,
    anonVma: v.anonVma,
    src: v,
    copiedFrom: null,
  };
}

/**
 * True when two existing adjacent VMAs satisfy Linux's merge rule (`next` could be merged into `prev`).
 * Linux only merges when an operation touches the boundary, so adjacent mergeable VMAs can exist.
 */
export function vmaMergeable(prev: Vma, next: Vma): boolean {
  return canMergeAfter(prev, candidateOf(next));
}

/**
 * `anon_vma_compatible` (mm/rmap.c): may `b` (just above `a`) reuse `a`'s anon_vma on its first fault, or `a` reuse
 * `b`'s? Flags may differ in the access bits and soft-dirty only; pgoff must be contiguous.
 */
export function anonVmaReusable(a: Vma, b: Vma): boolean {
  const ignore = 0x1 | 0x2 | 0x4 | VM_SOFTDIRTY;
  return (
    a.end === b.start &&
    sameBackingObject(a.backing, b.backing) &&
    ((a.flags ^ b.flags) & ~ignore) === 0 &&
    b.pgoff === a.pgoff + (b.start - a.start)
  );
}
