import type { U64Pair } from '@pagewright/core';
import { assertContract, checkPhysicalMemory } from '@pagewright/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RAM_BASE, SparsePhysicalMemory } from './sparse-physical-memory.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function pair(): U64Pair {
  return { lo: 0xdead, hi: 0xbeef };
}

describe('SparsePhysicalMemory contract', () => {
  it('keeps every rule of the PhysicalMemory contract kit', () => {
    assertContract(checkPhysicalMemory((layout) => new SparsePhysicalMemory(layout), { name: 'sparse' }));
  });
});

describe('SparsePhysicalMemory configuration', () => {
  it('defaults to the virt machine RAM base', () => {
    const m = new SparsePhysicalMemory({ size: 4 * MiB });
    expect(m.base).toBe(DEFAULT_RAM_BASE);
    expect(m.baseFrame).toBe(0x80000);
    expect(m.frameCount).toBe(1024);
    expect(m.size).toBe(4 * MiB);
  });

  it.each([
    { size: 0 },
    { size: 4095 },
    { size: 4096 * 1.5 },
    { size: -4096 },
    { size: Number.NaN },
    { size: 2 ** 45 },
    { base: 1, size: 4096 },
    { base: -4096, size: 4096 },
    { base: 2 ** 53 - 4096, size: 8192 },
  ])('rejects %o with a RangeError', (opts) => {
    expect(() => new SparsePhysicalMemory(opts)).toThrow(RangeError);
  });

  it('holds 64 GiB of RAM and costs host memory only for written frames', () => {
    const m = new SparsePhysicalMemory({ size: 64 * GiB });
    expect(m.frameCount).toBe(16 * MiB);
    const last = m.base + m.size - 8;
    expect(m.read64(last, pair())).toBe(true);
    expect(m.write64(last, 0x01234567, 0x89abcdef)).toBe(true);
    expect(m.write8(m.base, 7)).toBe(true);
    const out = pair();
    m.read64(last, out);
    expect(out).toEqual({ lo: 0x01234567, hi: 0x89abcdef });
    expect(m.read8(m.base)).toBe(7);
    expect(m.read8(m.base + 32 * GiB)).toBe(0);
    expect(m.residentFrames).toBe(2);
    expect(m.hostBytes).toBeLessThanOrEqual(MiB);
    expect(m.read8(m.base + m.size)).toBe(-1);
  });
});

