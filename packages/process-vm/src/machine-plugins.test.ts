import {
  MAP_ANONYMOUS,
  MAP_PRIVATE,
  type PluginContext,
  PluginContractError,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { StackFrameAllocator } from '@pagewright/frames';
import { LruPolicy, type ReplacementPolicy } from '@pagewright/tlb';
import { BottomUpPlacement, type PlacementContext, VmaList } from '@pagewright/vma';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine, type MachineOptions } from './machine.js';
import { Process } from './process.js';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

/** mmap, touch, fork, a COW break in the child, munmap, exit: the workload every plug-in test runs. */
function workload(machine: Machine): void {
  const p = machine.spawn();
  const a = p.mmap(0, 16 * 4096, RW, ANON);
  expect(a).toBeGreaterThan(0);
  for (let i = 0; i < 16; i++) expect(p.store8(a + i * 4096, i + 1)).toBe(0);
  for (let round = 0; round < 4; round++)
    for (let i = 0; i < 16; i++) expect(p.load8(a + i * 4096)).toBe(i + 1);
  const child = p.fork();
  expect(child).toBeInstanceOf(Process);
  const c = child as Process;
  expect(c.store8(a, 99)).toBe(0);
  expect(c.load8(a)).toBe(99);
  expect(p.load8(a)).toBe(1);
  checkInvariants(machine);
  expect(p.munmap(a, 16 * 4096)).toBe(0);
  checkInvariants(machine);
  c.exit(0);
  p.exit(0);
  checkInvariants(machine);
}

/** A policy that replaces way 0 always and counts what the TLB told it. */
class CountingPolicy implements ReplacementPolicy {
  readonly name = 'counting';
  touches = 0;
  fills = 0;
  private readonly lru = new LruPolicy();
  attach(sets: number, ways: number): void {
    this.lru.attach(sets, ways);
  }
  touch(set: number, way: number): void {
    this.touches++;
    this.lru.touch(set, way);
  }
  fill(set: number, way: number): void {
    this.fills++;
    this.lru.fill(set, way);
  }
  victim(set: number): number {
    return this.lru.victim(set);
  }
  reset(): void {
    this.lru.reset();
  }
}

