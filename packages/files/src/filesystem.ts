/**
 * The in-memory filesystem: a directory tree of inodes over one page cache, and `/dev/zero`.
 *
 * @module
 */

import type { FrameAllocator, PhysicalMemory } from '@pagewright/core';
import { MmError, PAGE_SIZE } from '@pagewright/core';
import {
  MAX_FILE_SIZE,
  NAME_MAX,
  O_ACCMODE,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_RDONLY,
  O_TRUNC,
  PATH_MAX,
} from './constants.js';
import { type DeviceNumber, deviceNumber } from './device-number.js';
import { type CharDeviceKind, Inode, type MappingHandle } from './inode.js';
import { type MappingIndex, MappingTree } from './mapping-tree.js';
import { OpenFileDescription } from './open-file.js';
import { PageCache } from './page-cache.js';
import { type FileStat, statOf } from './stat.js';

/**
 * What the filesystem asks of whoever maps its files (the process layer): remove the page-table entries that map
 * file pages `[firstPage, endPage)` of `inode` (Linux `unmap_mapping_range(mapping, start, len, even_cows = 1)`),
 * private COW copies included. Called by truncation before the pages leave the cache. Find the mappings with
 * `inode.mappings.overlapping(firstPage, endPage)`.
 */
export interface MappingObserver {
  unmapMappingRange(inode: Inode, firstPage: number, endPage: number): void;
}

/** Options of a {@link FileSystem}. */
export interface FileSystemOptions {
  /** The machine's physical memory (page-cache pages live here). */
  memory: PhysicalMemory;
  /** The machine's frame allocator (page-cache frames come from it). */
  allocator: FrameAllocator;
  /** The device number of the filesystem (default `00:20`, an anonymous-device number as tmpfs gets). */
  dev?: DeviceNumber | undefined;
  /** The device number of the `/dev` filesystem (default `00:05`, devtmpfs). */
  devfsDev?: DeviceNumber | undefined;
  /** Whether to create `/dev/zero` (default true). */
  devZero?: boolean | undefined;
  /** Makes each inode's reverse-map index (default: a new {@link MappingTree}). */
  mappingIndex?: (() => MappingIndex<MappingHandle>) | undefined;
}

/** What a path names, and where its last component lives. */
interface Resolved {
  /** The directory holding the last component. */
  readonly dir: Inode;
  /** The last component (`.`/`..` included), or `""` for the root. */
  readonly name: string;
  /** The inode the full path names, if it exists. */
  readonly inode: Inode | undefined;
  /** The path ended in `/`. */
  readonly trailingSlash: boolean;
}

const encoder = new TextEncoder();

/**
 * An in-memory filesystem with Linux's answers: absolute (or root-relative) paths, `.` and `..`, hard links,
 * directories, regular files whose bytes go through the {@link PageCache}, and `/dev/zero`.
 *
 * Every method that takes user input checks it and throws `MmError` with Linux's errno (`ENOENT`, `ENOTDIR`,
 * `EEXIST`, `EISDIR`, `ENAMETOOLONG`, `ENOTEMPTY`, `EBUSY`, `EINVAL`, `EFBIG`, `ENOMEM`), changing nothing.
 * There are no users: every caller has every permission (as root does), and `umask` is the caller's business.
 *
 * @example
 * ```ts
 * import { FdTable, FileSystem, O_RDWR } from '@pagewright/files';
 * import { SparsePhysicalMemory, StackFrameAllocator } from '@pagewright/frames';
 *
 * const memory = new SparsePhysicalMemory({ size: 64 * 4096 });
 * const allocator = new StackFrameAllocator({ firstFrame: memory.baseFrame, frameCount: 64 });
 * const fs = new FileSystem({ memory, allocator });
 * fs.mkdir('/etc');
 * fs.createFile('/etc/motd', new TextEncoder().encode('hello'));
 * console.log(fs.stat('/etc/motd').size); // 5
 * const fds = new FdTable(fs);
 * const fd = fds.open('/etc/motd', O_RDWR);
 * const buf = new Uint8Array(5);
 * console.log(fds.read(fd, buf), new TextDecoder().decode(buf)); // 5 hello
 * fds.close(fd);
 * fs.unlink('/etc/motd');
 * ```
 */
