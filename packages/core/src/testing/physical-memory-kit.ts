/**
 * The contract kit of {@link PhysicalMemory}: {@link checkPhysicalMemory} runs every rule of the interface's TSDoc on
 * memories made by your factory and reports which rules hold.
 *
 * ```ts
 * import { assertContract, checkPhysicalMemory } from '@pagewright/core/testing';
 * assertContract(checkPhysicalMemory((layout) => new MyMemory(layout), { name: 'mine' }));
 * ```
 *
 * @module
 */

import type { U64Pair } from '../hardware.js';
import type { PhysicalMemory } from '../physical-memory.js';
import {
  type ContractReport,
  type ContractRule,
  ensure,
  ensureEqual,
  type KitOptions,
  runContract,
} from './kit.js';

/** Where a factory's RAM lies: `[base, base + size)`, `base` and `size` multiples of 4096. */
export interface MemoryLayout {
  /** First byte address. */
  readonly base: number;
  /** Size in bytes. */
  readonly size: number;
}

/** Makes a fresh, all-zero memory with `layout` (every call a new, independent memory). */
export type PhysicalMemoryFactory = (layout: MemoryLayout) => PhysicalMemory;

const FRAME = 4096;
/** The RISC-V `virt` RAM base. */
const BASE = 0x8000_0000;
/** Four frames: enough for frame-crossing accesses and copies between frames. */
const FRAMES = 4;
const SIZE = FRAMES * FRAME;
const END = BASE + SIZE;
const BASE_FRAME = BASE / FRAME;

function make(factory: PhysicalMemoryFactory): PhysicalMemory {
  const m = factory({ base: BASE, size: SIZE });
  ensure(typeof m === 'object' && m !== null, `the factory returned ${String(m)}, not a memory`);
  return m;
}

function hex(v: number): string {
  return v < 0 ? String(v) : `0x${v.toString(16)}`;
}

/** Every byte of RAM, read one at a time with `read8` (the reference for "changes nothing"). */
function dump(m: PhysicalMemory): Uint8Array {
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) out[i] = m.read8(BASE + i) & 0xff;
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function ensureUnchanged(m: PhysicalMemory, before: Uint8Array, what: string): void {
  const d = firstDifference(before, dump(m));
  ensure(d < 0, `${what} changed the byte at ${hex(BASE + d)}`);
}

/** A memory with a recognizable non-zero pattern in every frame (written with `writeBytes`, checked with `read8`). */
function patterned(factory: PhysicalMemoryFactory): PhysicalMemory {
  const m = make(factory);
  const bytes = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) bytes[i] = (i * 7 + 3) & 0xff || 1;
  ensure(m.writeBytes(BASE, bytes), 'writeBytes of all of RAM returned false');
  return m;
}

function bytesAt(m: PhysicalMemory, pa: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => m.read8(pa + i));
}

function ensureBytes(m: PhysicalMemory, pa: number, want: number[], what: string): void {
  const got = bytesAt(m, pa, want.length);
  ensure(
    got.every((b, i) => b === want[i]),
    `${what}: bytes at ${hex(pa)} are [${got.map(hex).join(' ')}], expected [${want.map(hex).join(' ')}]`,
  );
}

