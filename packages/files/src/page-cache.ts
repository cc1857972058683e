/**
 * The page cache: a file's pages held in real frames of the machine's physical memory.
 *
 * @module
 */

import type { FrameAllocator, PhysicalMemory } from '@pagewright/core';
import { MmError, NO_FRAME, PAGE_SIZE } from '@pagewright/core';
import type { BackingStore } from './backing-store.js';

/** What a cached page's state looks like from outside (read-only). */
export interface CachedPageState {
  /** The page's offset in the file, in pages. */
  readonly index: number;
  /** The frame holding the page. */
  readonly pfn: number;
  /** The frame holds the file's current contents (`PG_uptodate`); always true once a page is visible. */
  readonly uptodate: boolean;
  /** The frame differs from the backing store and must be written back (`PG_dirty`). */
  readonly dirty: boolean;
  /** An asynchronous writeback of the page has started and not completed (`PG_writeback`). */
  readonly writeback: boolean;
  /** How many page-table entries map the frame (`folio_mapcount`), as the process layer reports them. */
  readonly mapCount: number;
  /** False once the page left the cache (truncated or invalidated) while still mapped: an orphan until unmapped. */
  readonly inCache: boolean;
}

class CachedPage implements CachedPageState {
  uptodate = false;
  dirty = false;
  writeback = false;
  mapCount = 0;
  inCache = true;
  constructor(
    readonly file: CachedFile,
    readonly index: number,
    readonly pfn: number,
  ) {}
}

/**
 * What the page cache needs of a file (Linux's `address_space`): its size, its backing store and its page map.
 * {@link Inode} implements it for regular files.
 */
export interface CachedFile {
  /** The file size in bytes (`i_size`). */
  readonly size: number;
  /** What the disk holds. */
  readonly store: BackingStore;
  /** Cached pages by page index; owned by the {@link PageCache}, do not edit. */
  readonly pages: Map<number, CachedPageState>;
}

/** Returned by {@link PageCache.mapPage} for a page at or past the end of the file (the process layer's SIGBUS). */
export const PAGE_BEYOND_EOF = -2;

/** Counters of one {@link PageCache}. */
export interface PageCacheStats {
  /** Pages currently in the cache (all files). */
  readonly cachedPages: number;
  /** Cached pages currently dirty. */
  readonly dirtyPages: number;
  /** Pages currently under asynchronous writeback. */
  readonly writebackPages: number;
  /** Pages that left the cache while mapped and still hold a frame. */
  readonly orphanPages: number;
  /** Frames the cache holds from the allocator right now (cached + orphan pages). */
  readonly framesHeld: number;
  /** Pages read from backing stores since creation. */
  readonly pagesRead: number;
  /** Pages written back to backing stores since creation. */
  readonly pagesWrittenBack: number;
}

/** How {@link PageCache.writeback} writes: `sync` waits (writes now), `async` starts writeback (see `completeWriteback`). */
export type WritebackMode = 'sync' | 'async';

/** What {@link PageCache.invalidate} did. */
export interface InvalidateResult {
  /** Pages dropped from the cache. */
  readonly dropped: number;
  /** Pages kept because they were dirty, under writeback or mapped (Linux `invalidate_mapping_pages` skips them). */
  readonly kept: number;
}

/**
 * The machine's page cache. Pages are frames from the injected {@link FrameAllocator}, their bytes in the injected
 * {@link PhysicalMemory}; a page not in the cache is read from the file's {@link BackingStore} (lookup-or-read), so
 * writeback really moves bytes from frames to the store.
 *
 * Invariants:
 * - Every frame the cache takes from the allocator is either in exactly one file's page map, or an orphan (a page
 *   truncated or invalidated while mapped) that returns to the allocator when its map count drops to 0. Nothing
 *   else holds cache frames: `stats.framesHeld === cachedPages + orphanPages`.
 * - A visible page is up to date: its frame holds the store's bytes, or newer bytes and the page is dirty.
 *   Bytes of the last page past the file size read as zero.
 * - Multi-page operations allocate every missing frame first; when one allocation fails, the frames taken are
 *   returned and the call throws `MmError('ENOMEM')` with nothing changed.
 * - Every method checks its arguments and throws `RangeError` for a page index or byte range that is not a
 *   non-negative safe integer (a programming error of the caller; system calls check user input before this).
 */
export class PageCache {
  private readonly pageBuffer = new Uint8Array(PAGE_SIZE);
  private readonly livePages = new Map<number, CachedPage>();
  private readonly pendingWriteback = new Set<CachedPage>();
  private cached = 0;
  private dirty = 0;
  private orphans = 0;
  private read = 0;
  private writtenBack = 0;

  /**
   * @param memory - the machine's physical memory (page contents live here)
   * @param allocator - where page frames come from and return to
   */
  constructor(
    readonly memory: PhysicalMemory,
    readonly allocator: FrameAllocator,
  ) {}