describe('SparsePhysicalMemory edges', () => {
  const base = 0x8000_0000;
  const size = 16 * 4096;
  const end = base + size;

  it('reads zeros from never-written memory and allocates nothing for reads or zero writes', () => {
    const m = new SparsePhysicalMemory({ base, size });
    expect(m.read8(base)).toBe(0);
    expect(m.read32(end - 4)).toBe(0);
    expect(m.write32(base + 100, 0)).toBe(true);
    expect(m.write64(base + 200, 0, 0)).toBe(true);
    expect(m.fill(base, size, 0)).toBe(true);
    expect(m.writeBytes(base + 4090, new Uint8Array(20))).toBe(true);
    expect(m.residentFrames).toBe(0);
    expect(m.isFrameZero(m.baseFrame)).toBe(true);
  });

  it('accepts the first and last byte and rejects one past either end', () => {
    const m = new SparsePhysicalMemory({ base, size });
    expect(m.write8(base, 0xab)).toBe(true);
    expect(m.write8(end - 1, 0xcd)).toBe(true);
    expect(m.read8(base)).toBe(0xab);
    expect(m.read8(end - 1)).toBe(0xcd);
    expect(m.read8(base - 1)).toBe(-1);
    expect(m.read8(end)).toBe(-1);
    expect(m.write8(base - 1, 1)).toBe(false);
    expect(m.write8(end, 1)).toBe(false);
    expect(m.contains(base, size)).toBe(true);
    expect(m.contains(base, size + 1)).toBe(false);
    expect(m.contains(base - 1, 1)).toBe(false);
    expect(m.containsFrame(m.baseFrame - 1)).toBe(false);
    expect(m.containsFrame(m.baseFrame + 16)).toBe(false);
    expect(m.containsFrame(m.baseFrame + 15)).toBe(true);
  });

  it('rejects multi-byte accesses crossing the end of RAM and touches nothing', () => {
    const m = new SparsePhysicalMemory({ base, size });
    m.write8(end - 1, 0x11);
    for (const [n, read, write] of [
      [2, (pa: number) => m.read16(pa), (pa: number) => m.write16(pa, 0xffff)],
      [4, (pa: number) => m.read32(pa), (pa: number) => m.write32(pa, 0xffffffff)],
    ] as const) {
      expect(read(end - n + 1)).toBe(-1);
      expect(write(end - n + 1)).toBe(false);
      expect(read(end - n)).not.toBe(-1);
      expect(read(base - 1)).toBe(-1);
      expect(write(base - 1)).toBe(false);
    }
    const out = pair();
    expect(m.read64(end - 7, out)).toBe(false);
    expect(out).toEqual(pair());
    expect(m.write64(end - 7, 1, 1)).toBe(false);
    expect(m.read64(base - 4, out)).toBe(false);
    expect(m.readBytes(end - 3, new Uint8Array(4))).toBe(false);
    expect(m.writeBytes(end - 3, new Uint8Array([1, 2, 3, 4]))).toBe(false);
    expect(m.fill(end - 3, 4, 9)).toBe(false);
    expect(m.fill(base - 1, 2, 9)).toBe(false);
    expect(m.read8(end - 1)).toBe(0x11);
    expect(m.read8(end - 2)).toBe(0);
    expect(m.read8(base)).toBe(0);
  });

  it('reports non-integer and non-finite addresses as outside RAM', () => {
    const m = new SparsePhysicalMemory({ base, size });
    for (const pa of [base + 0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(m.read8(pa)).toBe(-1);
      expect(m.read32(pa)).toBe(-1);
      expect(m.write8(pa, 1)).toBe(false);
      expect(m.write64(pa, 1, 1)).toBe(false);
    }
    expect(m.zeroFrame(m.baseFrame + 0.5)).toBe(false);
    expect(m.residentFrames).toBe(0);
  });

  it('is little-endian for every width', () => {
    const m = new SparsePhysicalMemory({ base, size });
    m.write64(base + 8, 0x44332211, 0x88776655);
    expect(m.read8(base + 8)).toBe(0x11);
    expect(m.read8(base + 15)).toBe(0x88);
    expect(m.read16(base + 9)).toBe(0x3322);
    expect(m.read32(base + 10)).toBe(0x66554433);
    m.write32(base, 0xdeadbeef);
    expect(m.read32(base)).toBe(0xdeadbeef);
    m.write16(base + 1, 0x1234);
    expect(m.read32(base)).toBe(0xde1234ef);
    m.write8(base, 0x1ff);
    expect(m.read8(base)).toBe(0xff);
  });

  it('matches a byte-array model for unaligned accesses across frame boundaries', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            width: fc.constantFrom(1, 2, 4, 8),
            // Offsets cluster around the boundary between frames 0 and 1, and 1 and 2.
            at: fc.oneof(fc.integer({ min: 4080, max: 4100 }), fc.integer({ min: 8180, max: 8200 })),
            lo: fc.nat({ max: 0xffffffff }),
            hi: fc.nat({ max: 0xffffffff }),
          }),
          { maxLength: 40 },
        ),
        (writes) => {
          const m = new SparsePhysicalMemory({ base, size });
          const model = new Uint8Array(size);
          for (const w of writes) {
            const pa = base + w.at;
            if (w.width === 1) m.write8(pa, w.lo);
            else if (w.width === 2) m.write16(pa, w.lo);
            else if (w.width === 4) m.write32(pa, w.lo);
            else m.write64(pa, w.lo, w.hi);
            const bytes = [0, 8, 16, 24].map((s) => (w.lo >>> s) & 0xff);
            bytes.push(...[0, 8, 16, 24].map((s) => (w.hi >>> s) & 0xff));
            for (let i = 0; i < w.width; i++) model[w.at + i] = bytes[i] as number;
          }
          const out = pair();
          const got: number[] = [];
          const want: number[] = [];
          for (let at = 4070; at < 8210; at++) {
            const b = (i: number) => model[at + i] as number;
            m.read64(base + at, out);
            got.push(m.read8(base + at), m.read16(base + at), m.read32(base + at), out.lo, out.hi);
            const lo = (b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24)) >>> 0;
            const hi = (b(4) | (b(5) << 8) | (b(6) << 16) | (b(7) << 24)) >>> 0;
            want.push(b(0), b(0) | (b(1) << 8), lo, lo, hi);
          }
          expect(got).toEqual(want);
          const dump = new Uint8Array(3 * 4096);
          expect(m.readBytes(base, dump)).toBe(true);
          expect(dump).toEqual(model.subarray(0, 3 * 4096));
        },
      ),
      { numRuns: 25, seed: 42 },
    );
  });
});

