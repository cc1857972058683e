import { checkInvariants, Machine } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { installFailingAllocator } from '../fault/inject.js';
import { implTarget, pairFor } from '../impl/impl-target.js';
import { modelTarget } from '../scenario/model-target.js';
import { compareProgram, describeDivergence } from './compare.js';
import { KNOWN_FINDINGS, knownFinding } from './findings.js';
import type { Step } from './program.js';

function parse(program: string): Step[] {
  return program.split('\n').map((l) => {
    const m = /^@(\d+) (.*)$/.exec(l.trim())!;
    return { slot: Number(m[1]), line: m[2]! };
  });
}

/**
 * Each recorded finding (FINDINGS.md) as its minimal counterexample. These are EXPECTED TO FAIL while the
 * implementation has the bug (`it.fails`); when one starts passing, the bug was fixed: delete the entry from
 * findings.ts (and mark it fixed in FINDINGS.md) so that the random tests cover that case again.
 */
describe('recorded findings (known implementation bugs, expected to fail until fixed)', () => {
  for (const f of KNOWN_FINDINGS) {
    const run = () => {
      const p = pairFor({});
      const steps = parse(f.program);
      const d = compareProgram(
        steps,
        { root: modelTarget(p.model, p.modelPid), check: () => {} },
        { root: implTarget(p.process), check: () => checkInvariants(p.machine) },
      );
      return { d, steps };
    };
    // Guards the it.fails below against failing for another reason: the counterexample either agrees (fixed) or
    // shows exactly this finding.
    it(`${f.id}: the counterexample shows this finding and nothing else`, () => {
      const { d, steps } = run();
      if (d) expect(knownFinding(d, steps)?.id, describeDivergence(d, steps)).toBe(f.id);
    });
    it.fails(`${f.id}: ${f.title}`, () => {
      const { d, steps } = run();
      expect(d ? describeDivergence(d, steps) : '').toBe('');
    });
  }

  // F1 (FINDINGS.md, a model error, fixed in the model): an mremap(MREMAP_FIXED) shrink checks only the kept part.
  it('F1 (fixed in the model): model and implementation agree on MREMAP_FIXED shrinks at a VMA end', () => {
    for (const program of [
      '@0 mmap +0x14000 0x2000 rw- PRIVATE|ANONYMOUS|FIXED\n@0 mremap +0x15000 0x2000 0x1000 MAYMOVE|RFIXED +0x0',
      '@0 mmap +0x14000 0x2000 rw- PRIVATE|ANONYMOUS|FIXED\n@0 mremap +0x15000 0x3000 0x2000 MAYMOVE|RFIXED +0x0',
    ]) {
      const p = pairFor({});
      const steps = parse(program);
      const d = compareProgram(
        steps,
        { root: modelTarget(p.model, p.modelPid), check: () => {} },
        { root: implTarget(p.process), check: () => checkInvariants(p.machine) },
      );
      expect(d ? describeDivergence(d, steps) : '').toBe('');
    }
  });

  // F7 (FINDINGS.md, a model error, fixed in the model): a stack growth refused by RLIMIT_STACK still prepared the
  // VMA's anon_vma, so fork copies its (zero-page) PTEs.
  it('F7 (fixed in the model): a stack growth past RLIMIT_STACK leaves the VMA an anon_vma', () => {
    const p = pairFor({ memoryBytes: 16 << 20 });
    const steps = parse(
      '@0 mmap +0x7fd000 0x4000 r-- PRIVATE|ANONYMOUS|FIXED|GROWSDOWN|POPULATE\n@0 r +0x0\n@0 fork',
    );
    const d = compareProgram(
      steps,
      { root: modelTarget(p.model, p.modelPid), check: () => {} },
      { root: implTarget(p.process), check: () => checkInvariants(p.machine) },
    );
    expect(d ? describeDivergence(d, steps) : '').toBe('');
    // the child has the parent's four zero-page PTEs (vma_needs_copy: the VMA has an anon_vma)
    const child = [...p.machine.processes.values()].find((q) => q !== p.process)!;
    const vec = new Uint8Array(4);
    expect(child.mincore(0x2000000000 + 0x7fd000, 0x4000, vec)).toBe(0);
    expect([...vec]).toEqual([1, 1, 1, 1]);
  });

  // F3 (FINDINGS.md, fixed): the same case for every allocator and architecture is in fault/fault-injection.test.ts.
  it('F3 (fixed): an mremap move whose first page-table allocation fails answers ENOMEM with the source intact', () => {
    const m = new Machine({ memoryBytes: 8 << 20 });
    const failing = installFailingAllocator(m);
    const p = m.spawn();
    const R = 0x2000000000;
    p.mmap(R, 0x4000, 3, 0x32);
    for (let i = 0; i < 4; i++) p.store8(R + i * 0x1000, i + 1);
    failing.failOnAllocation(1);
    expect(p.mremap(R, 0x4000, 0x4000, 3, R + 2 ** 31)).toBe(-12);
    expect([0, 1, 2, 3].map((i) => p.load8(R + i * 0x1000))).toEqual([1, 2, 3, 4]);
    checkInvariants(m);
  });
});