export class FileSystem {
  /** The page cache every regular file's pages go through. */
  readonly cache: PageCache;
  /** The filesystem's device number. */
  readonly dev: DeviceNumber;
  /** The root directory. */
  readonly root: Inode;
  /** The `/dev/zero` inode, when created. */
  readonly devZero: Inode | undefined;
  private nextIno = 1;
  private nextFileId = 1;
  private live = 0;
  private observer: MappingObserver | undefined;
  private readonly makeMappingIndex: () => MappingIndex<MappingHandle>;

  /** @param options - memory, allocator and device numbers */
  constructor(options: FileSystemOptions) {
    this.cache = new PageCache(options.memory, options.allocator);
    this.makeMappingIndex = options.mappingIndex ?? (() => new MappingTree());
    this.dev = options.dev ?? deviceNumber(0, 0x20);
    this.root = this.newInode(this.dev, 'directory', 0o755);
    this.root.parent = this.root;
    this.root.nlink = 2;
    if (options.devZero ?? true) {
      const devfs = options.devfsDev ?? deviceNumber(0, 5);
      const devDir = this.newInode(devfs, 'directory', 0o755);
      this.attach(this.root, 'dev', devDir);
      const zero = this.newInode(devfs, 'chardev', 0o666, deviceNumber(1, 5), 'zero');
      this.attach(devDir, 'zero', zero);
      this.devZero = zero;
    } else {
      this.devZero = undefined;
    }
  }

  /** Inodes alive (not destroyed), the root included. */
  get liveInodes(): number {
    return this.live;
  }

  /** Plugs in the process layer's {@link MappingObserver} (one at a time; `undefined` removes it). */
  setMappingObserver(observer: MappingObserver | undefined): void {
    this.observer = observer;
  }

  /** The inode `path` names (`ENOENT`, `ENOTDIR`, `ENAMETOOLONG`). */
  lookup(path: string): Inode {
    const r = this.resolve(path);
    if (r.inode === undefined) throw new MmError('ENOENT', path);
    if (r.trailingSlash && r.inode.type !== 'directory') throw new MmError('ENOTDIR', path);
    return r.inode;
  }

  /** `stat(path)`. */
  stat(path: string): FileStat {
    return statOf(this.lookup(path));
  }

  /** `mkdir(path, mode)`: `EEXIST` when the name exists, `ENOENT`/`ENOTDIR` for a bad parent. */
  mkdir(path: string, mode = 0o755): Inode {
    const r = this.resolve(path);
    if (r.inode !== undefined) throw new MmError('EEXIST', path);
    const dir = this.newInode(this.dev, 'directory', mode);
    this.attach(r.dir, r.name, dir);
    return dir;
  }

  /**
   * Creates a regular file at `path` holding `contents` — bytes, or `{ size }` for a file of that many zero bytes
   * that costs no memory until written (to stand in for a recorded file by its size). The bytes are in the backing
   * store, not the cache. `EEXIST` when the name exists; `EISDIR` for a path ending in `/`; `EFBIG` for a size
   * past {@link MAX_FILE_SIZE}. `identity` gives the file another device and inode number than this filesystem's
   * own (to stand in for a recorded file under the name `/proc/PID/maps` showed for it).
   */
  createFile(
    path: string,
    contents: Uint8Array | { readonly size: number } = new Uint8Array(0),
    mode = 0o644,
    identity?: { readonly dev: DeviceNumber; readonly ino: number },
  ): Inode {
    if (identity !== undefined && !(Number.isSafeInteger(identity.ino) && identity.ino >= 0))
      throw new MmError('EINVAL', `bad inode number ${identity.ino}`);
    const size = contents instanceof Uint8Array ? contents.length : contents.size;
    if (!(Number.isSafeInteger(size) && size >= 0)) throw new MmError('EINVAL', `bad size ${size}`);
    if (size > MAX_FILE_SIZE) throw new MmError('EFBIG', path);
    const r = this.resolve(path);
    if (r.inode !== undefined) throw new MmError('EEXIST', path);
    if (r.trailingSlash) throw new MmError('EISDIR', path);
    const inode = this.newInode(
      identity?.dev ?? this.dev,
      'regular',
      mode,
      undefined,
      undefined,
      identity?.ino,
    );
    if (contents instanceof Uint8Array) inode.store.load(contents);
    inode.size = size;
    this.attach(r.dir, r.name, inode);
    return inode;
  }

