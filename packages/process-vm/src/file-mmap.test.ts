/**
 * File-backed mmap: descriptors, the errno order of `do_mmap` for files, faults through the page cache (shared pages
 * are the cache's, private ones copy on write from it), SIGBUS past the end, truncation of a mapped file, msync,
 * mincore, fork, merging, /proc/PID/maps columns, out-of-memory at the new allocation points, and every frame back.
 */
import {
  Access,
  type FrameAllocator,
  MAP_FIXED,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MS_ASYNC,
  MS_INVALIDATE,
  MS_SYNC,
  NO_FRAME,
  PROT_READ,
  PROT_WRITE,
  VM_ACCOUNT,
  VM_MAYSHARE,
  VM_MAYWRITE,
  VM_SHARED,
} from '@pagewright/core';
import { O_CREAT, O_RDONLY, O_RDWR, O_WRONLY, SEEK_SET } from '@pagewright/files';
import { StackFrameAllocator } from '@pagewright/frames';
import { describe, expect, it } from 'vitest';
import { errnoOf } from './errno.js';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import type { Process } from './process.js';
import { BUS_ADRERR, OOM_KILL, SEGV_ACCERR } from './signals.js';

const P = 4096;
const RW = PROT_READ | PROT_WRITE;
const BASE = 0x2000000000;

function setup(options: ConstructorParameters<typeof Machine>[0] = {}) {
  const m = new Machine({ arch: 'x86-64', memoryBytes: 32 << 20, checkTlb: true, ...options });
  const p = m.spawn();
  return { m, p };
}

/** A file of `pages` pages whose page k holds byte `k + 1` everywhere. */
function makeFile(p: Process, path: string, pages: number, flags = O_RDWR): number {
  const fd = p.open(path, O_CREAT | O_RDWR, 0o644);
  expect(fd).toBeGreaterThanOrEqual(0);
  for (let k = 0; k < pages; k++) expect(p.pwrite(fd, new Uint8Array(P).fill(k + 1), k * P)).toBe(P);
  if (flags === O_RDWR) return fd;
  p.close(fd);
  return p.open(path, flags);
}

function fileByte(p: Process, fd: number, off: number): number {
  const b = new Uint8Array(1);
  expect(p.pread(fd, b, off)).toBe(1);
  return b[0] as number;
}

describe('descriptors on a process', () => {
  it('open/read/write/lseek/ftruncate/fsync/close answer -errno and never throw', () => {
    const { m, p } = setup();
    const fd = p.open('/a', O_CREAT | O_RDWR);
    expect(fd).toBe(0);
    expect(p.writeFd(fd, new TextEncoder().encode('hello'))).toBe(5);
    expect(p.lseek(fd, 0, SEEK_SET)).toBe(0);
    const buf = new Uint8Array(5);
    expect(p.readFd(fd, buf)).toBe(5);
    expect(new TextDecoder().decode(buf)).toBe('hello');
    expect(errnoOf(p.open('/missing', O_RDONLY))).toBe('ENOENT');
    expect(errnoOf(p.close(7))).toBe('EBADF');
    expect(errnoOf(p.readFd(99, buf))).toBe('EBADF');
    expect(errnoOf(p.pread(fd, buf, -1))).toBe('EINVAL');
    expect(errnoOf(p.ftruncate(fd, -1))).toBe('EINVAL');
    expect(errnoOf(p.open(42 as unknown as string, O_RDONLY))).toBe('EFAULT');
    expect(errnoOf(p.writeFd(fd, 'x' as unknown as Uint8Array))).toBe('EFAULT');
    const ro = p.open('/a', O_RDONLY);
    expect(errnoOf(p.writeFd(ro, buf))).toBe('EBADF');
    expect(errnoOf(p.ftruncate(ro, 0))).toBe('EINVAL');
    expect(p.fsync(fd)).toBe(0);
    expect(p.close(fd)).toBe(0);
    expect(errnoOf(p.close(fd))).toBe('EBADF');
    checkInvariants(m);
  });

  it('fork copies the table (same descriptions: a shared position), exit closes it', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 1);
    p.lseek(fd, 10, SEEK_SET);
    const c = p.fork() as Process;
    expect(c.lseek(fd, 0, 1)).toBe(10);
    c.lseek(fd, 20, SEEK_SET);
    expect(p.lseek(fd, 0, 1)).toBe(20);
    expect(p.fds.get(fd).refCount).toBe(2);
    c.exit(0);
    expect(p.fds.get(fd).refCount).toBe(1);
    checkInvariants(m);
  });
});

