/**
 * Transparent-huge-page placement (`thp_get_unmapped_area`, Linux 6.18): what the kernel answered on the
 * recording host, checked rule by rule (the recorded replay fixture and scenarios check it against the kernel).
 */
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { O_CREAT, O_RDWR } from '@pagewright/files';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine, type MachineOptions } from './machine.js';
import { PMD_SIZE } from './placement.js';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const MiB = 2 ** 20;

function setup(options: MachineOptions = {}) {
  const m = new Machine({ arch: 'x86-64', memoryBytes: 16 * MiB, ...options });
  const p = m.spawn();
  // A page just below mmap_base, so that the next top-down address is not 2 MiB-aligned by chance.
  expect(p.mmap(0, 4096, RW, ANON)).toBeGreaterThan(0);
  return { m, p };
}

describe('THP-aligned placement', () => {
  it('a private anonymous mapping of a multiple of 2 MiB starts on a 2 MiB boundary', () => {
    const { m, p } = setup();
    for (const len of [2 * MiB, 4 * MiB, 6 * MiB]) expect(p.mmap(0, len, RW, ANON) % PMD_SIZE).toBe(0);
    checkInvariants(m);
  });
  it('other lengths, hints and shared memory are placed as usual', () => {
    const { p } = setup();
    const plain = p.mmap(0, 2 * MiB + 4096, RW, ANON);
    expect(plain % PMD_SIZE).not.toBe(0);
    expect(p.mmap(0, 2 * MiB, RW, MAP_SHARED | MAP_ANONYMOUS) % PMD_SIZE).not.toBe(0);
    expect(p.mmap(0x10001000, 2 * MiB, RW, ANON)).toBe(0x10001000);
  });
  it('tmpfs files are not aligned by default; with limits.thp.files the file offset is congruent', () => {
    for (const files of [false, true]) {
      const { p } = setup(files ? { limits: { thp: { anonymous: true, files: true } } } : {});
      const fd = p.open('/f', O_CREAT | O_RDWR);
      expect(p.ftruncate(fd, 8 * MiB)).toBe(0);
      const a = p.mmap(0, 4 * MiB, PROT_READ, MAP_PRIVATE, fd, MiB);
      expect((a - MiB) % PMD_SIZE === 0).toBe(files);
      const b = p.mmap(0, 2 * MiB, PROT_READ, MAP_PRIVATE, fd, 4096); // less than 2 MiB from an aligned offset
      expect(b % PMD_SIZE === 0 || (b - 4096) % PMD_SIZE === 0).toBe(false);
    }
  });
  it('can be switched off (limits.thp.anonymous: false)', () => {
    const { p } = setup({ limits: { thp: { anonymous: false, files: false } } });
    expect(p.mmap(0, 2 * MiB, RW, ANON) % PMD_SIZE).not.toBe(0);
  });
});
