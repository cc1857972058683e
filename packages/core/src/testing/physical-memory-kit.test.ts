import { describe, expect, it } from 'vitest';
import type { U64Pair } from '../hardware.js';
import type { PhysicalMemory } from '../physical-memory.js';
import { assertContract, ContractViolationError } from './kit.js';
import { checkPhysicalMemory, type MemoryLayout, PHYSICAL_MEMORY_RULES } from './physical-memory-kit.js';

/** The simplest memory that keeps every rule: one flat byte array. The broken variants below each change one thing. */
class ReferenceMemory implements PhysicalMemory {
  readonly base: number;
  readonly size: number;
  readonly baseFrame: number;
  readonly frameCount: number;
  protected readonly bytes: Uint8Array;
  private readonly first: number;

  constructor(layout: MemoryLayout) {
    this.base = layout.base;
    this.size = layout.size;
    this.baseFrame = layout.base / 4096;
    this.frameCount = layout.size / 4096;
    this.bytes = new Uint8Array(layout.size);
    this.first = layout.base / 4096;
  }

  /** The offset of `[pa, pa + len)` in `bytes`, or -1 when it is not all RAM. */
  protected at(pa: number, len: number): number {
    const rel = pa - this.base;
    return Number.isInteger(rel) && Number.isInteger(len) && len >= 0 && rel >= 0 && rel + len <= this.size
      ? rel
      : -1;
  }

  protected frameAt(pfn: number): number {
    const i = pfn - this.first;
    return Number.isInteger(i) && i >= 0 && i < this.size / 4096 ? i * 4096 : -1;
  }

  contains(pa: number, len: number): boolean {
    return this.at(pa, len) >= 0;
  }
  containsFrame(pfn: number): boolean {
    return this.frameAt(pfn) >= 0;
  }

  protected load(pa: number, n: number): number {
    const i = this.at(pa, n);
    if (i < 0) return -1;
    let v = 0;
    for (let k = n - 1; k >= 0; k--) v = v * 256 + (this.bytes[i + k] as number);
    return v;
  }
  protected store(pa: number, n: number, value: number): boolean {
    const i = this.at(pa, n);
    if (i < 0) return false;
    for (let k = 0; k < n; k++) this.bytes[i + k] = Math.floor(value / 256 ** k) & 0xff;
    return true;
  }

  read8(pa: number): number {
    return this.load(pa, 1);
  }
  read16(pa: number): number {
    return this.load(pa, 2);
  }
  read32(pa: number): number {
    return this.load(pa, 4);
  }
  read64(pa: number, out: U64Pair): boolean {
    if (this.at(pa, 8) < 0) return false;
    out.lo = this.load(pa, 4);
    out.hi = this.load(pa + 4, 4);
    return true;
  }
  write8(pa: number, value: number): boolean {
    return this.store(pa, 1, value & 0xff);
  }
  write16(pa: number, value: number): boolean {
    return this.store(pa, 2, value & 0xffff);
  }
  write32(pa: number, value: number): boolean {
    return this.store(pa, 4, value >>> 0);
  }
  write64(pa: number, lo: number, hi: number): boolean {
    if (this.at(pa, 8) < 0) return false;
    return this.store(pa, 4, lo >>> 0) && this.store(pa + 4, 4, hi >>> 0);
  }
  readBytes(pa: number, dst: Uint8Array): boolean {
    const i = this.at(pa, dst.length);
    if (i < 0) return false;
    dst.set(this.bytes.subarray(i, i + dst.length));
    return true;
  }
  writeBytes(pa: number, src: Uint8Array): boolean {
    const i = this.at(pa, src.length);
    if (i < 0) return false;
    this.bytes.set(src, i);
    return true;
  }
  fill(pa: number, len: number, value: number): boolean {
    const i = this.at(pa, len);
    if (i < 0) return false;
    this.bytes.fill(value & 0xff, i, i + len);
    return true;
  }
  zeroFrame(pfn: number): boolean {
    const i = this.frameAt(pfn);
    if (i < 0) return false;
    this.bytes.fill(0, i, i + 4096);
    return true;
  }
  copyFrame(dst: number, src: number): boolean {
    const d = this.frameAt(dst);
    const s = this.frameAt(src);
    if (d < 0 || s < 0) return false;
    this.bytes.copyWithin(d, s, s + 4096);
    return true;
  }
  isFrameZero(pfn: number): boolean {
    const i = this.frameAt(pfn);
    return i >= 0 && this.bytes.subarray(i, i + 4096).every((b) => b === 0);
  }
}

