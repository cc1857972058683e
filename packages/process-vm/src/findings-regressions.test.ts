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
