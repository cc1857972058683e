/**
 * Regression tests for the implementation bugs found by the differential tests (`tests/differential/FINDINGS.md`,
 * issue #10). Each case is the finding's counterexample (or a close variant), checked against the answer Linux 6.18
 * gives, with the invariants checked after it.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import { runScenario } from './scenario.js';

/** Runs a scenario (with the invariant checker after every line) and returns its output records. */
function run(text: string): Record<string, unknown>[] {
  return runScenario(text, { afterEach: (p) => checkInvariants(p.machine) }).map(
    (l) => JSON.parse(l) as Record<string, unknown>,
  );
}

describe('F6: MREMAP_DONTUNMAP unlocks the whole source VMA without splitting it (dontunmap_complete)', () => {
  it('moving part of an mlocked VMA leaves one unlocked source VMA and a locked destination', () => {
    const out = run(`mmap +0x0 0x2000 rw- 0x2032
w +0x1000 7
mremap +0x1000 0x1000 0x1000 MAYMOVE|RFIXED|DONTUNMAP +0x5000
maps
r +0x5000
r +0x1000
mincore +0x0 0x2000`);
    expect(out[2]!.ret).toBe('+0x5000');
    expect(out[3]!.maps).toEqual(['+0x0-+0x2000 rw-p', '+0x5000-+0x6000 rw-p']);
    expect(out[4]!.ret).toBe('7'); // the data moved
    expect(out[5]!.ret).toBe('0'); // the source page is empty again
  });

  it('the source loses VM_LOCKED as a whole (VmLck counts only the destination)', () => {
    const m = new Machine({ memoryBytes: 16 << 20 });
    const p = m.spawn();
    const R = 0x2000000000;
    expect(p.mmap(R, 0x4000, 3, 0x2032)).toBe(R); // PRIVATE|ANONYMOUS|FIXED|LOCKED
    const locked = p.vm.lockedPages();
    expect(p.mremap(R + 0x1000, 0x1000, 0x1000, 7, R + 0x10000)).toBe(R + 0x10000); // MAYMOVE|FIXED|DONTUNMAP
    const src = p.vm.vmas.find(R / 4096)!;
    expect([src.start * 4096, src.end * 4096]).toEqual([R, R + 0x4000]);
    expect(p.vm.lockedPages()).toBe(locked - 4 + 1);
    checkInvariants(m);
  });
});

describe('F4: mprotect(+PROT_WRITE) of a private mlocked mapping populates it writable (mprotect_fixup)', () => {
  it('a locked read-only mapping that becomes writable gets private pages at once, inherited by fork', () => {
    const out = run(`mmap +0x0 0x2000 r-- 0x2032
mincore +0x0 0x2000
mprotect +0x0 0x2000 rw-
mincore +0x0 0x2000
fork
mincore +0x0 0x2000
join`);
    expect(out[1]!.resident).toBe('11'); // MAP_LOCKED populated with the zero page
    expect(out[3]!.resident).toBe('11');
    expect(out[5]).toMatchObject({ who: 'child', resident: '11' }); // the VMA has an anon_vma: fork copies the PTEs
  });

  it('a locked PROT_NONE mapping made writable is populated', () => {
    const out = run(`mmap +0x0 0x3000 --- 0x2032
mincore +0x0 0x3000
mprotect +0x1000 0x1000 rw-
mincore +0x0 0x3000
maps`);
    expect(out[1]!.resident).toBe('000');
    expect(out[3]!.resident).toBe('010');
    expect(out[4]!.maps).toEqual(['+0x0-+0x1000 ---p', '+0x1000-+0x2000 rw-p', '+0x2000-+0x3000 ---p']);
  });

  it('the pages become the process’s own: a write after mprotect takes no copy-on-write fault', () => {
    const m = new Machine({ memoryBytes: 16 << 20 });
    const p = m.spawn();
    const R = 0x2000000000;
    expect(p.mmap(R, 0x1000, 1, 0x2032)).toBe(R); // r--, PRIVATE|ANONYMOUS|FIXED|LOCKED: the zero page
    const before = m.framesInUse();
    expect(p.mprotect(R, 0x1000, 3)).toBe(0);
    expect(m.framesInUse()).toBe(before + 1); // the private copy replacing the zero page
    p.store8(R, 5);
    expect(m.framesInUse()).toBe(before + 1);
    expect(p.load8(R)).toBe(5);
    checkInvariants(m);
  });

  it('is not done for unlocked or shared mappings', () => {
    const out = run(`mmap +0x0 0x1000 r-- PRIVATE|ANONYMOUS|FIXED
r +0x0
mprotect +0x0 0x1000 rw-
fork
mincore +0x0 0x1000
join
mmap +0x4000 0x1000 r-- 0x2031
mprotect +0x4000 0x1000 rw-
mincore +0x4000 0x1000`);
    expect(out[4]).toMatchObject({ who: 'child', resident: '0' }); // no anon_vma: fork copies no PTE
    expect(out[8]!.resident).toBe('1'); // shared: MAP_LOCKED populated it, mprotect did not have to
  });
});

