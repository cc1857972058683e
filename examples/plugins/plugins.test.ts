// The worked examples of docs/PLUGINS.md: each passes its interface's contract kit, and a Machine runs a real
// workload with all of them plugged in, its statistics coming from the user's parts.
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { assertContract, checkFrameAllocator, checkPagingArch } from '@pagewright/core/testing';
import { checkInvariants, Machine, Process } from '@pagewright/process-vm';
import { checkReplacementPolicy } from '@pagewright/tlb/testing';
import { checkVmaIndex } from '@pagewright/vma/testing';
import { describe, expect, it } from 'vitest';
import clock from './clock-policy.mjs';
import nextFit from './next-fit-allocator.mjs';
import sortedArray from './sorted-array-vma-index.mjs';
import twoLevel from './two-level-paging-arch.mjs';

describe('the example plug-ins', () => {
  it('next-fit passes the FrameAllocator kit', () => {
    assertContract(checkFrameAllocator((range) => nextFit(range as never), { name: 'next-fit' }));
  });
  it('CLOCK passes the ReplacementPolicy kit', () => {
    assertContract(checkReplacementPolicy(() => clock(), { name: 'clock' }));
  });
  it('the sorted array passes the VmaIndex kit', () => {
    assertContract(checkVmaIndex((ctx) => sortedArray(ctx as never), { name: 'sorted-array' }));
  });

  it('the two-level architecture passes the PagingArch kit', () => {
    assertContract(checkPagingArch(() => twoLevel(), { name: 'two-level' }));
  });

  it('a Machine runs on the two-level architecture', () => {
    const machine = new Machine({ arch: twoLevel, memoryBytes: 64 * 1024 * 1024 });
    expect(machine.options.arch).toBe('two-level');
    expect(machine.limits.taskSize).toBe(2 ** 29);
    const p = machine.spawn();
    const a = p.mmap(0, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
    expect(a).toBeGreaterThan(0);
    expect(a + 8 * 4096).toBeLessThanOrEqual(2 ** 29);
    for (let i = 0; i < 8; i++) expect(p.store8(a + i * 4096, 7 * i)).toBe(0);
    const child = p.fork() as Process;
    expect(child.store8(a, 1)).toBe(0);
    expect([p.load8(a), child.load8(a), p.load8(a + 7 * 4096)]).toEqual([0, 1, 49]);
    expect(p.mprotect(a, 4096, PROT_READ)).toBe(0);
    expect(p.store8(a, 3)).toBeLessThan(0); // SIGSEGV: the leaf took Write away
    checkInvariants(machine);
    child.exit(0);
    p.exit(0);
    expect(machine.framesInUse()).toBe(1);
  });

  it('run a Machine together: mmap, touch, fork, COW, munmap, with the TLB statistics of the user policy', () => {
    const policies: ReturnType<typeof clock>[] = [];
    const machine = new Machine({
      harts: 2,
      allocator: nextFit,
      tlb: '8x2',
      tlbPolicy: () => {
        const p = clock();
        policies.push(p);
        return p;
      },
      vmaIndex: sortedArray,
    });
    expect(machine.options).toMatchObject({
      allocator: 'next-fit',
      vmaIndex: 'sorted-array',
      tlb: '8x2:clock',
    });
    expect(policies).toHaveLength(2);
    const p = machine.spawn();
    const rw = PROT_READ | PROT_WRITE;
    const a = p.mmap(0, 64 * 4096, rw, MAP_PRIVATE | MAP_ANONYMOUS);
    for (let i = 0; i < 64; i++) expect(p.store8(a + i * 4096, i)).toBe(0);
    const child = p.fork() as Process;
    expect(child).toBeInstanceOf(Process);
    expect(child.store8(a, 200)).toBe(0);
    expect(p.load8(a)).toBe(0);
    expect(child.load8(a)).toBe(200);
    checkInvariants(machine);
    expect(p.munmap(a, 64 * 4096)).toBe(0);
    child.exit(0);
    p.exit(0);
    checkInvariants(machine);
    expect(machine.framesInUse()).toBe(1); // the zero page
    const stats = machine.harts[0]?.tlb.stats;
    // 64 pages through 16 entries: the CLOCK policy chose victims.
    expect(stats?.evictions).toBeGreaterThan(0);
    expect(policies[0]?.referenced).toBeInstanceOf(Uint8Array);
  });
});