describe('mmap of a file: Linux errno order and flags', () => {
  it('EBADF, EINVAL (offset, HUGETLB), EACCES, ENODEV, EOVERFLOW; nothing changes on error', () => {
    const { m, p } = setup();
    const rw = makeFile(p, '/f', 2);
    const ro = p.open('/f', O_RDONLY);
    const wo = p.open('/f', O_WRONLY);
    p.fds.open('/', O_RDONLY);
    const dir = p.fds.openDescriptors().at(-1) as number;
    const before = p.maps();
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_SHARED, 77, 0))).toBe('EBADF');
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_SHARED, -1, 0))).toBe('EBADF');
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_SHARED, rw, 100))).toBe('EINVAL');
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_SHARED | 0x40000, rw, 0))).toBe('EINVAL');
    expect(errnoOf(p.mmap(0, 0, PROT_READ, MAP_SHARED, rw, 0))).toBe('EINVAL');
    expect(errnoOf(p.mmap(0, P, RW, MAP_SHARED, ro, 0))).toBe('EACCES');
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_PRIVATE, wo, 0))).toBe('EACCES');
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_SHARED, wo, 0))).toBe('EACCES');
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_PRIVATE, dir, 0))).toBe('ENODEV');
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_PRIVATE, rw, 2n ** 63n - 4096n))).toBe('EOVERFLOW');
    expect(errnoOf(p.mmap(0, P, PROT_READ, MAP_PRIVATE | 0x0100, rw, 0))).toBe('EINVAL'); // MAP_GROWSDOWN
    expect(errnoOf(p.mmap(0, P, PROT_READ, 0, rw, 0))).toBe('EINVAL'); // no map type
    expect(p.maps()).toBe(before);
    expect(p.fds.get(rw).refCount).toBe(1);
    checkInvariants(m);
  });

  it('VM_MAYWRITE/VM_SHARED follow the descriptor; VM_ACCOUNT only on private writable; the VMA holds the file', () => {
    const { m, p } = setup();
    const rw = makeFile(p, '/f', 2);
    const ro = p.open('/f', O_RDONLY);
    const a = p.mmap(BASE, P, PROT_READ, MAP_SHARED | MAP_FIXED, ro, 0);
    const b = p.mmap(BASE + 0x10000, P, RW, MAP_SHARED | MAP_FIXED, rw, 0);
    const c = p.mmap(BASE + 0x20000, P, RW, MAP_PRIVATE | MAP_FIXED, ro, 0);
    const va = p.vm.vmas.find(a / P);
    const vb = p.vm.vmas.find(b / P);
    const vc = p.vm.vmas.find(c / P);
    expect(va && va.flags & (VM_MAYSHARE | VM_SHARED | VM_MAYWRITE)).toBe(VM_MAYSHARE);
    expect(vb && vb.flags & (VM_MAYSHARE | VM_SHARED | VM_MAYWRITE | VM_ACCOUNT)).toBe(
      VM_MAYSHARE | VM_SHARED | VM_MAYWRITE,
    );
    expect(vc && vc.flags & (VM_SHARED | VM_ACCOUNT)).toBe(VM_ACCOUNT);
    // A read-only shared mapping can never become writable (no VM_MAYWRITE).
    expect(errnoOf(p.mprotect(a, P, RW))).toBe('EACCES');
    expect(p.maps()).toMatch(/^2000000000-2000001000 r--s 00000000 00:20 \d+ {2,}\/f$/m);
    // Closing the descriptors keeps the files mapped (the VMAs hold the descriptions).
    p.close(ro);
    p.close(rw);
    expect(p.load8(a)).toBe(1);
    expect(p.store8(b, 9)).toBe(0);
    expect(p.load8(a)).toBe(9);
    checkInvariants(m);
    p.munmap(BASE, 0x30000);
    checkInvariants(m);
    expect(m.files.lookup('/f').mappings.size).toBe(0);
  });
});

