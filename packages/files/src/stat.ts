/**
 * What `stat`/`fstat` return.
 *
 * @module
 */

import { PAGE_SIZE } from '@pagewright/core';
import type { DeviceNumber } from './device-number.js';
import type { Inode } from './inode.js';

/** The fields of `struct stat` this filesystem models. */
export interface FileStat {
  /** Device of the filesystem holding the inode. */
  readonly dev: DeviceNumber;
  /** Inode number. */
  readonly ino: number;
  /** Type and permission bits. */
  readonly mode: number;
  /** Number of hard links. */
  readonly nlink: number;
  /** Device a character device stands for (0:0 otherwise). */
  readonly rdev: DeviceNumber;
  /** Size in bytes. */
  readonly size: number;
  /** Preferred I/O size (the page size). */
  readonly blksize: number;
  /** 512-byte blocks allocated: pages held by the store or the cache, times 8. */
  readonly blocks: number;
}

const NO_DEVICE: DeviceNumber = Object.freeze({ major: 0, minor: 0 });

/** The stat of `inode`. */
export function statOf(inode: Inode): FileStat {
  let pages = inode.store.storedPages;
  for (const p of inode.pages.values()) if (!inode.store.hasPage(p.index)) pages++;
  return {
    dev: inode.dev,
    ino: inode.ino,
    mode: inode.mode,
    nlink: inode.nlink,
    rdev: inode.rdev ?? NO_DEVICE,
    size: inode.size,
    blksize: PAGE_SIZE,
    blocks: Math.min(pages, Math.ceil(inode.size / PAGE_SIZE)) * (PAGE_SIZE / 512),
  };
}
