/**
 * The bytes a regular file holds on its "disk", apart from the page cache.
 *
 * @module
 */

import { PAGE_SIZE } from '@pagewright/core';

/**
 * A file's backing store: what the disk holds, page by page. The page cache fills pages from it and writes dirty
 * pages back to it, so what the store holds differs from what `read` returns exactly while a page is dirty.
 *
 * Invariants: pages are kept sparse (a page never written reads as zeros, so a file "of size N" costs nothing until
 * written); every stored page is exactly {@link PAGE_SIZE} bytes; the store knows no file size (the inode does),
 * and {@link truncate} drops what lies past a size.
 */
export class BackingStore {
  private readonly pages = new Map<number, Uint8Array>();
  /** Pages written to the store since it was made (writeback count). */
  pagesWritten = 0;
  /** Pages read from the store since it was made. */
  pagesRead = 0;

  /** Number of pages the store holds (pages never written are not held). */
  get storedPages(): number {
    return this.pages.size;
  }

  /** True when the store holds page `index` (it was written or loaded). */
  hasPage(index: number): boolean {
    return this.pages.has(index);
  }

  /** Copies page `index` into `dst` (`PAGE_SIZE` bytes); a page never written reads as zeros. */
  readPage(index: number, dst: Uint8Array): void {
    const page = this.pages.get(index);
    if (page === undefined) dst.fill(0, 0, PAGE_SIZE);
    else dst.set(page);
    this.pagesRead++;
  }

  /** Replaces page `index` with the first `PAGE_SIZE` bytes of `src`. */
  writePage(index: number, src: Uint8Array): void {
    let page = this.pages.get(index);
    if (page === undefined) {
      page = new Uint8Array(PAGE_SIZE);
      this.pages.set(index, page);
    }
    page.set(src.subarray(0, PAGE_SIZE));
    this.pagesWritten++;
  }

  /** Stores `bytes` at byte offset 0 onwards (used to create a file's initial contents; not counted as writeback). */
  load(bytes: Uint8Array): void {
    for (let off = 0; off < bytes.length; off += PAGE_SIZE) {
      const page = new Uint8Array(PAGE_SIZE);
      page.set(bytes.subarray(off, Math.min(off + PAGE_SIZE, bytes.length)));
      this.pages.set(off / PAGE_SIZE, page);
    }
  }

  /** Drops every page past `size` bytes and zeroes the tail of the page holding byte `size` (if it is held). */
  truncate(size: number): void {
    const keep = Math.ceil(size / PAGE_SIZE);
    for (const index of [...this.pages.keys()]) if (index >= keep) this.pages.delete(index);
    const tail = size % PAGE_SIZE;
    if (tail !== 0) this.pages.get(keep - 1)?.fill(0, tail);
  }
}