describe('faults through the page cache', () => {
  it('shared: the cache page itself, dirtied by a store, seen by read() and by another process', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 2);
    const a = p.mmap(0, 2 * P, RW, MAP_SHARED, fd, 0);
    expect(p.load8(a + P)).toBe(2);
    const q = m.spawn();
    const qfd = q.open('/f', O_RDWR);
    const b = q.mmap(0, 2 * P, RW, MAP_SHARED, qfd, 0);
    expect(p.store8(a + 5, 0x77)).toBe(0);
    expect(q.load8(b + 5)).toBe(0x77);
    expect(fileByte(p, fd, 5)).toBe(0x77);
    const inode = m.files.lookup('/f');
    expect(inode.pages.get(0)?.dirty).toBe(true);
    expect(p.vm.pageTable.lookup(a / P)).toBe(inode.pages.get(0)?.pfn);
    // A write() is seen through both mappings.
    p.pwrite(fd, new Uint8Array([0x55]), P + 3);
    expect(q.load8(b + P + 3)).toBe(0x55);
    checkInvariants(m);
  });

  it('private: reads see the file, a store copies the cache page (not a zero page) and stays private', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 2);
    const a = p.mmap(0, 2 * P, RW, MAP_PRIVATE, fd, 0);
    expect(p.load8(a)).toBe(1);
    expect(p.store8(a + 1, 0x99)).toBe(0); // COW of a read-mapped cache page
    expect(p.store8(a + P + 1, 0x88)).toBe(0); // COW straight from a not-present page
    expect(p.load8(a + 2)).toBe(1);
    expect(p.load8(a + P + 2)).toBe(2);
    expect(fileByte(p, fd, 1)).toBe(1);
    expect(fileByte(p, fd, P + 1)).toBe(2);
    // The file changes under a page not yet copied: the private mapping sees it.
    const b = p.mmap(0, P, PROT_READ, MAP_PRIVATE, fd, P);
    p.pwrite(fd, new Uint8Array([0x44]), P + 7);
    expect(p.load8(b + 7)).toBe(0x44);
    expect(p.load8(a + P + 7)).toBe(2); // the copy does not change
    checkInvariants(m);
    // DONTNEED drops the private copies: the next read sees the file again.
    expect(p.madvise(a, 2 * P, 4)).toBe(0);
    expect(p.load8(a + 1)).toBe(1);
    expect(p.load8(a + P + 7)).toBe(0x44);
    checkInvariants(m);
  });

  it('SIGBUS (BUS_ADRERR) past the end of the file; ftruncate unmaps the pages past the new end everywhere', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 3);
    const a = p.mmap(0, 4 * P, RW, MAP_SHARED, fd, 0);
    const b = p.mmap(0, 3 * P, RW, MAP_PRIVATE, fd, 0);
    expect(p.load8(a + 3 * P)).toBe(BUS_ADRERR);
    expect(p.lastFault.addr).toBe(a + 3 * P);
    expect(p.load8(a + 2 * P)).toBe(3);
    expect(p.store8(b + 2 * P, 0x31)).toBe(0); // a private copy of page 2
    const c = p.fork() as Process;
    expect(c.load8(a + 2 * P)).toBe(3);
    expect(p.ftruncate(fd, P + 10)).toBe(0);
    checkInvariants(m);
    for (const proc of [p, c]) {
      expect(proc.load8(a + 2 * P)).toBe(BUS_ADRERR);
      expect(proc.load8(b + 2 * P)).toBe(BUS_ADRERR); // even_cows: the private copy went too
      expect(proc.load8(a + P + 9)).toBe(2);
      expect(proc.load8(a + P + 10)).toBe(0); // the tail of the last page is zeroed
    }
    // Growing again: the pages read as zeros.
    expect(p.ftruncate(fd, 3 * P)).toBe(0);
    expect(p.load8(a + 2 * P)).toBe(0);
    checkInvariants(m);
  });

  it('a store to a read-only shared mapping is SEGV_ACCERR', () => {
    const { p } = setup();
    makeFile(p, '/f', 1);
    const ro = p.open('/f', O_RDONLY);
    const a = p.mmap(0, P, PROT_READ, MAP_SHARED, ro, 0);
    expect(p.store8(a, 1)).toBe(SEGV_ACCERR);
  });
});

