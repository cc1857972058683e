import { VmaBTree, type VmaIndex, VmaList, VmaTreap, VmaTree } from '@pagewright/vma';
import { describe, expect, it } from 'vitest';
import { pairFor } from '../impl/impl-target.js';
import { compareProgram, describeDivergence } from './compare.js';
import type { Step } from './program.js';
import { systemsOf } from './systems.js';

/**
 * Regression tests for bugs and mutants that once survived the whole differential suite (README, "Survivors"): each
 * is the program that kills it, compared model against implementation, plus a direct check of the deciding answer.
 */

function parse(program: string): Step[] {
  return program
    .trim()
    .split('\n')
    .map((l) => {
      const m = /^@(\d+) (.*)$/.exec(l.trim())!;
      return { slot: Number(m[1]), line: m[2]! };
    });
}

/** Every VMA index: the default B+tree, the bare B+tree, the treap and the list. */
const INDEXES: [string, () => VmaIndex][] = [
  ['tree (VmaTree)', () => new VmaTree()],
  ['btree (VmaBTree)', () => new VmaBTree()],
  ['treap (VmaTreap)', () => new VmaTreap()],
  ['list (VmaList)', () => new VmaList()],
];

function agree(program: string, index?: () => VmaIndex) {
  const p = pairFor({ memoryBytes: 16 << 20, checkTlb: true }, index);
  const steps = parse(program);
  const d = compareProgram(steps, ...systemsOf(p));
  expect(d ? describeDivergence(d, steps) : '').toBe('');
  return p;
}

const R = 0x2000000000;

describe('survivor (a): a VMA index that loses VMAs after a leaf split (more than 32 VMAs)', () => {
  // 40 one-page VMAs at 2*i pages (the B+tree splits its leaf of 32), a hole punched at page 28, then a two-page
  // MAP_FIXED mapping at 27 that covers the hole and replaces the VMA at 28's neighbour: page 28 must be mapped.
  const program = `
@0 rep 40 0x2000 mmap +0x0 0x1000 rw- PRIVATE|ANONYMOUS|FIXED
@0 munmap +0x1c000 0x1000
@0 mmap +0x1b000 0x2000 rw- PRIVATE|ANONYMOUS|FIXED
@0 r +0x1c000
@0 w +0x1c000 7
@0 r +0x1d000`;
  it.each(INDEXES)('%s', (_name, index) => {
    const p = agree(program, index);
    expect(p.process.load8(R + 28 * 4096)).toBe(7);
    expect(p.process.maps().split('\n').filter(Boolean).length).toBeGreaterThan(40);
  });
});

describe('survivor (b): two VMAs with different anon_vmas never merge (is_mergeable_anon_vma)', () => {
  // Killed mutant: packages/vma/src/merge.ts anonVmaMergeable's last case `return t === s` → `return true`.
  it('neighbours faulted separately keep their own anon_vmas when their flags become equal', () => {
    // page 1 gets VM_RAND_READ (a VMA of its own), both pages are written (each VMA gets its own anon_vma: the
    // neighbour's is not reusable because the flags differ, anon_vma_compatible), then MADV_NORMAL makes the flags
    // equal: still two VMAs
    const p = agree(`
@0 mmap +0x0 0x2000 rw- PRIVATE|ANONYMOUS|FIXED
@0 madvise +0x1000 0x1000 RANDOM
@0 w +0x1000 1
@0 w +0x0 2
@0 madvise +0x1000 0x1000 NORMAL`);
    expect(
      p.process
        .maps()
        .split('\n')
        .filter((l) => l.startsWith('200000')).length,
    ).toBe(2);
  });
  it('a fork child gives each faulted VMA a distinct anon_vma: mprotect back does not merge them', () => {
    agree(`
@0 mmap +0x0 0x2000 rw- PRIVATE|ANONYMOUS|FIXED
@0 mprotect +0x1000 0x1000 r--
@0 w +0x0 1
@0 mprotect +0x1000 0x1000 rw-
@0 w +0x1000 2
@0 madvise +0x0 0x1000 RANDOM
@0 fork
@1 madvise +0x0 0x1000 NORMAL
@0 madvise +0x0 0x1000 NORMAL`);
  });
});

describe('survivor (c): a populate that hits SIGBUS makes mlock answer ENOMEM', () => {
  // Killed mutant: packages/process-vm/src/address-space.ts populate's `return r === OOM_KILL ? -12 : -14` answering
  // -12 (ENOMEM) for BUS_ADRERR too, which mlock turns into EAGAIN. Linux: the SIGBUS is -EFAULT from GUP
  // (mm/gup.c), and mlock's __mlock_posix_error_return maps EFAULT to ENOMEM (ENOMEM would be EAGAIN).
  it('mlock of a shared mapping grown past its object', () => {
    const p = agree(`
@0 mmap +0x0 0x1000 rw- SHARED|ANONYMOUS|FIXED
@0 mremap +0x0 0x1000 0x2000 0
@0 mlock +0x0 0x2000
@0 r +0x1000`);
    expect(p.process.mlock(R, 0x2000)).toBe(-12);
  });
  it('MADV_POPULATE_READ/WRITE past the object answer EFAULT', () => {
    agree(`
@0 mmap +0x0 0x1000 rw- SHARED|ANONYMOUS|FIXED
@0 mremap +0x0 0x1000 0x3000 0
@0 madvise +0x0 0x3000 POPULATE_READ
@0 madvise +0x0 0x3000 POPULATE_WRITE
@0 w +0x2000 1`);
  });
});
