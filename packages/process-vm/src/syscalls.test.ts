import { createRng, errnoName, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, MAP_SHARED } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { errnoOf } from './errno.js';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import { runScenario } from './scenario.js';

const BASE = 0x2000000000;
const P = 4096;
const RW = 3;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

function setup() {
  const m = new Machine({ memoryBytes: 64 * 1024 * 1024, checkTlb: true });
  const p = m.spawn();
  return { m, p };
}

/** Runs a scenario and returns just the `ret`/`maps`/`resident` of each line. */
function rets(text: string): unknown[] {
  return runScenario(text).map((l) => {
    const o = JSON.parse(l);
    return o.maps ?? (o.resident !== undefined ? `${o.ret}:${o.resident}` : (o.ret ?? o.child_exit));
  });
}

describe('hostile arguments', () => {
  const hostile: (number | bigint)[] = [
    0,
    1,
    -1,
    -4096,
    0.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    2 ** 53,
    2 ** 53 + 2,
    2n ** 64n - 1n,
    2n ** 64n + 4096n,
    -(2n ** 70n),
    BASE + 1,
    0xfffffffffffff000n,
    0x7fffffff,
    0x80000000,
  ];
  it('never throw, always answer -errno or success, and leave the invariants intact', () => {
    const { m, p } = setup();
    const rng = createRng(7);
    const pick = () => hostile[rng.nextInt(hostile.length)] as number | bigint;
    p.mmap(BASE, 16 * P, RW, ANON | MAP_FIXED);
    p.store8(BASE, 1);
    for (let i = 0; i < 400; i++) {
      const call = rng.nextInt(9);
      const a = pick();
      const b = pick();
      const c = pick();
      let r: number;
      const mapsBefore = p.maps();
      switch (call) {
        case 0:
          r = p.mmap(a, b, c, pick(), pick(), pick());
          break;
        case 1:
          r = p.munmap(a, b);
          break;
        case 2:
          r = p.mprotect(a, b, c);
          break;
        case 3:
          r = p.mremap(a, b, c, pick(), pick());
          break;
        case 4:
          r = p.madvise(a, b, c);
          break;
        case 5:
          r = p.mincore(a, b, new Uint8Array(16));
          break;
        case 6:
          r = p.mlock(a, b);
          break;
        case 7:
          r = p.msync(a, b, c);
          break;
        default:
          r = p.brk(a);
      }
      expect(Number.isFinite(r)).toBe(true);
      if (r < 0 && r >= -4095) {
        expect(errnoName(-r)).toBeDefined();
        // mmap, munmap and mincore fail without side effects (mprotect, madvise, mlock may apply partly, as Linux).
        if (call === 0 || call === 1 || call === 5) expect(p.maps()).toBe(mapsBefore);
      }
      checkInvariants(m);
    }
  });

  it('rejects non-integral numbers with EINVAL', () => {
    const { p } = setup();
    expect(errnoOf(p.mmap(0, 0.5, RW, ANON))).toBe('EINVAL');
    expect(errnoOf(p.munmap(Number.NaN, P))).toBe('EINVAL');
    expect(errnoOf(p.mprotect(BASE, P, 1.5))).toBe('EINVAL');
  });

  it('treats negative and oversized values as unsigned 64-bit', () => {
    const { p } = setup();
    expect(errnoOf(p.mmap(0, -1, RW, ANON))).toBe('ENOMEM'); // PAGE_ALIGN(2^64-1) wraps to 0
    expect(errnoOf(p.mmap(0, 2n ** 64n + 4096n, RW, ANON))).toBeUndefined(); // = 4096
    expect(errnoOf(p.munmap(BASE, -P + 1))).toBe('EINVAL');
    expect(errnoOf(p.mprotect(BASE, -1, RW))).toBe('ENOMEM');
  });
});

