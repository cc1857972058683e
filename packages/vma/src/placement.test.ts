import { VM_GROWSDOWN, VM_READ, VM_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { BottomUpPlacement, hintIsFree, PlacementError, TopDownPlacement } from './placement.js';
import { Vma } from './vma.js';
import type { VmaIndex } from './vma-index.js';
import { VmaList } from './vma-list.js';
import { VmaTreap } from './vma-treap.js';
import { VmaTree } from './vma-tree.js';

const RW = VM_READ | VM_WRITE;
const TASK = 0x4000000; // Sv39 user half in pages
const vma = (s: number, e: number, flags = RW) => new Vma({ start: s, end: e, flags });

describe.each<[string, () => VmaIndex]>([
  ['tree', () => new VmaTree()],
  ['list', () => new VmaList()],
  ['treap', () => new VmaTreap()],
])('placement on %s', (_n, make) => {
  it('top-down places just below mmapBase, then below the previous mapping (#79: adjacent)', () => {
    const idx = make();
    const p = new TopDownPlacement({ mmapBase: 0x3000000, taskSize: TASK });
    const a = p.place(idx, { length: 4 });
    expect(a).toBe(0x3000000 - 4);
    idx.insert(vma(a, a + 4));
    const b = p.place(idx, { length: 1 });
    expect(b).toBe(a - 1);
  });

  it('honours a free hint, and refuses it when taken, below mmapMin, or inside the stack guard gap (#29, #31-#33)', () => {
    const idx = make();
    const p = new TopDownPlacement({ mmapBase: 0x3000000, taskSize: TASK });
    expect(p.place(idx, { length: 2, hint: 0x30000 })).toBe(0x30000);
    idx.insert(vma(0x30000, 0x30002));
    expect(p.place(idx, { length: 2, hint: 0x30001 })).not.toBe(0x30001);
    expect(p.place(idx, { length: 2, hint: 0x30002 })).toBe(0x30002);
    expect(p.place(idx, { length: 2, hint: 0x1 })).toBe(0x3000000 - 2);
    idx.insert(vma(0x50000, 0x50010, RW | VM_GROWSDOWN));
    expect(hintIsFree(idx, 0x50000 - 256 - 1, 1, 0x10, TASK)).toBe(true);
    expect(hintIsFree(idx, 0x50000 - 256, 1, 0x10, TASK)).toBe(false);
    expect(hintIsFree(idx, 0x50000 - 2, 1, 0x10, TASK)).toBe(false);
    expect(hintIsFree(idx, TASK - 1, 2, 0x10, TASK)).toBe(false);
  });

  it('top-down falls back to bottom-up above fallbackBase when nothing fits below mmapBase', () => {
    const idx = make();
    const p = new TopDownPlacement({ mmapBase: 0x100, taskSize: 0x1000, fallbackBase: 0x400 });
    idx.insert(vma(0x10, 0x100));
    expect(p.place(idx, { length: 8 })).toBe(0x400);
    expect(p.place(idx, { length: 0x1000 })).toBe(-1);
  });

  it('bottom-up places at the lowest free area from base (DragonOS)', () => {
    const idx = make();
    const p = new BottomUpPlacement({ base: 0x1000, taskSize: TASK });
    expect(p.place(idx, { length: 4 })).toBe(0x1000);
    idx.insert(vma(0x1000, 0x1004));
    expect(p.place(idx, { length: 4 })).toBe(0x1004);
    expect(p.place(idx, { length: 4, alignPages: 16 })).toBe(0x1010);
    expect(p.place(idx, { length: TASK })).toBe(-1);
  });

  it('aligns top-down placements (THP-style 512-page alignment)', () => {
    const idx = make();
    const p = new TopDownPlacement({ mmapBase: 0x3000123, taskSize: TASK });
    const a = p.place(idx, { length: 512, alignPages: 512 });
    expect(a % 512).toBe(0);
    expect(a + 512).toBeLessThanOrEqual(0x3000123);
    expect(a).toBe(0x3000000 - 512);
  });

  it('rejects malformed requests with a typed error', () => {
    const idx = make();
    const p = new BottomUpPlacement({ taskSize: TASK });
    expect(() => p.place(idx, { length: 0 })).toThrow(PlacementError);
    expect(() => p.place(idx, { length: 1, alignPages: 3 })).toThrow(PlacementError);
    expect(() => p.place(idx, { length: 1, hint: -1 })).toThrow(PlacementError);
    expect(() => new TopDownPlacement({ mmapBase: TASK + 1, taskSize: TASK })).toThrow(PlacementError);
  });
});
