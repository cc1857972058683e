/**
 * Inodes: regular files, directories and character devices.
 *
 * @module
 */

import { PAGE_SIZE } from '@pagewright/core';
import { BackingStore } from './backing-store.js';
import { S_IFCHR, S_IFDIR, S_IFREG } from './constants.js';
import type { DeviceNumber } from './device-number.js';
import { type MappingIndex, MappingTree } from './mapping-tree.js';
import type { CachedFile, CachedPageState } from './page-cache.js';

/** What an inode is. */
export type FileType = 'regular' | 'directory' | 'chardev';

/** The character devices this filesystem provides. */
export type CharDeviceKind = 'zero';

/** An opaque mapping handle in a file's reverse map (the process layer's VMA). */
export type MappingHandle = object;

/**
 * An inode. Regular files hold a {@link BackingStore}, their cached pages and the reverse map of their mappings;
 * directories hold named entries; a character device names its kind.
 *
 * Invariants: `ino` is unique within its filesystem; `nlink` counts directory entries naming the inode (a
 * directory also counts its `.` and each subdirectory's `..`); an inode with `nlink === 0` and no open description
 * is destroyed and its frames returned.
 */
export class Inode implements CachedFile {
  /** File size in bytes (`i_size`); 0 for devices, the entry count is not modelled for directories. */
  size = 0;
  /** Number of names (hard links) of the inode. */
  nlink = 0;
  /** Open file descriptions referring to the inode (including those held by mappings). */
  openCount = 0;
  /** The file's bytes on "disk" (regular files). */
  readonly store = new BackingStore();
  /** Cached pages by index (owned by the {@link PageCache}). */
  readonly pages = new Map<number, CachedPageState>();
  /** Who maps which pages of the file (Linux `i_mmap`), maintained by the process layer. */
  readonly mappings: MappingIndex<MappingHandle>;
  /** Directory entries (directories only), excluding `.` and `..`. */
  readonly entries: Map<string, Inode> | undefined;
  /** The parent directory (directories only; the root is its own parent). */
  parent: Inode | undefined;
  /** Set once the inode was destroyed (its last name and last open description gone). */
  destroyed = false;

  /**
   * @param dev - the filesystem's device number (`st_dev`, the maps `dev` column)
   * @param ino - the inode number (`st_ino`, the maps `inode` column)
   * @param type - regular file, directory or character device
   * @param permissions - the permission bits (`0o7777` at most)
   * @param rdev - the device a character device stands for (`st_rdev`)
   * @param charDevice - which character device it is
   * @param mappings - the reverse-map index (default a {@link MappingTree})
   */
  constructor(
    readonly dev: DeviceNumber,
    readonly ino: number,
    readonly type: FileType,
    readonly permissions: number,
    readonly rdev: DeviceNumber | undefined = undefined,
    readonly charDevice: CharDeviceKind | undefined = undefined,
    mappings: MappingIndex<MappingHandle> = new MappingTree(),
  ) {
    this.mappings = mappings;
    this.entries = type === 'directory' ? new Map() : undefined;
  }

  /** `st_mode`: the type bits and the permission bits. */
  get mode(): number {
    const typeBits = this.type === 'regular' ? S_IFREG : this.type === 'directory' ? S_IFDIR : S_IFCHR;
    return typeBits | (this.permissions & 0o7777);
  }

  /**
   * True when a mapping of this file is anonymous memory rather than page-cache pages: `/dev/zero` (its `mmap`
   * makes a private mapping anonymous, and a shared one a new shmem object, drivers/char/mem.c `mmap_zero`).
   */
  get mapsAsAnonymous(): boolean {
    return this.charDevice === 'zero';
  }

  /** Pages of the file (`ceil(size / PAGE_SIZE)`). */
  get sizePages(): number {
    return Math.ceil(this.size / PAGE_SIZE);
  }
}
