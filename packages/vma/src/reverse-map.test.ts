import { VM_READ, VM_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { ReverseMap, ReverseMapError } from './reverse-map.js';
import { Vma } from './vma.js';
import { VmaSet } from './vma-set.js';

const RW = VM_READ | VM_WRITE;

describe('ReverseMap', () => {
  it('records, resolves and forgets mappings; VMAs follow splits and merges', () => {
    const rm = new ReverseMap();
    const set = new VmaSet();
    rm.registerSpace(1, set);
    set.insertAndMerge(new Vma({ start: 100, end: 110, flags: RW }));
    rm.add(7, 1, 105);
    expect(rm.mapcount(7)).toBe(1);
    expect(rm.mappingsOf(7)[0]?.vma?.start).toBe(100);
    set.modifyRange(103, 106, () => ({ flags: VM_READ }));
    expect(rm.mappingsOf(7)[0]?.vma?.start).toBe(103);
    set.modifyRange(103, 106, () => ({ flags: RW }));
    expect(rm.mappingsOf(7)[0]?.vma?.start).toBe(100);
    expect(() => rm.add(7, 1, 105)).toThrow(ReverseMapError);
    expect(rm.remove(7, 1, 105)).toBe(true);
    expect(rm.remove(7, 1, 105)).toBe(false);
    expect(rm.frames).toBe(0);
  });

  it('fork shares frames with the child; a COW break moves one mapping to a new frame', () => {
    const rm = new ReverseMap();
    rm.add(7, 1, 100);
    rm.add(8, 1, 101);
    rm.add(9, 1, 200);
    expect(rm.cloneSpace(1, 2, (vpn) => vpn < 150)).toBe(2);
    expect(rm.mappersOf(7)).toEqual([
      { mm: 1, vpn: 100 },
      { mm: 2, vpn: 100 },
    ]);
    expect(rm.mapcount(9)).toBe(1);
    // child writes page 100: it gets frame 10
    rm.remove(7, 2, 100);
    rm.add(10, 2, 100);
    expect(rm.mapcount(7)).toBe(1);
    expect(rm.removeSpace(1).sort()).toEqual([7, 9]);
    expect(rm.mappersOf(8)).toEqual([{ mm: 2, vpn: 101 }]);
    expect(rm.size).toBe(2);
  });

  it('mremap moves a mapping and refuses inconsistent moves', () => {
    const rm = new ReverseMap();
    rm.add(7, 1, 100);
    rm.move(7, 1, 100, 300);
    expect(rm.mappersOf(7)).toEqual([{ mm: 1, vpn: 300 }]);
    expect(() => rm.move(7, 1, 100, 400)).toThrow(ReverseMapError);
    expect(() => rm.add(-1, 1, 1)).toThrow(ReverseMapError);
  });
});
