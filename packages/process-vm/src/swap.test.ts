/**
 * Reclaim and swap on a whole machine: contents survive any number of swap cycles under every policy, the swap
 * cache is shared after fork, mincore, mlock, munmap/mremap/exit of swapped pages, fault injection with exact
 * rollback, and the stale-TLB detector on throughout (`checkTlb`).
 */
import {
  MAP_ANONYMOUS,
  MAP_LOCKED,
  MAP_PRIVATE,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { BuddyFrameAllocator, FailingAllocator } from '@pagewright/frames';
import { FifoPagePolicy, PAGE_REPLACEMENT_POLICY_NAMES } from '@pagewright/reclaim';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine, type MachineOptions } from './machine.js';
import type { Process } from './process.js';
import type { MachineReclaim } from './reclaim-hooks.js';
import { OOM_KILL } from './signals.js';

const P = PAGE_SIZE;
const RW = PROT_READ | PROT_WRITE;
const PRIV = MAP_PRIVATE | MAP_ANONYMOUS;

/** A 2 MiB machine (512 frames) with 8 MiB of swap. */
function machine(
  extra: Partial<MachineOptions> = {},
  swap: Partial<NonNullable<MachineOptions['swap']>> = {},
) {
  const m = new Machine({
    memoryBytes: 2 << 20,
    checkTlb: true,
    ...extra,
    swap: { bytes: 8 << 20, ...swap },
  });
  return { m, p: m.spawn(), r: m.reclaim as MachineReclaim };
}

/** Writes a distinct 32-bit value at two places of each of `pages` pages. */
function fill(p: Process, a: number, pages: number, salt: number): void {
  for (let i = 0; i < pages; i++) {
    expect(p.store32(a + i * P, (salt * 0x10000 + i) >>> 0)).toBe(0);
    expect(p.store32(a + i * P + 4092, ~(salt * 0x10000 + i) >>> 0)).toBe(0);
  }
}

function check(p: Process, a: number, pages: number, salt: number): void {
  for (let i = 0; i < pages; i++) {
    expect(p.load32(a + i * P)).toBe((salt * 0x10000 + i) >>> 0);
    expect(p.load32(a + i * P + 4092)).toBe(~(salt * 0x10000 + i) >>> 0);
  }
}

/** Every evictable page out: kswapd with the watermarks at the top of memory. */
function swapEverythingOut(m: Machine): number {
  return (m.reclaim as MachineReclaim).reclaimAll();
}

describe('swap: contents survive any number of cycles', () => {
  it.each(PAGE_REPLACEMENT_POLICY_NAMES)(
    'policy %s: twice the RAM of anonymous memory, written and read back 3 times',
    (policy) => {
      const { m, p, r } = machine({}, { policy });
      const pages = 2 * 512;
      const a = p.mmap(0, pages * P, RW, PRIV);
      fill(p, a, pages, 1);
      for (let round = 0; round < 3; round++) check(p, a, pages, 1);
      fill(p, a, pages, 2);
      check(p, a, pages, 2);
      expect(r.events.get('pswpout')).toBeGreaterThan(pages);
      expect(r.events.get('pswpin')).toBeGreaterThan(pages);
      expect(r.events.get('pgmajfault')).toBe(r.events.get('pswpin'));
      expect(r.events.get('pgsteal_kswapd') + r.events.get('pgsteal_direct')).toBeGreaterThan(0);
      checkInvariants(m);
      p.exit(0);
      expect(r.swap.used).toBe(0);
      expect(m.framesInUse()).toBe(1);
    },
  );

  it('kswapd keeps free frames at the high watermark; a swapped-out page has no PTE and a swap entry', () => {
    const { m, p, r } = machine();
    const a = p.mmap(0, 1024 * P, RW, PRIV);
    fill(p, a, 1024, 3);
    expect(m.allocator.freeFrames).toBeGreaterThanOrEqual(r.watermarks.min);
    const swapped = p.vm.pageTable.swap.size;
    expect(swapped).toBeGreaterThan(500);
    expect(r.swap.used).toBe(swapped);
    const [vpn, slot] = p.vm.pageTable.swap.all()[0] as [number, number];
    expect(p.vm.pageTable.lookup(vpn)).toBe(-1);
    expect(r.swap.count(slot)).toBe(1);
    expect(p.status()).toContain('VmSwap:');
    checkInvariants(m);
  });
});

