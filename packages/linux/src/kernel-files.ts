/**
 * Files the kernel answers itself instead of the page cache: the standard streams (stdin read from a buffer,
 * stdout and stderr captured) and the `/proc/PID/` files, whose contents are made when they are opened (as
 * `seq_file` makes them on the first read). Each is an unnamed inode of the machine's filesystem, so descriptors,
 * `dup`, `fork` and `close` work on them as on any file; their reads and writes never touch a frame.
 *
 * @module
 */

import { type FdTable, type FileSystem, type Inode, O_RDONLY, O_WRONLY } from '@pagewright/files';

/** What a kernel file is. */
export type KernelFileKind = 'stdin' | 'stdout' | 'stderr' | 'proc';

/** A file whose reads and writes the kernel serves. */
export interface KernelFile {
  readonly kind: KernelFileKind;
  /** What reads return (stdin's bytes, a /proc file's text). */
  readonly content: Uint8Array;
  /** Where stdin's reads are (shared by every descriptor of it, as a pipe's). */
  pos: number;
}

let counter = 0;

/** The kernel files of a machine's filesystem, by inode. */
export class KernelFiles {
  private readonly byInode = new WeakMap<Inode, KernelFile>();

  /** @param fs - the filesystem the unnamed inodes are made in */
  constructor(private readonly fs: FileSystem) {}

  /** The kernel file behind an inode, if it is one. */
  get(inode: Inode): KernelFile | undefined {
    return this.byInode.get(inode);
  }

  /**
   * Opens a new kernel file at the lowest free descriptor of `fds` (made, opened and unlinked at once: it has no
   * name, as a pipe). Returns the descriptor or throws the table's `MmError` (`EMFILE`).
   */
  open(fds: FdTable, kind: KernelFileKind, content: Uint8Array = new Uint8Array(0)): number {
    const path = `/.pagewright-${kind}-${++counter}`;
    this.fs.createFile(path, new Uint8Array(0));
    const flags = kind === 'stdin' || kind === 'proc' ? O_RDONLY : O_WRONLY;
    try {
      const fd = fds.open(path, flags);
      this.byInode.set(fds.get(fd).inode, { kind, content, pos: 0 });
      return fd;
    } finally {
      this.fs.unlink(path);
    }
  }
}
