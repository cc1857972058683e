/**
 * VMA workloads shared by the `vma/*` benchmark and the `vma-index` experiment: `n` one-page VMAs with one-page
 * holes between them, and one wider hole for the free-area searches to find.
 *
 * @module
 */

import { type Rng, VM_MAYREAD, VM_MAYWRITE, VM_READ, VM_WRITE } from '@pagewright/core';
import { Vma, type VmaIndex } from '@pagewright/vma';

/** First page of the populated range (1 GiB). */
export const VMA_BASE = 0x40000;
/** Flags of every VMA: private anonymous read/write. */
export const VMA_FLAGS = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE;
/** Width in pages of the wide hole the gap searches look for. */
export const WIDE_HOLE = 5;

/** A populated index and where its holes are. */
export interface VmaLayout {
  index: VmaIndex;
  /** Number of VMAs. */
  n: number;
  /** One past the last populated page. */
  top: number;
  /** First page of the wide hole. */
  wideHole: number;
}

/**
 * Fills `index` with `n` VMAs at `VMA_BASE + 2i` (one page each), leaving out the VMAs that would sit in a
 * {@link WIDE_HOLE}-page hole at a random place.
 */
export function populate(index: VmaIndex, n: number, rng: Rng): VmaLayout {
  const holeAt = n > 8 ? 2 + rng.nextInt(n - 6) : 0;
  const wideHole = VMA_BASE + 2 * holeAt - 1;
  let placed = 0;
  let i = 0;
  while (placed < n) {
    const start = VMA_BASE + 2 * i;
    i++;
    if (n > 8 && start >= wideHole && start < wideHole + WIDE_HOLE) continue;
    index.insert(new Vma({ start, end: start + 1, flags: VMA_FLAGS }));
    placed++;
  }
  return { index, n, top: VMA_BASE + 2 * i, wideHole: n > 8 ? wideHole : VMA_BASE + 2 * i };
}

/** `count` free one-page VMAs in random holes between the populated ones (to insert and remove again). */
export function holeVmas(layout: VmaLayout, count: number, rng: Rng): Vma[] {
  const out: Vma[] = [];
  while (out.length < count) {
    const start = VMA_BASE + 2 * rng.nextInt(Math.max(1, layout.n - 1)) + 1;
    if (layout.index.conflicts(start, start + 1)) continue;
    out.push(new Vma({ start, end: start + 1, flags: VMA_FLAGS }));
  }
  return out;
}
