import { Access, EventBus, type MmEvent, PteFlag, type TlbFlusher } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { AsidAllocator } from './asid-allocator.js';
import { MapperError } from './errors.js';
import { InactiveFlusher } from './inactive-flusher.js';
import { KernelSpace } from './kernel-space.js';
import { MmContext } from './mm-context.js';
import { PageFlush, PageFlushAll } from './page-flush.js';
import { PageMapper } from './page-mapper.js';
import { StaleTlbError } from './stale-tlb-detector.js';
import { ARCHES, enterSupervisor, makeMachine, URW } from './test-machine.js';
import { TlbShootdown } from './tlb-shootdown.js';

/** A flusher that forgets to invalidate anything: the bug the detector must catch. */
class ForgetfulFlusher implements TlbFlusher {
  pending = 0;
  flushPage(): void {
    this.pending++;
  }
  flushAll(): void {
    this.pending++;
  }
  deferFree(pfn: number, release: (pfn: number) => void): void {
    release(pfn);
  }
  dispatch(): void {
    this.pending = 0;
  }
}

describe.each(ARCHES)('flushers and the stale-TLB detector on %s', (_name, arch) => {
  function smp(hartCount: number, asidBits?: number) {
    const m = makeMachine(arch, hartCount);
    const asids = new AsidAllocator({ arch, asidBits, hartCount });
    const ctx = new MmContext();
    const pm = new PageMapper({
      arch,
      memory: m.memory,
      allocator: m.allocator,
      detector: m.detector,
      context: ctx,
    });
    return { ...m, asids, ctx, pm };
  }

  it('catches a missing flush after unmap and names the hart and address', () => {
    const { pm, harts, asids, ctx } = smp(2);
    const hart = harts[1]!;
    asids.activate(hart, ctx, pm);
    pm.flusher = new ForgetfulFlusher();
    pm.map(0x10, URW);
    expect(hart.translate(0x10 * 4096, Access.Load)).toBeGreaterThan(0);
    pm.unmap(0x10, pm.freeDataFrame);
    expect(() => pm.flush()).toThrow(StaleTlbError);
    try {
      pm.flush();
    } catch (e) {
      expect((e as StaleTlbError).hartId).toBe(1);
      expect((e as StaleTlbError).vpn).toBe(0x10);
      expect((e as Error).message).toMatch(/hart 1: va 0x10000 .*not mapped/);
    }
  });

  it('catches a missing flush after a write-protect (more rights cached than the PTE gives)', () => {
    const { pm, harts, asids, ctx } = smp(1);
    const hart = harts[0]!;
    asids.activate(hart, ctx, pm);
    pm.flusher = new ForgetfulFlusher();
    pm.map(3, URW);
    hart.translate(3 * 4096, Access.Store);
    pm.protect(3, URW & ~PteFlag.Write);
    expect(() => pm.flush()).toThrow(/caches rights rw.*but the PTE gives r-/);
  });

  it('catches an entry that maps another frame after a remap', () => {
    const { pm, harts, asids, ctx, memory } = smp(1);
    const hart = harts[0]!;
    asids.activate(hart, ctx, pm);
    pm.flusher = new ForgetfulFlusher();
    pm.mapPhys(3, memory.baseFrame + 50, URW);
    hart.translate(3 * 4096, Access.Load);
    pm.unmap(3);
    pm.mapPhys(3, memory.baseFrame + 60, URW);
    expect(() => pm.flush()).toThrow(/maps frame .* but the page table maps frame/);
  });

  it('PageFlush and PageFlushAll flush the local hart; the detector agrees', () => {
    for (const make of [(h: never) => new PageFlush(h), (h: never) => new PageFlushAll(h)]) {
      const { pm, harts, asids, ctx } = smp(1);
      const hart = harts[0]!;
      asids.activate(hart, ctx, pm);
      pm.flusher = make(hart as never);
      for (let i = 0; i < 8; i++) {
        pm.map(i, URW);
        hart.translate(i * 4096, Access.Store);
      }
      for (let i = 0; i < 8; i += 2) pm.unmap(i, pm.freeDataFrame);
      pm.protect(1, URW & ~PteFlag.Write);
      pm.flush();
      expect(hart.translate(0, Access.Load)).toBeLessThan(0);
      expect(hart.translate(4096, Access.Store)).toBeLessThan(0);
      expect(hart.translate(3 * 4096, Access.Store)).toBeGreaterThan(0);
    }
  });

  it('TlbShootdown flushes every hart running the space, counts IPIs, collapses past 32 pages', () => {
    const { pm, harts, asids, ctx, allocator } = smp(4);
    for (const h of harts.slice(0, 3)) asids.activate(h, ctx, pm); // active on harts 0, 1, 2
    const bus = new EventBus();
    const events: MmEvent[] = [];
    bus.subscribe((e) => events.push(e));
    const sd = new TlbShootdown({ harts, rootPpn: pm.rootPpn, context: ctx, initiator: 0, sink: bus });
    pm.flusher = sd;
    const c = pm.cursor(0, 100);
    c.map(URW);
    c.close();
    for (const h of harts.slice(0, 3)) for (let i = 0; i < 100; i++) h.translate(i * 4096, Access.Store);
    // Frames are released only once no hart can reach them.
    const release = (pfn: number): void => {
      for (const h of harts)
        h.tlb.forEach((e) => {
          expect(e.ppn).not.toBe(pfn);
        });
      allocator.free(pfn);
    };
    for (let i = 0; i < 5; i++) pm.unmap(i, release);
    pm.flush();
    expect(sd.ipis).toBe(2);
    expect(sd.pageFlushes).toBe(15);
    expect(sd.asidFlushes).toBe(0);
    const cur = pm.cursor(10, 60);
    cur.protect(URW & ~PteFlag.Write);
    cur.close();
    expect(sd.ipis).toBe(4);
    expect(sd.asidFlushes).toBe(3);
    expect(events.at(-1)).toMatchObject({ kind: 'tlb.shootdown', harts: 3, ipis: 2, full: true });
    expect(harts[3]!.tlb.stats.flushAsid + harts[3]!.tlb.stats.flushVaAsid).toBe(0);
  });

  it('TlbShootdown with ASIDs also flushes harts the space ran on before', () => {
    const { pm, harts, asids, ctx, memory, allocator } = smp(2);
    const other = new PageMapper({ arch, memory, allocator, context: new MmContext() });
    asids.activate(harts[1]!, ctx, pm);
    pm.map(1, URW);
    harts[1]!.translate(4096, Access.Load);
    asids.activate(harts[1]!, other.context!, other); // switched away; entries stay tagged
    const sd = new TlbShootdown({ harts, rootPpn: pm.rootPpn, context: ctx, initiator: 0 });
    pm.flusher = sd;
    pm.unmap(1, pm.freeDataFrame);
    pm.flush();
    expect(sd.ipis).toBe(1);
    asids.activate(harts[1]!, ctx, pm);
    expect(harts[1]!.translate(4096, Access.Load)).toBeLessThan(0);
  });

  it('InactiveFlusher defers the ASID flush to the next activation on each hart', () => {
    const { pm, harts, asids, ctx, memory, allocator } = smp(2);
    const other = new PageMapper({ arch, memory, allocator, context: new MmContext() });
    asids.activate(harts[0]!, ctx, pm);
    pm.map(1, URW);
    harts[0]!.translate(4096, Access.Store);
    asids.activate(harts[0]!, other.context!, other);
    pm.flusher = new InactiveFlusher(ctx);
    pm.unmap(1, pm.freeDataFrame);
    pm.flush(); // the detector skips hart 0: its flush is recorded
    expect(ctx.deferredFlush.has(0)).toBe(true);
    const flushes = harts[0]!.tlb.stats.flushAsid;
    asids.activate(harts[0]!, ctx, pm);
    expect(harts[0]!.tlb.stats.flushAsid).toBe(flushes + 1);
    expect(asids.deferredFlushes).toBe(1);
    expect(harts[0]!.translate(4096, Access.Load)).toBeLessThan(0);
    m_detectorStillClean(pm);
  });

  it('kernel mappings are shared by every user table; kernel changes shoot down globally', () => {
    const m = makeMachine(arch, 2);
    const kflush = new TlbShootdown({ harts: m.harts, global: true });
    const kernel = new KernelSpace({ arch, memory: m.memory, allocator: m.allocator, flusher: kflush });
    expect(kernel.mapper.tableFrames).toBe(1 + arch.entriesPerTable / 2);
    const tramp = m.memory.baseFrame + 7;
    expect(kernel.mapTrampoline(tramp)).toBe(tramp);
    const kvpn = kernel.mapper.kernelStartVpn + 0x1000;
    const kpfn = kernel.mapper.map(kvpn, PteFlag.Read | PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty);
    const asids = new AsidAllocator({ arch, hartCount: 2 });
    const users = [0, 1].map(
      () =>
        new PageMapper({
          arch,
          memory: m.memory,
          allocator: m.allocator,
          kernel,
          context: new MmContext(),
          detector: m.detector,
        }),
    );
    for (const u of users) {
      expect(u.lookup(kvpn)).toBe(kpfn);
      expect(u.found.flags & PteFlag.Global).toBe(PteFlag.Global);
      expect(u.lookup(kernel.trampolineVpn)).toBe(tramp);
      expect(u.tableFrames).toBe(1);
      expect(u.map(kvpn + 1, URW)).toBe(MapperError.KernelShared);
    }
    // A kernel mapping made later shows in every user table.
    const later = kernel.mapper.map(kvpn + 0x200000, PteFlag.Read | PteFlag.Accessed);
    for (const u of users) expect(u.lookup(kvpn + 0x200000)).toBe(later);
    // The kernel half, reached from a user hart in S-mode (negative = upper-half signed VA).
    const hart = m.harts[1]!;
    enterSupervisor(hart);
    asids.activate(hart, users[0]!.context!, users[0]!);
    const va = (kvpn - users[0]!.vpnCount) * 4096;
    expect(hart.translate(va, Access.Load)).toBe(kpfn * 4096);
    asids.activate(hart, users[1]!.context!, users[1]!);
    expect(hart.translate(va, Access.Store)).toBe(kpfn * 4096);
    kernel.mapper.protect(kvpn, PteFlag.Read | PteFlag.Accessed);
    kernel.mapper.flush();
    m.detector.checkGlobal(kernel.mapper);
    expect(kflush.fullFlushes + kflush.pageFlushes).toBeGreaterThan(0);
    expect(hart.translate(va, Access.Store)).toBeLessThan(0);
    users[0]!.destroy();
    expect(kernel.mapper.lookup(kvpn)).toBe(kpfn);
  });

  it('ASID rollover flushes every hart lazily and keeps running ASIDs', () => {
    const { harts, memory, allocator } = smp(2, 3); // 8 ASIDs, 2 harts: ASIDs in use
    const asids = new AsidAllocator({ arch, asidBits: 3, hartCount: 2 });
    expect(asids.useAsids).toBe(true);
    const spaces = Array.from({ length: 12 }, () => {
      const ctx = new MmContext();
      return { ctx, pm: new PageMapper({ arch, memory, allocator, context: ctx }) };
    });
    const seen = new Set<number>();
    for (let i = 0; i < 7; i++) {
      const s = spaces[i]!;
      asids.activate(harts[i % 2]!, s.ctx, s.pm);
      seen.add(s.ctx.asid);
    }
    expect(seen.size).toBe(7);
    expect(seen.has(0)).toBe(false);
    expect(asids.rollovers).toBe(0);
    const running = spaces[6]!.ctx.asid; // on hart 0
    const s7 = spaces[7]!;
    asids.activate(harts[1]!, s7.ctx, s7.pm); // no ASID left: rollover
    expect(asids.rollovers).toBe(1);
    expect(harts[1]!.tlb.stats.flushAll).toBeGreaterThan(0);
    expect(s7.ctx.asid).not.toBe(running);
    const full0 = harts[0]!.tlb.stats.flushAll;
    asids.activate(harts[0]!, spaces[6]!.ctx, spaces[6]!.pm); // keeps its reserved ASID, flushes once
    expect(spaces[6]!.ctx.asid).toBe(running);
    expect(harts[0]!.tlb.stats.flushAll).toBe(full0 + 1);
    asids.activate(harts[0]!, spaces[6]!.ctx, spaces[6]!.pm);
    expect(harts[0]!.tlb.stats.flushAll).toBe(full0 + 1);
    // Live ASIDs are distinct within a generation.
    const gen = asids.currentGeneration;
    const live = spaces.filter((s) => s.ctx.id - s.ctx.asid === gen).map((s) => s.ctx.asid);
    expect(new Set(live).size).toBe(live.length);
  });

  it('without enough ASIDs every switch flushes the local TLB', () => {
    const { harts, pm, ctx } = smp(4, 2); // 4 ASIDs for 4 harts: Linux does not use them
    const asids = new AsidAllocator({ arch, asidBits: 2, hartCount: 4 });
    expect(asids.useAsids).toBe(false);
    asids.activate(harts[0]!, ctx, pm);
    expect(harts[0]!.asid).toBe(0);
    expect(harts[0]!.tlb.stats.flushAll).toBe(1);
    expect(ctx.cpumask.has(0)).toBe(true);
  });
});

function m_detectorStillClean(pm: PageMapper): void {
  pm.detector?.check(pm);
  pm.assertNoPendingChanges();
}
