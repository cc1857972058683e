/**
 * What backs a VMA's pages: private anonymous memory, a shared anonymous object, or a file.
 *
 * Merge rule (Linux compares `vm_file` by identity): two VMAs have compatible backings when they are both
 * private anonymous, or refer to the very same {@link SharedObject} / file object. Page offsets must also be
 * contiguous (checked by the merge rules, see `merge.ts`).
 *
 * @module
 */

/**
 * A shared anonymous memory object (Linux: the shmem file `/dev/zero (deleted)` behind each `MAP_SHARED |
 * MAP_ANONYMOUS` mapping). Each such mmap creates its own object, so two of them never merge; pieces of one object
 * with contiguous pgoff do.
 *
 * Invariant: `id` is unique per machine; identity (`===`) is what merge checks compare. `sizePages` is the object's
 * size fixed at creation (accesses past it raise SIGBUS; see linux-behaviours #118).
 */
export class SharedObject {
  /**
   * @param id - a unique number (printed as the inode in maps)
   * @param sizePages - size of the object in pages
   */
  constructor(
    readonly id: number,
    readonly sizePages: number,
  ) {}

  /**
   * How many VMAs, in every {@link VmaSet} together, map this object right now. Maintained by the sets (a VMA
   * entering an index adds one, leaving it removes one, a split adds the new piece); do not write it. When it drops
   * to 0 after an unmap, no process maps the object any more and its pages can be released without a scan.
   */
  vmaCount = 0;
}

/**
 * A mapped file, for the file mappings that come in a later step. Only its identity is used by this package.
 */
export interface MappedFile {
  /** A unique id (the inode number in maps). */
  readonly id: number;
  /** The path maps prints. */
  readonly path: string;
}

/** Private anonymous memory: pages come from demand-zero faults; `pgoff` is the page number at creation. */
export interface AnonPrivateBacking {
  readonly kind: 'anon-private';
}
/** Shared anonymous memory: pages belong to `object`; `pgoff` is the page offset inside it. */
export interface AnonSharedBacking {
  readonly kind: 'anon-shared';
  readonly object: SharedObject;
}
/** A file mapping (private or shared per the VMA's flags): `pgoff` is the page offset inside `file`. */
export interface FileBacking {
  readonly kind: 'file';
  readonly file: MappedFile;
}

/** What backs a VMA's pages. */
export type Backing = AnonPrivateBacking | AnonSharedBacking | FileBacking;

/** The one private-anonymous backing value (backings are immutable; share it). */
export const ANON_PRIVATE: AnonPrivateBacking = Object.freeze({ kind: 'anon-private' });

/** A shared-anonymous backing over `object`. */
export function anonShared(object: SharedObject): AnonSharedBacking {
  return { kind: 'anon-shared', object };
}

/** A file backing over `file`. */
export function fileBacking(file: MappedFile): FileBacking {
  return { kind: 'file', file };
}

/**
 * True when two backings map the same object (Linux: `vma->vm_file == file`): both private anonymous, or the same
 * shared object, or the same file. Page-offset contiguity is checked separately.
 */
export function sameBackingObject(a: Backing, b: Backing): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'anon-private':
      return true;
    case 'anon-shared':
      return a.object === (b as AnonSharedBacking).object;
    case 'file':
      return a.file === (b as FileBacking).file;
  }
}