describe('SparsePhysicalMemory frames and bulk operations', () => {
  const base = 0x8000_0000;
  const size = 8 * 4096;

  it('zeroFrame drops the bytes and the slot is reused clean', () => {
    const m = new SparsePhysicalMemory({ base, size });
    const f = m.baseFrame + 2;
    m.fill(f * 4096, 4096, 0x5a);
    expect(m.residentFrames).toBe(1);
    expect(m.isFrameResident(f)).toBe(true);
    expect(m.isFrameZero(f)).toBe(false);
    expect(m.zeroFrame(f)).toBe(true);
    expect(m.residentFrames).toBe(0);
    expect(m.isFrameZero(f)).toBe(true);
    expect(m.read8(f * 4096 + 17)).toBe(0);
    m.write8((f + 1) * 4096, 1);
    expect(m.residentFrames).toBe(1);
    expect(m.read32((f + 1) * 4096)).toBe(1);
    const all = new Uint8Array(4096);
    m.readBytes((f + 1) * 4096, all);
    expect(all.reduce((s, x) => s + x, 0)).toBe(1);
    expect(m.zeroFrame(m.baseFrame - 1)).toBe(false);
    expect(m.zeroFrame(m.baseFrame + 8)).toBe(false);
  });

  it('isFrameZero sees a frame written back to zeros', () => {
    const m = new SparsePhysicalMemory({ base, size });
    m.write8(base + 5, 1);
    m.write8(base + 5, 0);
    expect(m.residentFrames).toBe(1);
    expect(m.isFrameZero(m.baseFrame)).toBe(true);
    expect(m.isFrameZero(m.baseFrame - 1)).toBe(false);
  });

  it('copyFrame copies bytes, and copying a zero frame drops the destination', () => {
    const m = new SparsePhysicalMemory({ base, size });
    const [a, b, c] = [m.baseFrame, m.baseFrame + 1, m.baseFrame + 5];
    m.writeBytes(a * 4096 + 4000, new Uint8Array([1, 2, 3]));
    expect(m.copyFrame(b, a)).toBe(true);
    expect(m.read32(b * 4096 + 4000)).toBe(0x030201);
    m.write8(a * 4096 + 4000, 9);
    expect(m.read8(b * 4096 + 4000)).toBe(1);
    expect(m.copyFrame(b, c)).toBe(true);
    expect(m.isFrameResident(b)).toBe(false);
    expect(m.read8(b * 4096 + 4000)).toBe(0);
    expect(m.copyFrame(a, a)).toBe(true);
    expect(m.copyFrame(a, m.baseFrame + 8)).toBe(false);
    expect(m.copyFrame(m.baseFrame - 1, a)).toBe(false);
  });

  it('readBytes, writeBytes and fill span frames', () => {
    const m = new SparsePhysicalMemory({ base, size });
    const src = Uint8Array.from({ length: 10000 }, (_, i) => (i * 7 + 1) & 0xff);
    expect(m.writeBytes(base + 100, src)).toBe(true);
    const back = new Uint8Array(10000);
    expect(m.readBytes(base + 100, back)).toBe(true);
    expect(back).toEqual(src);
    expect(m.fill(base + 4000, 200, 0xee)).toBe(true);
    expect(m.read8(base + 3999)).toBe(src[3899]);
    expect(m.read8(base + 4000)).toBe(0xee);
    expect(m.read8(base + 4199)).toBe(0xee);
    expect(m.read8(base + 4200)).toBe(src[4100]);
    expect(m.fill(base + 4096, 4096, 0)).toBe(true);
    expect(m.isFrameResident(m.baseFrame + 1)).toBe(false);
    expect(m.readBytes(base, new Uint8Array(0))).toBe(true);
  });

  it('recycles slots so host memory follows the peak of resident frames', () => {
    const m = new SparsePhysicalMemory({ base, size: 1024 * 4096 });
    for (let round = 0; round < 3; round++) {
      for (let f = 0; f < 100; f++) m.write8(base + f * 4096 + round, 1);
      for (let f = 0; f < 100; f++) m.zeroFrame(m.baseFrame + f);
    }
    expect(m.residentFrames).toBe(0);
    expect(m.hostBytes).toBe(2 * 64 * 4096);
  });
});

describe('SparsePhysicalMemory.frameWords', () => {
  it('lends a live view of each frame’s words that agrees with read32, null outside RAM', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 7 * 4096 - 4 }), fc.integer({ min: 0, max: 2 ** 32 - 1 })),
          {
            maxLength: 40,
          },
        ),
        (writes) => {
          const m = new SparsePhysicalMemory({ base: DEFAULT_RAM_BASE, size: 8 * 4096 });
          for (const [off, v] of writes) m.write32(DEFAULT_RAM_BASE + off, v);
          for (let f = 0; f < 8; f++) {
            const words = m.frameWords(m.baseFrame + f);
            expect(words).not.toBeNull();
            for (let i = 0; i < 1024; i++) {
              expect((words as Int32Array)[i]! >>> 0).toBe(m.read32(DEFAULT_RAM_BASE + f * 4096 + i * 4));
            }
          }
        },
      ),
      { seed: 7, numRuns: 30 },
    );
  });

  it('answers zeros for a frame without bytes (and after zeroFrame), null for a non-frame', () => {
    const m = new SparsePhysicalMemory({ base: DEFAULT_RAM_BASE, size: 4 * 4096 });
    const f = m.baseFrame + 1;
    expect(m.frameWords(f)?.every((w) => w === 0)).toBe(true);
    m.write64(f * 4096 + 8, 0xdeadbeef, 0x12345678);
    const words = m.frameWords(f) as Int32Array;
    expect([words[2]! >>> 0, words[3]! >>> 0]).toEqual([0xdeadbeef, 0x12345678]);
    m.write32(f * 4096 + 8, 7); // live: the same view sees the write
    expect(words[2]).toBe(7);
    m.zeroFrame(f);
    expect(m.frameWords(f)?.every((w) => w === 0)).toBe(true);
    for (const bad of [m.baseFrame - 1, m.baseFrame + 4, f + 0.5, Number.NaN])
      expect(m.frameWords(bad)).toBeNull();
  });
});
