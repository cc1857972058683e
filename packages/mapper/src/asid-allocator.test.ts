import { Access, type MmuHart, type PagingArch } from '@pagewright/core';
import { SetAssociativeTlb } from '@pagewright/sv39';
import { X86_64, X86Cpu } from '@pagewright/x86-64';
import { describe, expect, it } from 'vitest';
import { AsidAllocator } from './asid-allocator.js';
import type { SwitchableHart } from './hart.js';
import { MmContext } from './mm-context.js';
import { PageMapper } from './page-mapper.js';
import { ARCHES, isX86, makeMachine, URW } from './test-machine.js';

/** A user's own CPU model: only what `SwitchableHart` needs, recording every switch. */
function recordingCpu(id: number, accept = true) {
  const calls: [PagingArch, number, number][] = [];
  let tag = 0;
  let root = 0;
  const cpu: SwitchableHart = {
    id,
    tlb: new SetAssociativeTlb({ sets: 4, ways: 2 }),
    get asid() {
      return tag;
    },
    get rootPpn() {
      return root;
    },
    switchAddressSpace(arch, asid, rootPpn) {
      calls.push([arch, asid, rootPpn]);
      if (!accept) return false;
      tag = asid;
      root = rootPpn;
      return true;
    },
  };
  return { cpu, calls };
}

describe.each(ARCHES)('AsidAllocator on %s', (_name, arch) => {
  function space(m: ReturnType<typeof makeMachine>) {
    const context = new MmContext();
    const pm = new PageMapper({ arch, memory: m.memory, allocator: m.allocator, context });
    return { context, pm };
  }

  it('takes the tag width from the architecture (RISC-V ASIDs 16 bits, x86 PCIDs 12); asidBits narrows it', () => {
    const a = new AsidAllocator({ arch, hartCount: 2 });
    expect(a.asidBits).toBe(isX86(arch) ? 12 : 16);
    expect(a.numAsids).toBe(2 ** arch.asidBits);
    expect(new AsidAllocator({ arch, asidBits: 4, hartCount: 2 }).numAsids).toBe(16);
    expect(() => new AsidAllocator({ arch, asidBits: arch.asidBits + 1, hartCount: 2 })).toThrow(RangeError);
    const narrow = { name: 'narrow', asidBits: 8 };
    expect(() => new AsidAllocator({ arch: narrow, asidBits: 9, hartCount: 2 })).toThrow(/exceeds/);
    expect(() => new AsidAllocator({ hartCount: 2 })).toThrow(RangeError);
    expect(() => new AsidAllocator({ asidBits: 17, hartCount: 2 })).toThrow(RangeError);
    expect(() => new AsidAllocator({ arch, hartCount: 0 })).toThrow(RangeError);
  });

  it('switches the real CPU with switchAddressSpace, flushing nothing on a first activation', () => {
    const m = makeMachine(arch, 2);
    const asids = new AsidAllocator({ arch, hartCount: 2 });
    const a = space(m);
    const b = space(m);
    const cpu = m.harts[1] as MmuHart;
    const pfn = a.pm.map(0x10, URW);
    asids.activate(cpu, a.context, a.pm);
    expect([cpu.asid, cpu.rootPpn]).toEqual([a.context.asid, a.pm.rootPpn]);
    expect(cpu.asid).not.toBe(0);
    expect(cpu.translate(0x10 * 4096, Access.Load)).toBe(pfn * 4096);
    asids.activate(cpu, b.context, b.pm);
    expect([cpu.asid, cpu.rootPpn]).toEqual([b.context.asid, b.pm.rootPpn]);
    expect(b.context.asid).not.toBe(a.context.asid);
    // No flush: a's entry stays tagged with its ASID, and a keeps the hart in its cpumask.
    const { flushAll, flushAsid } = cpu.tlb.stats;
    expect([flushAll, flushAsid]).toEqual([0, 0]);
    let kept = 0;
    cpu.tlb.forEach((e) => {
      if (e.asid === a.context.asid) kept++;
    });
    expect(kept).toBe(1);
    expect([...a.context.cpumask]).toEqual([1]);
  });

  it('any CPU model with switchAddressSpace plugs in; a refused switch throws and changes no hart state', () => {
    const m = makeMachine(arch, 2);
    const asids = new AsidAllocator({ arch, hartCount: 2 });
    const a = space(m);
    const { cpu, calls } = recordingCpu(0);
    asids.activate(cpu, a.context, a.pm);
    expect(calls).toEqual([[arch, a.context.asid, a.pm.rootPpn]]);
    const refusing = recordingCpu(1, false);
    const b = space(m);
    expect(() => asids.activate(refusing.cpu, b.context, b.pm)).toThrow(/hart 1 refused/);
    expect(b.context.cpumask.size).toBe(0);
    expect(refusing.cpu.tlb.stats.flushAll).toBe(0);
    // The same hart switches normally afterwards.
    const ok = recordingCpu(1);
    asids.activate(ok.cpu, b.context, b.pm);
    expect([...b.context.cpumask]).toEqual([1]);
    expect(() => asids.activate(recordingCpu(2).cpu, b.context, b.pm)).toThrow(/outside 0..1/);
  });
});

describe('AsidAllocator on an x86-64 CPU without PCIDs (CR4.PCIDE = 0)', () => {
  it('uses tag 0 (asidBits 0) and flushes the local TLB on every switch, as Linux without PCID', () => {
    const m = makeMachine(X86_64, 1);
    const cpu = new X86Cpu({ id: 0, memory: m.memory, arch: X86_64 });
    const asids = new AsidAllocator({ arch: X86_64, asidBits: 0, hartCount: 1 });
    expect(asids.useAsids).toBe(false);
    const ctx = new MmContext();
    const pm = new PageMapper({ arch: X86_64, memory: m.memory, allocator: m.allocator, context: ctx });
    asids.activate(cpu, ctx, pm);
    expect([cpu.asid, cpu.rootPpn, cpu.tlb.stats.flushAll]).toEqual([0, pm.rootPpn, 1]);
    // With PCIDE = 0 the CPU refuses any tag but 0: a full-width allocator cannot run on it.
    const wide = new AsidAllocator({ arch: X86_64, hartCount: 1 });
    expect(() => wide.activate(cpu, new MmContext(), pm)).toThrow(/refused/);
  });
});
