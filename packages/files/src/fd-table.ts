/**
 * A process's file-descriptor table and the file system calls that go through it.
 *
 * @module
 */

import { MmError } from '@pagewright/core';
import {
  DEFAULT_NOFILE_LIMIT,
  MAX_FILE_SIZE,
  O_CLOEXEC,
  SEEK_CUR,
  SEEK_DATA,
  SEEK_END,
  SEEK_HOLE,
  SEEK_SET,
} from './constants.js';
import type { FileSystem } from './filesystem.js';
import type { OpenFileDescription } from './open-file.js';
import { type FileStat, statOf } from './stat.js';

/** Linux's `MAX_RW_COUNT` (`INT_MAX & PAGE_MASK`): the most one read or write moves. */
export const MAX_RW_COUNT = 0x7fff_f000;

interface Slot {
  readonly file: OpenFileDescription;
  cloexec: boolean;
}

/** Options of an {@link FdTable}. */
export interface FdTableOptions {
  /** `RLIMIT_NOFILE`: descriptors are `0 .. limit - 1` (default 1024). */
  limit?: number | undefined;
}

/**
 * A file-descriptor table over a {@link FileSystem}, with the system calls that use it. New descriptors take the
 * lowest free number (Linux `alloc_fd`); past `RLIMIT_NOFILE` → `EMFILE`.
 *
 * Every call checks its input and throws `MmError` with the errno Linux returns, leaving every state (positions,
 * sizes, the table, the cache) untouched: `EBADF` for a closed or out-of-range descriptor or a read (write) on a
 * description not open for reading (writing) — Linux's `vfs_read`/`vfs_write` answer `EBADF`, not `EACCES` —,
 * `EISDIR` for reading a directory, `EINVAL` for a negative offset or length or an unknown `whence`, `EFBIG` for a
 * write or truncation past the maximum file size, `ENXIO` for SEEK_DATA/SEEK_HOLE at or past the end, `ENOMEM`
 * when the page cache cannot get frames.
 *
 * @example
 * ```ts
 * import { FdTable, FileSystem, O_CREAT, O_RDWR, SEEK_SET } from '@pagewright/files';
 * import { SparsePhysicalMemory, StackFrameAllocator } from '@pagewright/frames';
 *
 * const memory = new SparsePhysicalMemory({ size: 64 * 4096 });
 * const allocator = new StackFrameAllocator({ firstFrame: memory.baseFrame, frameCount: 64 });
 * const fds = new FdTable(new FileSystem({ memory, allocator }));
 * const fd = fds.open('/data', O_CREAT | O_RDWR); // the lowest free descriptor: 0
 * fds.write(fd, new TextEncoder().encode('abc'));
 * const copy = fds.dup(fd); // shares the file offset
 * fds.lseek(copy, 0, SEEK_SET);
 * const buf = new Uint8Array(3);
 * console.log(fd, copy, fds.read(fd, buf)); // 0 1 3
 * fds.closeAll();
 * ```
 */
export class FdTable {
  private readonly slots: (Slot | undefined)[] = [];
  /** The highest number of descriptors allowed (`RLIMIT_NOFILE`). */
  readonly limit: number;

  /**
   * @param fs - the filesystem paths resolve in
   * @param options - the descriptor limit
   */
  constructor(
    readonly fs: FileSystem,
    options: FdTableOptions = {},
  ) {
    const limit = options.limit ?? DEFAULT_NOFILE_LIMIT;
    if (!(Number.isSafeInteger(limit) && limit >= 0)) throw new RangeError(`FdTable: bad limit ${limit}`);
    this.limit = limit;
  }

  /** Open descriptors, ascending. */
  openDescriptors(): number[] {
    const out: number[] = [];
    this.slots.forEach((s, fd) => {
      if (s !== undefined) out.push(fd);
    });
    return out;
  }

  /** The description behind `fd` (`EBADF`). The process layer's mmap starts here (and takes a `ref()`). */
  get(fd: number): OpenFileDescription {
    return this.slot(fd).file;
  }

  /** True when `fd` has close-on-exec set. */
  isCloseOnExec(fd: number): boolean {
    return this.slot(fd).cloexec;
  }

