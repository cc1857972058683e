/** The README's examples, as written there (keeps the README true). */
import { Access, PteFlag } from '@pagewright/core';
import { BuddyFrameAllocator, SparsePhysicalMemory } from '@pagewright/frames';
import { Hart, Sv39 } from '@pagewright/sv39';
import { X86_64, X86Cpu } from '@pagewright/x86-64';
import { describe, expect, it } from 'vitest';
import { AsidAllocator, MmContext, PageMapper, StaleTlbDetector, TlbShootdown } from './index.js';

describe('README examples', () => {
  it('two harts of Sv39 sharing an address space', () => {
    const memory = new SparsePhysicalMemory({ size: 256 * 2 ** 20 });
    const allocator = new BuddyFrameAllocator({
      firstFrame: memory.baseFrame,
      frameCount: memory.frameCount,
    });
    const harts = [0, 1].map((id) => new Hart({ id, memory, arch: Sv39, privilege: 0 }));
    const asids = new AsidAllocator({ arch: Sv39, hartCount: 2 });
    const context = new MmContext();
    const mapper = new PageMapper({
      arch: Sv39,
      memory,
      allocator,
      context,
      detector: new StaleTlbDetector(harts),
    });
    const shootdown = new TlbShootdown({ harts, rootPpn: mapper.rootPpn, context });
    mapper.flusher = shootdown;
    for (const h of harts) asids.activate(h, context, mapper);

    const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
    {
      using cursor = mapper.cursor(0x100, 0x200);
      cursor.map(URW); // 256 zeroed pages
    } // dispatched here, and checked by the detector
    expect(harts[1]!.translate(0x150 * 4096, Access.Store)).toBeGreaterThan(0); // fills hart 1's TLB
    mapper.protect(0x150, URW & ~PteFlag.Write);
    mapper.flush(); // shoots hart 1 down (1 IPI), then the detector checks both TLBs
    expect(shootdown.ipis).toBe(1);
    expect(harts[1]!.translate(0x150 * 4096, Access.Store)).toBeLessThan(0);
    const free = allocator.freeFrames;
    mapper.unmapRange(0x100, 0x200, mapper.freeDataFrame);
    mapper.flush(); // frames go back only now
    expect(allocator.freeFrames).toBeGreaterThanOrEqual(free + 256);
  });

  it('the same mapper on x86-64, with a 2 MiB page read through a real X86Cpu', () => {
    const memory = new SparsePhysicalMemory({ size: 256 * 2 ** 20 });
    const allocator = new BuddyFrameAllocator({
      firstFrame: memory.baseFrame,
      frameCount: memory.frameCount,
    });
    // CPUs with the features Linux enables: global pages, PCIDs (no-flush CR3 loads), SMEP, SMAP.
    const cpus = [0, 1].map(
      (id) => new X86Cpu({ id, memory, pge: true, pcide: true, smep: true, smap: true }),
    );
    for (const cpu of cpus) cpu.enterUserMode();
    const asids = new AsidAllocator({ arch: X86_64, hartCount: 2 }); // 12-bit PCIDs
    const context = new MmContext();
    const mapper = new PageMapper({
      arch: X86_64,
      memory,
      allocator,
      context,
      detector: new StaleTlbDetector(cpus),
    });
    mapper.flusher = new TlbShootdown({ harts: cpus, rootPpn: mapper.rootPpn, context });
    for (const cpu of cpus) asids.activate(cpu, context, mapper); // CR3 loads with the no-flush bit

    const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
    const frame = mapper.map(512, URW, 1); // one 2 MiB leaf: a PDE with PS
    expect(cpus[1]!.store32(512 * 4096 + 0x10, 42)).toBe(0); // through one 2 MiB TLB entry
    mapper.protect(512 + 7, URW & ~PteFlag.Write); // splits the leaf into 512 PTEs, then write-protects one
    mapper.flush(); // shoots CPU 1 down; the detector checks both TLBs
    expect(cpus[1]!.translate((512 + 7) * 4096, Access.Store)).toBeLessThan(0); // a #PF now
    expect(memory.read32(frame * 4096 + 0x10)).toBe(42);
    expect(cpus[0]!.asid).toBe(context.asid);
  });
});