  /** The cache's counters. */
  get stats(): PageCacheStats {
    return {
      cachedPages: this.cached,
      dirtyPages: this.dirty,
      writebackPages: this.pendingWriteback.size,
      orphanPages: this.orphans,
      framesHeld: this.livePages.size,
      pagesRead: this.read,
      pagesWrittenBack: this.writtenBack,
    };
  }

  /** The cached page `index` of `file`, or undefined (no read). */
  lookup(file: CachedFile, index: number): CachedPageState | undefined {
    checkIndex(index);
    return file.pages.get(index);
  }

  /** The page that owns frame `pfn` (cached or orphan), or undefined. */
  pageOfFrame(pfn: number): CachedPageState | undefined {
    return this.livePages.get(pfn);
  }

  /**
   * Lookup-or-read: the page `index` of `file`, read from the backing store into a new frame when it is not cached.
   * Throws `MmError('ENOMEM')` (nothing changed) when no frame is free. The page may lie past the end of file (the
   * caller decides whether that is allowed); it then reads as zeros.
   */
  getPage(file: CachedFile, index: number): CachedPageState {
    checkIndex(index);
    const found = file.pages.get(index);
    if (found !== undefined) return found;
    const pfn = this.allocator.alloc();
    if (pfn === NO_FRAME) throw new MmError('ENOMEM', 'page cache: no free frame');
    return this.fill(file, index, pfn, true);
  }

  /**
   * Maps page `index` of `file` for the process layer's fault handler: lookup-or-read, then the map count goes up.
   * Returns the frame, {@link PAGE_BEYOND_EOF} for a page at or past the end of the file, or `NO_FRAME` when no
   * frame is free (nothing changed). Never throws for those.
   */
  mapPage(file: CachedFile, index: number): number {
    checkIndex(index);
    if (index >= Math.ceil(file.size / PAGE_SIZE)) return PAGE_BEYOND_EOF;
    let page = file.pages.get(index) as CachedPage | undefined;
    if (page === undefined) {
      const pfn = this.allocator.alloc();
      if (pfn === NO_FRAME) return NO_FRAME;
      page = this.fill(file, index, pfn, true);
    }
    page.mapCount++;
    return page.pfn;
  }

  /**
   * The process layer removed one mapping of frame `pfn` (a cache page it got from {@link mapPage}). An orphan page
   * whose last mapping goes returns its frame to the allocator. Throws `RangeError` for a frame the cache does not
   * own or that is not mapped.
   */
  unmapPage(pfn: number): void {
    const page = this.livePages.get(pfn);
    if (page === undefined || page.mapCount === 0)
      throw new RangeError(`PageCache.unmapPage: frame ${pfn} is not a mapped cache page`);
    page.mapCount--;
    if (page.mapCount === 0 && !page.inCache) {
      this.orphans--;
      this.releaseFrame(page);
    }
  }

  /** Marks a cached page dirty (`set_page_dirty`: a store through a shared mapping reached it). */
  markDirty(file: CachedFile, index: number): void {
    checkIndex(index);
    const page = file.pages.get(index) as CachedPage | undefined;
    if (page === undefined) throw new RangeError(`PageCache.markDirty: page ${index} is not cached`);
    this.setDirty(page);
  }

