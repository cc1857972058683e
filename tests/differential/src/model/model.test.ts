import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareProgram } from '../diff/compare.js';
import { programArb } from '../diff/program.js';
import { modelTarget } from '../scenario/model-target.js';
import { runScenarioOn } from '../scenario/run.js';
import { ModelMachine, X86_64_SCENARIO_CONFIG } from './machine.js';
import { checkModelInvariants } from './process.js';

function run(text: string) {
  const m = new ModelMachine(X86_64_SCENARIO_CONFIG);
  return runScenarioOn(text, modelTarget(m, m.spawn())).map((l) => l.resident ?? l.maps ?? l.ret);
}

describe('reference model: /proc details and instruction fetches', () => {
  const B = 0x2000000000;
  it('Referenced: every access sets it, a fork child starts with old PTEs; the zero page counts nowhere', () => {
    const m = new ModelMachine(X86_64_SCENARIO_CONFIG);
    const pid = m.spawn();
    const p = m.get(pid);
    p.mmap(B, 0x3000, 3, 0x32);
    p.store8(B, 1);
    p.store8(B + 0x1000, 2);
    p.load8(B + 0x2000); // zero page
    const parent = p.details().vmas.find((v) => v.start === B)!;
    expect([parent.rss, parent.referenced, parent.dirty]).toEqual([2, 2, 2]);
    const child = m.get(m.fork(pid));
    const c0 = child.details().vmas.find((v) => v.start === B)!;
    expect([c0.rss, c0.referenced, c0.dirty]).toEqual([2, 0, 2]);
    child.load8(B + 0x1000);
    expect(child.details().vmas.find((v) => v.start === B)!.referenced).toBe(1);
  });

  it('names, offsets and status figures', () => {
    const m = new ModelMachine(X86_64_SCENARIO_CONFIG);
    const p = m.get(m.spawn());
    p.mmap(B, 0x2000, 3, 0x31); // shared
    p.mremap(B + 0x1000, 0x1000, 0x1000, 3, B + 0x10000); // its second page moves: offset 0x1000
    p.mmap(B + 0x20000, 0x1000, 3, 0x2032); // locked private
    p.mmap(B + 0x30000, 0x1000, 3, 0x132); // growsdown
    const d = p.details();
    expect(d.vmas.map((v) => [v.start - B, v.offset, v.name, v.rss])).toEqual([
      [0, 0, '/dev/zero (deleted)', -1],
      [0x10000, 0x1000, '/dev/zero (deleted)', -1],
      [0x20000, 0, '', 1],
      [0x30000, 0, '', 0],
    ]);
    expect(d.status).toEqual({ VmSize: 16, VmLck: 4, VmData: 4, VmStk: 4 });
  });

  it('fetch needs PROT_EXEC; an exec-only page is readable only where exec implies read', () => {
    const m = new ModelMachine(X86_64_SCENARIO_CONFIG);
    const p = m.get(m.spawn());
    p.mmap(B, 0x1000, 4, 0x32);
    p.mmap(B + 0x1000, 0x1000, 3, 0x32);
    expect(p.fetch32(B)).toBe(0);
    expect(p.load8(B)).toBe(0);
    expect(p.fetch32(B + 0x1000)).toBe('SIGSEGV');
    const riscv = new ModelMachine({ ...X86_64_SCENARIO_CONFIG, execImpliesRead: false });
    const q = riscv.get(riscv.spawn());
    q.mmap(B, 0x1000, 4, 0x32);
    expect(q.load8(B)).toBe('SIGSEGV');
  });
});