describe('madvise(MADV_REMOVE) punches a hole in a shared file mapping', () => {
  it('the pages read as zeros everywhere, private copies stay, the size stays; EACCES for a private mapping', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 3);
    const s = p.mmap(0, 3 * P, RW, MAP_SHARED, fd, 0);
    const pr = p.mmap(0, 3 * P, RW, MAP_PRIVATE, fd, 0);
    p.store8(pr + P, 0x70); // a private copy of page 1
    expect(p.load8(pr + 2 * P)).toBe(3); // page 2 mapped from the cache in the private mapping
    expect(p.madvise(s + P, 2 * P, 9)).toBe(0);
    expect(p.load8(s + P)).toBe(0);
    expect(p.load8(pr + 2 * P)).toBe(0);
    expect(p.load8(pr + P)).toBe(0x70);
    expect(p.load8(s)).toBe(1);
    expect(fileByte(p, fd, 2 * P)).toBe(0);
    expect(m.files.lookup('/f').size).toBe(3 * P);
    expect(errnoOf(p.madvise(pr, P, 9))).toBe('EACCES');
    checkInvariants(m);
  });
});

describe('fork, msync, mincore, merging, maps', () => {
  it('fork: shared stays shared, private stays copy-on-write', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 2);
    const s = p.mmap(0, P, RW, MAP_SHARED, fd, 0);
    const pr = p.mmap(0, P, RW, MAP_PRIVATE, fd, P);
    p.store8(pr, 0x10);
    const c = p.fork() as Process;
    expect(c.load8(pr)).toBe(0x10);
    c.store8(pr, 0x11);
    expect(p.load8(pr)).toBe(0x10);
    c.store8(s, 0x21);
    expect(p.load8(s)).toBe(0x21);
    checkInvariants(m);
    c.exit(0);
    checkInvariants(m);
  });

  it('msync MS_SYNC writes dirty shared pages to the store; ENOMEM for a hole, EBUSY for INVALIDATE on mlock', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 2);
    p.fsync(fd);
    const inode = m.files.lookup('/f');
    const a = p.mmap(BASE, 2 * P, RW, MAP_SHARED | MAP_FIXED, fd, 0);
    p.store8(a + P, 0x66);
    expect(inode.pages.get(1)?.dirty).toBe(true);
    expect(p.msync(a, 2 * P, MS_ASYNC)).toBe(0);
    expect(inode.pages.get(1)?.dirty).toBe(true); // MS_ASYNC starts nothing
    expect(p.msync(a, 2 * P, MS_SYNC)).toBe(0);
    expect(inode.pages.get(1)?.dirty).toBe(false);
    const page = new Uint8Array(P);
    inode.store.readPage(1, page);
    expect(page[0]).toBe(0x66);
    expect(errnoOf(p.msync(a, 3 * P, MS_SYNC))).toBe('ENOMEM');
    expect(p.mlock(a, P)).toBe(0);
    expect(errnoOf(p.msync(a, P, MS_INVALIDATE))).toBe('EBUSY');
    checkInvariants(m);
  });

  it('mincore of file pages is page-cache residency; MAP_POPULATE reads them in', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 3);
    m.files.cache.invalidate(m.files.lookup('/f'), 0, 3);
    p.fsync(fd);
    m.files.cache.invalidate(m.files.lookup('/f'), 0, 3);
    const a = p.mmap(0, 3 * P, PROT_READ, MAP_PRIVATE, fd, 0);
    const vec = new Uint8Array(3);
    expect(p.mincore(a, 3 * P, vec)).toBe(0);
    expect([...vec]).toEqual([0, 0, 0]);
    const buf = new Uint8Array(1);
    p.pread(fd, buf, 2 * P); // read() brings page 2 into the cache: resident without a PTE
    p.load8(a);
    expect(p.mincore(a, 3 * P, vec)).toBe(0);
    expect([...vec]).toEqual([1, 0, 1]);
    const b = p.mmap(0, 3 * P, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    expect(p.mincore(b, 3 * P, vec)).toBe(0);
    expect([...vec]).toEqual([1, 1, 1]);
    checkInvariants(m);
  });

  it('file VMAs merge only for the same open file and contiguous offsets', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/f', 4);
    const fd2 = p.open('/f', O_RDWR);
    p.mmap(BASE, P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
    p.mmap(BASE + P, P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, P); // contiguous: merges
    p.mmap(BASE + 2 * P, P, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 3 * P); // gap in offsets
    p.mmap(BASE + 3 * P, P, PROT_READ, MAP_SHARED | MAP_FIXED, fd2, 0); // another open: no merge
    const ranges = [...p.vm.vmas]
      .filter((v) => v.start >= BASE / P && v.start < BASE / P + 16)
      .map((v) => [v.start - BASE / P, v.end - BASE / P, v.pgoff]);
    expect(ranges).toEqual([
      [0, 2, 0],
      [2, 3, 3],
      [3, 4, 0],
    ]);
    // mprotect splits, the reverse map follows; mprotect back merges again.
    expect(p.mprotect(BASE + P, P, RW)).toBe(0);
    checkInvariants(m);
    expect(m.files.lookup('/f').mappings.size).toBe(4);
    expect(p.mprotect(BASE + P, P, PROT_READ)).toBe(0);
    checkInvariants(m);
    expect(m.files.lookup('/f').mappings.size).toBe(3);
    // mremap moves a file VMA: the reverse map moves with it.
    const moved = p.mremap(BASE + 2 * P, P, 2 * P, 1);
    expect(moved).toBeGreaterThan(0);
    checkInvariants(m);
  });

  it('maps prints offset, device, inode and the padded path; smaps counts cache pages', () => {
    const { m, p } = setup();
    const fd = makeFile(p, '/dir-less-name', 2);
    const a = p.mmap(BASE, 2 * P, RW, MAP_SHARED | MAP_FIXED, fd, 0);
    const b = p.mmap(BASE + 0x10000, P, RW, MAP_PRIVATE | MAP_FIXED, fd, P);
    p.store8(a, 1);
    p.load8(a + P);
    p.store8(b, 1);
    const ino = m.files.lookup('/dir-less-name').ino;
    const lines = p.maps().split('\n');
    const head = `2000000000-2000002000 rw-s 00000000 00:20 ${ino} `;
    expect(lines).toContain(`${head.padEnd(72, ' ')} /dir-less-name`);
    expect(lines.some((l) => l.startsWith('2000010000-2000011000 rw-p 00001000 00:20 '))).toBe(true);
    const smaps = p.smaps();
    const block = smaps.slice(smaps.indexOf('2000000000-'), smaps.indexOf('2000010000-'));
    expect(block).toMatch(/^Rss: +8 kB$/m);
    expect(block).toMatch(/^Shared_Clean: +0 kB$/m);
    expect(block).toMatch(/^Private_Dirty: +8 kB$/m); // both pages dirty (written by pwrite), one mapping each
    expect(block).toMatch(/^Shared_Dirty: +0 kB$/m);
    expect(block).toMatch(/^Anonymous: +0 kB$/m);
    m.files.unlink('/dir-less-name');
    expect(p.maps()).toContain('/dir-less-name (deleted)');
    checkInvariants(m);
  });

  it('/dev/zero: private maps as anonymous memory under the file, shared as a new shared object', () => {
    const { m, p } = setup();
    const z = p.open('/dev/zero', O_RDWR);
    const a = p.mmap(BASE, 2 * P, RW, MAP_PRIVATE | MAP_FIXED, z, 0);
    const b = p.mmap(BASE + 2 * P, 2 * P, RW, MAP_PRIVATE | MAP_FIXED, z, 2 * P);
    const s = p.mmap(BASE + 0x10000, P, RW, MAP_SHARED | MAP_FIXED, z, 0);
    expect(b).toBe(BASE + 2 * P);
    expect(p.maps()).toMatch(/^2000000000-2000004000 rw-p 00000000 00:05 \d+ +\/dev\/zero$/m);
    expect(p.maps()).toMatch(/^2000010000-2000011000 rw-s 00000000 00:01 \d+ +\/dev\/zero \(deleted\)$/m);
    expect(p.load8(a)).toBe(0);
    expect(p.store8(a, 5)).toBe(0);
    const c = p.fork() as Process;
    c.store8(s, 7);
    expect(p.load8(s)).toBe(7);
    c.store8(a, 6);
    expect(p.load8(a)).toBe(5);
    checkInvariants(m);
  });
});

