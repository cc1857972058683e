import { Access } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { PageFlush } from './page-flush.js';
import { PageMapper } from './page-mapper.js';
import { ARCHES, makeMachine, URW } from './test-machine.js';

describe.each(ARCHES)('smoke %s', (_n, arch) => {
  it('maps, translates on a hart, unmaps', () => {
    const m = makeMachine(arch);
    const free0 = m.allocator.freeFrames;
    const hart = m.harts[0]!;
    const pm = new PageMapper({
      arch,
      memory: m.memory,
      allocator: m.allocator,
      detector: m.detector,
      flusher: new PageFlush(hart),
    });
    hart.writeSatp(arch.name as 'sv39', 1, pm.rootPpn);
    const pfn = pm.map(0x1234, URW);
    expect(pfn).toBeGreaterThan(0);
    expect(hart.translate(0x1234 * 4096 + 5, Access.Store)).toBe(pfn * 4096 + 5);
    expect(pm.unmap(0x1234, pm.freeDataFrame)).toBe(pfn);
    pm.flush();
    expect(pm.tableFrames).toBe(1);
    expect(m.allocator.freeFrames).toBe(free0 - 1);
    expect(hart.translate(0x1234 * 4096, Access.Load)).toBeLessThan(0);
  });
});
