import { describe, expect, it } from 'vitest';
import { FormulaMemory } from './formula-memory.js';
import type { PhysicalMemory } from './physical-memory.js';
import { TranslatedAccess } from './translated-access.js';

const PAGE_FAULT = -13;
const MEMORY_FAULT = -5;

/**
 * A toy CPU: page v maps to frame 0x10 + (the reverse order of v within 0..3), so consecutive pages are not
 * contiguous in memory; page 4 faults; page 5 maps outside memory.
 */
class ToyCpu extends TranslatedAccess {
  readonly memory: PhysicalMemory = FormulaMemory.of(0x10 * 4096, 0x14 * 4096, () => 0);
  readonly translated: number[] = [];
  readonly memoryFaults: number[] = [];
  translate(va: number, access: number): number {
    this.translated.push(va);
    const vpn = Math.floor(va / 4096);
    if (vpn === 4 || access > 2) return PAGE_FAULT;
    const frame = vpn === 5 ? 0x40 : 0x13 - vpn;
    return frame * 4096 + (va % 4096);
  }
  protected memoryFault(va: number): number {
    this.memoryFaults.push(va);
    return MEMORY_FAULT;
  }
}

describe('TranslatedAccess', () => {
  it('accesses inside a page translate once and use one sized access', () => {
    const cpu = new ToyCpu();
    expect(cpu.store32(0x10, 0x11223344)).toBe(0);
    expect(cpu.memory.read32(0x13 * 4096 + 0x10)).toBe(0x11223344);
    expect(cpu.load16(0x12)).toBe(0x1122);
    expect(cpu.load8(0x10)).toBe(0x44);
    expect(cpu.fetch(0x10)).toBe(0x11223344);
    expect(cpu.store64(0x100, 0xdeadbeef, 0xcafe)).toBe(0);
    const out = { lo: 0, hi: 0 };
    expect(cpu.load64(0x100, out)).toBe(0);
    expect(out).toEqual({ lo: 0xdeadbeef, hi: 0xcafe });
    expect(cpu.translated.length).toBe(6);
  });

  it('a page-crossing access puts each byte in its own page frame', () => {
    const cpu = new ToyCpu();
    expect(cpu.store64(0x1ffd, 0x04030201, 0x08070605)).toBe(0);
    // bytes 1..3 at the end of page 1 (frame 0x12), bytes 4..8 at the start of page 2 (frame 0x11)
    expect(cpu.memory.read8(0x12 * 4096 + 0xffd)).toBe(1);
    expect(cpu.memory.read8(0x12 * 4096 + 0xfff)).toBe(3);
    expect(cpu.memory.read32(0x11 * 4096)).toBe(0x07060504);
    expect(cpu.memory.read8(0x11 * 4096 + 4)).toBe(8);
    const out = { lo: 0, hi: 0 };
    expect(cpu.load64(0x1ffd, out)).toBe(0);
    expect(out).toEqual({ lo: 0x04030201, hi: 0x08070605 });
    expect(cpu.load32(0x1ffe)).toBe(0x05040302);
    expect(cpu.load16(0x1fff)).toBe(0x0403);
  });

  it('a fault on the second page touches nothing; a PA outside memory is a memory fault at the right VA', () => {
    const cpu = new ToyCpu();
    expect(cpu.store32(0x3ffe, 0xffffffff)).toBe(PAGE_FAULT);
    expect(cpu.memory.read16(0x10 * 4096 + 0xffe)).toBe(0);
    expect(cpu.load8(0x5000)).toBe(MEMORY_FAULT);
    expect(cpu.memoryFaults).toEqual([0x5000]);
    // Crossing from page 3 (memory) into page 4 faults; from page 5 into 6 (memory) is a memory fault at page 5's byte.
    expect(cpu.load32(0x5ffe)).toBe(MEMORY_FAULT);
    expect(cpu.memoryFaults).toEqual([0x5000, 0x5ffe]);
    expect(cpu.load32(0x4000)).toBe(PAGE_FAULT);
  });
});
