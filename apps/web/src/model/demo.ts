/**
 * The demo: the same story as `pagewright demo` (the CLI), as steps that can be replayed one by one on a fresh
 * {@link Machine}. Addresses come from the system calls' answers, never from constants, so the story holds for
 * every plug-in choice.
 *
 * @module
 */
import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  MREMAP_MAYMOVE,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import { errnoOf, type Machine, type Process, signalOf, traceSyscall } from '@pagewright/process-vm';
import { hex } from './hex.js';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const P = PAGE_SIZE;

/** The story's variables, shared by its steps. */
export interface DemoContext {
  readonly machine: Machine;
  parent: Process | null;
  child: Process | null;
  heapStart: number;
  area: number;
  moved: number;
}

/** One step of the demo. */
export interface DemoStep {
  title: string;
  /** What the kernel does here. */
  explain: string;
  /** Runs the step; returns the calls made, as text. */
  act(ctx: DemoContext): string[];
}

function storeText(p: Process, va: number, value: number): string {
  const r = p.store8(va, value);
  if (r === 0) return `store8(${hex(va)}, ${hex(value)}) → ok`;
  const s = signalOf(r, va);
  return `store8(${hex(va)}, ${hex(value)}) → ${s.signal} (${s.code})`;
}

function parentOf(ctx: DemoContext): Process {
  if (ctx.parent === null) throw new Error('the demo has no process yet');
  return ctx.parent;
}

/** A fresh context for `machine`. */
export function demoContext(machine: Machine): DemoContext {
  return { machine, parent: null, child: null, heapStart: 0, area: 0, moved: 0 };
}