describe('reference model: rules the public scenarios do not pin down', () => {
  it('a VMA created by fork does not merge with a new neighbour in the child (LTP mem/vma01)', () => {
    const r = run(`mmap +0 0x3000 rw- PRIVATE|ANONYMOUS|FIXED
w +0 1
fork
mmap +0x3000 0x3000 rw- PRIVATE|ANONYMOUS|FIXED
w +0x3000 1
maps
join
mmap +0x3000 0x3000 rw- PRIVATE|ANONYMOUS|FIXED
maps`);
    expect(r[5]).toEqual(['+0x0-+0x3000 rw-p', '+0x3000-+0x6000 rw-p']);
    expect(r.at(-1)).toEqual(['+0x0-+0x6000 rw-p']);
  });

  it('DONTFORK leaves a hole in the child, WIPEONFORK gives zero pages', () => {
    const r = run(`mmap +0 0x3000 rw- PRIVATE|ANONYMOUS|FIXED
fill +0 0x3000 7
madvise +0x1000 0x1000 DONTFORK
madvise +0x2000 0x1000 WIPEONFORK
fork
r +0
r +0x1000
mincore +0x2000 0x1000
r +0x2000
join
r +0x2000`);
    expect(r.slice(5, 9)).toEqual(['7', 'SIGSEGV', '0', '0']);
    expect(r.at(-1)).toBe('7');
  });

  it('a mapping faulted only by reads has no anon_vma, so the child has no PTEs for it', () => {
    const r = run(`mmap +0 0x1000 r-- PRIVATE|ANONYMOUS|FIXED
r +0
mincore +0 0x1000
fork
mincore +0 0x1000
join`);
    expect(r[2]).toBe('1');
    expect(r[4]).toBe('0');
  });

  it('VM_ACCOUNT stays on a faulted mapping made read-only, so it does not merge with a read-only neighbour', () => {
    const r = run(`mmap +0 0x1000 rw- PRIVATE|ANONYMOUS|FIXED
w +0 1
mmap +0x1000 0x1000 r-- PRIVATE|ANONYMOUS|FIXED
mprotect +0 0x1000 r--
maps
mmap +0x10000 0x1000 rw- PRIVATE|ANONYMOUS|FIXED
mmap +0x11000 0x1000 r-- PRIVATE|ANONYMOUS|FIXED
mprotect +0x10000 0x1000 r--
maps`);
    expect(r[4]).toEqual(['+0x0-+0x1000 r--p', '+0x1000-+0x2000 r--p']);
    expect(r.at(-1)).toEqual(['+0x0-+0x1000 r--p', '+0x1000-+0x2000 r--p', '+0x10000-+0x12000 r--p']);
  });

  it('mlock populates: write faults on private writable memory, ENOMEM on PROT_NONE after locking it', () => {
    const r = run(`mmap +0 0x2000 rw- PRIVATE|ANONYMOUS|FIXED
mmap +0x2000 0x1000 --- PRIVATE|ANONYMOUS|FIXED
mlock +0 0x3000
mincore +0 0x2000
maps`);
    expect(r[2]).toBe('ENOMEM');
    expect(r[3]).toBe('11');
    expect(r[4]).toEqual(['+0x0-+0x2000 rw-p', '+0x2000-+0x3000 ---p']);
  });

  it('shared anonymous memory stays shared through mremap and fork, and SIGBUS past the object', () => {
    const r = run(`mmap +0 0x1000 rw- SHARED|ANONYMOUS|FIXED
w +0 5
mremap +0 0x1000 0x2000 MAYMOVE|RFIXED +0x10000
r +0x10000
r +0x11000
fork
w +0x10000 6
join
r +0x10000`);
    expect(r[3]).toBe('5');
    expect(r[4]).toBe('SIGBUS');
    expect(r.at(-1)).toBe('6');
  });
});

describe('reference model: self-consistency on random programs', () => {
  it('keeps its invariants and is deterministic', () => {
    fc.assert(
      fc.property(programArb(25), (steps) => {
        const sys = () => {
          const m = new ModelMachine(X86_64_SCENARIO_CONFIG);
          const pid = m.spawn();
          return {
            m,
            sys: {
              root: modelTarget(m, pid),
              check: () => {
                for (const p of m.processes.values()) checkModelInvariants(p);
              },
            },
          };
        };
        const a = sys();
        const b = sys();
        expect(compareProgram(steps, a.sys, b.sys)).toBeUndefined();
      }),
      { numRuns: 300, seed: 20261122 },
    );
  });
});