describe('F1 (not a bug): mremap(MREMAP_FIXED) shrinks check only the kept part against the VMA (check_prep_vma)', () => {
  it('a shrink whose kept part fits the VMA succeeds even though the old range runs past it', () => {
    const out = run(`mmap +0x14000 0x2000 rw- PRIVATE|ANONYMOUS|FIXED
w +0x15000 9
mremap +0x15000 0x2000 0x1000 MAYMOVE|RFIXED +0x0
maps
r +0x0`);
    expect(out[2]!.ret).toBe('+0x0');
    expect(out[3]!.maps).toEqual(['+0x0-+0x1000 rw-p', '+0x14000-+0x15000 rw-p']);
    expect(out[4]!.ret).toBe('9');
  });

  it('a shrink whose kept part crosses the VMA end is EFAULT before any side effect (6.17+)', () => {
    const out = run(`mmap +0x0 0x3000 rw- PRIVATE|ANONYMOUS|FIXED
mprotect +0x0 0x1000 ---
mmap +0x10000 0x1000 rw- PRIVATE|ANONYMOUS|FIXED
mremap +0x0 0x3000 0x2000 MAYMOVE|RFIXED +0x10000
maps`);
    expect(out[3]!.ret).toBe('EFAULT');
    expect(out[4]!.maps).toEqual(['+0x0-+0x1000 ---p', '+0x1000-+0x3000 rw-p', '+0x10000-+0x11000 rw-p']);
  });
});

describe('F5: stack growth prepares the anon_vma first (expand_downwards)', () => {
  it('a read that grows a MAP_GROWSDOWN mapping gives it an anon_vma: fork copies the zero-page PTE', () => {
    const out = run(`mmap +0x1000 0x1000 rw- PRIVATE|ANONYMOUS|FIXED|GROWSDOWN
r +0x0
maps
fork
mincore +0x0 0x2000
join`);
    expect(out[1]!.ret).toBe('0');
    expect(out[2]!.maps).toEqual(['+0x0-+0x2000 rw-p']);
    expect(out[4]).toMatchObject({ who: 'child', resident: '10' });
  });

  it('the anon_vma is prepared even when RLIMIT_STACK then refuses the growth', () => {
    const m = new Machine({ memoryBytes: 8 << 20, limits: { stackLimit: 0x2000 } });
    const p = m.spawn();
    const R = 0x2000000000;
    expect(p.mmap(R + 0x2000, 0x1000, 3, 0x132)).toBe(R + 0x2000); // PRIVATE|ANONYMOUS|FIXED|GROWSDOWN
    const vma = p.vm.vmas.find((R + 0x2000) / 4096)!;
    expect(vma.anonVma).toBeNull();
    expect(p.vm.handleFault(R, 0)).toBeLessThan(0); // 3 pages > 8 KiB: SIGSEGV
    expect(p.vm.vmas.find((R + 0x2000) / 4096)!.start * 4096).toBe(R + 0x2000);
    expect(p.vm.vmas.find((R + 0x2000) / 4096)!.anonVma).not.toBeNull();
    checkInvariants(m);
  });
});

