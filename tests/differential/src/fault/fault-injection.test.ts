import { Errno } from '@pagewright/core';
import type { FailingAllocator } from '@pagewright/frames';
import { checkInvariants, Machine, type MachineOptions, type Process } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { installFailingAllocator, snapshot } from './inject.js';

/**
 * For each system call and fault path: run it once to count the frame allocations it makes (N), then for every
 * k in 1..N rebuild the same state, make the k-th allocation fail, and check the answer Linux gives and that the
 * state is exactly as before (or, where Linux keeps partial work, consistent and leak-free).
 */

const R = 0x2000000000; // the test region
const P = 4096;
const RW = 3;
const PRIV = 0x22; // MAP_PRIVATE | MAP_ANONYMOUS
const SHARED = 0x21;
const FIXED = 0x10;

interface World {
  machine: Machine;
  failing: FailingAllocator;
  procs: Process[];
}

interface Case {
  name: string;
  /** Builds the state before the operation (allocations here are not counted). */
  setup(w: World): void;
  /** The operation under test; returns its result as text. */
  op(w: World): string;
  /**
   * What a run with an injected failure must show: `'unchanged'` = the result is `failed` and the snapshot is
   * exactly as before; `'partial'` = the result is `failed` (or any result when `failed` is undefined), the state
   * is consistent, and nothing leaks once every process exits.
   */
  expect: 'unchanged' | 'partial';
  /** The result Linux gives when the allocation fails. */
  failed?: string;
  /**
   * Ignore the W bit of private PTEs in the comparison: a failed fork leaves the parent's already-copied private
   * PTEs write-protected, as Linux does (mm/memory.c `__copy_present_ptes` write-protects the parent's PTE while
   * copying, and `dup_mmap`'s error path does not undo it); the next write reuses the page.
   */
  maskWrite?: boolean;
  /** A finding in FINDINGS.md that makes this case fail (run as `it.fails` until fixed). */
  knownFailure?: string;
  /**
   * A user fault that cannot get memory kills the faulting process (index into `procs`) by SIGKILL: Linux's
   * `pagefault_out_of_memory` → `out_of_memory`, the faulting process being the only victim. Its memory is released
   * as at exit; 'unchanged' then means: the other processes and the machine are exactly as if the victim had exited.
   */
  kills?: number;
}

const store = (p: Process, va: number, v: number) => {
  const r = p.store8(va, v);
  return r < 0 ? (r === -4 ? 'OOM' : `signal ${r}`) : 'ok';
};
const load = (p: Process, va: number) => {
  const r = p.load8(va);
  return r < 0 ? (r === -4 ? 'OOM' : `signal ${r}`) : String(r);
};
const errno = (r: number) =>
  r < 0 && r >= -4095 ? `-${Object.entries(Errno).find(([, n]) => n === -r)?.[0]}` : String(r);