/** One deliberately broken memory per rule: each breaks exactly the rule it is filed under. */
const BROKEN: Record<string, (layout: MemoryLayout) => PhysicalMemory> = {
  // Reports a base frame one too high.
  geometry: (l) => Object.assign(new ReferenceMemory(l), { baseFrame: l.base / 4096 + 1 }),
  // Counts the frame just past RAM as RAM.
  contains: (l) =>
    new (class extends ReferenceMemory {
      override containsFrame(pfn: number): boolean {
        return super.containsFrame(pfn) || pfn === this.baseFrame + this.frameCount;
      }
    })(l),
  // Starts with a stray byte in the last frame.
  'zero-initial': (l) =>
    new (class extends ReferenceMemory {
      constructor(layout: MemoryLayout) {
        super(layout);
        this.bytes[this.size - 1] = 0xff;
      }
    })(l),
  // Refuses a byte write to the last byte of RAM.
  'byte-access': (l) =>
    new (class extends ReferenceMemory {
      override write8(pa: number, value: number): boolean {
        return pa === this.base + this.size - 1 ? false : super.write8(pa, value);
      }
    })(l),
  // Stores and loads 32-bit values big-endian (consistently, so round trips still work).
  'little-endian': (l) =>
    new (class extends ReferenceMemory {
      override write32(pa: number, value: number): boolean {
        const v = value >>> 0;
        return this.store(
          pa,
          4,
          ((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24),
        );
      }
      override read32(pa: number): number {
        const v = this.load(pa, 4);
        if (v < 0) return v;
        return (
          (((v & 0xff) << 24) | (((v >>> 8) & 0xff) << 16) | (((v >>> 16) & 0xff) << 8) | (v >>> 24)) >>> 0
        );
      }
    })(l),
  // A frame-crossing write64 writes only the bytes in the first frame.
  'wide-access': (l) =>
    new (class extends ReferenceMemory {
      override write64(pa: number, lo: number, hi: number): boolean {
        const off = (pa - this.base) % 4096;
        if (this.at(pa, 8) < 0 || off <= 4096 - 8) return super.write64(pa, lo, hi);
        for (let k = 0; k < 4096 - off; k++) {
          const v = k < 4 ? Math.floor((lo >>> 0) / 256 ** k) : Math.floor((hi >>> 0) / 256 ** (k - 4));
          this.bytes[pa - this.base + k] = v & 0xff;
        }
        return true;
      }
    })(l),
  // A read32 crossing the end of RAM returns the bytes inside RAM.
  'out-of-range-reads': (l) =>
    new (class extends ReferenceMemory {
      override read32(pa: number): number {
        const end = this.base + this.size;
        if (Number.isInteger(pa) && pa < end && pa + 4 > end) {
          let v = 0;
          for (let k = end - pa - 1; k >= 0; k--) v = v * 256 + (this.bytes[pa - this.base + k] as number);
          return v;
        }
        return super.read32(pa);
      }
    })(l),
  // A write32 crossing the end of RAM writes the part inside RAM (and reports false).
  'out-of-range-writes': (l) =>
    new (class extends ReferenceMemory {
      override write32(pa: number, value: number): boolean {
        const end = this.base + this.size;
        if (Number.isInteger(pa) && pa >= this.base && pa < end && pa + 4 > end) {
          for (let k = 0; pa + k < end; k++) this.bytes[pa - this.base + k] = (value >>> (8 * k)) & 0xff;
          return false;
        }
        return super.write32(pa, value);
      }
    })(l),
  // fill over the end of RAM fills the part inside RAM (and reports false).
  bulk: (l) =>
    new (class extends ReferenceMemory {
      override fill(pa: number, len: number, value: number): boolean {
        const end = this.base + this.size;
        if (Number.isInteger(pa) && pa >= this.base && pa < end && pa + len > end) {
          this.bytes.fill(value & 0xff, pa - this.base);
          return false;
        }
        return super.fill(pa, len, value);
      }
    })(l),
  // copyFrame misses the frame's last byte.
  'frame-ops': (l) =>
    new (class extends ReferenceMemory {
      override copyFrame(dst: number, src: number): boolean {
        const d = this.frameAt(dst);
        const s = this.frameAt(src);
        if (d < 0 || s < 0) return false;
        this.bytes.copyWithin(d, s, s + 4095);
        return true;
      }
    })(l),
};

describe('PhysicalMemory contract kit', () => {
  it('passes the reference memory', () => {
    const report = checkPhysicalMemory((l) => new ReferenceMemory(l), { name: 'reference' });
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(PHYSICAL_MEMORY_RULES.map((r) => r.id));
  });

  it('has one broken memory per rule', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(PHYSICAL_MEMORY_RULES.map((r) => r.id).sort());
  });

  it.each(Object.keys(BROKEN))('names exactly the rule %s when only it is broken', (rule) => {
    const report = checkPhysicalMemory(BROKEN[rule] as (l: MemoryLayout) => PhysicalMemory, { name: rule });
    expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    expect(() => assertContract(report)).toThrow(ContractViolationError);
  });

  it('reports a factory that throws on every rule, with the error', () => {
    const report = checkPhysicalMemory(() => {
      throw new RangeError('no RAM');
    });
    expect(report.passed).toEqual([]);
    expect(report.failed.every((f) => f.message === 'RangeError: no RAM')).toBe(true);
  });
});
