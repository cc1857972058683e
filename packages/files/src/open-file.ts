/**
 * Open file descriptions (Linux `struct file`).
 *
 * @module
 */

import { O_ACCMODE, O_APPEND, O_RDONLY, O_RDWR, O_WRONLY } from './constants.js';
import type { Inode } from './inode.js';

/**
 * An open file description: the inode, the access mode, the position, and a reference count shared by every
 * descriptor (`dup`) and mapping (`get_file` in mmap) that refers to it. When the last reference goes, the inode's
 * open count drops, and an unlinked inode with no more opens is destroyed.
 *
 * It satisfies the `MappedFile` shape of `@pagewright/vma` (`id`, `path`), so a VMA's `vm_file` can be one.
 */
export class OpenFileDescription {
  /** File position (`f_pos`). */
  pos = 0;
  private refs = 1;

  /**
   * @param id - unique per filesystem (the description's identity; VMA merging compares it)
   * @param inode - the inode opened
   * @param path - the absolute path it was opened by, without `.`, `..` or repeated slashes (`d_path`)
   * @param flags - the open flags as given (access mode, `O_APPEND`, ...)
   * @param onLastRelease - called once when the last reference is released
   */
  constructor(
    readonly id: number,
    readonly inode: Inode,
    readonly path: string,
    readonly flags: number,
    private readonly onLastRelease: (file: OpenFileDescription) => void,
  ) {}

  /**
   * The name `/proc/PID/maps` prints for a mapping of this description: `path`, with ` (deleted)` once the inode
   * has no name left (`d_path` of an unlinked dentry).
   */
  get displayPath(): string {
    return this.inode.nlink === 0 && this.inode.type !== 'directory' ? `${this.path} (deleted)` : this.path;
  }

  /** `FMODE_READ`: opened `O_RDONLY` or `O_RDWR`. */
  get readable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return acc === O_RDONLY || acc === O_RDWR;
  }

  /** `FMODE_WRITE`: opened `O_WRONLY` or `O_RDWR`. */
  get writable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return acc === O_WRONLY || acc === O_RDWR;
  }

  /** Opened with `O_APPEND`. */
  get append(): boolean {
    return (this.flags & O_APPEND) !== 0;
  }

  /** Number of references (descriptors and mappings) held. */
  get refCount(): number {
    return this.refs;
  }

  /** Takes a reference (a `dup`, or a mapping's `get_file`). Throws `RangeError` on a released description. */
  ref(): this {
    if (this.refs === 0) throw new RangeError('OpenFileDescription.ref: description already released');
    this.refs++;
    return this;
  }

  /** Drops a reference (`fput`); the last one closes the description. Throws `RangeError` when none is held. */
  release(): void {
    if (this.refs === 0) throw new RangeError('OpenFileDescription.release: no reference held');
    this.refs--;
    if (this.refs === 0) this.onLastRelease(this);
  }
}
