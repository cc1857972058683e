import { SparsePhysicalMemory } from '@pagewright/frames';
import { describe, expect, it } from 'vitest';
import { linuxWatermarks, NO_SLOT, SwapDevice, SwapError } from './index.js';

describe('SwapDevice', () => {
  const memory = () => new SparsePhysicalMemory({ base: 0x8000_0000, size: 64 * 4096 });

  it('hands out the lowest free slot, counts PTEs, frees a slot neither named nor cached', () => {
    const swap = new SwapDevice({ slots: 3 });
    const s = swap.alloc(0x80001);
    expect(s).toBe(0);
    expect(swap.cacheFrame(s)).toBe(0x80001);
    swap.dup(s);
    swap.dup(s);
    expect(swap.count(s)).toBe(2);
    swap.uncache(s);
    expect(swap.used).toBe(1);
    expect(swap.put(s)).toBe(1);
    expect(swap.put(s)).toBe(0);
    expect(swap.used).toBe(0);
    expect(() => swap.put(s)).toThrow(SwapError);
    expect(() => swap.dup(7)).toThrow(/out of range/);
  });

  it('a full device and an injected failure answer NO_SLOT and change nothing', () => {
    const swap = new SwapDevice({ slots: 1 });
    swap.failOnAllocation(1);
    expect(swap.alloc(5)).toBe(NO_SLOT);
    expect(swap.used).toBe(0);
    expect(swap.alloc(5)).toBe(0);
    expect(swap.alloc(6)).toBe(NO_SLOT);
    expect(swap.used).toBe(1);
    expect(swap.allocations).toBe(3);
  });

  it('stores contents exactly, zeros without bytes, and recycles stored pages', () => {
    const ram = memory();
    const f = ram.baseFrame + 1;
    const swap = new SwapDevice({ slots: 200 });
    const slots: number[] = [];
    for (let i = 0; i < 130; i++) {
      ram.write32(f * 4096 + 4 * (i % 1024), 0xdead0000 + i);
      const s = swap.alloc(f);
      swap.write(s, ram, f);
      swap.dup(s);
      swap.uncache(s);
      slots.push(s);
      ram.zeroFrame(f);
    }
    expect(swap.storedBytes).toBe(130 * 4096);
    const z = swap.alloc(f);
    swap.write(z, ram, f); // a frame of zeros
    expect(swap.storedBytes).toBe(130 * 4096);
    for (let i = 0; i < 130; i++) {
      swap.read(slots[i] as number, ram, f + 1);
      expect(ram.read32((f + 1) * 4096 + 4 * (i % 1024))).toBe(0xdead0000 + i);
      expect(ram.isFrameZero(f + 1)).toBe(false);
      ram.zeroFrame(f + 1);
    }
    ram.write8((f + 1) * 4096, 9);
    swap.read(z, ram, f + 1);
    expect(ram.isFrameZero(f + 1)).toBe(true);
    for (const s of slots) swap.put(s);
    expect(swap.storedBytes).toBe(0);
    expect(swap.used).toBe(1);
    expect(() => swap.read(slots[0] as number, ram, f)).toThrow(/free/);
  });
});

describe('linuxWatermarks', () => {
  it('min_free_kbytes = int_sqrt(kbytes · 16); low/high from watermark_scale_factor 10', () => {
    // 256 MiB: min_free_kbytes 2048 (Linux's table), tmp = max(512/4, 65536·10/10000) = 128.
    expect(linuxWatermarks(65536)).toEqual({ min: 512, low: 640, high: 768 });
    // 16 GiB: 16384 kB, tmp = max(1024, 4194) = 4194.
    expect(linuxWatermarks(4 * 2 ** 20)).toEqual({ min: 4096, low: 8290, high: 12484 });
    // A tiny zone: the 128 kB floor.
    expect(linuxWatermarks(256)).toEqual({ min: 32, low: 40, high: 48 });
    expect(() => linuxWatermarks(-1)).toThrow(RangeError);
  });
});