describe('swap and fork: the swap cache is shared', () => {
  it('both processes map the one frame read in from swap; a store then copies it', () => {
    const { m, p, r } = machine({}, { kswapd: 'manual' });
    const a = p.mmap(0, 8 * P, RW, PRIV);
    fill(p, a, 8, 4);
    const c = p.fork() as Process;
    expect(swapEverythingOut(m)).toBeGreaterThan(0);
    const vpn = a / P;
    const slot = p.vm.pageTable.swap.get(vpn);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(c.vm.pageTable.swap.get(vpn)).toBe(slot);
    expect(r.swap.count(slot)).toBe(2);
    const before = r.events.get('pswpin');
    expect(c.load32(a)).toBe(4 * 0x10000);
    expect(r.events.get('pswpin')).toBe(before + 1);
    // mincore: the parent's page is swapped out but in the swap cache, so resident (mincore_swap).
    const vec = new Uint8Array(2);
    expect(p.mincore(a, 2 * P, vec)).toBe(0);
    expect([...vec]).toEqual([1, 0]);
    expect(p.load32(a)).toBe(4 * 0x10000);
    expect(r.events.get('pswpin')).toBe(before + 1); // a minor fault: from the swap cache
    expect(p.vm.pageTable.lookup(vpn)).toBe(c.vm.pageTable.lookup(vpn));
    expect(r.swap.used).toBeLessThan(16); // the slot went with its last swap entry
    expect(c.store32(a, 77)).toBe(0); // read-only: copy-on-write
    expect(p.load32(a)).toBe(4 * 0x10000);
    expect(c.load32(a)).toBe(77);
    check(p, a, 8, 4);
    checkInvariants(m);
    c.exit(0);
    p.exit(0);
    expect(r.swap.used).toBe(0);
    expect(m.framesInUse()).toBe(1);
  });
});

describe('what is not evicted, and what follows the swap entries', () => {
  it('mincore reports swapped-out pages as not resident', () => {
    const { m, p } = machine({}, { kswapd: 'manual' });
    const a = p.mmap(0, 4 * P, RW, PRIV);
    fill(p, a, 4, 5);
    const vec = new Uint8Array(4);
    p.mincore(a, 4 * P, vec);
    expect([...vec]).toEqual([1, 1, 1, 1]);
    swapEverythingOut(m);
    p.mincore(a, 4 * P, vec);
    expect([...vec]).toEqual([0, 0, 0, 0]);
    check(p, a, 4, 5);
    p.mincore(a, 4 * P, vec);
    expect([...vec]).toEqual([1, 1, 1, 1]);
  });

  it('mlocked and MAP_LOCKED pages are unevictable; munlock makes them evictable again', () => {
    const { m, p, r } = machine({}, { kswapd: 'manual' });
    const a = p.mmap(0, 4 * P, RW, PRIV);
    const b = p.mmap(0, 4 * P, RW, PRIV | MAP_LOCKED);
    fill(p, a, 4, 6);
    fill(p, b, 4, 7);
    expect(p.mlock(a, 2 * P)).toBe(0);
    swapEverythingOut(m);
    const swapped = new Set(p.vm.pageTable.swap.all().map(([v]) => v));
    for (let i = 0; i < 4; i++) {
      expect(swapped.has(a / P + i)).toBe(i >= 2);
      expect(swapped.has(b / P + i)).toBe(false);
    }
    expect(r.events.get('unevictable_pgs_culled')).toBeGreaterThanOrEqual(6);
    expect(p.munlock(a, 2 * P)).toBe(0);
    swapEverythingOut(m);
    expect(p.vm.pageTable.swap.get(a / P)).toBeGreaterThanOrEqual(0);
    check(p, a, 4, 6);
    check(p, b, 4, 7);
    checkInvariants(m);
  });

  it('munmap and MADV_DONTNEED free the slots; mremap moves swap entries with their pages', () => {
    const { m, p, r } = machine({}, { kswapd: 'manual' });
    const a = p.mmap(0, 8 * P, RW, PRIV);
    fill(p, a, 8, 8);
    swapEverythingOut(m);
    const used = r.swap.used;
    expect(p.munmap(a, 2 * P)).toBe(0);
    expect(p.madvise(a + 2 * P, P, 4)).toBe(0); // MADV_DONTNEED
    expect(r.swap.used).toBe(used - 3);
    expect(p.load32(a + 2 * P)).toBe(0); // a fresh zero page
    const b = p.mremap(a + 3 * P, 5 * P, 5 * P, MREMAP_MAYMOVE, 0);
    expect(b).toBeGreaterThan(0);
    const target = p.mmap(0, 5 * P, RW, PRIV);
    const far = p.mremap(b, 5 * P, 5 * P, MREMAP_MAYMOVE | MREMAP_FIXED, target); // moves the swap entries
    expect(far).toBe(target);
    expect(p.vm.pageTable.swap.countIn(target / P, target / P + 5)).toBe(5);
    for (let i = 3; i < 8; i++) expect(p.load32(far + (i - 3) * P)).toBe(8 * 0x10000 + i);
    checkInvariants(m);
    p.exit(0);
    expect(r.swap.used).toBe(0);
    expect(m.framesInUse()).toBe(1);
  });

  it('with swap full, memory runs out: the OOM path as without swap, nothing leaked', () => {
    const { m, p, r } = machine({}, { bytes: 64 * P });
    const a = p.mmap(0, 2048 * P, RW, PRIV);
    let result = 0;
    for (let i = 0; i < 2048 && result === 0; i++) result = p.store8(a + i * P, 1);
    expect(result).toBe(OOM_KILL);
    expect(p.killedBy).toBe('SIGKILL');
    expect(r.swap.used).toBe(0);
    expect(m.framesInUse()).toBe(1);
  });
});