describe('Machine plug-in options', () => {
  it('take a user allocator, TLB policy, VMA index and placement as factories, and use them', () => {
    const contexts: PluginContext[] = [];
    const policies: CountingPolicy[] = [];
    const indexes: VmaList[] = [];
    const layouts: PlacementContext[] = [];
    const machine = new Machine({
      harts: 2,
      allocator: (ctx) => {
        contexts.push(ctx);
        return new StackFrameAllocator({ firstFrame: ctx.firstFrame, frameCount: ctx.frameCount });
      },
      tlbPolicy: () => {
        const p = new CountingPolicy();
        policies.push(p);
        return p;
      },
      vmaIndex: (ctx) => {
        const index = new VmaList({ stackGuardGap: ctx.stackGuardGap });
        indexes.push(index);
        return index;
      },
      placement: (layout) => {
        layouts.push(layout);
        return new BottomUpPlacement({
          base: layout.unmappedBase,
          taskSize: layout.taskSize,
          mmapMin: layout.mmapMin,
        });
      },
    });
    expect(contexts).toHaveLength(1);
    expect(contexts[0]?.memory).toBe(machine.memory);
    expect(contexts[0]?.arch).toBe(machine.arch);
    expect(contexts[0]?.firstFrame).toBe(machine.memory.baseFrame);
    expect(policies).toHaveLength(2); // one per hart's TLB
    expect(machine.options).toMatchObject({
      allocator: 'stack',
      vmaIndex: 'list',
      placement: 'bottom-up',
    });
    workload(machine);
    expect(indexes.length).toBeGreaterThanOrEqual(2); // the parent's and the fork child's (checked wrappers)
    expect(layouts.length).toBeGreaterThanOrEqual(1);
    // The statistics come from the TLB that uses the user's policy: every hit touched it, every fill filled it.
    const stats = machine.harts[0]?.tlb.stats;
    expect(stats?.hits).toBeGreaterThan(0);
    expect(policies[0]?.touches).toBeGreaterThanOrEqual(stats?.hits ?? 0);
    expect(policies[0]?.fills).toBe(stats?.fills);
    expect(machine.framesInUse()).toBe(1); // only the zero page
  });

  it('places bottom-up mappings where the user policy says', () => {
    const machine = new Machine({
      placement: (l) =>
        new BottomUpPlacement({ base: l.unmappedBase, taskSize: l.taskSize, mmapMin: l.mmapMin }),
    });
    const builtin = new Machine({ placement: 'bottomup' });
    const a = machine.spawn().mmap(0, 4096, RW, ANON);
    const b = builtin.spawn().mmap(0, 4096, RW, ANON);
    expect(a).toBe(b);
  });

  it('take a per-hart TLB factory whose TLB each hart really uses', () => {
    const made: number[] = [];
    const machine = new Machine({
      harts: 2,
      tlb: (ctx) => {
        made.push(ctx.hartIndex);
        return new Machine({ harts: 1 }).harts[0]?.tlb as never;
      },
    });
    expect(made).toEqual([0, 1]);
    workload(machine);
    const hits = machine.harts.reduce((n, h) => n + h.tlb.stats.hits + h.tlb.stats.misses, 0);
    expect(hits).toBeGreaterThan(0);
  });

  it('take a flush-strategy factory', () => {
    let flushers = 0;
    const base = new Machine();
    const machine = new Machine({
      flush: (ctx) => {
        flushers++;
        // Any TlbFlusher works; reuse the built-in page flusher through a second machine's strategy.
        return new Machine({ flush: 'page' }).newPageTable(ctx.initiator).mapper.flusher as never;
      },
    });
    expect(base.options.flush).toBe('shootdown');
    expect(() => machine.spawn()).not.toThrow();
    expect(flushers).toBeGreaterThan(0);
  });

  it('name every built-in index', () => {
    for (const vmaIndex of ['tree', 'btree', 'treap', 'list'] as const) {
      const machine = new Machine({ vmaIndex });
      expect(machine.options.vmaIndex).toBe(vmaIndex);
      workload(machine);
    }
  });

  it('fix the parts at construction: the hart array is frozen', () => {
    const machine = new Machine({ harts: 2 });
    expect(Object.isFrozen(machine.harts)).toBe(true);
    expect(() => {
      (machine.harts as unknown as unknown[])[0] = {};
    }).toThrow(TypeError);
  });

  it('answer bad options with clear errors', () => {
    const bad: [MachineOptions, RegExp][] = [
      [{ allocator: 'nope' as never }, /unknown .*allocator "nope".*buddy/i],
      [{ arch: 'sv57' as never }, /unknown arch "sv57".*x86-64/],
      [{ vmaIndex: 'splay' as never }, /unknown VMA index "splay".*treap/],
      [{ placement: 'middle' as never }, /unknown placement "middle"/],
      [{ flush: 'lazy' as never }, /unknown flush strategy "lazy"/],
      [{ tlb: '3x4' }, /TLB spec/],
      [{ tlbPolicy: 'mru' }, /unknown TLB replacement policy "mru"/],
      [{ allocator: StackFrameAllocator as never }, /factory/],
      [{ vmaIndex: VmaList as never }, /factory/],
      [{ harts: 0 }, /harts/],
      [{ ad: 'lazy' as never }, /A\/D/],
      [{ arch: 'x86-64', ad: 'svade' }, /x86-64 always sets A and D/],
      [{ tlb: 'off', tlbPolicy: 'fifo' }, /tlbPolicy needs/],
    ];
    for (const [options, message] of bad)
      expect(() => new Machine(options), JSON.stringify(options)).toThrow(message);
    const one = new Machine({ harts: 1 }).harts[0]?.tlb;
    expect(() => new Machine({ harts: 2, tlb: one as never })).toThrow(/belongs to one hart/);
  });

  it('report a user allocator that breaks its contract, naming it', () => {
    const build = () =>
      new Machine({
        memoryBytes: 1 << 20,
        allocator: (ctx) => {
          const inner = new StackFrameAllocator({ firstFrame: ctx.firstFrame, frameCount: ctx.frameCount });
          return {
            name: 'off-by-one',
            firstFrame: inner.firstFrame,
            totalFrames: inner.totalFrames,
            get freeFrames() {
              return inner.freeFrames;
            },
            maxOrder: 0,
            alloc: () => {
              const f = inner.alloc();
              return f < 0 ? f : f + ctx.frameCount; // outside RAM
            },
            allocContiguous: (order: number) => (order === 0 ? inner.alloc() : -1),
            free: (pfn: number, order?: number) => inner.free(pfn, order),
            isAllocated: (pfn: number) => inner.isAllocated(pfn),
          };
        },
      });
    // The machine's first allocation (the shared zero page) already gets the bad frame.
    expect(build).toThrow(PluginContractError);
    expect(build).toThrow(/FrameAllocator off-by-one .*alloc-in-range/);
    expect(() => new Machine({ allocator: () => ({}) as never })).toThrow(/FrameAllocator/);
  });
});