  /** `link(existing, newPath)`: a second name; `EPERM` for a directory, `EEXIST` when the new name exists. */
  link(existing: string, newPath: string): void {
    const inode = this.lookup(existing);
    if (inode.type === 'directory') throw new MmError('EPERM', existing);
    const r = this.resolve(newPath);
    if (r.inode !== undefined) throw new MmError('EEXIST', newPath);
    if (r.trailingSlash) throw new MmError('ENOENT', newPath);
    if (r.dir.dev !== inode.dev) throw new MmError('EXDEV', newPath);
    this.attach(r.dir, r.name, inode);
  }

  /**
   * `unlink(path)`: removes a name; `EISDIR` for a directory. The inode lives on while open (or mapped) and is
   * destroyed, its frames returned, when the last description is released.
   */
  unlink(path: string): void {
    const r = this.resolve(path);
    if (r.inode === undefined) throw new MmError('ENOENT', path);
    if (r.inode.type === 'directory') throw new MmError('EISDIR', path);
    if (r.trailingSlash) throw new MmError('ENOTDIR', path);
    this.detach(r.dir, r.name, r.inode);
  }

  /** `rmdir(path)`: `ENOTEMPTY`, `ENOTDIR`, `EINVAL` for a last component `.`, `EBUSY` for the root. */
  rmdir(path: string): void {
    const r = this.resolve(path);
    if (r.inode === undefined) throw new MmError('ENOENT', path);
    if (r.inode.type !== 'directory') throw new MmError('ENOTDIR', path);
    if (r.name === '.') throw new MmError('EINVAL', path);
    if (r.name === '..') throw new MmError('ENOTEMPTY', path);
    if (r.inode === this.root || r.name === '') throw new MmError('EBUSY', path);
    if (r.inode.entries!.size > 0) throw new MmError('ENOTEMPTY', path);
    this.detach(r.dir, r.name, r.inode);
  }

  /**
   * Opens `path` with Linux's `open(2)` flag rules and returns a new description holding one reference (the
   * caller's descriptor). `O_CREAT` makes a regular file with `mode`; `O_EXCL` → `EEXIST`; a directory opened for
   * writing or with `O_TRUNC` or `O_CREAT` → `EISDIR`; `O_DIRECTORY` on a non-directory → `ENOTDIR`;
   * `O_CREAT | O_DIRECTORY` → `EINVAL` (Linux 6.4+ `build_open_flags`); `O_TRUNC` truncates a regular file.
   */
  open(path: string, flags: number, mode = 0o644): OpenFileDescription {
    if (!Number.isInteger(flags)) throw new MmError('EINVAL', `bad flags ${flags}`);
    if ((flags & O_CREAT) !== 0 && (flags & O_DIRECTORY) !== 0)
      throw new MmError('EINVAL', 'O_CREAT | O_DIRECTORY');
    const r = this.resolve(path);
    let inode = r.inode;
    if ((flags & O_CREAT) !== 0) {
      if (inode !== undefined) {
        if ((flags & O_EXCL) !== 0) throw new MmError('EEXIST', path);
        if (inode.type === 'directory') throw new MmError('EISDIR', path);
        if (r.trailingSlash) throw new MmError('ENOTDIR', path);
      } else {
        if (r.trailingSlash) throw new MmError('EISDIR', path);
      }
    } else {
      if (inode === undefined) throw new MmError('ENOENT', path);
      if (r.trailingSlash && inode.type !== 'directory') throw new MmError('ENOTDIR', path);
    }
    if (inode !== undefined) {
      if ((flags & O_DIRECTORY) !== 0 && inode.type !== 'directory') throw new MmError('ENOTDIR', path);
      if (inode.type === 'directory' && ((flags & O_ACCMODE) !== O_RDONLY || (flags & O_TRUNC) !== 0))
        throw new MmError('EISDIR', path);
    }
    if (inode === undefined) {
      inode = this.newInode(this.dev, 'regular', mode);
      this.attach(r.dir, r.name, inode);
    } else if ((flags & O_TRUNC) !== 0 && inode.type === 'regular' && inode.size > 0) {
      this.truncate(inode, 0);
    }
    inode.openCount++;
    const canonical = this.canonicalPath(inode, r.dir, r.name);
    return new OpenFileDescription(this.nextFileId++, inode, canonical, flags, (f) => this.closed(f));
  }