describe('F2: the legacy bottom-up layout starts at TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3)', () => {
  for (const arch of ['sv39', 'sv48'] as const) {
    it(`${arch}: the first bottom-up mapping is at the third of TASK_SIZE rounded up to a page`, () => {
      const m = new Machine({ arch, memoryBytes: 8 << 20, placement: 'bottomup' });
      const p = m.spawn();
      const third = Math.floor(m.limits.taskSize / 3);
      const base = (Math.floor(third / 4096) + 1) * 4096; // TASK_SIZE / 3 is never page-aligned here: round up
      expect(third % 4096).not.toBe(0);
      expect(p.mmap(0, 0x1000, 3, 0x22)).toBe(base);
      expect(p.mmap(0, 0x1000, 3, 0x22)).toBe(base + 0x1000);
      checkInvariants(m);
    });
  }

  it('sv39: 0x1555556000 (Linux riscv64 with 39-bit user addresses)', () => {
    const m = new Machine({ arch: 'sv39', memoryBytes: 8 << 20, placement: 'bottomup' });
    expect(m.limits.taskSize).toBe(2 ** 38);
    expect(m.spawn().mmap(0, 0x1000, 3, 0x22)).toBe(0x1555556000);
  });
});

/** Makes the `k`-th next frame allocation of `m` fail (the allocator object's own `alloc`, as the page tables use). */
function failAllocation(m: Machine, k: number): { failed: () => boolean } {
  const a = m.allocator as unknown as { alloc: () => number };
  const alloc = a.alloc.bind(a);
  let n = 0;
  let failed = false;
  a.alloc = () => {
    if (++n === k) {
      failed = true;
      return -1;
    }
    return alloc();
  };
  return { failed: () => failed };
}

describe('F3: an mremap move whose page-table allocation fails answers ENOMEM with the source intact (move_vma)', () => {
  const R = 0x2000000000;
  const FAR = R + 2 ** 31; // needs new page-table frames
  const data = (p: ReturnType<Machine['spawn']>, base: number) =>
    [0, 1, 2, 3].map((i) => p.load8(base + i * 0x1000));

  for (const k of [1, 2]) {
    for (const flags of [3, 7]) {
      it(`allocation ${k} fails, ${flags === 7 ? 'MREMAP_DONTUNMAP' : 'MREMAP_FIXED'}`, () => {
        const m = new Machine({ memoryBytes: 8 << 20 });
        const p = m.spawn();
        expect(p.mmap(R, 0x4000, 3, 0x32)).toBe(R);
        for (let i = 0; i < 4; i++) p.store8(R + i * 0x1000, i + 1);
        const maps = p.maps();
        const free = m.allocator.freeFrames;
        const f = failAllocation(m, k);
        expect(p.mremap(R, 0x4000, 0x4000, flags, FAR)).toBe(-12);
        expect(f.failed()).toBe(true);
        expect(p.maps()).toBe(maps);
        expect(m.allocator.freeFrames).toBe(free); // no table frame kept, none leaked
        checkInvariants(m);
        expect(data(p, R)).toEqual([1, 2, 3, 4]);
      });
    }
  }

  it('a destination that merged with its neighbour is split off again; the neighbour stays', () => {
    const m = new Machine({ memoryBytes: 8 << 20 });
    const p = m.spawn();
    expect(p.mmap(R, 0x2000, 3, 0x32)).toBe(R);
    p.load8(R); // the zero page: a PTE to move, but still no anon_vma, so the copy's pgoff follows its address
    expect(p.mmap(FAR - 0x1000, 0x1000, 3, 0x32)).toBe(FAR - 0x1000);
    const maps = p.maps();
    const merged = new Machine({ memoryBytes: 8 << 20 }).spawn(); // the same move without the failure merges
    merged.mmap(R, 0x2000, 3, 0x32);
    merged.load8(R);
    merged.mmap(FAR - 0x1000, 0x1000, 3, 0x32);
    expect(merged.mremap(R, 0x2000, 0x2000, 3, FAR)).toBe(FAR);
    expect(merged.vm.vmas.find(FAR / 4096)!.start * 4096).toBe(FAR - 0x1000);
    failAllocation(m, 1);
    expect(p.mremap(R, 0x2000, 0x2000, 3, FAR)).toBe(-12);
    expect(p.maps()).toBe(maps);
    checkInvariants(m);
  });
});
