/**
 * The reference model's files, written from Linux 6.18's tmpfs (mm/shmem.c), fs/open.c, fs/read_write.c and
 * mm/truncate.c, sharing no logic with `@pagewright/files`: a file is its size and the pages its page cache holds
 * (a page of a shared mapping *is* one of these, in every process); an open file description is the file and its
 * access mode (what `vm_file` identity means for VMA merging); each process has its descriptors.
 *
 * @module
 */

import { Errno, type ErrnoName } from '@pagewright/core';
import { PAGE } from './page.js';

const err = (name: ErrnoName): number => -Errno[name];

/** A tmpfs file: its size and cached pages (a hole — an index without a page — reads as zeros). */
export interface ModelFile {
  readonly id: number;
  readonly path: string;
  /** A directory (the scenario's own, opened as `.`): no pages, and mmap answers ENODEV. */
  readonly dir?: boolean;
  size: number;
  readonly pages: Map<number, Uint8Array>;
}

/** An open file description (`struct file`): the identity file VMAs carry and merge on. */
export interface ModelDescription {
  readonly id: number;
  readonly file: ModelFile;
  readonly readable: boolean;
  readonly writable: boolean;
}

/** `O_*` of the generic Linux ABI. */
const O_ACCMODE = 0o3;
const O_WRONLY = 0o1;
const O_RDWR = 0o2;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const O_TRUNC = 0o1000;

/** The largest file offset a mapping may reach (`MAX_LFS_FILESIZE`). */
export const MAX_FILE_BYTES = 2n ** 63n - 1n;
/**
 * `s_maxbytes` of the machine's filesystem: 2^53 — the implementation's documented limit (its sizes are exact
 * numbers; Linux's tmpfs allows 2^63 − 1): writes and truncation past it answer EFBIG.
 */
export const MAX_SIZE_BYTES = 2 ** 53;

/**
 * The files of a model machine. `onTruncate(file, fromPage)` is called before a shrink takes pages away
 * (`unmap_mapping_range` with `even_cows`: every process's mappings of them, private copies too).
 */
export class ModelFiles {
  private readonly files = new Map<string, ModelFile>();
  private nextId = 1;

  constructor(private readonly onTruncate: (file: ModelFile, fromPage: number) => void) {}

  /** `open(path, flags)`: a new description, or `-errno` (`ENOENT`, `EEXIST`). */
  open(path: string, flags: number): ModelDescription | number {
    if (path.endsWith('/.') || path.endsWith('/')) {
      // a directory: only for reading (EISDIR for writing, truncating or creating)
      if ((flags & O_ACCMODE) !== 0 || flags & (O_TRUNC | O_CREAT)) return err('EISDIR');
      const dir: ModelFile = { id: this.nextId++, path, dir: true, size: 0, pages: new Map() };
      return { id: this.nextId++, file: dir, readable: true, writable: false };
    }
    let file = this.files.get(path);
    if (file === undefined) {
      if (!(flags & O_CREAT)) return err('ENOENT');
      file = { id: this.nextId++, path, size: 0, pages: new Map() };
      this.files.set(path, file);
    } else if (flags & O_CREAT && flags & O_EXCL) return err('EEXIST');
    const acc = flags & O_ACCMODE;
    if (flags & O_TRUNC && file.size > 0) this.truncate(file, 0);
    return {
      id: this.nextId++,
      file,
      readable: acc !== O_WRONLY,
      writable: acc === O_WRONLY || acc === O_RDWR,
    };
  }

  /** `truncate_setsize` + `truncate_pagecache`: pages past the new end go from every mapping and the cache. */
  truncate(file: ModelFile, size: number): void {
    if (size < file.size) {
      const fromPage = Math.ceil(size / PAGE);
      this.onTruncate(file, fromPage);
      for (const k of [...file.pages.keys()]) if (k >= fromPage) file.pages.delete(k);
      const tail = size % PAGE;
      if (tail !== 0) file.pages.get(Math.floor(size / PAGE))?.fill(0, tail);
    } else if (size > file.size && file.size % PAGE !== 0) {
      // the old last page's bytes past the old end never become visible
      file.pages.get(Math.floor(file.size / PAGE))?.fill(0, file.size % PAGE);
    }
    file.size = size;
  }
}

/** `pwrite(fd, bytes, off)` on a description: bytes written, or `-errno`. */
export function pwrite(d: ModelDescription, bytes: Uint8Array, off: number): number {
  if (!d.writable) return err('EBADF');
  if (!(off >= 0)) return err('EINVAL'); // rw_verify_area
  if (bytes.length === 0) return 0;
  // generic_write_check_limits: EFBIG at or past s_maxbytes, a short write up to it
  if (off >= MAX_SIZE_BYTES) return err('EFBIG');
  if (off + bytes.length > MAX_SIZE_BYTES) bytes = bytes.subarray(0, MAX_SIZE_BYTES - off);
  for (let done = 0; done < bytes.length; ) {
    const at = off + done;
    const idx = Math.floor(at / PAGE);
    const n = Math.min(PAGE - (at % PAGE), bytes.length - done);
    let page = d.file.pages.get(idx);
    if (page === undefined) {
      page = new Uint8Array(PAGE);
      d.file.pages.set(idx, page);
    }
    page.set(bytes.subarray(done, done + n), at % PAGE);
    done += n;
  }
  d.file.size = Math.max(d.file.size, off + bytes.length);
  return bytes.length;
}

/** `pread(fd, buf, off)`: bytes read (a hole reads zeros and caches nothing, as tmpfs's `SGP_READ`), or `-errno`. */
export function pread(d: ModelDescription, buf: Uint8Array, off: number): number {
  if (!d.readable) return err('EBADF');
  if (!(off >= 0)) return err('EINVAL');
  const n = Math.max(0, Math.min(buf.length, d.file.size - off));
  for (let k = 0; k < n; k++) {
    const at = off + k;
    buf[k] = d.file.pages.get(Math.floor(at / PAGE))?.[at % PAGE] ?? 0;
  }
  return n;
}

/** A process's descriptors (the lowest free number: a model process, like the implementation's, has no standard streams). */
export class ModelFdTable {
  readonly fds = new Map<number, ModelDescription>();

  /** A copy for a fork child (the descriptions are shared). */
  clone(): ModelFdTable {
    const t = new ModelFdTable();
    for (const [k, v] of this.fds) t.fds.set(k, v);
    return t;
  }

  install(d: ModelDescription): number {
    let fd = 0;
    while (this.fds.has(fd)) fd++;
    this.fds.set(fd, d);
    return fd;
  }

  get(fd: number): ModelDescription | undefined {
    return this.fds.get(fd);
  }

  close(fd: number): number {
    return this.fds.delete(fd) ? 0 : err('EBADF');
  }
}