  /**
   * Sets the size of regular file `inode` (`ftruncate`/`truncate`, Linux `truncate_setsize` + `truncate_pagecache`):
   * shrinking first asks the {@link MappingObserver} to unmap the pages past the new end, then drops them from the
   * cache and the store and zeroes the partial last page's tail; growing zeroes the old last page's tail (bytes
   * past the old end never become visible) and reads as zeros beyond. `EINVAL` for a non-regular inode or a bad
   * length, `EFBIG` past {@link MAX_FILE_SIZE}.
   */
  truncate(inode: Inode, length: number): void {
    if (inode.type !== 'regular') throw new MmError('EINVAL', 'not a regular file');
    if (!(Number.isInteger(length) && length >= 0)) throw new MmError('EINVAL', `bad length ${length}`);
    if (length > MAX_FILE_SIZE) throw new MmError('EFBIG', `length ${length}`);
    const old = inode.size;
    if (length < old) {
      const holeBegin = Math.ceil(length / PAGE_SIZE);
      const end = Math.ceil(old / PAGE_SIZE);
      if (holeBegin < end) this.observer?.unmapMappingRange(inode, holeBegin, end);
      inode.size = length;
      this.cache.truncatePages(inode, length);
      inode.store.truncate(length);
    } else if (length > old) {
      this.cache.zeroTail(inode, old);
      inode.store.truncate(old);
      inode.size = length;
    }
  }

  /**
   * The absolute path without `.`, `..` or repeated slashes of the entry `name` in `dir` naming `inode` (what
   * `d_path` prints in `/proc/PID/maps`).
   */
  private canonicalPath(inode: Inode, dir: Inode, name: string): string {
    // A directory (also one reached by `.` or `..`) walks up from itself; a file from its directory.
    const parts: string[] = inode.type === 'directory' ? [] : [name];
    let node = inode.type === 'directory' ? inode : dir;
    while (node !== this.root) {
      const parent = node.parent!;
      let entry = '';
      for (const [n, child] of parent.entries!) if (child === node) entry = n;
      parts.unshift(entry);
      node = parent;
    }
    return `/${parts.join('/')}`;
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private newInode(
    dev: DeviceNumber,
    type: 'regular' | 'directory' | 'chardev',
    mode: number,
    rdev?: DeviceNumber,
    charDevice?: CharDeviceKind,
    ino?: number,
  ): Inode {
    this.live++;
    return new Inode(
      dev,
      ino ?? this.nextIno++,
      type,
      mode & 0o7777,
      rdev,
      charDevice,
      this.makeMappingIndex(),
    );
  }

  private attach(dir: Inode, name: string, inode: Inode): void {
    dir.entries!.set(name, inode);
    if (inode.type === 'directory') {
      inode.parent = dir;
      inode.nlink = 2;
      dir.nlink++;
    } else {
      inode.nlink++;
    }
  }

  private detach(dir: Inode, name: string, inode: Inode): void {
    dir.entries!.delete(name);
    if (inode.type === 'directory') {
      inode.nlink = 0;
      dir.nlink--;
    } else {
      inode.nlink--;
    }
    this.maybeDestroy(inode);
  }

  private closed(file: OpenFileDescription): void {
    file.inode.openCount--;
    this.maybeDestroy(file.inode);
  }

  private maybeDestroy(inode: Inode): void {
    if (inode.nlink > 0 || inode.openCount > 0 || inode.destroyed) return;
    inode.destroyed = true;
    this.cache.evictFile(inode);
    inode.store.truncate(0);
    this.live--;
  }

  /** Walks `path` (Linux `link_path_walk` + the last lookup), with Linux's errors. */
  private resolve(path: string): Resolved {
    if (typeof path !== 'string' || path.length === 0) throw new MmError('ENOENT', 'empty path');
    if (encoder.encode(path).length >= PATH_MAX) throw new MmError('ENAMETOOLONG', 'path too long');
    const trailingSlash = path.length > 1 && path.endsWith('/');
    const parts = path.split('/').filter((p) => p.length > 0);
    let dir = this.root;
    if (parts.length === 0) return { dir: this.root, name: '', inode: this.root, trailingSlash: false };
    for (let i = 0; i < parts.length - 1; i++) {
      const next = this.step(dir, parts[i]!);
      if (next === undefined) throw new MmError('ENOENT', path);
      if (next.type !== 'directory') throw new MmError('ENOTDIR', path);
      dir = next;
    }
    const name = parts[parts.length - 1]!;
    return { dir, name, inode: this.step(dir, name), trailingSlash };
  }

  private step(dir: Inode, name: string): Inode | undefined {
    if (name === '.') return dir;
    if (name === '..') return dir.parent;
    if (encoder.encode(name).length > NAME_MAX) throw new MmError('ENAMETOOLONG', 'component too long');
    return dir.entries!.get(name);
  }
}
