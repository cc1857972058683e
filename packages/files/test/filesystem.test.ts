import { MmError, PAGE_SIZE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import {
  FdTable,
  formatDeviceNumber,
  MAX_FILE_SIZE,
  O_APPEND,
  O_CREAT,
  O_DIRECTORY,
  O_EXCL,
  O_RDONLY,
  O_RDWR,
  O_TRUNC,
  O_WRONLY,
  S_IFCHR,
  S_IFDIR,
  S_IFREG,
  SEEK_CUR,
  SEEK_DATA,
  SEEK_END,
  SEEK_HOLE,
  SEEK_SET,
} from '../src/index.js';
import { makeFs, pattern } from './machine.js';

function errnoOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof MmError) return e.errno;
    throw e;
  }
  return 'no error';
}

describe('paths', () => {
  it('resolves absolute paths with . and .., and answers as Linux for bad ones', () => {
    const { fs } = makeFs();
    fs.mkdir('/d');
    const f = fs.createFile('/d/f', pattern(10));
    expect(fs.lookup('/d/./../d//f')).toBe(f);
    expect(fs.lookup('/..')).toBe(fs.root);
    expect(errnoOf(() => fs.lookup(''))).toBe('ENOENT');
    expect(errnoOf(() => fs.lookup('/nope'))).toBe('ENOENT');
    expect(errnoOf(() => fs.lookup('/d/f/x'))).toBe('ENOTDIR');
    expect(errnoOf(() => fs.lookup('/d/f/'))).toBe('ENOTDIR');
    expect(errnoOf(() => fs.lookup(`/d/${'x'.repeat(256)}`))).toBe('ENAMETOOLONG');
    expect(errnoOf(() => fs.lookup(`/d/${'x'.repeat(255)}`))).toBe('ENOENT');
    expect(errnoOf(() => fs.lookup(`/nope/${'x'.repeat(256)}`))).toBe('ENOENT');
    expect(errnoOf(() => fs.lookup(`/${'a/'.repeat(2048)}`))).toBe('ENAMETOOLONG');
    expect(errnoOf(() => fs.mkdir('/d'))).toBe('EEXIST');
    expect(errnoOf(() => fs.createFile('/d/f'))).toBe('EEXIST');
    expect(errnoOf(() => fs.createFile('/nope/f'))).toBe('ENOENT');
  });

  it('counts links: files per name, directories 2 + subdirectories', () => {
    const { fs } = makeFs();
    const rootLinks = fs.root.nlink;
    const d = fs.mkdir('/d');
    fs.mkdir('/d/e');
    expect(d.nlink).toBe(3);
    expect(fs.root.nlink).toBe(rootLinks + 1);
    const f = fs.createFile('/d/f');
    fs.link('/d/f', '/g');
    expect(f.nlink).toBe(2);
    expect(errnoOf(() => fs.link('/d', '/h'))).toBe('EPERM');
    expect(errnoOf(() => fs.rmdir('/d'))).toBe('ENOTEMPTY');
    expect(errnoOf(() => fs.rmdir('/g'))).toBe('ENOTDIR');
    expect(errnoOf(() => fs.rmdir('/'))).toBe('EBUSY');
    expect(errnoOf(() => fs.rmdir('/d/.'))).toBe('EINVAL');
    expect(errnoOf(() => fs.unlink('/d'))).toBe('EISDIR');
    fs.unlink('/d/f');
    expect(f.nlink).toBe(1);
    fs.rmdir('/d/e');
    expect(d.nlink).toBe(2);
  });

  it('stat shows device numbers, types and sizes', () => {
    const { fs } = makeFs();
    const s = fs.stat('/dev/zero');
    expect(s.mode & 0o170000).toBe(S_IFCHR);
    expect(s.rdev).toEqual({ major: 1, minor: 5 });
    expect(formatDeviceNumber(s.dev)).toBe('00:05');
    expect(fs.devZero!.mapsAsAnonymous).toBe(true);
    expect(fs.stat('/').mode & 0o170000).toBe(S_IFDIR);
    const f = fs.createFile('/big', { size: 10 * PAGE_SIZE });
    const st = fs.stat('/big');
    expect(st).toMatchObject({
      mode: S_IFREG | 0o644,
      size: 10 * PAGE_SIZE,
      ino: f.ino,
      nlink: 1,
      blocks: 0,
    });
    expect(formatDeviceNumber(st.dev)).toBe('00:20');
    expect(f.mapsAsAnonymous).toBe(false);
    expect(formatDeviceNumber({ major: 8, minor: 0x1f })).toBe('08:1f');
  });
});

