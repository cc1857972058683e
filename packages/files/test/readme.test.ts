import { SparsePhysicalMemory, StackFrameAllocator } from '@pagewright/frames';
import { expect, it } from 'vitest';
import { FdTable, FileSystem, formatDeviceNumber, O_CREAT, O_RDWR } from '../src/index.js';

it('the README example runs as written', () => {
  const memory = new SparsePhysicalMemory({ size: 64 * 4096 });
  const allocator = new StackFrameAllocator({ firstFrame: memory.baseFrame, frameCount: 64 });
  const fs = new FileSystem({ memory, allocator });
  const fds = new FdTable(fs);
  const fd = fds.open('/data', O_CREAT | O_RDWR);
  fds.write(fd, new TextEncoder().encode('hello, page cache'));
  const inode = fds.get(fd).inode;
  expect(fs.cache.stats.dirtyPages).toBe(1);
  fds.fsync(fd);
  expect(inode.store.storedPages).toBe(1);
  expect(formatDeviceNumber(inode.dev)).toBe('00:20');
  const vma = {};
  inode.mappings.insert(vma, 0, 1);
  const pfn = fs.cache.mapPage(inode, 0);
  expect(memory.read8(pfn * 4096)).toBe('h'.charCodeAt(0));
  fs.cache.unmapPage(pfn);
  inode.mappings.remove(vma);
  fds.close(fd);
  fs.unlink('/data');
  expect(allocator.freeFrames).toBe(64);
});