describe('Linux rules beyond the public scenarios', () => {
  it('mremap old_len 0 aliases a shared mapping; private is EINVAL; flags 0 is ENOMEM', () => {
    expect(
      rets(`mmap +0 0x1000 rw- SHARED|ANONYMOUS|FIXED
w +0 7
mremap +0 0 0x1000 MAYMOVE|RFIXED +0x10000
r +0x10000
w +0x10000 9
r +0
mremap +0 0 0x1000 0
mmap +0x20000 0x1000 rw- PRIVATE|ANONYMOUS|FIXED
mremap +0x20000 0 0x1000 MAYMOVE`),
    ).toEqual(['+0x0', 'ok', '+0x10000', '7', 'ok', '9', 'ENOMEM', '+0x20000', 'EINVAL']);
  });

  it('a shared anonymous object has a fixed size: growing the mapping past it gives SIGBUS', () => {
    expect(
      rets(`mmap +0 0x4000 --- PRIVATE|ANONYMOUS|FIXED
mmap +0 0x2000 rw- SHARED|ANONYMOUS|FIXED
w +0 0x61
w +0x1000 0x62
mremap +0 0x2000 0x1000 0
mremap +0 0x1000 0x3000 MAYMOVE|RFIXED +0x100000
r +0x100000
r +0x101000
r +0x102000`),
    ).toEqual(['+0x0', '+0x0', 'ok', 'ok', '+0x0', '+0x100000', '97', '98', 'SIGBUS']);
  });

  it('brk keeps one free page below the next mapping', () => {
    const { p } = setup();
    const b = p.vm.brk;
    p.mmap(b + 4 * P, P, RW, ANON | MAP_FIXED);
    expect(p.brk(b + 3 * P)).toBe(b + 3 * P);
    expect(p.brk(b + 4 * P)).toBe(b + 3 * P);
    expect(p.brk(b - 1)).toBe(b + 3 * P); // below start_brk
  });

  it('mlock of PROT_NONE fails with ENOMEM but marks the range locked; holes are ENOMEM', () => {
    const { p } = setup();
    p.mmap(BASE, P, 0, ANON | MAP_FIXED);
    expect(errnoOf(p.mlock(BASE, P))).toBe('ENOMEM');
    expect(p.smaps()).toContain(' lo ');
    expect(errnoOf(p.mlock(BASE, 2 * P))).toBe('ENOMEM');
    expect(errnoOf(p.munlock(BASE - P, P))).toBe('ENOMEM');
  });

  it('madvise POPULATE_READ / WRITE check rights and holes', () => {
    const { p } = setup();
    p.mmap(BASE, 2 * P, 1, ANON | MAP_FIXED);
    expect(p.madvise(BASE, 2 * P, 22)).toBe(0);
    expect(errnoOf(p.madvise(BASE, 2 * P, 23))).toBe('EINVAL');
    expect(errnoOf(p.madvise(BASE, 3 * P, 22))).toBe('ENOMEM');
  });

  it('msync checks flags, alignment and holes', () => {
    const { p } = setup();
    expect(p.msync(0, 0, 4)).toBe(0);
    expect(errnoOf(p.msync(0, P, 4))).toBe('ENOMEM');
    p.mmap(BASE, P, RW, ANON | MAP_FIXED);
    expect(errnoOf(p.msync(BASE, P, 5))).toBe('EINVAL');
    expect(errnoOf(p.msync(BASE + 1, P, 4))).toBe('EINVAL');
    expect(p.msync(BASE, P - 1, 4)).toBe(0);
    p.mlock(BASE, P);
    expect(errnoOf(p.msync(BASE, P, 2))).toBe('EBUSY');
  });

  it('a fault below a GROWSDOWN VMA grows it, but not into the guard gap', () => {
    const { p } = setup();
    const top = BASE + 0x1000000;
    p.mmap(top - P, P, RW, ANON | MAP_FIXED | 0x100);
    expect(p.store8(top - 3 * P, 1)).toBe(0);
    expect(p.maps()).toContain(`${(top - 3 * P).toString(16)}-${top.toString(16)}`);
    p.mmap(top - 300 * P, P, RW, ANON | MAP_FIXED);
    expect(p.store8(top - 200 * P, 1)).toBeLessThan(0);
  });
});

