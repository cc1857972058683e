/**
 * `SharedMemory`: the pages of every shared anonymous object of a machine (Linux: the shmem files behind
 * `MAP_SHARED | MAP_ANONYMOUS`, `/dev/zero (deleted)` in maps).
 *
 * An object's pages are created zero-filled on first touch and survive until no VMA of any process maps the object
 * any more (`SharedObject.vmaCount`, kept by the VMA sets, drops to 0); {@link SharedMemory.releaseIfUnmapped},
 * called for each shared VMA an unmap removed, then releases them in O(its pages), with no scan of the VMAs. Each page holds one reference on its frame
 * ({@link FrameOwners}); each PTE mapping it holds another.
 *
 * @module
 */

import { SharedObject } from '@pagewright/vma';
import type { FrameOwners } from './frame-owners.js';

/** The shared anonymous objects of one machine and their pages. */
export class SharedMemory {
  private nextId = 1;
  private readonly pages = new Map<SharedObject, Map<number, number>>();

  /** @param refs - the machine's frame reference counts */
  constructor(private readonly refs: FrameOwners) {}

  /** Number of live objects. */
  get size(): number {
    return this.pages.size;
  }

  /** A new object of `sizePages` pages (fixed for its life). */
  create(sizePages: number): SharedObject {
    const o = new SharedObject(this.nextId++, sizePages);
    this.pages.set(o, new Map());
    return o;
  }

  /** The frame holding page `pgoff` of `object`, or -1 when it was never touched. */
  frameOf(object: SharedObject, pgoff: number): number {
    return this.pages.get(object)?.get(pgoff) ?? -1;
  }

  /** Records `pfn` (already counted once in {@link FrameOwners} for the object) as page `pgoff` of `object`. */
  setFrame(object: SharedObject, pgoff: number, pfn: number): void {
    let m = this.pages.get(object);
    if (m === undefined) {
      m = new Map();
      this.pages.set(object, m);
    }
    m.set(pgoff, pfn);
  }

  /** Drops page `pgoff` of `object` (MADV_REMOVE); its frame loses the object's reference. */
  removePage(object: SharedObject, pgoff: number): void {
    const m = this.pages.get(object);
    const pfn = m?.get(pgoff);
    if (m === undefined || pfn === undefined) return;
    m.delete(pgoff);
    this.refs.put(pfn);
  }

  /** Number of resident pages of `object`. */
  residentPages(object: SharedObject): number {
    return this.pages.get(object)?.size ?? 0;
  }

  /** The live objects (cold: invariant checks). */
  objects(): IterableIterator<SharedObject> {
    return this.pages.keys();
  }

  /** Every frame held by an object (cold: invariant checks). */
  *frames(): IterableIterator<number> {
    for (const m of this.pages.values()) yield* m.values();
  }

  /**
   * Releases `object` when no VMA maps it any more (`vmaCount === 0`; Linux drops the shmem file with its last
   * mapping): its pages lose the object's reference, so frames no PTE maps go back to the allocator. Call it after
   * the PTEs of the removed VMAs are gone. A no-op when the object is still mapped or already released.
   */
  releaseIfUnmapped(object: SharedObject): void {
    if (object.vmaCount !== 0) return;
    const m = this.pages.get(object);
    if (m === undefined) return;
    for (const pfn of m.values()) this.refs.put(pfn);
    this.pages.delete(object);
  }
}
