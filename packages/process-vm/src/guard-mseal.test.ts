/**
 * Guard regions and mseal beyond the recorded scenarios (conformance/files/f21–f24): every bad argument answers its
 * errno with nothing changed, guard markers follow the pages through fork, mremap and munmap, and a sealed range
 * stays as it was.
 */
import {
  MADV_DONTNEED,
  MADV_GUARD_INSTALL,
  MADV_GUARD_REMOVE,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { errnoOf } from './errno.js';
import { guardedPages } from './guard-regions.js';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import { VM_SEALED } from './mseal.js';
import type { Process } from './process.js';
import { SEGV_MAPERR } from './signals.js';

const RW = PROT_READ | PROT_WRITE;
const A = 0x20_0000_0000;

function setup() {
  const m = new Machine({ arch: 'x86-64', memoryBytes: 16 << 20, checkTlb: true });
  const p = m.spawn();
  expect(p.mmap(A, 8 * 4096, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)).toBe(A);
  expect(p.fill(A, 8 * 4096, 7).ok).toBe(true);
  return { m, p };
}
const same = (p: Process, maps: string) => {
  expect(p.maps()).toBe(maps);
  checkInvariants(p.machine as Machine);
};

describe('mseal', () => {
  const bad: [string, (p: Process) => number, string][] = [
    ['flags other than 0', (p) => p.mseal(A, 4096, 1), 'EINVAL'],
    ['an unaligned start', (p) => p.mseal(A + 1, 4096), 'EINVAL'],
    ['a length that wraps', (p) => p.mseal(A, -1), 'EINVAL'],
    ['a bigint length that wraps', (p) => p.mseal(A, 2n ** 64n - 4096n), 'EINVAL'],
    ['a hole', (p) => p.mseal(A, 9 * 4096), 'ENOMEM'],
    ['a range past TASK_SIZE', (p) => p.mseal(2 ** 47 - 4096, 8192), 'ENOMEM'],
    ['a non-integral length', (p) => p.mseal(A, 0.5), 'EINVAL'],
  ];
  it.each(bad)('%s: %s with nothing sealed', (_n, run, errno) => {
    const { p } = setup();
    const maps = p.maps();
    expect(errnoOf(run(p))).toBe(errno);
    same(p, maps);
    expect([...p.vm.vmas].some((v) => v.flags & VM_SEALED)).toBe(false);
  });

  it('seals: every change answers EPERM and nothing changes, reads and writes go on', () => {
    const { p } = setup();
    expect(p.mseal(A + 4096, 2 * 4096)).toBe(0);
    expect(p.mseal(A + 4096, 0)).toBe(0);
    const maps = p.maps();
    expect(maps.split('\n').filter((l) => l.startsWith('2000')).length).toBe(3); // split at the seal's ends
    expect(errnoOf(p.munmap(A, 8 * 4096))).toBe('EPERM');
    expect(errnoOf(p.mprotect(A + 4096, 4096, RW))).toBe('EPERM');
    expect(errnoOf(p.mremap(A + 4096, 4096, 8192, MREMAP_MAYMOVE))).toBe('EPERM');
    expect(errnoOf(p.mremap(A + 6 * 4096, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, A + 4096))).toBe(
      'EPERM',
    );
    expect(errnoOf(p.mmap(A, 4 * 4096, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED))).toBe('EPERM');
    same(p, maps);
    expect(p.store8(A + 4096, 9)).toBe(0);
    expect(p.madvise(A + 4096, 4096, MADV_DONTNEED)).toBe(0); // writable: allowed
    const child = p.fork() as Process;
    expect(errnoOf(child.munmap(A + 4096, 4096))).toBe('EPERM');
    child.exit(0);
  });
});

describe('guard regions', () => {
  const bad: [string, (p: Process) => number, string][] = [
    ['an unaligned start', (p) => p.madvise(A + 1, 4096, MADV_GUARD_INSTALL), 'EINVAL'],
    [
      'a locked VMA',
      (p) => {
        expect(p.mlock(A, 4096)).toBe(0);
        return p.madvise(A, 4096, MADV_GUARD_INSTALL);
      },
      'EINVAL',
    ],
    ['a range past TASK_SIZE', (p) => p.madvise(2 ** 47, 4096, MADV_GUARD_INSTALL), 'ENOMEM'],
  ];
  it.each(bad)('%s: %s with no marker', (_n, run, errno) => {
    const { p } = setup();
    expect(errnoOf(run(p))).toBe(errno);
    expect(guardedPages(p.vm)).toEqual([]);
    expect(p.load8(A)).toBe(7);
  });

  it('markers follow the pages: fork copies, mremap moves, munmap and MAP_FIXED remove them', () => {
    const { p } = setup();
    expect(p.madvise(A + 4096, 2 * 4096, MADV_GUARD_INSTALL)).toBe(0);
    expect(p.load8(A + 4096)).toBe(SEGV_MAPERR);
    expect(p.copyFromUser(A + 4096, 1)).toBe(-14); // EFAULT for a kernel copy
    expect(p.vm.vmas.index.size).toBeGreaterThan(0);
    const child = p.fork() as Process;
    expect(child.load8(A + 4096)).toBe(SEGV_MAPERR);
    expect(child.load8(A)).toBe(7);
    child.exit(0);
    const B = A + 0x100000;
    expect(p.mremap(A, 8 * 4096, 8 * 4096, MREMAP_MAYMOVE | MREMAP_FIXED, B)).toBe(B);
    expect(p.load8(B + 4096)).toBe(SEGV_MAPERR);
    expect(p.load8(B + 3 * 4096)).toBe(7);
    expect(p.munmap(B + 4096, 4096)).toBe(0);
    expect(p.mmap(B + 4096, 4096, RW, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)).toBe(B + 4096);
    expect(p.load8(B + 4096)).toBe(0);
    expect(p.load8(B + 2 * 4096)).toBe(SEGV_MAPERR);
    expect(p.madvise(B, 8 * 4096, MADV_GUARD_REMOVE)).toBe(0);
    expect(p.load8(B + 2 * 4096)).toBe(0);
    expect(guardedPages(p.vm)).toEqual([]);
    checkInvariants(p.machine as Machine);
  });
});