/** The demo's steps, in order. */
export const DEMO_STEPS: readonly DemoStep[] = [
  {
    title: 'exec: a process with an initial stack',
    explain:
      'spawn() builds a fresh address space: code and data from the program image, an empty heap after them, and ' +
      'a stack at the top of the user half holding argc, argv, envp and the auxiliary vector.',
    act(ctx) {
      const p = ctx.machine.spawn({
        ...ctx.machine.defaultImage(),
        argv: ['/bin/demo', '--verbose', 'input.txt'],
        envp: ['HOME=/home/ada', 'LANG=C.UTF-8'],
      });
      ctx.parent = p;
      return [`spawn() = pid ${p.pid}`, `sp = ${hex(p.vm.startStack)}`];
    },
  },
  {
    title: 'brk: the heap grows',
    explain: 'brk() only moves the end of the [heap] VMA: no frame is allocated until the first touch.',
    act(ctx) {
      const p = parentOf(ctx);
      const ask = traceSyscall(p, 'brk', [0]);
      ctx.heapStart = ask.ret;
      return [ask.text, traceSyscall(p, 'brk', [ctx.heapStart + 3 * P]).text];
    },
  },
  {
    title: 'demand faults',
    explain:
      'The first store to a heap page faults and maps a zeroed frame; the first load of an untouched page maps the ' +
      'shared zero page read-only instead.',
    act(ctx) {
      const p = parentOf(ctx);
      const h = ctx.heapStart;
      return [
        storeText(p, h, 0x41),
        storeText(p, h + P, 0x42),
        `load8(${hex(h + 2 * P)}) → ${p.load8(h + 2 * P)}`,
        `load8(${hex(h)}) → ${hex(p.load8(h))} (a TLB hit: no fault)`,
      ];
    },
  },
  {
    title: 'anonymous mmap',
    explain:
      'mmap(NULL, 16 pages, rw-, MAP_PRIVATE|MAP_ANONYMOUS) picks a free range; 12 of its pages are touched.',
    act(ctx) {
      const p = parentOf(ctx);
      const m = traceSyscall(p, 'mmap', [0, 16 * P, RW, ANON]);
      ctx.area = m.ret;
      const f = p.fill(ctx.area, 12 * P, 0x5a);
      return [m.text, `fill(${hex(ctx.area)}, 12 pages, 0x5a) → ${f.ok ? 'ok' : f.signal}`];
    },
  },
  {
    title: 'MAP_FIXED over an existing mapping',
    explain:
      'A MAP_FIXED mmap replaces what was mapped: the two pages it covers are unmapped and the old VMA is split ' +
      'around the new read-only one.',
    act(ctx) {
      const p = parentOf(ctx);
      return [
        traceSyscall(p, 'mmap', [ctx.area + 4 * P, 2 * P, PROT_READ, ANON | MAP_FIXED]).text,
        `load8(${hex(ctx.area + 4 * P)}) → ${p.load8(ctx.area + 4 * P)}`,
      ];
    },
  },
  {
    title: 'mprotect splits a VMA',
    explain:
      'mprotect on two pages in the middle of a VMA splits it in three; their PTEs lose W, their TLB entries go.',
    act(ctx) {
      const p = parentOf(ctx);
      return [
        traceSyscall(p, 'mprotect', [ctx.area + 8 * P, 2 * P, PROT_READ]).text,
        storeText(p, ctx.area + 8 * P, 1),
      ];
    },
  },
  {
    title: 'mprotect re-merges it',
    explain: 'Giving the old rights back makes the three VMAs compatible again: Linux merges them into one.',
    act(ctx) {
      const p = parentOf(ctx);
      return [traceSyscall(p, 'mprotect', [ctx.area + 8 * P, 2 * P, RW]).text];
    },
  },
  {
    title: 'fork: copy-on-write',
    explain:
      'fork() copies VMAs and page tables, not memory: private writable pages become read-only in both processes, ' +
      'their frames shared, and stale TLB entries are shot down. The child runs on hart 1.',
    act(ctx) {
      const p = parentOf(ctx);
      const shared = traceSyscall(p, 'mmap', [0, P, RW, MAP_SHARED | MAP_ANONYMOUS]);
      p.store8(shared.ret, 7);
      const c = p.fork();
      if (typeof c === 'number') return [`fork() = -1 ${errnoOf(c)}`];
      c.hartId = Math.min(1, ctx.machine.harts.length - 1);
      ctx.child = c;
      return [shared.text, `fork() = ${c.pid}`];
    },
  },
  {
    title: 'a COW break',
    explain:
      'The child writes to a shared page: the kernel copies the frame for it. A page the parent already copied has ' +
      'one mapper left, so the child reuses it without a copy.',
    act(ctx) {
      const p = parentOf(ctx);
      const c = ctx.child;
      if (c === null) return ['(no child)'];
      const a = ctx.area;
      return [
        `child:  ${storeText(c, a, 0x63)}`,
        `parent: load8(${hex(a)}) → ${hex(p.load8(a))}`,
        `parent: ${storeText(p, a + P, 0x70)}`,
        `child:  ${storeText(c, a + P, 0x64)}`,
        `child:  load8(${hex(a)}) → ${hex(c.load8(a))}`,
      ];
    },
  },
  {
    title: 'mremap moves a region without copying',
    explain:
      'Growing the first 4 pages to 12 cannot happen in place, so with MREMAP_MAYMOVE the kernel moves the VMA and ' +
      'its page-table entries: same frames, new addresses.',
    act(ctx) {
      const p = parentOf(ctx);
      const remap = traceSyscall(p, 'mremap', [ctx.area, 4 * P, 12 * P, MREMAP_MAYMOVE]);
      ctx.moved = remap.ret;
      return [remap.text, `load8(${hex(ctx.moved)}) → ${hex(p.load8(ctx.moved))}`];
    },
  },
  {
    title: 'munmap',
    explain: 'munmap removes the VMA, clears its PTEs, flushes the TLBs and only then frees the frames.',
    act(ctx) {
      const p = parentOf(ctx);
      return [traceSyscall(p, 'munmap', [ctx.moved, 12 * P]).text];
    },
  },
  {
    title: 'the stack grows — until the guard gap',
    explain:
      'A fault just below the [stack] VMA grows it. With a mapping 16 pages below, growing again would leave less ' +
      'than the 256-page guard gap, so the next fault is a SIGSEGV.',
    act(ctx) {
      const p = parentOf(ctx);
      const sp = p.vm.startStack;
      const stack = [...p.vm.vmas].find((v) => v.start * P <= sp && sp < v.end * P);
      if (stack === undefined) return ['(no stack VMA)'];
      const below = stack.start * P - P;
      const first = storeText(p, below, 1);
      return [
        first,
        traceSyscall(p, 'mmap', [below - 16 * P, P, RW, ANON | MAP_FIXED]).text,
        storeText(p, below - P, 1),
      ];
    },
  },
  {
    title: 'exit: every frame returned',
    explain:
      'exit() gives every data and page-table frame back to the allocator and flushes the ASID everywhere.',
    act(ctx) {
      const calls: string[] = [];
      if (ctx.child) {
        ctx.child.exit(0);
        calls.push(`child ${ctx.child.pid}: exit(0)`);
      }
      const p = parentOf(ctx);
      p.exit(0);
      calls.push(`parent ${p.pid}: exit(0)`);
      return calls;
    },
  },
];