describe('fault injection with exact rollback', () => {
  it('a swap slot that cannot be allocated leaves the page where it was', () => {
    const { m, p, r } = machine({}, { kswapd: 'manual' });
    const a = p.mmap(0, 4 * P, RW, PRIV);
    fill(p, a, 4, 9);
    for (let k = 1; k <= 4; k++) {
      r.swap.failOnAllocation(k);
      const inUse = m.framesInUse();
      const out = swapEverythingOut(m);
      expect(m.framesInUse()).toBe(inUse - out);
      checkInvariants(m);
      check(p, a, 4, 9);
    }
  });

  it('every allocation of a swap-in (the frame, the child’s page tables) fails in turn, changing nothing', () => {
    let failing: FailingAllocator | undefined;
    const { m, p, r } = machine(
      {
        allocator: (ctx) => {
          failing = new FailingAllocator(
            new BuddyFrameAllocator({ firstFrame: ctx.firstFrame, frameCount: ctx.frameCount }),
          );
          return failing;
        },
      },
      { kswapd: 'manual' },
    );
    const f = failing as FailingAllocator;
    const a = p.mmap(0, 4 * P, RW, PRIV);
    fill(p, a, 4, 10);
    swapEverythingOut(m);
    const c = p.fork() as Process; // copies swap entries only: the child has no page table there yet
    const vpn = a / P;
    const before = f.allocations;
    expect(c.vm.faultPageOnce(vpn, 0)).toBe(0);
    const needed = f.allocations - before;
    expect(needed).toBeGreaterThanOrEqual(2); // the frame and at least the child's leaf table
    c.exit(0);
    swapEverythingOut(m);
    const c2 = p.fork() as Process;
    for (let k = 1; k <= needed; k++) {
      const snapshot = [m.framesInUse(), r.swap.used, c2.vm.pageTable.swap.size, c2.vm.pageTable.tableFrames];
      f.failOnAllocation(k);
      expect(c2.vm.faultPageOnce(vpn, 0)).toBe(OOM_KILL);
      expect([m.framesInUse(), r.swap.used, c2.vm.pageTable.swap.size, c2.vm.pageTable.tableFrames]).toEqual(
        snapshot,
      );
      checkInvariants(m);
    }
    check(c2, a, 4, 10);
    check(p, a, 4, 10);
    checkInvariants(m);
  });
});

