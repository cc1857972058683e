import { Access, type PhysicalMemory, PteFlag, PteKind, type U64Pair } from '@pagewright/core';
import {
  X86_64,
  X86_D,
  X86_P,
  X86_PAT_4K,
  X86_PAT_LARGE,
  X86_PROTNONE,
  X86_PS,
  X86_RW,
  type X86Cpu,
} from '@pagewright/x86-64';
import { describe, expect, it } from 'vitest';
import { AsidAllocator } from './asid-allocator.js';
import { MapperError } from './errors.js';
import { MmContext } from './mm-context.js';
import { PageFlush } from './page-flush.js';
import { PageMapper } from './page-mapper.js';
import { makeMachine, URW } from './test-machine.js';
import { TlbShootdown } from './tlb-shootdown.js';

const SPAN2M = 512;
const UR = PteFlag.Read | PteFlag.User | PteFlag.Accessed;
/** Inaccessible: no Read/Write/Exec (PROT_NONE). */
const NONE = PteFlag.User | PteFlag.Accessed;

/** The entry at `level` on the path to `vpn` (read straight from memory, as the CPU's walker does). */
function entryAt(memory: PhysicalMemory, root: number, vpn: number, level: number): U64Pair {
  const w = { lo: 0, hi: 0 };
  let table = root;
  for (let l = X86_64.levels - 1; l >= level; l--) {
    memory.read64(table * 4096 + X86_64.indexAt(vpn, l) * 8, w);
    if (l > level) table = X86_64.ppn(w.lo, w.hi, l);
  }
  return w;
}