describe('FdTable', () => {
  it('hands out the lowest free descriptor and answers EMFILE at the limit', () => {
    const { fs } = makeFs();
    const fds = new FdTable(fs, { limit: 3 });
    fs.createFile('/f');
    expect([fds.open('/f', O_RDONLY), fds.open('/f', O_RDONLY), fds.open('/f', O_RDONLY)]).toEqual([0, 1, 2]);
    expect(errnoOf(() => fds.open('/f', O_RDONLY))).toBe('EMFILE');
    expect(errnoOf(() => fds.open('/new', O_CREAT | O_RDWR))).toBe('EMFILE');
    expect(errnoOf(() => fs.lookup('/new'))).toBe('ENOENT');
    fds.close(1);
    expect(fds.open('/f', O_RDONLY)).toBe(1);
    expect(errnoOf(() => fds.close(7))).toBe('EBADF');
    expect(errnoOf(() => fds.close(-1))).toBe('EBADF');
    fds.close(0);
    expect(fds.dup(2)).toBe(0);
  });

  it('open flag rules', () => {
    const { fs } = makeFs();
    const fds = new FdTable(fs);
    fs.mkdir('/d');
    fs.createFile('/f', pattern(100));
    expect(errnoOf(() => fds.open('/f', O_CREAT | O_EXCL | O_RDWR))).toBe('EEXIST');
    expect(errnoOf(() => fds.open('/d', O_WRONLY))).toBe('EISDIR');
    expect(errnoOf(() => fds.open('/d', O_RDWR))).toBe('EISDIR');
    expect(errnoOf(() => fds.open('/d', O_RDONLY | O_TRUNC))).toBe('EISDIR');
    expect(errnoOf(() => fds.open('/d', O_CREAT | O_RDONLY))).toBe('EISDIR');
    expect(errnoOf(() => fds.open('/new/', O_CREAT | O_RDWR))).toBe('EISDIR');
    expect(errnoOf(() => fds.open('/f', O_DIRECTORY))).toBe('ENOTDIR');
    expect(errnoOf(() => fds.open('/g', O_CREAT | O_DIRECTORY))).toBe('EINVAL');
    expect(errnoOf(() => fds.open('/g', O_RDONLY))).toBe('ENOENT');
    expect(fds.openDescriptors()).toEqual([]);
    const fd = fds.open('/d', O_RDONLY | O_DIRECTORY);
    expect(errnoOf(() => fds.read(fd, new Uint8Array(4)))).toBe('EISDIR');
    const t = fds.open('/f', O_WRONLY | O_TRUNC);
    expect(fds.fstat(t).size).toBe(0);
  });

  it('read, write, pread, pwrite, O_APPEND and positions', () => {
    const { fs } = makeFs();
    const fds = new FdTable(fs);
    const fd = fds.open('/f', O_CREAT | O_RDWR);
    expect(fds.write(fd, pattern(5000))).toBe(5000);
    expect(fds.lseek(fd, 0, SEEK_CUR)).toBe(5000);
    expect(fds.lseek(fd, 10, SEEK_SET)).toBe(10);
    const buf = new Uint8Array(20);
    expect(fds.read(fd, buf)).toBe(20);
    expect(buf).toEqual(pattern(5000).subarray(10, 30));
    expect(fds.pread(fd, buf, 4990)).toBe(10);
    expect(fds.lseek(fd, 0, SEEK_CUR)).toBe(30);
    expect(fds.pwrite(fd, pattern(4, 9), 9000)).toBe(4);
    expect(fds.fstat(fd).size).toBe(9004);
    const gap = new Uint8Array(4000);
    expect(fds.pread(fd, gap, 5000)).toBe(4000);
    expect(gap.every((b) => b === 0)).toBe(true);
    expect(fds.pread(fd, buf, 20000)).toBe(0);
    const ap = fds.open('/f', O_WRONLY | O_APPEND);
    fds.pwrite(ap, pattern(3), 0);
    expect(fds.fstat(fd).size).toBe(9007);
    expect(fds.lseek(ap, 0, SEEK_CUR)).toBe(0);
    fds.write(ap, pattern(3));
    expect(fds.lseek(ap, 0, SEEK_CUR)).toBe(9010);
  });

  it('answers bad input with Linux errnos and changes nothing', () => {
    const { fs } = makeFs();
    const fds = new FdTable(fs);
    fs.createFile('/f', pattern(100));
    const ro = fds.open('/f', O_RDONLY);
    const wo = fds.open('/f', O_WRONLY);
    const before = fds.fstat(ro);
    expect(errnoOf(() => fds.write(ro, pattern(4)))).toBe('EBADF');
    expect(errnoOf(() => fds.read(wo, new Uint8Array(4)))).toBe('EBADF');
    expect(errnoOf(() => fds.read(99, new Uint8Array(4)))).toBe('EBADF');
    expect(errnoOf(() => fds.pread(ro, new Uint8Array(4), -1))).toBe('EINVAL');
    expect(errnoOf(() => fds.pwrite(wo, pattern(4), -1))).toBe('EINVAL');
    expect(errnoOf(() => fds.pwrite(wo, pattern(4), MAX_FILE_SIZE))).toBe('EFBIG');
    expect(fds.pwrite(wo, new Uint8Array(0), MAX_FILE_SIZE)).toBe(0);
    expect(errnoOf(() => fds.lseek(ro, -1, SEEK_SET))).toBe('EINVAL');
    expect(errnoOf(() => fds.lseek(ro, -101, SEEK_END))).toBe('EINVAL');
    expect(errnoOf(() => fds.lseek(ro, 0, 5))).toBe('EINVAL');
    expect(errnoOf(() => fds.lseek(ro, 100, SEEK_DATA))).toBe('ENXIO');
    expect(errnoOf(() => fds.lseek(ro, -1, SEEK_HOLE))).toBe('ENXIO');
    expect(errnoOf(() => fds.ftruncate(ro, 10))).toBe('EINVAL');
    expect(errnoOf(() => fds.ftruncate(wo, -1))).toBe('EINVAL');
    expect(errnoOf(() => fds.ftruncate(wo, MAX_FILE_SIZE + 2))).toBe('EFBIG');
    expect(fds.fstat(ro)).toEqual(before);
    expect(fds.lseek(ro, 0, SEEK_CUR)).toBe(0);
    expect(fds.lseek(ro, 5, SEEK_DATA)).toBe(5);
    expect(fds.lseek(ro, 5, SEEK_HOLE)).toBe(100);
    expect(fds.lseek(ro, -10, SEEK_END)).toBe(90);
  });

  it('/dev/zero reads zeros, swallows writes, seeks to 0 and has no fsync or truncate', () => {
    const { fs } = makeFs();
    const fds = new FdTable(fs);
    const fd = fds.open('/dev/zero', O_RDWR);
    const buf = pattern(64, 1);
    expect(fds.read(fd, buf)).toBe(64);
    expect(buf.every((b) => b === 0)).toBe(true);
    expect(fds.write(fd, pattern(10))).toBe(10);
    expect(fds.lseek(fd, 123, SEEK_SET)).toBe(0);
    expect(errnoOf(() => fds.fsync(fd))).toBe('EINVAL');
    expect(errnoOf(() => fds.ftruncate(fd, 0))).toBe('EINVAL');
  });

  it('fsync writes dirty pages back; an unlinked open file lives until its last close', () => {
    const { fs, allocator } = makeFs();
    const free = allocator.freeFrames;
    const fds = new FdTable(fs);
    const fd = fds.open('/f', O_CREAT | O_RDWR);
    fds.write(fd, pattern(3 * PAGE_SIZE));
    expect(fs.cache.stats.dirtyPages).toBe(3);
    expect(fds.fsync(fd)).toBe(3);
    expect(fs.cache.stats.dirtyPages).toBe(0);
    const inode = fds.get(fd).inode;
    expect(inode.store.storedPages).toBe(3);
    const mapping = fds.get(fd).ref(); // a mapping holds the description
    fs.unlink('/f');
    fds.close(fd);
    expect(inode.destroyed).toBe(false);
    const buf = new Uint8Array(10);
    expect(fs.cache.readFile(inode, 0, buf)).toBe(10);
    mapping.release();
    expect(inode.destroyed).toBe(true);
    expect(allocator.freeFrames).toBe(free);
    expect(() => mapping.release()).toThrow(RangeError);
  });

  it('clone shares descriptions and closeOnExec closes only O_CLOEXEC ones', () => {
    const { fs } = makeFs();
    const fds = new FdTable(fs);
    fs.createFile('/f', pattern(10));
    const a = fds.open('/f', O_RDONLY);
    const b = fds.open('/f', O_RDONLY | 0o2000000);
    const child = fds.clone();
    child.read(a, new Uint8Array(4));
    expect(fds.lseek(a, 0, SEEK_CUR)).toBe(4);
    child.closeOnExec();
    expect(child.openDescriptors()).toEqual([a]);
    expect(fds.isCloseOnExec(b)).toBe(true);
  });
});

describe('description paths', () => {
  it('are canonical, and show (deleted) once the last name is gone', () => {
    const { fs } = makeFs();
    const fds = new FdTable(fs);
    fs.mkdir('/d');
    fs.mkdir('/d/e');
    fs.createFile('/d/e/f');
    const fd = fds.open('//d/./e/../e//f', O_RDONLY);
    expect(fds.get(fd).path).toBe('/d/e/f');
    expect(fds.get(fds.open('/d/e/..', O_RDONLY)).path).toBe('/d');
    expect(fds.get(fds.open('/', O_RDONLY)).path).toBe('/');
    expect(fds.get(fds.open('/dev/zero', O_RDONLY)).path).toBe('/dev/zero');
    fs.unlink('/d/e/f');
    expect(fds.get(fd).displayPath).toBe('/d/e/f (deleted)');
  });
});