const CASES: Case[] = [
  {
    name: 'write fault on a fresh private page (demand zero)',
    setup: (w) => void w.procs[0]!.mmap(R, P, RW, PRIV | FIXED),
    op: (w) => store(w.procs[0]!, R + 5, 1),
    expect: 'unchanged',
    failed: 'OOM', // VM_FAULT_OOM: the OOM killer, not a signal the program can catch
    kills: 0,
  },
  {
    name: 'read fault on a fresh private page (zero page: page tables only)',
    setup: (w) => void w.procs[0]!.mmap(R + 64 * 1024 * 1024 * 1024, P, RW, PRIV | FIXED),
    op: (w) => load(w.procs[0]!, R + 64 * 1024 * 1024 * 1024),
    expect: 'unchanged',
    failed: 'OOM',
    kills: 0,
  },
  {
    name: 'copy-on-write break in a fork child',
    setup: (w) => {
      const p = w.procs[0]!;
      p.mmap(R, 2 * P, RW, PRIV | FIXED);
      p.store8(R, 7);
      p.store8(R + P, 8);
      const c = p.fork();
      if (typeof c === 'number') throw new Error('fork failed in setup');
      w.procs.push(c);
    },
    op: (w) => store(w.procs[1]!, R, 9),
    expect: 'unchanged',
    failed: 'OOM',
    kills: 1,
  },
  {
    // 'partial': when the page-table allocation fails after the shmem page was added to the object's page cache,
    // the page stays in the object (Linux: shmem_fault adds the folio, then finish_fault() allocates the PTE table
    // and fails; the folio remains in the page cache and mincore reports it resident).
    name: 'write fault on a shared anonymous page',
    setup: (w) => void w.procs[0]!.mmap(R, P, RW, SHARED | FIXED),
    op: (w) => store(w.procs[0]!, R, 1),
    expect: 'partial',
    failed: 'OOM',
    kills: 0,
  },
  {
    name: 'fork of a process with private, shared and zero-page memory',
    setup: (w) => {
      const p = w.procs[0]!;
      p.mmap(R, 4 * P, RW, PRIV | FIXED);
      p.mmap(R + 8 * P, P, RW, SHARED | FIXED);
      for (let i = 0; i < 3; i++) p.store8(R + i * P, i + 1);
      p.load8(R + 3 * P);
      p.store8(R + 8 * P, 5);
    },
    op: (w) => {
      const c = w.procs[0]!.fork();
      if (typeof c === 'number') return errno(c);
      w.procs.push(c);
      return 'child';
    },
    expect: 'unchanged',
    failed: '-ENOMEM',
    maskWrite: true,
  },
  {
    name: 'mremap move of populated pages to a distant address (new page tables)',
    setup: (w) => {
      const p = w.procs[0]!;
      p.mmap(R, 4 * P, RW, PRIV | FIXED);
      for (let i = 0; i < 4; i++) p.store8(R + i * P, i + 1);
    },
    op: (w) => errno(w.procs[0]!.mremap(R, 4 * P, 4 * P, 3, R + 2 * 1024 * 1024 * 1024)),
    expect: 'unchanged',
    failed: '-ENOMEM',
  },
  {
    name: 'mmap MAP_POPULATE (populate errors are ignored: the mapping stays)',
    setup: () => {},
    op: (w) => errno(w.procs[0]!.mmap(R, 4 * P, RW, PRIV | FIXED | 0x8000)),
    expect: 'partial',
    failed: String(R),
  },
  {
    name: 'madvise(MADV_POPULATE_WRITE)',
    setup: (w) => void w.procs[0]!.mmap(R, 4 * P, RW, PRIV | FIXED),
    op: (w) => errno(w.procs[0]!.madvise(R, 4 * P, 23)),
    expect: 'partial',
    failed: '-ENOMEM',
  },
  {
    name: 'mlock (populate failing with ENOMEM is EAGAIN, mm/mlock.c __mlock_posix_error_return)',
    setup: (w) => void w.procs[0]!.mmap(R, 4 * P, RW, PRIV | FIXED),
    op: (w) => errno(w.procs[0]!.mlock(R, 4 * P)),
    expect: 'partial',
    failed: '-EAGAIN',
  },
  {
    name: 'brk growth then a write to the new heap page',
    setup: () => {},
    op: (w) => {
      const p = w.procs[0]!;
      const b = p.brk(0);
      p.brk(b + 2 * P);
      return store(p, Math.ceil(b / P) * P, 1);
    },
    expect: 'partial',
    failed: 'OOM',
    kills: 0,
  },
];

/**
 * Operations that never allocate a frame in Linux (they only remove or re-protect existing entries): with any
 * allocation failing they must still succeed and leave the same state as without the failure.
 */
const NON_ALLOCATING: { name: string; setup(w: World): void; op(w: World): string }[] = [
  {
    name: 'munmap of the middle of a populated mapping',
    setup: (w) => {
      const p = w.procs[0]!;
      p.mmap(R, 4 * P, RW, PRIV | FIXED);
      for (let i = 0; i < 4; i++) p.store8(R + i * P, i + 1);
    },
    op: (w) => errno(w.procs[0]!.munmap(R + P, 2 * P)),
  },
  {
    name: 'mprotect back to read-write of populated pages made PROT_NONE',
    setup: (w) => {
      const p = w.procs[0]!;
      p.mmap(R, 4 * P, RW, PRIV | FIXED);
      for (let i = 0; i < 4; i++) p.store8(R + i * P, i + 1);
      p.mprotect(R, 4 * P, 0);
    },
    op: (w) => errno(w.procs[0]!.mprotect(R, 4 * P, RW)),
  },
  {
    name: 'madvise(MADV_DONTNEED) of populated pages',
    setup: (w) => {
      const p = w.procs[0]!;
      p.mmap(R, 4 * P, RW, PRIV | FIXED);
      for (let i = 0; i < 4; i++) p.store8(R + i * P, i + 1);
    },
    op: (w) => errno(w.procs[0]!.madvise(R, 4 * P, 4)),
  },
  {
    name: 'mremap shrink in place',
    setup: (w) => {
      const p = w.procs[0]!;
      p.mmap(R, 4 * P, RW, PRIV | FIXED);
      for (let i = 0; i < 4; i++) p.store8(R + i * P, i + 1);
    },
    op: (w) => errno(w.procs[0]!.mremap(R, 4 * P, P, 0)),
  },
  {
    name: 'exit of a fork child sharing COW pages',
    setup: (w) => {
      const p = w.procs[0]!;
      p.mmap(R, 4 * P, RW, PRIV | FIXED);
      for (let i = 0; i < 4; i++) p.store8(R + i * P, i + 1);
      w.procs.push(p.fork() as Process);
    },
    op: (w) => {
      w.procs[1]!.exit(0);
      w.procs.pop();
      return 'exited';
    },
  },
];