/** Every rule of the {@link PhysicalMemory} contract, in the order the interface's TSDoc states them. */
export const PHYSICAL_MEMORY_RULES: readonly ContractRule<PhysicalMemoryFactory>[] = [
  {
    id: 'geometry',
    text: 'base and size are as given; baseFrame = base / 4096 and frameCount = size / 4096',
    check(factory) {
      const m = make(factory);
      ensureEqual(m.base, BASE, 'base');
      ensureEqual(m.size, SIZE, 'size');
      ensureEqual(m.baseFrame, BASE_FRAME, 'baseFrame');
      ensureEqual(m.frameCount, FRAMES, 'frameCount');
    },
  },
  {
    id: 'contains',
    text: 'contains(pa, len) is true exactly when [pa, pa + len) is inside RAM (integers, len >= 0); containsFrame(pfn) exactly for the frames of RAM',
    check(factory) {
      const m = make(factory);
      const yes: [number, number][] = [
        [BASE, SIZE],
        [BASE, 1],
        [END - 1, 1],
        [BASE + FRAME - 2, 4],
      ];
      const no: [number, number][] = [
        [BASE - 1, 1],
        [BASE - 1, 2],
        [END, 1],
        [END - 1, 2],
        [BASE, SIZE + 1],
        [BASE, -1],
        [BASE + 0.5, 1],
        [BASE, 1.5],
        [Number.NaN, 1],
      ];
      for (const [pa, len] of yes) ensureEqual(m.contains(pa, len), true, `contains(${hex(pa)}, ${len})`);
      for (const [pa, len] of no) ensureEqual(m.contains(pa, len), false, `contains(${hex(pa)}, ${len})`);
      for (let i = 0; i < FRAMES; i++)
        ensureEqual(m.containsFrame(BASE_FRAME + i), true, `containsFrame(${hex(BASE_FRAME + i)})`);
      for (const pfn of [BASE_FRAME - 1, BASE_FRAME + FRAMES, BASE_FRAME + 0.5, Number.NaN, 0])
        ensureEqual(m.containsFrame(pfn), false, `containsFrame(${hex(pfn)})`);
    },
  },
  {
    id: 'zero-initial',
    text: 'memory never written reads as zero, through every accessor',
    check(factory) {
      const m = make(factory);
      for (const pa of [BASE, BASE + 1, BASE + FRAME - 1, END - 8]) {
        ensureEqual(m.read8(pa), 0, `read8(${hex(pa)})`);
        ensureEqual(m.read16(pa), 0, `read16(${hex(pa)})`);
        ensureEqual(m.read32(pa), 0, `read32(${hex(pa)})`);
        const out: U64Pair = { lo: 7, hi: 7 };
        ensure(m.read64(pa, out) && out.lo === 0 && out.hi === 0, `read64(${hex(pa)}) did not read zero`);
      }
      const all = new Uint8Array(SIZE).fill(0xee);
      ensure(m.readBytes(BASE, all), 'readBytes of all of RAM returned false');
      const d = all.findIndex((b) => b !== 0);
      ensure(d < 0, `readBytes: byte at ${hex(BASE + d)} of a fresh memory is ${hex(all[d] ?? 0)}`);
      for (let i = 0; i < FRAMES; i++)
        ensure(m.isFrameZero(BASE_FRAME + i), `isFrameZero(${hex(BASE_FRAME + i)}) of a fresh memory`);
    },
  },
  {
    id: 'byte-access',
    text: 'write8 stores value mod 256 at any byte of RAM (first and last included) and returns true; read8 reads it back; neighbours are untouched',
    check(factory) {
      const m = make(factory);
      for (const [pa, v] of [
        [BASE, 0xab],
        [END - 1, 0xcd],
        [BASE + FRAME, 0x1ef],
        [BASE + 5, -1],
      ] as [number, number][]) {
        ensureEqual(m.write8(pa, v), true, `write8(${hex(pa)}, ${hex(v)})`);
        ensureEqual(m.read8(pa), v & 0xff, `read8(${hex(pa)}) after write8(${hex(pa)}, ${hex(v)})`);
      }
      ensureEqual(m.read8(BASE + 1), 0, 'read8 of the byte after a write8');
      ensureEqual(m.read8(END - 2), 0, 'read8 of the byte before a write8');
    },
  },
  {
    id: 'little-endian',
    text: 'multi-byte accesses are little-endian: the low byte is at the lowest address; write64 takes (lo, hi) halves',
    check(factory) {
      const m = make(factory);
      ensure(m.write16(BASE, 0x1234), 'write16 returned false');
      ensureBytes(m, BASE, [0x34, 0x12], 'write16(0x1234)');
      ensure(m.write32(BASE + 8, 0x11223344), 'write32 returned false');
      ensureBytes(m, BASE + 8, [0x44, 0x33, 0x22, 0x11], 'write32(0x11223344)');
      ensure(m.write64(BASE + 16, 0x55667788, 0x11223344), 'write64 returned false');
      ensureBytes(
        m,
        BASE + 16,
        [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11],
        'write64(lo 0x55667788, hi 0x11223344)',
      );
      const bytes = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
      for (let i = 0; i < 8; i++) m.write8(BASE + 32 + i, bytes[i] as number);
      ensureEqual(m.read16(BASE + 32), 0x0201, 'read16 of bytes 01 02');
      ensureEqual(m.read32(BASE + 32), 0x04030201, 'read32 of bytes 01 02 03 04');
      const out: U64Pair = { lo: 0, hi: 0 };
      ensure(m.read64(BASE + 32, out), 'read64 returned false');
      ensure(
        out.lo === 0x04030201 && out.hi === 0x08070605,
        `read64 of bytes 01..08 gave lo ${hex(out.lo)} hi ${hex(out.hi)}`,
      );
    },
  },
  {
    id: 'wide-access',
    text: '16/32/64-bit accesses work at any address inside RAM, unaligned and frame-crossing included; values are stored mod 2^width and read back unsigned',
    check(factory) {
      const m = make(factory);
      const out: U64Pair = { lo: 0, hi: 0 };
      for (const off of [FRAME - 1, FRAME - 3, 2 * FRAME - 5, 3, 2 * FRAME + 2, SIZE - 8]) {
        const pa = BASE + off;
        ensure(m.write16(pa, 0x1fedc), `write16(${hex(pa)}) returned false`);
        ensureEqual(m.read16(pa), 0xfedc, `read16(${hex(pa)}) after write16(0x1fedc)`);
        ensure(m.write32(pa, 0xfedcba98), `write32(${hex(pa)}) returned false`);
        ensureEqual(m.read32(pa), 0xfedcba98, `read32(${hex(pa)})`);
        ensure(m.write32(pa, -1), `write32(${hex(pa)}, -1) returned false`);
        ensureEqual(m.read32(pa), 0xffffffff, `read32(${hex(pa)}) after write32(-1)`);
        ensure(m.write64(pa, 0x89abcdef, 0xf1e2d3c4), `write64(${hex(pa)}) returned false`);
        ensure(m.read64(pa, out), `read64(${hex(pa)}) returned false`);
        ensure(
          out.lo === 0x89abcdef && out.hi === 0xf1e2d3c4,
          `read64(${hex(pa)}) gave lo ${hex(out.lo)} hi ${hex(out.hi)}`,
        );
      }
    },
  },
  {
    id: 'out-of-range-reads',
    text: 'a read not entirely inside RAM (or at a non-integer address) returns -1, and read64 returns false leaving `out` unchanged',
    check(factory) {
      const m = patterned(factory);
      const cases: [string, (pa: number) => number, number[]][] = [
        ['read8', (pa) => m.read8(pa), [BASE - 1, END, END + FRAME]],
        ['read16', (pa) => m.read16(pa), [BASE - 1, END - 1, END]],
        ['read32', (pa) => m.read32(pa), [BASE - 2, END - 3, END - 1, END]],
      ];
      for (const [name, read, addresses] of cases)
        for (const pa of [...addresses, BASE + 0.5, Number.NaN])
          ensureEqual(read(pa), -1, `${name}(${hex(pa)})`);
      for (const pa of [BASE - 4, END - 7, END - 1, END, BASE + 0.5, Number.NaN]) {
        const out: U64Pair = { lo: 0x1111, hi: 0x2222 };
        ensureEqual(m.read64(pa, out), false, `read64(${hex(pa)})`);
        ensure(
          out.lo === 0x1111 && out.hi === 0x2222,
          `read64(${hex(pa)}) changed out although it returned false`,
        );
      }
    },
  },
  {
    id: 'out-of-range-writes',
    text: 'a write not entirely inside RAM (or at a non-integer address) returns false and changes no byte, not even the part inside RAM',
    check(factory) {
      const m = patterned(factory);
      const before = dump(m);
      const cases: [string, () => boolean][] = [
        ['write8(END)', () => m.write8(END, 1)],
        ['write8(BASE - 1)', () => m.write8(BASE - 1, 1)],
        ['write8(BASE + 0.5)', () => m.write8(BASE + 0.5, 1)],
        ['write16(END - 1)', () => m.write16(END - 1, 0xffff)],
        ['write16(BASE - 1)', () => m.write16(BASE - 1, 0xffff)],
        ['write32(END - 2)', () => m.write32(END - 2, 0xffffffff)],
        ['write32(BASE - 2)', () => m.write32(BASE - 2, 0xffffffff)],
        ['write32(NaN)', () => m.write32(Number.NaN, 0xffffffff)],
        ['write64(END - 4)', () => m.write64(END - 4, 0xffffffff, 0xffffffff)],
        ['write64(BASE - 4)', () => m.write64(BASE - 4, 0xffffffff, 0xffffffff)],
        ['write64(BASE + 1.5)', () => m.write64(BASE + 1.5, 0xffffffff, 0xffffffff)],
      ];
      for (const [what, write] of cases) {
        ensureEqual(write(), false, what);
        ensureUnchanged(m, before, what);
      }
    },
  },
  {
    id: 'bulk',
    text: 'readBytes, writeBytes and fill work across frames; when the range is not entirely RAM they return false and copy or write nothing',
    check(factory) {
      const m = make(factory);
      const src = new Uint8Array(FRAME + 100).map((_, i) => (i * 13 + 1) & 0xff);
      const at = BASE + FRAME - 50;
      ensure(m.writeBytes(at, src), 'writeBytes across a frame boundary returned false');
      const back = new Uint8Array(src.length);
      ensure(m.readBytes(at, back), 'readBytes across a frame boundary returned false');
      ensure(
        firstDifference(src, back) < 0,
        `readBytes did not read back what writeBytes wrote (at +${firstDifference(src, back)})`,
      );
      ensure(m.fill(BASE + 3 * FRAME - 10, 30, 0x1a5), 'fill across a frame boundary returned false');
      ensureBytes(
        m,
        BASE + 3 * FRAME - 11,
        [0, ...new Array<number>(30).fill(0xa5), 0],
        'fill(…, 30, 0x1a5)',
      );
      const before = dump(m);
      const dst = new Uint8Array(16).fill(0x77);
      for (const pa of [END - 8, BASE - 8, BASE + 0.5]) {
        ensureEqual(m.readBytes(pa, dst), false, `readBytes(${hex(pa)}, 16 bytes)`);
        ensure(
          dst.every((b) => b === 0x77),
          `readBytes(${hex(pa)}) copied into dst although it returned false`,
        );
        ensureEqual(
          m.writeBytes(pa, new Uint8Array(16).fill(0xff)),
          false,
          `writeBytes(${hex(pa)}, 16 bytes)`,
        );
        ensureUnchanged(m, before, `writeBytes(${hex(pa)}, 16 bytes)`);
        ensureEqual(m.fill(pa, 16, 0xff), false, `fill(${hex(pa)}, 16)`);
        ensureUnchanged(m, before, `fill(${hex(pa)}, 16)`);
      }
      ensureEqual(m.fill(BASE, -1, 0xff), false, 'fill with a negative length');
      ensureUnchanged(m, before, 'fill with a negative length');
    },
  },
  {
    id: 'frame-ops',
    text: 'zeroFrame makes a frame read as zeros, copyFrame copies all 4096 bytes (the source unchanged), isFrameZero tells whether a frame reads as zeros; outside RAM they return false and change nothing',
    check(factory) {
      const m = patterned(factory);
      const f = (i: number): number => BASE_FRAME + i;
      const frameBytes = (i: number): Uint8Array => {
        const b = new Uint8Array(FRAME);
        for (let j = 0; j < FRAME; j++) b[j] = m.read8(BASE + i * FRAME + j);
        return b;
      };
      ensureEqual(m.isFrameZero(f(1)), false, 'isFrameZero of a written frame');
      const src = frameBytes(0);
      ensure(m.copyFrame(f(2), f(0)), 'copyFrame returned false');
      const d = firstDifference(src, frameBytes(2));
      ensure(d < 0, `copyFrame: byte ${d} of the destination differs from the source`);
      ensure(firstDifference(src, frameBytes(0)) < 0, 'copyFrame changed its source');
      ensure(m.zeroFrame(f(1)), 'zeroFrame returned false');
      ensureEqual(m.isFrameZero(f(1)), true, 'isFrameZero after zeroFrame');
      ensure(
        frameBytes(1).every((b) => b === 0),
        'a byte of a zeroed frame is not 0',
      );
      ensureEqual(m.read8(BASE + 2 * FRAME), src[0] as number, 'zeroFrame changed the next frame');
      ensure(m.copyFrame(f(3), f(1)), 'copyFrame of a zero frame returned false');
      ensureEqual(m.isFrameZero(f(3)), true, 'isFrameZero after copying a zero frame');
      m.write8(BASE + FRAME + 100, 9);
      ensureEqual(m.isFrameZero(f(1)), false, 'isFrameZero after writing a byte');
      m.write8(BASE + FRAME + 100, 0);
      ensureEqual(m.isFrameZero(f(1)), true, 'isFrameZero after writing the byte back to zero');
      const before = dump(m);
      for (const pfn of [f(-1), f(FRAMES), f(0) + 0.5]) {
        ensureEqual(m.zeroFrame(pfn), false, `zeroFrame(${hex(pfn)})`);
        ensureEqual(m.isFrameZero(pfn), false, `isFrameZero(${hex(pfn)})`);
        ensureEqual(m.copyFrame(f(0), pfn), false, `copyFrame(${hex(f(0))}, ${hex(pfn)})`);
        ensureEqual(m.copyFrame(pfn, f(0)), false, `copyFrame(${hex(pfn)}, ${hex(f(0))})`);
        ensureUnchanged(m, before, `a frame operation on ${hex(pfn)}`);
      }
    },
  },
];

/**
 * Runs every rule of the {@link PhysicalMemory} contract on memories made by `factory` (4 frames at `0x8000_0000`)
 * and reports which held. Never throws for a broken rule; pass the report to `assertContract` to throw.
 */
export function checkPhysicalMemory(
  factory: PhysicalMemoryFactory,
  options: KitOptions = {},
): ContractReport {
  return runContract('PhysicalMemory', PHYSICAL_MEMORY_RULES, factory, options);
}
