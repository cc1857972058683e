import { createRng, MmError, NO_FRAME, PAGE_SIZE } from '@pagewright/core';
import { FailingAllocator, SparsePhysicalMemory, StackFrameAllocator } from '@pagewright/frames';
import { describe, expect, it } from 'vitest';
import { FdTable, FileSystem, O_CREAT, O_RDWR, PAGE_BEYOND_EOF } from '../src/index.js';
import { makeFs, pattern } from './machine.js';

describe('PageCache', () => {
  it('reads fill pages from the backing store into real frames, once', () => {
    const { fs, allocator, memory } = makeFs();
    const inode = fs.createFile('/a', pattern(3 * PAGE_SIZE + 100));
    const free = allocator.freeFrames;
    const buf = new Uint8Array(200);
    expect(fs.cache.readFile(inode, PAGE_SIZE - 100, buf)).toBe(200);
    expect(buf).toEqual(pattern(3 * PAGE_SIZE + 100).subarray(PAGE_SIZE - 100, PAGE_SIZE + 100));
    expect(allocator.freeFrames).toBe(free - 2);
    expect(fs.cache.stats).toMatchObject({ cachedPages: 2, pagesRead: 2, dirtyPages: 0, framesHeld: 2 });
    const page = fs.cache.lookup(inode, 1)!;
    expect(allocator.isAllocated(page.pfn)).toBe(true);
    expect(memory.read8(page.pfn * PAGE_SIZE)).toBe(pattern(2 * PAGE_SIZE)[PAGE_SIZE]);
    fs.cache.readFile(inode, PAGE_SIZE, buf);
    expect(fs.cache.stats.pagesRead).toBe(2);
  });

  it('bytes past the end of file in the last page read as zero', () => {
    const { fs, memory } = makeFs();
    const inode = fs.createFile('/a', pattern(10));
    const pfn = fs.cache.getPage(inode, 0).pfn;
    expect(memory.read8(pfn * PAGE_SIZE + 9)).toBe(9);
    expect(memory.read8(pfn * PAGE_SIZE + 10)).toBe(0);
  });

  it('writes dirty the cache and reach the store only on writeback', () => {
    const { fs } = makeFs();
    const inode = fs.createFile('/a', new Uint8Array(2 * PAGE_SIZE));
    inode.size = fs.cache.writeFile(inode, 10, pattern(5, 1));
    expect(fs.cache.stats.dirtyPages).toBe(1);
    const disk = new Uint8Array(PAGE_SIZE);
    inode.store.readPage(0, disk);
    expect(disk[10]).toBe(0);
    expect(fs.cache.writeback(inode, 0, 2, 'sync')).toBe(1);
    inode.store.readPage(0, disk);
    expect(disk.subarray(10, 15)).toEqual(pattern(5, 1));
    expect(fs.cache.stats).toMatchObject({ dirtyPages: 0, pagesWrittenBack: 1 });
  });

  it('async writeback moves pages into writeback until completed', () => {
    const { fs } = makeFs();
    const inode = fs.createFile('/a', new Uint8Array(PAGE_SIZE));
    inode.size = fs.cache.writeFile(inode, 0, pattern(8));
    expect(fs.cache.writeback(inode, 0, 1, 'async')).toBe(1);
    const page = fs.cache.lookup(inode, 0)!;
    expect(page.writeback).toBe(true);
    expect(page.dirty).toBe(false);
    expect(fs.cache.invalidate(inode, 0, 1)).toEqual({ dropped: 0, kept: 1 });
    expect(fs.cache.completeWriteback()).toBe(1);
    expect(page.writeback).toBe(false);
    const disk = new Uint8Array(PAGE_SIZE);
    inode.store.readPage(0, disk);
    expect(disk.subarray(0, 8)).toEqual(pattern(8));
  });

  it('invalidate drops clean unmapped pages and keeps dirty or mapped ones', () => {
    const { fs, allocator } = makeFs();
    const inode = fs.createFile('/a', pattern(3 * PAGE_SIZE));
    const free = allocator.freeFrames;
    fs.cache.readFile(inode, 0, new Uint8Array(3 * PAGE_SIZE));
    fs.cache.markDirty(inode, 0);
    const pfn = fs.cache.mapPage(inode, 1);
    expect(fs.cache.invalidate(inode, 0, 3)).toEqual({ dropped: 1, kept: 2 });
    expect(allocator.freeFrames).toBe(free - 2);
    fs.cache.unmapPage(pfn);
    expect(fs.cache.lookup(inode, 1)?.mapCount).toBe(0);
  });

  it('mapPage answers PAGE_BEYOND_EOF past the end and NO_FRAME without memory', () => {
    const { fs } = makeFs(2);
    const inode = fs.createFile('/a', pattern(3 * PAGE_SIZE));
    expect(fs.cache.mapPage(inode, 3)).toBe(PAGE_BEYOND_EOF);
    expect(fs.cache.mapPage(inode, 0)).toBeGreaterThan(0);
    expect(fs.cache.mapPage(inode, 1)).toBeGreaterThan(0);
    const before = fs.cache.stats;
    expect(fs.cache.mapPage(inode, 2)).toBe(NO_FRAME);
    expect(fs.cache.stats).toEqual(before);
  });

  it('a page truncated while mapped is an orphan until its last unmap, then its frame returns', () => {
    const { fs, allocator } = makeFs();
    const inode = fs.createFile('/a', pattern(2 * PAGE_SIZE));
    const free = allocator.freeFrames;
    const pfn = fs.cache.mapPage(inode, 1);
    fs.cache.mapPage(inode, 1);
    fs.truncate(inode, PAGE_SIZE);
    expect(fs.cache.lookup(inode, 1)).toBeUndefined();
    expect(fs.cache.stats.orphanPages).toBe(1);
    expect(fs.cache.pageOfFrame(pfn)?.inCache).toBe(false);
    fs.cache.unmapPage(pfn);
    expect(allocator.isAllocated(pfn)).toBe(true);
    fs.cache.unmapPage(pfn);
    expect(allocator.isAllocated(pfn)).toBe(false);
    expect(allocator.freeFrames).toBe(free);
    expect(() => fs.cache.unmapPage(pfn)).toThrow(RangeError);
  });

  it('truncate zeroes the partial last page in the cache and the store, and growing shows zeros', () => {
    const { fs, memory } = makeFs();
    const inode = fs.createFile('/a', pattern(PAGE_SIZE));
    const pfn = fs.cache.getPage(inode, 0).pfn;
    fs.truncate(inode, 100);
    expect(memory.read8(pfn * PAGE_SIZE + 99)).toBe(99);
    expect(memory.read8(pfn * PAGE_SIZE + 100)).toBe(0);
    fs.truncate(inode, 2 * PAGE_SIZE);
    const buf = new Uint8Array(2 * PAGE_SIZE);
    expect(fs.cache.readFile(inode, 0, buf)).toBe(2 * PAGE_SIZE);
    expect(buf.subarray(0, 100)).toEqual(pattern(100));
    expect(buf.subarray(100).every((b) => b === 0)).toBe(true);
  });

  it('truncate asks the mapping observer to unmap the pages past the new end first', () => {
    const { fs } = makeFs();
    const inode = fs.createFile('/a', pattern(5 * PAGE_SIZE));
    const vma = {};
    inode.mappings.insert(vma, 0, 5);
    const calls: [number, number, object[]][] = [];
    fs.setMappingObserver({
      unmapMappingRange: (i, a, b) => {
        expect(i.size).toBe(5 * PAGE_SIZE); // called before the size or the pages change
        calls.push([a, b, i.mappings.overlapping(a, b).map((m) => m.handle)]);
      },
    });
    fs.truncate(inode, 2 * PAGE_SIZE + 1);
    expect(calls).toEqual([[3, 5, [vma]]]);
  });

  it('ENOMEM from a read or write changes nothing (every missing frame is taken first)', () => {
    const memory = new SparsePhysicalMemory({ size: 64 * PAGE_SIZE });
    const failing = new FailingAllocator(
      new StackFrameAllocator({ firstFrame: memory.baseFrame, frameCount: 64 }),
    );
    const fs = new FileSystem({ memory, allocator: failing });
    const inode = fs.createFile('/a', pattern(4 * PAGE_SIZE));
    fs.cache.readFile(inode, 0, new Uint8Array(1));
    for (let k = 1; k <= 3; k++) {
      const before = { stats: fs.cache.stats, free: failing.freeFrames, size: inode.size };
      failing.failOnAllocation(k);
      const buf = new Uint8Array(3 * PAGE_SIZE);
      expect(() => fs.cache.readFile(inode, 10, buf)).toThrow(MmError);
      expect(buf.every((b) => b === 0)).toBe(true);
      failing.failOnAllocation(k);
      expect(() => fs.cache.writeFile(inode, 10, pattern(3 * PAGE_SIZE))).toThrow(
        expect.objectContaining({ errno: 'ENOMEM' }),
      );
      expect({ stats: fs.cache.stats, free: failing.freeFrames, size: inode.size }).toEqual(before);
      failing.disarm();
    }
    const out = new Uint8Array(4 * PAGE_SIZE);
    fs.cache.readFile(inode, 0, out);
    expect(out).toEqual(pattern(4 * PAGE_SIZE));
  });

  it('every frame is back after random file traffic, closing and unlinking everything', () => {
    const { fs, allocator } = makeFs(48);
    const free = allocator.freeFrames;
    const rng = createRng(7);
    const fds = new FdTable(fs);
    const names = ['/a', '/b', '/c'];
    const open = names.map((n) => fds.open(n, O_CREAT | O_RDWR));
    const mapped: number[] = [];
    for (let step = 0; step < 400; step++) {
      const fd = open[rng.nextInt(open.length)]!;
      const inode = fds.get(fd).inode;
      const op = rng.nextInt(6);
      try {
        if (op === 0) fds.pwrite(fd, pattern(rng.nextInt(3 * PAGE_SIZE), step), rng.nextInt(6 * PAGE_SIZE));
        else if (op === 1)
          fds.pread(fd, new Uint8Array(rng.nextInt(2 * PAGE_SIZE)), rng.nextInt(6 * PAGE_SIZE));
        else if (op === 2) fds.ftruncate(fd, rng.nextInt(5 * PAGE_SIZE));
        else if (op === 3) fds.fsync(fd);
        else if (op === 4 && inode.size > 0) {
          const pfn = fs.cache.mapPage(inode, rng.nextInt(inode.sizePages));
          if (pfn >= 0) mapped.push(pfn);
        } else if (op === 5 && mapped.length > 0)
          fs.cache.unmapPage(mapped.splice(rng.nextInt(mapped.length), 1)[0]!);
      } catch (e) {
        expect(e).toBeInstanceOf(MmError);
        expect((e as MmError).errno).toBe('ENOMEM');
      }
      const s = fs.cache.stats;
      expect(s.framesHeld).toBe(s.cachedPages + s.orphanPages);
      expect(allocator.freeFrames).toBe(free - s.framesHeld);
    }
    for (const pfn of mapped) fs.cache.unmapPage(pfn);
    fds.closeAll();
    for (const n of names) fs.unlink(n);
    expect(fs.cache.stats).toMatchObject({ framesHeld: 0, cachedPages: 0, orphanPages: 0, dirtyPages: 0 });
    expect(allocator.freeFrames).toBe(free);
    expect(fs.liveInodes).toBe(3); // the root, /dev and /dev/zero
  });
});
