/**
 * Directed edge cases of the public entry points: cold accessors with odd lengths, non-number addresses, the
 * narrowed out-of-memory catch of `newAddressSpaceFor`, and `MAP_FIXED` checked before it changes anything.
 */
import { Access, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { errnoOf } from './errno.js';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import { SEGV_MAPERR } from './signals.js';

const P = 4096;
const RW = PROT_READ | PROT_WRITE;
const PRIV = MAP_PRIVATE | MAP_ANONYMOUS;
const R = 0x20000000;

function setup(options = {}) {
  const m = new Machine({ memoryBytes: 16 << 20, checkTlb: true, ...options });
  const p = m.spawn();
  expect(p.mmap(R, 2 * P, RW, PRIV | MAP_FIXED)).toBe(R);
  p.store8(R, 5);
  return { m, p };
}

describe('cold accessors answer odd lengths as Linux would', () => {
  it('read: a negative or huge length faults where the mapping ends; NaN, ∞ and fractions are EINVAL', () => {
    const { m, p } = setup();
    const frames = m.framesInUse();
    for (const len of [-1, 2 ** 33, 2 ** 60])
      expect(p.read(R, len)).toEqual({ ok: false, signal: 'SIGSEGV', code: 'SEGV_MAPERR', addr: R + 2 * P });
    for (const len of [Number.NaN, Number.POSITIVE_INFINITY, 1.5])
      expect(p.read(R, len)).toEqual({ ok: false, signal: null, code: 'EINVAL', addr: R });
    expect(p.read(R, 2)).toMatchObject({ ok: true, bytes: new Uint8Array([5, 0]) });
    expect(m.framesInUse()).toBe(frames);
  });

  it('read past 1 GiB of accessible memory is refused with ENOMEM, not a RangeError', () => {
    const m = new Machine({ memoryBytes: 16 << 20 });
    const p = m.spawn();
    const a = p.mmap(0, 2 ** 30 + P, PROT_READ, PRIV | 0x4000); // MAP_NORESERVE
    expect(p.read(a, 2 ** 30 + 1)).toEqual({ ok: false, signal: null, code: 'ENOMEM', addr: a });
    checkInvariants(m);
  });

  it('copyFromUser: EFAULT past user space or on an unmapped page, EINVAL for no byte count', () => {
    const { p } = setup();
    expect(errnoOf(p.copyFromUser(0, 2 ** 33) as number)).toBe('EFAULT');
    expect(errnoOf(p.copyFromUser(R, -1) as number)).toBe('EFAULT');
    expect(errnoOf(p.copyFromUser(R, 2 ** 40) as number)).toBe('EFAULT');
    expect(errnoOf(p.copyFromUser(R, 3 * P) as number)).toBe('EFAULT');
    expect(errnoOf(p.copyFromUser(R, 1.5) as number)).toBe('EINVAL');
    expect(errnoOf(p.copyFromUser(R, Number.NaN) as number)).toBe('EINVAL');
    expect(errnoOf(p.copyFromUser(1n as unknown as number, 1) as number)).toBe('EFAULT');
    expect(p.copyFromUser(R, 1)).toEqual(new Uint8Array([5]));
  });

  it('a bigint or non-number address faults with SEGV_MAPERR, never a TypeError', () => {
    const { p } = setup();
    for (const va of [BigInt(R), String(R), null, undefined, {}] as unknown as number[]) {
      expect(p.load8(va)).toBe(SEGV_MAPERR);
      expect(p.load32(va)).toBe(SEGV_MAPERR);
      expect(p.store8(va, 1)).toBe(SEGV_MAPERR);
      expect(p.store64(va, 1, 2)).toBe(SEGV_MAPERR);
      expect(p.translate(va, Access.Load)).toBe(SEGV_MAPERR);
      expect(p.read(va, 1)).toMatchObject({ ok: false, signal: 'SIGSEGV' });
    }
    expect(p.load8(R)).toBe(5);
  });
});

describe('Machine.newAddressSpaceFor reports only running out of memory as null', () => {
  it('no frame for the root: fork answers ENOMEM', () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const p = m.spawn();
    const a = p.mmap(0, 1 << 20, RW, PRIV | 0x4000);
    expect(errnoOf(p.mlock(a, 1 << 20))).toBe('EAGAIN'); // takes every free frame, the process lives
    expect(m.allocator.freeFrames).toBe(0);
    expect(errnoOf(p.fork() as number)).toBe('ENOMEM');
    checkInvariants(m);
  });

  it('any other failure propagates', () => {
    const m = new Machine({ memoryBytes: 1 << 20 });
    const p = m.spawn();
    const alloc = m.allocator.alloc;
    m.allocator.alloc = () => {
      throw new TypeError('allocator bug');
    };
    try {
      expect(() => p.fork()).toThrow(TypeError);
    } finally {
      m.allocator.alloc = alloc;
    }
  });
});

describe('mmap(MAP_FIXED) checks before it changes anything', () => {
  it('a split that would pass vm.max_map_count answers ENOMEM with nothing unmapped', () => {
    const { m, p } = setup({ limits: { maxMapCount: 8 } });
    expect(p.mmap(0x40000000, 3 * P, RW, PRIV | MAP_FIXED)).toBe(0x40000000);
    p.store8(0x40000000 + P, 7);
    // Fill the map count up to the limit with separate VMAs.
    for (let i = 0; p.vm.vmas.size < 8; i++)
      expect(p.mmap(0x30000000 + i * 2 * P, P, RW, PRIV | MAP_FIXED)).toBeGreaterThan(0);
    const maps = p.maps();
    const frames = m.framesInUse();
    expect(errnoOf(p.mmap(0x40000000 + P, P, PROT_READ, PRIV | MAP_FIXED))).toBe('ENOMEM');
    expect(p.maps()).toBe(maps);
    expect(m.framesInUse()).toBe(frames);
    expect(p.load8(0x40000000 + P)).toBe(7);
    // Replacing a whole VMA needs no split: allowed at the limit.
    expect(p.mmap(0x40000000, 3 * P, PROT_READ, PRIV | MAP_FIXED)).toBe(0x40000000);
    checkInvariants(m);
  });
});