  /**
   * Copies file bytes `[pos, pos + dst.length)` into `dst` through the cache and returns how many were copied (fewer
   * at the end of file, 0 at or past it). Missing pages are read from the store; a hole (a page neither cached nor
   * stored) reads as zeros without entering the cache, as tmpfs's `shmem_file_read_iter` reads one (`SGP_READ`:
   * no page is allocated, so `mincore` still says it is not resident). `MmError('ENOMEM')` (nothing changed,
   * nothing copied) when the frames for the stored pages cannot all be had.
   */
  readFile(file: CachedFile, pos: number, dst: Uint8Array): number {
    checkByteRange(pos, dst.length);
    if (pos >= file.size) return 0;
    const count = Math.min(dst.length, file.size - pos);
    if (count === 0) return 0;
    const first = Math.floor(pos / PAGE_SIZE);
    const end = Math.ceil((pos + count) / PAGE_SIZE);
    this.populate(file, first, end, true, -1, -1, true);
    let done = 0;
    while (done < count) {
      const at = pos + done;
      const index = Math.floor(at / PAGE_SIZE);
      const inPage = at - index * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, count - done);
      const page = file.pages.get(index);
      if (page === undefined) dst.fill(0, done, done + n);
      else this.memory.readBytes(page.pfn * PAGE_SIZE + inPage, dst.subarray(done, done + n));
      done += n;
    }
    return count;
  }

  /**
   * Copies `src` to file bytes `[pos, pos + src.length)` through the cache, marking the pages dirty; returns the new
   * file size the caller must store (`max(size, pos + src.length)`). Pages fully overwritten are not read first.
   * `MmError('ENOMEM')` (nothing changed) when the frames cannot all be had.
   */
  writeFile(file: CachedFile, pos: number, src: Uint8Array): number {
    checkByteRange(pos, src.length);
    if (src.length === 0) return file.size;
    const endByte = pos + src.length;
    const first = Math.floor(pos / PAGE_SIZE);
    const end = Math.ceil(endByte / PAGE_SIZE);
    // The first and last pages need their old bytes unless the write covers them whole.
    const partialFirst = pos % PAGE_SIZE !== 0 || endByte - first * PAGE_SIZE < PAGE_SIZE ? first : -1;
    const partialLast = endByte % PAGE_SIZE !== 0 ? end - 1 : -1;
    this.populate(file, first, end, false, partialFirst, partialLast);
    let done = 0;
    while (done < src.length) {
      const at = pos + done;
      const index = Math.floor(at / PAGE_SIZE);
      const inPage = at - index * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - inPage, src.length - done);
      const page = file.pages.get(index) as CachedPage;
      this.memory.writeBytes(page.pfn * PAGE_SIZE + inPage, src.subarray(done, done + n));
      page.uptodate = true;
      this.setDirty(page);
      done += n;
    }
    return Math.max(file.size, endByte);
  }

  /**
   * Writes the dirty pages of `file` with index in `[firstIndex, endIndex)` back to its store (fsync, msync,
   * `filemap_write_and_wait_range`). `sync`: written now, clean on return. `async`: the pages enter writeback (still
   * readable and writable; a store during writeback re-dirties the page) and reach the store at
   * {@link completeWriteback}. Returns how many pages were written or started. A sync writeback also completes any
   * writeback already started in the range, as `filemap_write_and_wait_range` waits for it.
   */
  writeback(file: CachedFile, firstIndex: number, endIndex: number, mode: WritebackMode): number {
    checkIndex(firstIndex);
    if (!(Number.isSafeInteger(endIndex) && endIndex >= firstIndex))
      throw new RangeError(`PageCache.writeback: bad end ${endIndex}`);
    let n = 0;
    for (const state of this.pagesIn(file, firstIndex, endIndex)) {
      const page = state as CachedPage;
      if (mode === 'sync') {
        if (page.dirty || page.writeback) {
          if (page.dirty) n++;
          this.writeToStore(page);
        }
      } else if (page.dirty && !page.writeback) {
        page.writeback = true;
        this.clearDirty(page);
        this.pendingWriteback.add(page);
        n++;
      }
    }
    return n;
  }

  /**
   * Completes every asynchronous writeback started by {@link writeback}: the frames' current bytes reach the stores.
   * Returns how many pages completed.
   */
  completeWriteback(): number {
    const pages = [...this.pendingWriteback];
    for (const page of pages) this.writeToStore(page);
    return pages.length;
  }

  /**
   * Drops the clean, unmapped pages of `file` in `[firstIndex, endIndex)` that are not under writeback, returning
   * their frames (Linux `invalidate_mapping_pages`, as MS_INVALIDATE and `POSIX_FADV_DONTNEED` use it); dirty,
   * writeback and mapped pages are kept.
   */
  invalidate(file: CachedFile, firstIndex: number, endIndex: number): InvalidateResult {
    checkIndex(firstIndex);
    let dropped = 0;
    let kept = 0;
    for (const state of this.pagesIn(file, firstIndex, endIndex)) {
      const page = state as CachedPage;
      if (page.dirty || page.writeback || page.mapCount > 0) {
        kept++;
        continue;
      }
      this.removeFromCache(page);
      dropped++;
    }
    return { dropped, kept };
  }

  /**
   * Linux `truncate_inode_pages_range` for a file cut to `newSize` bytes: pages wholly past the new end leave the
   * cache (dirty ones are discarded, not written; mapped ones become orphans, freed on their last unmap — the
   * process layer unmaps them first, as `truncate_pagecache` does), and the tail of the partial last page is zeroed
   * in its frame. The caller truncates the store and updates the size.
   */
  truncatePages(file: CachedFile, newSize: number): void {
    checkByteRange(newSize, 0);
    const keep = Math.ceil(newSize / PAGE_SIZE);
    for (const state of this.pagesIn(file, keep, Number.MAX_SAFE_INTEGER))
      this.removeFromCache(state as CachedPage);
    const tail = newSize % PAGE_SIZE;
    if (tail !== 0) {
      const last = file.pages.get(keep - 1);
      if (last !== undefined) this.memory.fill(last.pfn * PAGE_SIZE + tail, PAGE_SIZE - tail, 0);
    }
  }

  /** Zeroes bytes `[from, pageEnd)` of the cached page holding byte `from`, if cached (used when a file grows). */
  zeroTail(file: CachedFile, from: number): void {
    checkByteRange(from, 0);
    const tail = from % PAGE_SIZE;
    if (tail === 0) return;
    const page = file.pages.get(Math.floor(from / PAGE_SIZE));
    if (page !== undefined) this.memory.fill(page.pfn * PAGE_SIZE + tail, PAGE_SIZE - tail, 0);
  }

  /** Drops every page of `file` (the inode is being destroyed). */
  evictFile(file: CachedFile): void {
    for (const state of [...file.pages.values()]) this.removeFromCache(state as CachedPage);
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private pagesIn(file: CachedFile, firstIndex: number, endIndex: number): CachedPageState[] {
    const out: CachedPageState[] = [];
    if (endIndex - firstIndex < file.pages.size) {
      for (let i = firstIndex; i < endIndex; i++) {
        const p = file.pages.get(i);
        if (p !== undefined) out.push(p);
      }
    } else {
      for (const p of file.pages.values()) if (p.index >= firstIndex && p.index < endIndex) out.push(p);
      out.sort((a, b) => a.index - b.index);
    }
    return out;
  }

  /**
   * Makes pages `[first, end)` of `file` cached, all or nothing: every missing frame is allocated before any page
   * is filled. Missing pages are read from the store when `readAll`, or when they are `partialA`/`partialB` (the
   * pages a write covers only in part); the others are zeroed, since the caller overwrites them whole.
   */
  private populate(
    file: CachedFile,
    first: number,
    end: number,
    readAll: boolean,
    partialA: number,
    partialB: number,
    skipHoles = false,
  ): void {
    const missing: number[] = [];
    for (let i = first; i < end; i++)
      if (!file.pages.has(i) && !(skipHoles && !file.store.hasPage(i))) missing.push(i);
    if (missing.length === 0) return;
    const frames: number[] = [];
    for (let k = 0; k < missing.length; k++) {
      const pfn = this.allocator.alloc();
      if (pfn === NO_FRAME) {
        for (const f of frames) this.allocator.free(f);
        throw new MmError('ENOMEM', 'page cache: no free frame');
      }
      frames.push(pfn);
    }
    for (let k = 0; k < missing.length; k++) {
      const index = missing[k]!;
      this.fill(file, index, frames[k]!, readAll || index === partialA || index === partialB);
    }
  }

  private fill(file: CachedFile, index: number, pfn: number, fromStore: boolean): CachedPage {
    if (fromStore) {
      file.store.readPage(index, this.pageBuffer);
      // Bytes past the end of file read as zero, whatever the store holds (a store page may hold stale bytes).
      const eofInPage = file.size - index * PAGE_SIZE;
      if (eofInPage < PAGE_SIZE) this.pageBuffer.fill(0, Math.max(0, eofInPage));
      this.memory.writeBytes(pfn * PAGE_SIZE, this.pageBuffer);
      this.read++;
    } else {
      this.memory.zeroFrame(pfn);
    }
    const page = new CachedPage(file, index, pfn);
    page.uptodate = true;
    file.pages.set(index, page);
    this.livePages.set(pfn, page);
    this.cached++;
    return page;
  }

  private setDirty(page: CachedPage): void {
    if (!page.dirty && page.inCache) {
      page.dirty = true;
      this.dirty++;
    }
  }

  private clearDirty(page: CachedPage): void {
    if (page.dirty) {
      page.dirty = false;
      this.dirty--;
    }
  }

  private writeToStore(page: CachedPage): void {
    this.memory.readBytes(page.pfn * PAGE_SIZE, this.pageBuffer);
    page.file.store.writePage(page.index, this.pageBuffer);
    this.clearDirty(page);
    if (page.writeback) {
      page.writeback = false;
      this.pendingWriteback.delete(page);
    }
    this.writtenBack++;
  }

  private removeFromCache(page: CachedPage): void {
    (page.file.pages as Map<number, CachedPageState>).delete(page.index);
    this.clearDirty(page);
    if (page.writeback) {
      page.writeback = false;
      this.pendingWriteback.delete(page);
    }
    page.inCache = false;
    this.cached--;
    if (page.mapCount > 0) this.orphans++;
    else this.releaseFrame(page);
  }

  private releaseFrame(page: CachedPage): void {
    this.livePages.delete(page.pfn);
    this.allocator.free(page.pfn);
  }
}

function checkIndex(index: number): void {
  if (!(Number.isSafeInteger(index) && index >= 0))
    throw new RangeError(`page cache: bad page index ${index}`);
}

function checkByteRange(pos: number, length: number): void {
  if (!(Number.isSafeInteger(pos) && pos >= 0 && Number.isSafeInteger(pos + length)))
    throw new RangeError(`page cache: bad byte range ${pos} + ${length}`);
}