  /**
   * Puts `file` (whose reference the table takes over) at the lowest free descriptor and returns it; `EMFILE` when
   * every descriptor below the limit is in use (then the caller still owns the reference).
   */
  install(file: OpenFileDescription, cloexec = false): number {
    const fd = this.lowestFree();
    this.slots[fd] = { file, cloexec };
    return fd;
  }

  /** `open(path, flags, mode)`: a new description at the lowest free descriptor. */
  open(path: string, flags: number, mode = 0o644): number {
    this.lowestFree(); // EMFILE before anything is created (Linux: get_unused_fd_flags before do_filp_open)
    const file = this.fs.open(path, flags, mode);
    return this.install(file, (flags & O_CLOEXEC) !== 0);
  }

  /** `close(fd)`. */
  close(fd: number): void {
    const slot = this.slot(fd);
    this.slots[fd] = undefined;
    slot.file.release();
  }

  /** `dup(fd)`: the same description at the lowest free descriptor (close-on-exec clear). */
  dup(fd: number): number {
    const slot = this.slot(fd);
    const nfd = this.lowestFree();
    this.slots[nfd] = { file: slot.file.ref(), cloexec: false };
    return nfd;
  }

  /** A copy of the table sharing every description (`fork`). */
  clone(): FdTable {
    const copy = new FdTable(this.fs, { limit: this.limit });
    this.slots.forEach((s, fd) => {
      if (s !== undefined) copy.slots[fd] = { file: s.file.ref(), cloexec: s.cloexec };
    });
    return copy;
  }

  /** Closes every descriptor with close-on-exec set (`execve`). */
  closeOnExec(): void {
    this.slots.forEach((s, fd) => {
      if (s?.cloexec) this.close(fd);
    });
  }

  /** Closes every descriptor (process exit). */
  closeAll(): void {
    this.slots.forEach((s, fd) => {
      if (s !== undefined) this.close(fd);
    });
  }

  /** `read(fd, buf)`: bytes read into `buf` from the position, which advances. */
  read(fd: number, buf: Uint8Array): number {
    const file = this.readableFile(fd);
    const n = this.readAt(file, file.pos, buf);
    file.pos += n;
    return n;
  }

  /** `pread(fd, buf, offset)`: like read at `offset`; the position does not move. */
  pread(fd: number, buf: Uint8Array, offset: number): number {
    const file = this.readableFile(fd);
    checkOffset(offset);
    return this.readAt(file, offset, buf);
  }

  /** `write(fd, buf)`: bytes written from the position (the end with `O_APPEND`), which advances. */
  write(fd: number, buf: Uint8Array): number {
    const file = this.writableFile(fd);
    const pos = file.append ? file.inode.size : file.pos;
    const n = this.writeAt(file, pos, buf);
    if (file.inode.type === 'regular') file.pos = pos + n;
    return n;
  }

  /**
   * `pwrite(fd, buf, offset)`: like write at `offset`; the position does not move. With `O_APPEND` Linux writes at
   * the end regardless of `offset` (pwrite(2) BUGS), and so does this.
   */
  pwrite(fd: number, buf: Uint8Array, offset: number): number {
    const file = this.writableFile(fd);
    checkOffset(offset);
    return this.writeAt(file, file.append ? file.inode.size : offset, buf);
  }

  /** `lseek(fd, offset, whence)` (Linux `generic_file_llseek_size`; `/dev/zero` always answers 0). */
  lseek(fd: number, offset: number, whence: number): number {
    const file = this.get(fd);
    if (!Number.isSafeInteger(offset)) throw new MmError('EINVAL', `bad offset ${offset}`);
    if (!(Number.isInteger(whence) && whence >= SEEK_SET && whence <= SEEK_HOLE))
      throw new MmError('EINVAL', `bad whence ${whence}`);
    const inode = file.inode;
    if (inode.type === 'chardev') {
      file.pos = 0; // drivers/char/mem.c zero_lseek
      return 0;
    }
    if (inode.type === 'directory' && whence !== SEEK_SET && whence !== SEEK_CUR)
      throw new MmError('EINVAL', 'directory seek'); // dcache_dir_lseek
    let target: number;
    switch (whence) {
      case SEEK_SET:
        target = offset;
        break;
      case SEEK_CUR:
        if (offset === 0) return file.pos;
        target = file.pos + offset;
        break;
      case SEEK_END:
        target = inode.size + offset;
        break;
      case SEEK_DATA:
        if (offset < 0 || offset >= inode.size) throw new MmError('ENXIO', 'SEEK_DATA at or past end');
        target = offset; // no holes are reported: the whole file is data (generic_file_llseek_size)
        break;
      default:
        if (offset < 0 || offset >= inode.size) throw new MmError('ENXIO', 'SEEK_HOLE at or past end');
        target = inode.size;
    }
    if (target < 0 || target > MAX_FILE_SIZE) throw new MmError('EINVAL', `position ${target}`); // vfs_setpos
    file.pos = target;
    return target;
  }

