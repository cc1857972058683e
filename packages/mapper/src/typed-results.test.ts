import { Errno, NO_FRAME, TLB_MISS } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { isMapperError, MapperError, MapperFailure, mapperErrorName } from './errors.js';
import { KernelSpace } from './kernel-space.js';
import { MmContext } from './mm-context.js';
import { PageMapper } from './page-mapper.js';
import { ARCHES, makeMachine, URW } from './test-machine.js';
import { DEFAULT_FLUSH_THRESHOLD, TlbShootdown } from './tlb-shootdown.js';

describe('mapper results', () => {
  it('MapperError codes are disjoint from every other domain’s negative results', () => {
    const codes = Object.values(MapperError) as number[];
    expect(new Set(codes).size).toBe(codes.length);
    const errnos = Object.values(Errno).map((e) => -e);
    for (const c of codes) {
      expect(c).toBeLessThan(-256); // below the CPUs' -cause / -vector / INVALID_ACCESS
      expect(c).not.toBe(NO_FRAME);
      expect(c).not.toBe(TLB_MISS);
      expect(errnos).not.toContain(c);
      expect(isMapperError(c)).toBe(true);
      expect(mapperErrorName(c)).not.toMatch(/^Unknown/);
    }
    expect(isMapperError(NO_FRAME)).toBe(false);
    expect(isMapperError(-Errno.ENOMEM)).toBe(false);
    expect(mapperErrorName(-1)).toBe('Unknown(-1)');
  });

  it.each(ARCHES)(
    '%s: a failed allocation is FrameAllocationFailed, never the allocator’s NO_FRAME',
    (_, arch) => {
      const { memory, allocator } = makeMachine(arch, 1);
      const mapper = new PageMapper({ arch, memory, allocator, context: new MmContext() });
      allocator.failOnAllocation(1); // the first table (or frame) the map needs
      const r = mapper.map(0x1234, URW);
      expect(r).toBe(MapperError.FrameAllocationFailed);
      expect(mapper.error.code).toBe(MapperError.FrameAllocationFailed);
      expect(mapper.lookup(0x1234)).toBe(MapperError.NotMapped);
    },
  );

  it.each(ARCHES)(
    '%s: a kernel space that cannot get its tables throws MapperFailure and leaks no frame',
    (_, arch) => {
      const { memory, allocator } = makeMachine(arch, 1);
      const free = allocator.freeFrames;
      allocator.failOnAllocation(3); // the root and one pinned table succeed, the second table fails
      let thrown: unknown;
      try {
        new KernelSpace({ arch, memory, allocator });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(MapperFailure);
      expect((thrown as MapperFailure).code).toBe(MapperError.FrameAllocationFailed);
      expect(allocator.freeFrames).toBe(free);
    },
  );
});

describe('flush threshold', () => {
  it('is Linux’s tlb_single_page_flush_ceiling: 33 pages flush one by one, 34 flush the whole ASID', () => {
    expect(DEFAULT_FLUSH_THRESHOLD).toBe(33);
    for (const [pages, pageFlushes, asidFlushes] of [
      [33, 33, 0],
      [34, 0, 1],
    ] as const) {
      const arch = ARCHES[0]![1];
      const { memory, allocator, harts } = makeMachine(arch, 1);
      const mapper = new PageMapper({ arch, memory, allocator, context: new MmContext() });
      mapper.mapRange(0, pages, URW);
      mapper.flush();
      const sd = new TlbShootdown({ harts, rootPpn: -2, initiator: 0 });
      harts[0]!.switchAddressSpace(arch, 1, mapper.rootPpn);
      sd.rootPpn = mapper.rootPpn;
      mapper.protectRange(0, pages, URW & ~0x2, sd);
      mapper.flush(sd);
      expect([sd.pageFlushes, sd.asidFlushes]).toEqual([pageFlushes, asidFlushes]);
    }
  });
});