describe('options', () => {
  it('refuses bad swap options with a RangeError naming them', () => {
    expect(() => new Machine({ swap: { bytes: 4097 } })).toThrow(/swap.bytes/);
    expect(() => new Machine({ swap: { bytes: P, policy: 'belady' } })).toThrow(
      /unknown page-replacement policy/,
    );
    expect(() => new Machine({ swap: { bytes: P, kswapd: 'eager' as 'inline' } })).toThrow(/swap.kswapd/);
    expect(() => new Machine({ swap: { bytes: P, watermarks: { min: 5, low: 4, high: 6 } } })).toThrow(
      /watermarks/,
    );
  });
  it('without the option there is no reclaim', () => {
    expect(new Machine().reclaim).toBeNull();
    expect(new Machine().options.pageReplacement).toBeNull();
  });
  it('machine.options names the policy: a built-in, or a user policy by its own name', () => {
    expect(new Machine({ swap: { bytes: P } }).options.pageReplacement).toBe('lru');
    expect(new Machine({ swap: { bytes: P, policy: 'arc' } }).options.pageReplacement).toBe('arc');
    const mine = () => Object.assign(new FifoPagePolicy(), { name: 'my-fifo' });
    const m = new Machine({ swap: { bytes: P, policy: mine } });
    expect(m.options.pageReplacement).toBe('my-fifo');
    expect(m.reclaim?.policy.size).toBe(0);
  });
});

describe('direct reclaim', () => {
  it('without kswapd, a fault that finds no frame reclaims directly and succeeds', () => {
    const { m, p, r } = machine({}, { kswapd: 'manual' });
    const a = p.mmap(0, 1024 * P, RW, PRIV);
    fill(p, a, 1024, 11);
    expect(r.events.get('allocstall_normal')).toBeGreaterThan(0);
    expect(r.events.get('pgsteal_direct')).toBeGreaterThan(0);
    expect(r.events.get('pgsteal_kswapd')).toBe(0);
    expect(m.allocator.freeFrames).toBeLessThan(r.watermarks.low); // nobody balanced to the high watermark
    check(p, a, 1024, 11);
    checkInvariants(m);
  });

  it('kswapd() on demand balances free memory up to the high watermark', () => {
    const { m, p, r } = machine({}, { kswapd: 'manual' });
    const a = p.mmap(0, 600 * P, RW, PRIV);
    fill(p, a, 600, 12);
    expect(m.allocator.freeFrames).toBeLessThan(r.watermarks.low);
    expect(r.kswapd()).toBeGreaterThan(0);
    expect(m.allocator.freeFrames).toBeGreaterThanOrEqual(r.watermarks.high);
    expect(r.kswapd()).toBe(0); // above low: nothing to do
    check(p, a, 600, 12);
  });
});

describe('kswapd backs off', () => {
  it('after 16 runs without progress (swap full), faults stop waking it until reclaim succeeds again', () => {
    const { m, p, r } = machine({}, { bytes: 16 * P });
    const a = p.mmap(0, 600 * P, RW, PRIV);
    let i = 0;
    // Fill memory until swap is full and free frames are below the low watermark.
    while (!(r.swap.free === 0 && m.allocator.freeFrames < r.watermarks.low))
      expect(p.store8(a + i++ * P, 1)).toBe(0);
    for (let k = 0; k < 20; k++) expect(p.store8(a + i++ * P, 1)).toBe(0); // 16 failures and more
    const scans = r.events.get('pgscan_kswapd');
    for (let k = 0; k < 10; k++) expect(p.store8(a + i++ * P, 1)).toBe(0);
    expect(r.events.get('pgscan_kswapd')).toBe(scans); // asleep
    p.munmap(a, 8 * P); // frees swap slots (and frames)
    expect(r.kswapd()).toBeGreaterThan(0); // a run that makes progress wakes it again
    checkInvariants(m);
  });
});