  /**
   * `ftruncate(fd, length)`: `EINVAL` for a negative length, a description not open for writing, or a file that is
   * not regular (do_sys_ftruncate); `EFBIG` past the maximum file size. See {@link FileSystem.truncate}.
   */
  ftruncate(fd: number, length: number): void {
    const file = this.get(fd);
    if (!(Number.isInteger(length) && length >= 0)) throw new MmError('EINVAL', `bad length ${length}`);
    if (!file.writable || file.inode.type !== 'regular') throw new MmError('EINVAL', 'not open for writing');
    this.fs.truncate(file.inode, length);
  }

  /**
   * `fsync(fd)`: writes every dirty page of the file back to its store and waits (`vfs_fsync_range` over the whole
   * file); `EINVAL` for `/dev/zero`, which has no fsync. Returns the pages written.
   */
  fsync(fd: number): number {
    const file = this.get(fd);
    const inode = file.inode;
    if (inode.type === 'chardev') throw new MmError('EINVAL', 'no fsync on a character device');
    if (inode.type !== 'regular') return 0;
    return this.fs.cache.writeback(inode, 0, Number.MAX_SAFE_INTEGER, 'sync');
  }

  /** `fstat(fd)`. */
  fstat(fd: number): FileStat {
    return statOf(this.get(fd).inode);
  }

  // ---- internals -------------------------------------------------------------------------------------------

  private slot(fd: number): Slot {
    const slot = Number.isInteger(fd) && fd >= 0 ? this.slots[fd] : undefined;
    if (slot === undefined) throw new MmError('EBADF', `fd ${fd}`);
    return slot;
  }

  private lowestFree(): number {
    for (let fd = 0; fd < this.limit; fd++) if (this.slots[fd] === undefined) return fd;
    throw new MmError('EMFILE', 'descriptor table full');
  }

  private readableFile(fd: number): OpenFileDescription {
    const file = this.get(fd);
    if (!file.readable) throw new MmError('EBADF', `fd ${fd} not open for reading`);
    if (file.inode.type === 'directory') throw new MmError('EISDIR', `fd ${fd}`);
    return file;
  }

  private writableFile(fd: number): OpenFileDescription {
    const file = this.get(fd);
    if (!file.writable) throw new MmError('EBADF', `fd ${fd} not open for writing`);
    return file;
  }

  private readAt(file: OpenFileDescription, pos: number, buf: Uint8Array): number {
    const count = Math.min(buf.length, MAX_RW_COUNT);
    if (file.inode.type === 'chardev') {
      buf.fill(0, 0, count); // read_zero
      return count;
    }
    return this.fs.cache.readFile(file.inode, pos, buf.subarray(0, count));
  }

  private writeAt(file: OpenFileDescription, pos: number, buf: Uint8Array): number {
    let count = Math.min(buf.length, MAX_RW_COUNT);
    if (file.inode.type === 'chardev') return count; // write_zero discards
    if (count === 0) return 0;
    // generic_write_check_limits: EFBIG at or past s_maxbytes, a short write up to it.
    if (pos >= MAX_FILE_SIZE) throw new MmError('EFBIG', `write at ${pos}`);
    count = Math.min(count, MAX_FILE_SIZE - pos);
    const inode = file.inode;
    if (pos > inode.size) {
      // Writing past the end: the bytes between the old end and pos must read as zero.
      this.fs.cache.zeroTail(inode, inode.size);
      inode.store.truncate(inode.size);
    }
    inode.size = this.fs.cache.writeFile(inode, pos, buf.subarray(0, count));
    return count;
  }
}

function checkOffset(offset: number): void {
  // rw_verify_area: a negative position is EINVAL; a position at or past s_maxbytes is the write path's EFBIG.
  if (!(Number.isInteger(offset) && offset >= 0)) throw new MmError('EINVAL', `bad offset ${offset}`);
}