describe('PageMapper on x86-64: the entry bits, through a real X86Cpu', () => {
  function setup() {
    const m = makeMachine(X86_64, 2);
    const cpu = m.harts[0] as X86Cpu;
    const pm = new PageMapper({
      arch: X86_64,
      memory: m.memory,
      allocator: m.allocator,
      detector: m.detector,
      flusher: new PageFlush(cpu),
    });
    expect(cpu.switchAddressSpace(X86_64, 1, pm.rootPpn)).toBe(true);
    const entry = (vpn: number, level: number) => entryAt(m.memory, pm.rootPpn, vpn, level);
    return { ...m, cpu, pm, entry, base: m.memory.baseFrame + 8 * SPAN2M };
  }

  it('a 2 MiB leaf is a PDE with PS; the CPU reads and writes it through one 2 MiB TLB entry', () => {
    const { pm, cpu, memory, entry, base } = setup();
    expect(pm.mapPhys(SPAN2M, base, URW, 1)).toBe(base);
    const pde = entry(SPAN2M, 1);
    expect(pde.lo & (X86_P | X86_PS | X86_RW)).toBe(X86_P | X86_PS | X86_RW);
    expect(X86_64.kind(pde.lo, pde.hi, 1)).toBe(PteKind.Leaf);
    expect(cpu.store32((SPAN2M + 10) * 4096 + 8, 0xfeed)).toBe(0);
    expect(memory.read32((base + 10) * 4096 + 8)).toBe(0xfeed);
    expect(cpu.load32((SPAN2M + 511) * 4096)).toBe(0);
    const levels: number[] = [];
    cpu.tlb.forEach((e) => {
      levels.push(e.level);
    });
    expect(levels).toEqual([1]);
    expect(pm.lookup(SPAN2M + 10)).toBe(base + 10);
    expect(pm.found).toMatchObject({ vpn: SPAN2M, pfn: base, level: 1 });
    // A freshly allocated huge page (map) is a PS leaf too.
    const blk = pm.map(4 * SPAN2M, URW, 1);
    expect(entry(4 * SPAN2M, 1).lo & X86_PS).toBe(X86_PS);
    expect(cpu.translate((4 * SPAN2M + 3) * 4096, Access.Store)).toBe((blk + 3) * 4096);
    pm.flush();
  });

  it('a partial unmap splits a 2 MiB leaf into 4 KiB PTEs: no PS, no PAT (bit 7 of a PTE), frames in order', () => {
    const { pm, cpu, entry, base } = setup();
    pm.mapPhys(SPAN2M, base, URW, 1);
    expect(cpu.translate((SPAN2M + 5) * 4096, Access.Store)).toBe((base + 5) * 4096);
    expect(pm.unmap(SPAN2M + 5)).toBe(base + 5);
    pm.flush(); // the detector: the 2 MiB TLB entry went
    const pde = entry(SPAN2M, 1);
    expect(X86_64.kind(pde.lo, pde.hi, 1)).toBe(PteKind.Table);
    for (const i of [0, 4, 6, 511]) {
      const pte = entry(SPAN2M + i, 0);
      expect(pte.lo & X86_PAT_4K).toBe(0);
      expect(X86_64.kind(pte.lo, pte.hi, 0)).toBe(PteKind.Leaf);
      expect(X86_64.ppn(pte.lo, pte.hi, 0)).toBe(base + i);
      expect(cpu.translate((SPAN2M + i) * 4096, Access.Store)).toBe((base + i) * 4096);
    }
    expect(cpu.translate((SPAN2M + 5) * 4096, Access.Load)).toBeLessThan(0);
    expect(cpu.fault.vector).toBe(14); // #PF
  });

  it('protect of a whole 2 MiB leaf keeps PS (withFlags); of a part, splits it', () => {
    const { pm, cpu, entry, base } = setup();
    pm.mapPhys(SPAN2M, base, URW, 1);
    expect(cpu.translate((SPAN2M + 1) * 4096, Access.Store)).toBe((base + 1) * 4096);
    expect(pm.protectRange(SPAN2M, 2 * SPAN2M, UR)).toBe(SPAN2M);
    pm.flush();
    const pde = entry(SPAN2M, 1);
    expect(pde.lo & (X86_PS | X86_RW | X86_D)).toBe(X86_PS | X86_D); // Dirty kept, as pte_modify
    expect(cpu.translate((SPAN2M + 1) * 4096, Access.Store)).toBeLessThan(0);
    expect(cpu.translate((SPAN2M + 1) * 4096, Access.Load)).toBe((base + 1) * 4096);
    expect(pm.protect(SPAN2M + 100, URW)).toBe(base + 100);
    pm.flush();
    expect(X86_64.kind(entry(SPAN2M, 1).lo, 0, 1)).toBe(PteKind.Table);
    expect(cpu.translate((SPAN2M + 100) * 4096, Access.Store)).toBe((base + 100) * 4096);
    expect(cpu.translate((SPAN2M + 99) * 4096, Access.Store)).toBeLessThan(0);
  });

  it('a copy-on-write copy keeps 2 MiB leaves huge (PS) and read-only on both sides', () => {
    const { memory, allocator, detector, harts, base } = setup();
    const asids = new AsidAllocator({ arch: X86_64, hartCount: 2 });
    const mk = () => {
      const context = new MmContext();
      const pm = new PageMapper({ arch: X86_64, memory, allocator, context, detector });
      pm.flusher = new TlbShootdown({ harts, rootPpn: pm.rootPpn, context });
      return pm;
    };
    const parent = mk();
    const child = mk();
    asids.activate(harts[0]!, parent.context!, parent);
    asids.activate(harts[1]!, child.context!, child);
    parent.mapPhys(SPAN2M, base, URW, 1);
    expect(harts[0]!.translate((SPAN2M + 2) * 4096, Access.Store)).toBe((base + 2) * 4096);
    expect(child.copyRangeForCow(parent, 0, 4 * SPAN2M)).toBe(1);
    parent.flush();
    for (const pm of [parent, child]) {
      const pde = entryAt(memory, pm.rootPpn, SPAN2M, 1);
      expect(pde.lo & (X86_PS | X86_RW)).toBe(X86_PS);
      expect(X86_64.ppn(pde.lo, pde.hi, 1)).toBe(base);
    }
    for (const cpu of harts) {
      expect(cpu.translate((SPAN2M + 2) * 4096, Access.Load)).toBe((base + 2) * 4096);
      expect(cpu.translate((SPAN2M + 2) * 4096, Access.Store)).toBeLessThan(0);
    }
  });

  it('PROT_NONE entries are Linux _PAGE_PROTNONE: P = 0, bit 8 set, frame kept; the CPU faults on them', () => {
    const { pm, cpu, entry, base } = setup();
    const pfn = base + 3;
    expect(pm.mapPhys(0x42, pfn, URW)).toBe(pfn);
    expect(cpu.translate(0x42 * 4096, Access.Store)).toBe(pfn * 4096);
    expect(pm.protect(0x42, NONE)).toBe(pfn);
    pm.flush(); // the detector: the cached translation went
    const pte = entry(0x42, 0);
    expect(pte.lo & (X86_P | X86_PROTNONE)).toBe(X86_PROTNONE);
    expect(X86_64.ppn(pte.lo, pte.hi, 0)).toBe(pfn);
    for (const access of [Access.Load, Access.Store, Access.Fetch]) {
      expect(cpu.translate(0x42 * 4096, access)).toBeLessThan(0);
    }
    expect(pm.lookup(0x42)).toBe(pfn);
    expect(pm.found.flags).toBe(NONE | PteFlag.Dirty); // Accessed and Dirty are kept, as pte_modify
    expect(pm.protect(0x42, URW)).toBe(pfn);
    expect(cpu.translate(0x42 * 4096, Access.Store)).toBe(pfn * 4096);
    // A whole 2 MiB leaf made inaccessible becomes 512 PROT_NONE PTEs (they exist only at level 0).
    pm.mapPhys(SPAN2M, base, URW, 1);
    expect(pm.protectRange(SPAN2M, 2 * SPAN2M, NONE)).toBe(SPAN2M);
    pm.flush();
    expect(X86_64.kind(entry(SPAN2M, 1).lo, 0, 1)).toBe(PteKind.Table);
    const last = entry(SPAN2M + 511, 0);
    expect(last.lo & (X86_P | X86_PROTNONE | X86_PS)).toBe(X86_PROTNONE);
    expect(X86_64.ppn(last.lo, last.hi, 0)).toBe(base + 511);
    expect(cpu.translate((SPAN2M + 511) * 4096, Access.Load)).toBeLessThan(0);
    expect(pm.mapPhys(2 * SPAN2M, base + SPAN2M, NONE, 1)).toBe(MapperError.InvalidArgument);
  });

  it('reads the frame of a 2 MiB leaf whose PAT bit (12) is set without taking PAT for a frame bit', () => {
    const { pm, cpu, memory, base } = setup();
    pm.mapPhys(SPAN2M, base, URW, 1);
    // Set PAT in the PDE behind the mapper's back (a memory type, as a driver's ioremap would).
    const pml4 = entryAt(memory, pm.rootPpn, SPAN2M, 3);
    const pdpt = X86_64.ppn(pml4.lo, pml4.hi, 3);
    const pdpte = { lo: 0, hi: 0 };
    memory.read64(pdpt * 4096 + X86_64.indexAt(SPAN2M, 2) * 8, pdpte);
    const pd = X86_64.ppn(pdpte.lo, pdpte.hi, 2);
    const at = pd * 4096 + X86_64.indexAt(SPAN2M, 1) * 8;
    const pde = { lo: 0, hi: 0 };
    memory.read64(at, pde);
    memory.write64(at, (pde.lo | X86_PAT_LARGE) >>> 0, pde.hi);
    expect(pm.lookup(SPAN2M + 7)).toBe(base + 7);
    expect(cpu.translate((SPAN2M + 7) * 4096, Access.Load)).toBe((base + 7) * 4096);
    const seen: number[] = [];
    pm.visit(SPAN2M, 2 * SPAN2M, (_v, p) => seen.push(p));
    expect(seen).toEqual([base]);
    // A split keeps the frames (the memory type is not carried: the mapper encodes write-back leaves).
    expect(pm.unmap(SPAN2M + 7)).toBe(base + 7);
    pm.flush();
    expect(pm.lookup(SPAN2M + 8)).toBe(base + 8);
  });
});