/** An allocator that fails every allocation while `failing` is set. */
class FlakyAllocator {
  failing = false;
  constructor(private readonly inner: FrameAllocator) {}
  get name() {
    return 'flaky';
  }
  get firstFrame() {
    return this.inner.firstFrame;
  }
  get totalFrames() {
    return this.inner.totalFrames;
  }
  get freeFrames() {
    return this.inner.freeFrames;
  }
  get maxOrder() {
    return this.inner.maxOrder;
  }
  alloc(): number {
    return this.failing ? NO_FRAME : this.inner.alloc();
  }
  allocContiguous(order: number): number {
    return this.failing ? NO_FRAME : this.inner.allocContiguous(order);
  }
  free(pfn: number, order?: number): void {
    this.inner.free(pfn, order);
  }
  isAllocated(pfn: number): boolean {
    return this.inner.isAllocated(pfn);
  }
}

describe('out of memory at the new allocation points', () => {
  it('a cache-page read or a COW copy that finds no frame changes nothing; every frame is back at exit', () => {
    let flaky: FlakyAllocator | undefined;
    const m = new Machine({
      arch: 'x86-64',
      memoryBytes: 8 << 20,
      checkTlb: true,
      allocator: (ctx) => {
        flaky = new FlakyAllocator(
          new StackFrameAllocator({ firstFrame: ctx.firstFrame, frameCount: ctx.frameCount }),
        ) as unknown as FlakyAllocator;
        return flaky as unknown as FrameAllocator;
      },
    });
    const p = m.spawn();
    const fd = makeFile(p, '/f', 2);
    p.fsync(fd);
    m.files.cache.invalidate(m.files.lookup('/f'), 0, 2);
    const s = p.mmap(BASE, 2 * P, RW, MAP_SHARED | MAP_FIXED, fd, 0);
    const pr = p.mmap(BASE + 0x10000, 2 * P, RW, MAP_PRIVATE | MAP_FIXED, fd, 0);
    p.load8(pr); // page 0 cached and mapped read-only; page 1 is only in the store
    const before = { maps: p.maps(), used: m.framesInUse(), cached: m.files.cache.stats.cachedPages };
    // The fault handler itself (a user access would then run the OOM killer).
    (flaky as FlakyAllocator).failing = true;
    expect(p.vm.handleFault(s + P, Access.Load)).toBe(OOM_KILL); // the cache page cannot be read in
    expect(p.vm.handleFault(pr, Access.Store)).toBe(OOM_KILL); // the COW copy cannot be made
    expect(p.vm.handleFault(pr + P, Access.Store)).toBe(OOM_KILL);
    (flaky as FlakyAllocator).failing = false;
    expect(p.exitCode).toBe(null);
    expect(p.maps()).toBe(before.maps);
    expect(m.files.cache.stats.cachedPages).toBe(before.cached);
    expect(p.load8(pr)).toBe(1);
    checkInvariants(m);
    expect(p.store8(pr, 1)).toBe(0);
    expect(p.load8(s + P)).toBe(2);
    checkInvariants(m);
    p.exit(0);
    m.files.unlink('/f');
    expect(m.files.cache.stats.framesHeld).toBe(0);
    expect(m.framesInUse()).toBe(1); // only the zero page
  });
});

describe('README example (Files)', () => {
  it('runs as documented', () => {
    const machine = new Machine();
    const p = machine.spawn();
    const fd = p.open('/data', O_CREAT | O_RDWR);
    p.pwrite(fd, new Uint8Array(4096).fill(1), 0);
    const shared = p.mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    const priv = p.mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    p.store8(shared, 7);
    p.store8(priv + 1, 9);
    expect([p.load8(priv), p.load8(shared + 1)]).toEqual([7, 1]);
    p.ftruncate(fd, 0);
    expect(p.load8(shared)).toBe(-3);
    p.exit(0);
    machine.files.unlink('/data');
    expect(machine.framesInUse()).toBe(1);
  });
});
