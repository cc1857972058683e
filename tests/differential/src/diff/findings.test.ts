import { checkInvariants } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { implTarget, pairFor } from '../impl/impl-target.js';
import { modelTarget } from '../scenario/model-target.js';
import { compareProgram, describeDivergence } from './compare.js';
import { KNOWN_FINDINGS } from './findings.js';
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
    it.fails(`${f.id}: ${f.title}`, () => {
      const p = pairFor({});
      const steps = parse(f.program);
      const d = compareProgram(
        steps,
        { root: modelTarget(p.model, p.modelPid), check: () => {} },
        { root: implTarget(p.process), check: () => checkInvariants(p.machine) },
      );
      expect(d ? describeDivergence(d, steps) : '').toBe('');
    });
  }

  // F2 (FINDINGS.md): Linux's legacy bottom-up layout starts at TASK_UNMAPPED_BASE = PAGE_ALIGN(TASK_SIZE / 3).
  it.fails('F2: bottom-up placement starts at PAGE_ALIGN(TASK_SIZE / 3)', () => {
    const p = pairFor({ placement: 'bottomup' });
    const taskSize = p.machine.limits.taskSize;
    const base = Math.ceil(Math.floor(taskSize / 3) / 4096) * 4096;
    expect(p.process.mmap(0, 4096, 3, 0x22)).toBe(base);
  });
});
