/**
 * `exec` checks the image first and builds the new address space aside: every failure answers Linux's errno and
 * leaves the old space, the frames and the invariants exactly as before.
 */
import { PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { errnoOf } from './errno.js';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import type { ProgramImage } from './program-image.js';

const RW = PROT_READ | PROT_WRITE;

function setup(memoryBytes = 16 << 20) {
  const m = new Machine({ memoryBytes, checkTlb: true });
  const p = m.spawn();
  expect(p.store8(0x401000, 42)).toBe(0);
  return { m, p, maps: p.maps(), frames: m.framesInUse() };
}

const cases: [string, unknown, string][] = [
  ['an empty object', {}, 'ENOEXEC'],
  ['null', null, 'ENOEXEC'],
  ['a number', 7, 'ENOEXEC'],
  ['segments not an array', { entry: 0x400000, segments: 'x' }, 'ENOEXEC'],
  ['a fractional entry', { entry: 0.5, segments: [] }, 'ENOEXEC'],
  ['a segment that is not an object', { entry: 0x400000, segments: [1] }, 'ENOEXEC'],
  ['a negative vaddr', { entry: 0x400000, segments: [{ vaddr: -4096, memsz: 4096, prot: 1 }] }, 'ENOEXEC'],
  ['a bigint memsz', { entry: 0x400000, segments: [{ vaddr: 0x400000, memsz: 4096n, prot: 1 }] }, 'ENOEXEC'],
  [
    'unknown prot bits',
    { entry: 0x400000, segments: [{ vaddr: 0x400000, memsz: 4096, prot: 8 }] },
    'ENOEXEC',
  ],
  [
    'data not bytes',
    { entry: 0x400000, segments: [{ vaddr: 0x400000, memsz: 4, prot: 1, data: [1] }] },
    'ENOEXEC',
  ],
  [
    'p_filesz > p_memsz',
    { entry: 0x400000, segments: [{ vaddr: 0x400000, memsz: 4, prot: 1, data: new Uint8Array(5) }] },
    'EINVAL',
  ],
  [
    'a segment past TASK_SIZE',
    { entry: 0x400000, segments: [{ vaddr: 2 ** 38, memsz: 4096, prot: 1 }] },
    'EINVAL',
  ],
  ['an entry past TASK_SIZE', { entry: 2 ** 38, segments: [] }, 'EINVAL'],
  ['argv not strings', { entry: 0x400000, segments: [], argv: [1, 2] }, 'EFAULT'],
  ['envp not an array', { entry: 0x400000, segments: [], envp: 'HOME=/' }, 'EFAULT'],
  ['a path that is not a string', { entry: 0x400000, segments: [], path: 5 }, 'EFAULT'],
  [
    'an argument longer than MAX_ARG_STRLEN',
    { entry: 0x400000, segments: [], argv: ['x'.repeat(32 * 4096)] },
    'E2BIG',
  ],
  [
    'arguments beyond a quarter of RLIMIT_STACK',
    { entry: 0x400000, segments: [], argv: Array.from({ length: 40 }, () => 'y'.repeat(60000)) },
    'E2BIG',
  ],
  [
    'a first segment where the stack goes (elf_map: MAP_FIXED_NOREPLACE)',
    { entry: 0x400000, segments: [{ vaddr: 2 ** 38 - 0x10000, memsz: 0x1000, prot: RW }] },
    'EEXIST',
  ],
];

describe('exec answers a bad image with an errno and leaves the old address space intact', () => {
  it.each(cases)('%s → %s', (_name, image, errno) => {
    const { m, p, maps, frames } = setup();
    expect(errnoOf(p.exec(image as ProgramImage))).toBe(errno);
    expect(p.maps()).toBe(maps);
    expect(p.load8(0x401000)).toBe(42);
    expect(m.framesInUse()).toBe(frames);
    checkInvariants(m);
  });

  it('running out of memory while building the new space answers ENOMEM, nothing leaked', () => {
    const { m, p, maps, frames } = setup(1 << 20);
    const big: ProgramImage = {
      entry: 0x400000,
      segments: [{ vaddr: 0x400000, memsz: 2 << 20, prot: RW, data: new Uint8Array(2 << 20).fill(1) }],
    };
    expect(errnoOf(p.exec(big))).toBe('ENOMEM');
    expect(p.maps()).toBe(maps);
    expect(p.load8(0x401000)).toBe(42);
    expect(m.framesInUse()).toBe(frames);
    expect(p.killedBy).toBeNull();
    checkInvariants(m);
  });

  it('a good image still replaces the space, and spawn refuses a bad one without leaking', () => {
    const { m, p } = setup();
    expect(p.exec()).toBe(0);
    expect(p.load8(0x401000)).toBe('hello'.charCodeAt(0));
    checkInvariants(m);
    const before = m.framesInUse();
    expect(() => m.spawn({} as ProgramImage)).toThrow(/errno 8/);
    expect(m.framesInUse()).toBe(before);
  });
});