describe('fork, exec, exit', () => {
  it('COW keeps parent and child apart and teardown frees every frame', () => {
    const { m, p } = setup();
    const before = m.framesInUse();
    p.mmap(BASE, 4 * P, RW, ANON | MAP_FIXED);
    p.mmap(BASE + 8 * P, P, RW, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED);
    p.fill(BASE, 4 * P, 0x11);
    p.store8(BASE + 8 * P, 5);
    const c = p.fork();
    if (typeof c === 'number') throw new Error('fork failed');
    checkInvariants(m);
    expect(c.store8(BASE, 0x22)).toBe(0);
    expect(p.load8(BASE)).toBe(0x11);
    expect(c.load8(BASE + P)).toBe(0x11);
    c.store8(BASE + 8 * P, 6);
    expect(p.load8(BASE + 8 * P)).toBe(6);
    checkInvariants(m);
    c.exit(0);
    checkInvariants(m);
    expect(p.exec()).toBe(0);
    checkInvariants(m);
    p.exit(0);
    checkInvariants(m);
    expect(m.framesInUse()).toBeLessThan(before);
    expect(m.framesInUse()).toBe(1); // only the zero page
  });

  it('a shared anonymous object keeps its pages until its last VMA in any process is gone', () => {
    const { m, p } = setup();
    const SH = MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED;
    p.mmap(BASE, 4 * P, RW, SH);
    p.fill(BASE, 4 * P, 9); // four object pages
    expect(m.shared.size).toBe(1);
    const c = p.fork();
    if (typeof c === 'number') throw new Error('fork failed');
    expect(p.munmap(BASE + P, P)).toBe(0); // the parent splits its VMA in two and unmaps a page
    expect(p.munmap(BASE, P)).toBe(0);
    expect(p.munmap(BASE + 2 * P, 2 * P)).toBe(0); // the parent maps none of it now; the child still does
    checkInvariants(m);
    expect(m.shared.size).toBe(1);
    expect(c.load8(BASE + 3 * P)).toBe(9);
    const moved = c.mremap(BASE, 4 * P, 4 * P, 3, BASE + 64 * P); // MREMAP_MAYMOVE | MREMAP_FIXED
    expect(moved).toBe(BASE + 64 * P);
    checkInvariants(m);
    expect(m.shared.size).toBe(1);
    expect(c.load8(BASE + 65 * P)).toBe(9);
    const held = m.framesInUse();
    expect(c.munmap(BASE + 64 * P, 4 * P)).toBe(0);
    checkInvariants(m);
    expect(m.shared.size).toBe(0);
    expect(m.framesInUse()).toBeLessThanOrEqual(held - 4);
  });

  it('DONTFORK and WIPEONFORK are honoured', () => {
    const { m, p } = setup();
    p.mmap(BASE, 3 * P, RW, ANON | MAP_FIXED);
    p.fill(BASE, 3 * P, 7);
    expect(p.madvise(BASE + P, P, 10)).toBe(0);
    expect(p.madvise(BASE + 2 * P, P, 18)).toBe(0);
    const c = p.fork();
    if (typeof c === 'number') throw new Error('fork failed');
    expect(c.load8(BASE)).toBe(7);
    expect(c.load8(BASE + P)).toBeLessThan(0);
    expect(c.load8(BASE + 2 * P)).toBe(0);
    expect(p.load8(BASE + 2 * P)).toBe(7);
    checkInvariants(m);
  });

  it('fork rolls back completely when frames run out', () => {
    const m = new Machine({ memoryBytes: 2 * 1024 * 1024, allocator: 'stack', checkTlb: true });
    const p = m.spawn();
    p.mmap(BASE, 64 * P, RW, ANON | MAP_FIXED);
    // Fill memory until faults fail, then fork cannot get page-table frames.
    for (let i = 0; i < 2000; i++) if (p.store8(BASE + (i % 64) * P, 1) < 0) break;
    let addr = BASE + 0x100000000;
    while (m.allocator.freeFrames > 0) {
      p.mmap(addr, P, RW, ANON | MAP_FIXED);
      if (p.store8(addr, 1) < 0) break;
      addr += 0x40000000;
    }
    const used = m.framesInUse();
    const r = p.fork();
    expect(typeof r).toBe('number');
    expect(m.framesInUse()).toBe(used);
    checkInvariants(m);
  });
});

describe('views and the initial stack', () => {
  it('maps names the heap and the stack and pads names to column 73', () => {
    const { p } = setup();
    p.brk(p.vm.brk + P);
    const lines = p.maps().trimEnd().split('\n');
    const stack = lines.find((l) => l.endsWith('[stack]')) as string;
    expect(stack.length).toBe(80);
    expect(lines.some((l) => l.endsWith('[heap]'))).toBe(true);
    p.mmap(BASE, P, RW, ANON | MAP_FIXED);
    expect(p.maps()).toContain('2000000000-2000001000 rw-p 00000000 00:00 0 \n');
  });

  it('smaps and status count resident pages', () => {
    const { p } = setup();
    p.mmap(BASE, 4 * P, RW, ANON | MAP_FIXED);
    p.store8(BASE, 1);
    p.load8(BASE + P);
    const smaps = p.smaps();
    expect(smaps).toContain('Rss:                   4 kB');
    expect(smaps).toContain('VmFlags: rd wr mr mw me ac sd');
    expect(p.status()).toMatch(/VmRSS:\s+\d+ kB/);
  });

  it('argv, envp and auxv can be read back from the initial stack', async () => {
    const { p } = setup();
    const { readInitStack } = await import('./init-stack.js');
    const st = readInitStack(p.vm.startStack, (a, n) => {
      const r = p.copyFromUser(a, n);
      return typeof r === 'number' ? null : r;
    });
    expect(st?.argv).toEqual(['/bin/demo']);
    expect(st?.envp).toEqual(['HOME=/', 'PATH=/bin']);
    expect(st?.auxv.find(([t]) => t === 6)?.[1]).toBe(4096);
  });
});