const COMBOS: MachineOptions[] = [
  { allocator: 'buddy', arch: 'sv39' },
  { allocator: 'stack', arch: 'sv48' },
  { allocator: 'bitmap', arch: 'sv39', vmaIndex: 'list' },
  { allocator: 'buddy', arch: 'x86-64', vmaIndex: 'treap' },
  { allocator: 'stack', arch: 'x86-64-la57' },
];

function build(options: MachineOptions, c: Case): World {
  const machine = new Machine({ ...options, memoryBytes: 8 * 1024 * 1024 });
  const failing = installFailingAllocator(machine);
  const w: World = { machine, failing, procs: [machine.spawn()] };
  c.setup(w);
  return w;
}

function exitAll(w: World): void {
  for (const p of [...w.machine.processes.values()]) p.exit(0);
}

describe('fault injection: fail the k-th frame allocation of every operation', () => {
  for (const options of COMBOS) {
    for (const c of CASES) {
      // Cases with a recorded finding are expected to fail (it.fails) until the implementation is fixed.
      const test = c.knownFailure ? it.fails : it;
      test(`${options.allocator}/${options.arch}: ${c.name}${c.knownFailure ? ` [known failure ${c.knownFailure}]` : ''}`, () => {
        // Dry run: how many allocations does the operation make?
        const dry = build(options, c);
        const before = dry.failing.allocations;
        const ok = c.op(dry);
        const n = dry.failing.allocations - before;
        checkInvariants(dry.machine);
        expect(n, `${c.name} allocates (result ${ok})`).toBeGreaterThan(0);
        for (let k = 1; k <= n; k++) {
          const w = build(options, c);
          const idle = w.machine.allocator.freeFrames + w.machine.framesInUse();
          const procsBefore = [...w.procs];
          const snap = snapshot(w.machine, procsBefore, c.maskWrite);
          w.failing.failOnAllocation(k);
          const r = c.op(w);
          expect(w.failing.injectedFailures, `k=${k}: the failure was reached`).toBe(1);
          if (c.failed !== undefined) expect(r, `k=${k}/${n}: result`).toBe(c.failed);
          checkInvariants(w.machine);
          if (c.kills !== undefined) {
            const victim = procsBefore[c.kills]!;
            expect(victim.killedBy, `k=${k}/${n}: the faulting process is OOM-killed`).toBe('SIGKILL');
            expect(victim.exitCode).toBe(137);
            if (c.expect === 'unchanged') {
              // the same state with the victim exited instead
              const ref = build(options, c);
              ref.procs[c.kills]!.exit(0);
              const rest = (x: World) => x.procs.filter((_q, i) => i !== c.kills);
              expect(snapshot(w.machine, rest(w), c.maskWrite), `k=${k}/${n}: state`).toBe(
                snapshot(ref.machine, rest(ref), c.maskWrite),
              );
            }
          } else if (c.expect === 'unchanged')
            expect(snapshot(w.machine, procsBefore, c.maskWrite), `k=${k}/${n}: state`).toBe(snap);
          // teardown: everything but the zero page goes back
          exitAll(w);
          checkInvariants(w.machine);
          expect(w.machine.framesInUse(), `k=${k}: frames left after every process exited`).toBe(1);
          expect(w.machine.allocator.freeFrames + w.machine.framesInUse()).toBe(idle);
        }
      });
    }
  }
});

describe('fault injection: operations that never allocate in Linux are not affected by failing allocations', () => {
  for (const options of COMBOS) {
    for (const c of NON_ALLOCATING) {
      it(`${options.allocator}/${options.arch}: ${c.name}`, () => {
        const dry = build(options, c as Case);
        const before = dry.failing.allocations;
        const ok = c.op(dry);
        const n = dry.failing.allocations - before;
        const after = snapshot(dry.machine, dry.procs);
        // Whether or not the implementation allocates here, no failure may change the outcome.
        for (let k = 1; k <= Math.max(n, 1); k++) {
          const w = build(options, c as Case);
          w.failing.failOnAllocation(k);
          expect(c.op(w), `k=${k}: result`).toBe(ok);
          checkInvariants(w.machine);
          expect(snapshot(w.machine, w.procs), `k=${k}: state`).toBe(after);
          exitAll(w);
          expect(w.machine.framesInUse()).toBe(1);
        }
      });
    }
  }
});
