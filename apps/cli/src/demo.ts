/**
 * `pagewright` / `pagewright demo`: boots a {@link Machine} with the defaults (Sv39, buddy allocator, 2 harts, a
 * 64-entry 4-way TLB per hart, 256 MiB of RAM), spawns a process and walks through the life of its address space,
 * showing after each step what changed: `/proc/PID/maps`, a page-table excerpt, TLB counters and frames in use.
 *
 * Everything shown is read from the machine after real system calls and accesses; nothing is scripted output.
 * With `--json` it prints the machine's events as JSON lines instead, with a `demo.step` line closing each step
 * (its title and the state after it), so a program can follow the story.
 *
 * @module
 */
import {
  type EventSink,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MAP_SHARED,
  type MmEvent,
  type MmEventKind,
  type MmEventMap,
  MREMAP_MAYMOVE,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  type TlbStats,
} from '@pagewright/core';
import {
  AT,
  checkInvariants,
  errnoOf,
  Machine,
  type Process,
  readInitStack,
  signalOf,
  traceSyscall,
} from '@pagewright/process-vm';
import { diffLines } from './diff.js';
import { type CliIo, useColor } from './io.js';
import { LineReader } from './line-reader.js';
import { machineOptions } from './machine-options.js';
import type { PlugInOptions } from './options.js';
import type { SubcommandSpec } from './program.js';
import { createStyle, type Style } from './style.js';
import {
  flushCount,
  formatPteRow,
  hex,
  mapsLines,
  presentRows,
  pteRows,
  tlbDeltas,
  tlbSnapshot,
} from './views.js';

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

/** A page range to show in a step's page-table excerpt. */
interface Watch {
  proc: Process;
  va: number;
  pages: number;
}

/** What one step did: the calls made (as text) and the pages worth showing. */
interface StepOutcome {
  calls: string[];
  watch: Watch[];
}

/** What the machine reported over one step, for the sentences that state facts. */
interface StepFacts {
  /** The step's events. */
  events: readonly MmEvent[];
  /** Every hart's TLB counters before and after the step. */
  tlbBefore: readonly TlbStats[];
  tlbAfter: readonly TlbStats[];
  /** Frames in use before and after the step. */
  framesBefore: number;
  framesAfter: number;
}

/** One step of the story. */
interface Step {
  title: string;
  /**
   * What the kernel does here, in a sentence or two: every fact in it (hit or miss, which hart, how many frames,
   * merged or not) is read from the step's events, counters and the machine's state.
   */
  explain(facts: StepFacts): string;
  act(): StepOutcome;
}

/** `1 hart`, `2 harts`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The harts whose flush counters moved between two snapshots. */
export function flushedHarts(before: readonly TlbStats[], after: readonly TlbStats[]): number[] {
  return after.flatMap((a, i) => (flushCount(a) > flushCount(before[i]!) ? [i] : []));
}

/** `hart 0`, `harts 0 and 1`, `harts 0, 1 and 2`. */
function hartList(ids: readonly number[]): string {
  if (ids.length === 1) return `hart ${ids[0]}`;
  return `harts ${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
}

/** Events of one kind. */
function eventsOf<K extends MmEventKind>(
  events: readonly MmEvent[],
  kind: K,
): Extract<MmEvent, { kind: K }>[] {
  return events.filter((e): e is Extract<MmEvent, { kind: K }> => e.kind === kind);
}

/** A sentence on the TLB flushes of a step, from the counters and the shootdown events. */
function flushSentence(f: StepFacts, noTlb: boolean): string {
  const harts = flushedHarts(f.tlbBefore, f.tlbAfter);
  if (harts.length === 0) return 'No TLB was flushed.';
  if (noTlb) return `There is no TLB: the flush requests to ${hartList(harts)} had nothing to drop.`;
  const ipis = eventsOf(f.events, 'tlb.shootdown').reduce((n, e) => n + e.ipis, 0);
  return (
    `The TLB of ${hartList(harts)} was flushed` +
    (ipis > 0 ? ` (${plural(ipis, 'IPI')} to other harts).` : '.')
  );
}

/** The `demo.step` record closing each step in `--json` mode. */
export interface DemoStepRecord {
  kind: 'demo.step';
  step: number;
  title: string;
  framesInUse: number;
  /** Frames in use right after boot, before any process existed (the shared zero page). */
  framesAtBoot: number;
  processes: { pid: number; maps: string[] }[];
  tlb: TlbStats[];
  calls: string[];
}

/** An event sink that keeps the events of the current step (and hands each to `onEvent`). */
class StepSink implements EventSink {
  readonly enabled = true;
  events: MmEvent[] = [];
  constructor(private readonly onEvent: (e: MmEvent) => void) {}
  emit<K extends MmEventKind>(kind: K, data: MmEventMap[K]): void {
    const e = { kind, ...data } as MmEvent;
    this.events.push(e);
    this.onEvent(e);
  }
}

/** JSON with bigints (system-call arguments may be u64) as decimal strings. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Print the events as JSON lines instead of the story. */
  json?: boolean | undefined;
  /** Wait for Enter between steps. */
  step?: boolean | undefined;
  /** False with `--no-color`. */
  colorFlag?: boolean | undefined;
}

/** Counts of the events of one step, for the one-line summary. */
function eventSummary(events: readonly MmEvent[], s: Style): string {
  const count = (k: MmEventKind) => events.filter((e) => e.kind === k).length;
  const faults = events.filter((e): e is Extract<MmEvent, { kind: 'fault' }> => e.kind === 'fault');
  const parts: string[] = [];
  const handled = faults.filter((f) => f.outcome === 'handled').length;
  if (faults.length > 0)
    parts.push(
      `${faults.length} page fault${faults.length > 1 ? 's' : ''}` +
        (handled < faults.length ? ` (${s.red(`${faults.length - handled} → signal`)})` : ''),
    );
  const cow = events.filter((e): e is Extract<MmEvent, { kind: 'cow.break' }> => e.kind === 'cow.break');
  if (cow.length > 0) {
    const reused = cow.filter((c) => c.reused).length;
    parts.push(
      `${cow.length} COW break${cow.length > 1 ? 's' : ''} (${cow.length - reused} copied, ${reused} reused)`,
    );
  }
  // frame.alloc is left out: the layers report only some allocations; the frames line is the machine's count.
  for (const [k, one, many] of [
    ['vma.split', 'VMA split', 'VMA splits'],
    ['vma.merge', 'VMA merge', 'VMA merges'],
    ['tlb.shootdown', 'TLB shootdown', 'TLB shootdowns'],
  ] as const) {
    const n = count(k);
    if (n > 0) parts.push(`${n} ${n === 1 ? one : many}`);
  }
  return parts.join(', ');
}

/**
 * Runs the demo: boots a machine with `plugIns` on top of the defaults and tells the story on `io.stdout`.
 * Resolves to the exit code (0; 1 if an invariant of the machine broke, which is a bug).
 */
export async function runDemo(io: CliIo, plugIns: PlugInOptions, options: DemoOptions = {}): Promise<number> {
  const json = options.json === true;
  const s = createStyle(!json && useColor(io.stdout, io.env, options.colorFlag !== false));
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const sink = new StepSink((e) => {
    if (json) out(toJson(e));
  });
  const machine = new Machine(machineOptions(plugIns, {}, sink));
  const framesAtBoot = machine.framesInUse();
  const o = machine.options;
  const noTlb = machine.harts.every((h) => h.tlb.capacity === 0);

  if (json) {
    out(toJson({ kind: 'demo.boot', options: o, framesInUse: framesAtBoot }));
  } else {
    out(s.bold('pagewright demo — the life of a process’s address space'));
    out(
      s.dim(
        `machine: ${o.arch}, ${plural(o.harts, 'hart')}, ${o.tlb === 'off' ? 'no TLB' : `TLB ${o.tlb} per hart`}, ${o.allocator} allocator over ` +
          `${o.memoryBytes / 2 ** 20} MiB, VMA index ${o.vmaIndex}, ${o.placement} placement, ` +
          `A/D ${o.ad}, flush ${o.flush}, seed ${o.seed}`,
      ),
    );
    out(s.dim(`frames in use at boot: ${framesAtBoot} (the shared zero page)`));
  }

  // The story. Addresses come from the system calls' answers, never from constants.
  let parent!: Process;
  let child: Process | null = null;
  let heapStart = 0;
  let area = 0; // the anonymous mapping
  let moved = 0; // where mremap moved part of it
  const P = PAGE_SIZE;
  // Facts measured inside a step's act, for its explanation.
  let lastLoad = ''; // what the TLB did for the demand-fault step's last load
  let fixedFreed = 0; // frames the MAP_FIXED mmap freed
  let framesMoved: boolean | null = null; // mremap kept the same frames
  let stackGrew = false;
  let guardSignal = '';

  const steps: Step[] = [
    {
      title: 'exec: a process with an initial stack',
      explain: () =>
        'spawn() builds a fresh address space: code and data from the program image, an empty heap after them, ' +
        'and a stack at the top of the user half holding argc, argv, envp and the auxiliary vector (SysV ABI).',
      act() {
        parent = machine.spawn({
          ...machine.defaultImage(),
          argv: ['/bin/demo', '--verbose', 'input.txt'],
          envp: ['HOME=/home/ada', 'LANG=C.UTF-8'],
        });
        const sp = parent.vm.startStack;
        const init = readInitStack(sp, (a, l) => {
          const r = parent.copyFromUser(a, l);
          return typeof r === 'number' ? null : r;
        });
        const atName = new Map<number, string>(Object.entries(AT).map(([k, v]) => [v, `AT_${k}`]));
        const calls = [`sp = ${hex(sp)}`];
        if (init) {
          calls.push(`argv = ${JSON.stringify(init.argv)}`, `envp = ${JSON.stringify(init.envp)}`);
          calls.push(
            `auxv = ${init.auxv
              .filter(([t]) => t !== 0)
              .map(([t, v]) => `${atName.get(t) ?? t}=${hex(v)}`)
              .join(' ')}`,
          );
        }
        return { calls, watch: [{ proc: parent, va: sp, pages: 1 }] };
      },
    },
    {
      title: 'brk: the heap grows',
      explain: (f) =>
        'brk() only moves the end of the [heap] VMA' +
        (eventsOf(f.events, 'fault').length === 0 && f.framesAfter === f.framesBefore
          ? ': no frame is allocated yet (memory is given out lazily, on the first touch).'
          : `; frames in use went from ${f.framesBefore} to ${f.framesAfter}.`),
      act() {
        const ask = traceSyscall(parent, 'brk', [0]);
        heapStart = ask.ret;
        return {
          calls: [ask.text, traceSyscall(parent, 'brk', [heapStart + 3 * P]).text],
          watch: [{ proc: parent, va: heapStart, pages: 3 }],
        };
      },
    },
    {
      title: 'demand faults',
      explain: (f) => {
        const faults = eventsOf(f.events, 'fault');
        return (
          `The first store to a heap page faults; the kernel allocates a zeroed frame and maps it. The first load ` +
          `of an untouched page maps the shared zero page read-only instead (no new frame). ` +
          `${plural(faults.length, 'page fault')} in all; ${plural(f.framesAfter - f.framesBefore, 'new frame')}.`
        );
      },
      act() {
        const calls: string[] = [];
        calls.push(
          `store8(${hex(heapStart)}, 0x41) → ${parent.store8(heapStart, 0x41) === 0 ? 'ok' : 'signal'}`,
        );
        calls.push(
          `store8(${hex(heapStart + P)}, 0x42) → ${parent.store8(heapStart + P, 0x42) === 0 ? 'ok' : 'signal'}`,
        );
        calls.push(`load8(${hex(heapStart + 2 * P)}) → ${parent.load8(heapStart + 2 * P)}`);
        const hart = machine.harts[parent.hartId]!;
        const before = { ...hart.tlb.stats };
        const faultsBefore = sink.events.filter((e) => e.kind === 'fault').length;
        const value = parent.load8(heapStart);
        const hits = hart.tlb.stats.hits - before.hits;
        const faulted = sink.events.filter((e) => e.kind === 'fault').length > faultsBefore;
        lastLoad = faulted
          ? 'a page fault'
          : hits > 0
            ? `a TLB hit on hart ${hart.id}: no fault`
            : hart.tlb.capacity === 0
              ? `no TLB on hart ${hart.id}: a page walk, no fault`
              : `a TLB miss on hart ${hart.id}, then a page walk: no fault`;
        calls.push(`load8(${hex(heapStart)}) → ${hex(value)} (${lastLoad})`);
        return { calls, watch: [{ proc: parent, va: heapStart, pages: 3 }] };
      },
    },
    {
      title: 'anonymous mmap',
      explain: (f) =>
        `mmap(NULL, 16 pages, rw-, MAP_PRIVATE|MAP_ANONYMOUS) picks a free range (${
          o.placement === 'bottomup'
            ? 'bottom-up: the lowest that fits above the mmap base'
            : o.placement === 'topdown'
              ? 'top-down: the highest that fits below the mmap base, under the stack'
              : `by the ${o.placement} placement policy`
        }); touching 12 of its pages took ${plural(eventsOf(f.events, 'fault').length, 'page fault')} and ` +
        `${plural(f.framesAfter - f.framesBefore, 'frame')} (data and page tables).`,
      act() {
        const m = traceSyscall(parent, 'mmap', [0, 16 * P, RW, ANON]);
        area = m.ret;
        const f = parent.fill(area, 12 * P, 0x5a);
        return {
          calls: [m.text, `fill(${hex(area)}, 12 pages, 0x5a) → ${f.ok ? 'ok' : f.signal}`],
          watch: [{ proc: parent, va: area, pages: 13 }],
        };
      },
    },
    {
      title: 'MAP_FIXED over an existing mapping',
      explain: (f) => {
        const splits = eventsOf(f.events, 'vma.split').length;
        return (
          `A MAP_FIXED mmap replaces whatever was mapped there: the two pages it covers are unmapped ` +
          `(${plural(fixedFreed, 'frame')} freed)` +
          (splits > 0
            ? ` and the old VMA is split around the new read-only one (${plural(splits, 'split')}).`
            : '.')
        );
      },
      act() {
        const framesBeforeFixed = machine.framesInUse();
        const fixed = traceSyscall(parent, 'mmap', [area + 4 * P, 2 * P, PROT_READ, ANON | MAP_FIXED]);
        fixedFreed = framesBeforeFixed - machine.framesInUse();
        return {
          calls: [
            fixed.text,
            `load8(${hex(area + 4 * P)}) → ${parent.load8(area + 4 * P)} (fresh zero-filled memory)`,
          ],
          watch: [{ proc: parent, va: area + 3 * P, pages: 4 }],
        };
      },
    },
    {
      title: 'mprotect splits a VMA',
      explain: (f) => {
        const splits = eventsOf(f.events, 'vma.split').length;
        return (
          `mprotect on two pages in the middle of a VMA ` +
          (splits > 0 ? `splits it in ${splits + 1} (${plural(splits, 'split')})` : 'does not split it') +
          `; the PTEs of the pages already present lose their W bit. ${flushSentence(f, noTlb)}`
        );
      },
      act() {
        const prot = traceSyscall(parent, 'mprotect', [area + 8 * P, 2 * P, PROT_READ]);
        const w = parent.store8(area + 8 * P, 1);
        const sig =
          w === 0 ? 'ok' : `${signalOf(w, area + 8 * P).signal} (${signalOf(w, area + 8 * P).code})`;
        return {
          calls: [prot.text, `store8(${hex(area + 8 * P)}, 1) → ${sig}`],
          watch: [{ proc: parent, va: area + 7 * P, pages: 4 }],
        };
      },
    },
    {
      title: 'mprotect re-merges it',
      explain: (f) => {
        const merges = eventsOf(f.events, 'vma.merge').length;
        return (
          'Giving the pages their old rights back makes the pieces compatible again (same flags, same anon_vma, ' +
          'contiguous): ' +
          (merges > 0
            ? `Linux merges them into one (${plural(merges, 'merge')}).`
            : 'yet they were not merged.')
        );
      },
      act() {
        return {
          calls: [traceSyscall(parent, 'mprotect', [area + 8 * P, 2 * P, RW]).text],
          watch: [{ proc: parent, va: area + 7 * P, pages: 4 }],
        };
      },
    },
    {
      title: 'fork: copy-on-write',
      explain: (f) =>
        'fork() copies the VMAs and the page tables, not the memory: every private writable page is now mapped ' +
        `read-only in both processes, its frame shared. ${flushSentence(f, noTlb)} ` +
        (child === null
          ? ''
          : child.hartId === parent.hartId
            ? `The child runs on hart ${child.hartId}, the parent's (the machine has ${plural(machine.harts.length, 'hart')}).`
            : `The child runs on hart ${child.hartId}, the parent on hart ${parent.hartId}.`),
      act() {
        // One shared anonymous page, to contrast with the private ones after the fork.
        const shared = traceSyscall(parent, 'mmap', [0, P, RW, MAP_SHARED | MAP_ANONYMOUS]);
        parent.store8(shared.ret, 7);
        const c = parent.fork();
        if (typeof c === 'number') throw new Error(`fork failed: ${errnoOf(c)}`);
        child = c;
        child.hartId = Math.min(1, machine.harts.length - 1);
        return {
          calls: [shared.text, `fork() = ${child.pid}`],
          watch: [
            { proc: parent, va: area, pages: 2 },
            { proc: child, va: area, pages: 2 },
          ],
        };
      },
    },
    {
      title: 'a COW break',
      explain: (f) => {
        const cow = eventsOf(f.events, 'cow.break');
        const copied = cow.filter((c) => !c.reused).length;
        const reused = cow.length - copied;
        return (
          'The child writes to a shared page: a write-protect fault. Then the parent writes to another shared ' +
          'page, and the child to that same page, whose frame the parent no longer maps. ' +
          `${plural(cow.length, 'COW break')}: ${plural(copied, 'frame')} copied, ${reused} reused without a copy ` +
          '(a frame left with one mapper).'
        );
      },
      act() {
        const c = child!;
        const calls: string[] = [];
        calls.push(`child:  store8(${hex(area)}, 0x63) → ${c.store8(area, 0x63) === 0 ? 'ok' : 'signal'}`);
        calls.push(`parent: load8(${hex(area)}) → ${hex(parent.load8(area))} (still the parent's byte)`);
        calls.push(
          `parent: store8(${hex(area + P)}, 0x70) → ${parent.store8(area + P, 0x70) === 0 ? 'ok' : 'signal'}`,
        );
        calls.push(
          `child:  store8(${hex(area + P)}, 0x64) → ${c.store8(area + P, 0x64) === 0 ? 'ok' : 'signal'}`,
        );
        calls.push(`child:  load8(${hex(area)}) → ${hex(c.load8(area))}`);
        return {
          calls,
          watch: [
            { proc: parent, va: area, pages: 2 },
            { proc: c, va: area, pages: 2 },
          ],
        };
      },
    },
    {
      title: 'mremap moves a region without copying',
      explain: () =>
        'Growing the first 4 pages to 12 in place would run into the MAP_FIXED mapping, so with MREMAP_MAYMOVE ' +
        (moved === area
          ? 'the kernel could still grow it in place.'
          : `the kernel moves the VMA and its page-table entries: ${
              framesMoved ? 'same frames, new addresses' : 'new addresses (the frames differ)'
            }.`),
      act() {
        const frames = presentRows(parent, area, 4 * P).map((r) => r.pfn);
        const remap = traceSyscall(parent, 'mremap', [area, 4 * P, 12 * P, MREMAP_MAYMOVE]);
        moved = remap.ret;
        framesMoved =
          moved >= 0 &&
          frames.join() ===
            presentRows(parent, moved, 4 * P)
              .map((r) => r.pfn)
              .join();
        return {
          calls: [
            remap.text,
            `load8(${hex(moved)}) → ${hex(parent.load8(moved))} (the data moved with its frames)`,
          ],
          watch: [
            { proc: parent, va: area, pages: 2 },
            { proc: parent, va: moved, pages: 4 },
          ],
        };
      },
    },
    {
      title: 'munmap',
      explain: (f) =>
        'munmap removes the VMA, clears its PTEs, flushes the TLBs and only then returns the frames to the ' +
        `allocator: ${plural(f.framesBefore - f.framesAfter, 'frame')} returned. ${flushSentence(f, noTlb)}`,
      act() {
        return {
          calls: [traceSyscall(parent, 'munmap', [moved, 12 * P]).text],
          watch: [{ proc: parent, va: moved, pages: 4 }],
        };
      },
    },
    {
      title: 'the stack grows — until the guard gap',
      explain: () =>
        `A fault just below the [stack] VMA ${stackGrew ? 'grows it' : 'would grow it'} (it is VM_GROWSDOWN). ` +
        'After a mapping is placed 16 pages below the stack, growing again would leave less than the stack guard ' +
        `gap (${plural(parent.vm.limits.stackGuardGapPages, 'page')}) above it, so the fault is ` +
        `${guardSignal === '' ? 'handled' : `a ${guardSignal}`}.`,
      act() {
        const stack = [...parent.vm.vmas].find(
          (v) => v.start * P <= parent.vm.startStack && parent.vm.startStack < v.end * P,
        )!;
        const below = stack.start * P - P;
        const calls: string[] = [];
        stackGrew = parent.store8(below, 1) === 0;
        calls.push(`store8(${hex(below)}, 1) → ${stackGrew ? 'ok (the stack grew by a page)' : 'signal'}`);
        calls.push(traceSyscall(parent, 'mmap', [below - 16 * P, P, RW, ANON | MAP_FIXED]).text);
        const r = parent.store8(below - P, 1);
        guardSignal = r === 0 ? '' : signalOf(r, below - P).signal;
        const sig = r === 0 ? 'ok' : `${signalOf(r, below - P).signal} (${signalOf(r, below - P).code})`;
        calls.push(`store8(${hex(below - P)}, 1) → ${sig}`);
        return { calls, watch: [{ proc: parent, va: below - P, pages: 2 }] };
      },
    },
    {
      title: 'exit: the address spaces are torn down',
      explain: (f) =>
        'exit() tears each address space down: its data frames and page-table frames go back to the allocator ' +
        `(${plural(f.framesBefore - f.framesAfter, 'frame')}, leaving ${f.framesAfter} in use; ${framesAtBoot} at boot). ` +
        flushSentence(f, noTlb),
      act() {
        const calls: string[] = [];
        if (child) {
          child.exit(0);
          calls.push(`child ${child.pid}: exit(0)`);
        }
        parent.exit(0);
        calls.push(`parent ${parent.pid}: exit(0)`);
        return { calls, watch: [] };
      },
    },
  ];

  const reader = options.step ? new LineReader(io.stdin) : null;
  let previousMaps = new Map<number, string[]>();
  let tlbBefore = tlbSnapshot(machine);
  let framesBefore = framesAtBoot;
  for (let n = 0; n < steps.length; n++) {
    const step = steps[n]!;
    if (reader && n > 0) {
      io.stderr.write('— press Enter for the next step —\n');
      await reader.next(); // at the end of input, the remaining steps run without waiting
    }
    sink.events = [];
    const outcome = step.act();
    checkInvariants(machine);
    const frames = machine.framesInUse();
    const tlbAfter = tlbSnapshot(machine);
    const maps = new Map<number, string[]>([...machine.processes.values()].map((p) => [p.pid, mapsLines(p)]));

    if (json) {
      const record: DemoStepRecord = {
        kind: 'demo.step',
        step: n + 1,
        title: step.title,
        framesInUse: frames,
        framesAtBoot,
        processes: [...maps].map(([pid, lines]) => ({ pid, maps: lines })),
        tlb: tlbAfter,
        calls: outcome.calls,
      };
      out(toJson(record));
    } else {
      out();
      out(s.bold(s.cyan(`── ${n + 1}. ${step.title} `.padEnd(80, '─'))));
      out(
        s.dim(
          step.explain({
            events: sink.events,
            tlbBefore,
            tlbAfter,
            framesBefore,
            framesAfter: frames,
          }),
        ),
      );
      for (const c of outcome.calls) out(`  ${s.yellow('$')} ${c}`);
      for (const pid of new Set([...previousMaps.keys(), ...maps.keys()])) {
        const d = diffLines(previousMaps.get(pid) ?? [], maps.get(pid) ?? []);
        if (d.every((l) => l.op === ' ')) continue;
        if (!maps.has(pid)) {
          out(`  ${s.bold(`/proc/${pid}/maps`)} ${s.red(`gone: all ${d.length} VMAs unmapped`)}`);
          continue;
        }
        out(`  ${s.bold(`/proc/${pid}/maps`)}`);
        for (const l of d) {
          if (l.op === ' ') out(s.dim(`      ${l.text}`));
          else out(l.op === '+' ? s.green(`    + ${l.text}`) : s.red(`    - ${l.text}`));
        }
      }
      if (outcome.watch.length > 0) {
        out(`  ${s.bold('page table')} ${s.dim('(VA → vrwxugad PTE bits → frame)')}`);
        for (const w of outcome.watch) {
          if (w.proc.exitCode !== null) continue;
          for (const row of pteRows(w.proc, w.va, w.pages))
            out(`    ${s.dim(`pid ${w.proc.pid}`)} ${formatPteRow(machine, row)}`);
        }
      }
      const summary = eventSummary(sink.events, s);
      if (summary) out(`  ${s.bold('events')}  ${summary}`);
      const tlb = tlbDeltas(tlbBefore, tlbAfter);
      if (tlb.length > 0) out(`  ${s.bold('TLB')}     ${tlb.join('; ')}`);
      const diff = frames - framesBefore;
      out(
        `  ${s.bold('frames')}  ${frames} in use` +
          (diff === 0 ? '' : ` (${diff > 0 ? s.green(`+${diff}`) : s.red(String(diff))})`),
      );
    }
    previousMaps = maps;
    tlbBefore = tlbAfter;
    framesBefore = frames;
  }
  reader?.close();
  const leaked = machine.framesInUse() - framesAtBoot;
  if (!json) {
    out();
    out(
      leaked === 0
        ? s.green(`every frame came back: ${machine.framesInUse()} in use, as at boot.`)
        : s.red(`${leaked} frames leaked`),
    );
  }
  return leaked === 0 ? 0 : 1;
}

/** The `demo` subcommand (also what `pagewright` alone runs). */
export const demoCommand: SubcommandSpec = {
  description: 'walk through the life of a process’s address space (the default command)',
  isDefault: true,
  declare(cmd) {
    cmd
      .option('--json', 'print the events as JSON lines instead of the story')
      .option('--step', 'wait for Enter between steps');
  },
  run(ctx, _args, opts) {
    return runDemo(ctx.io, ctx.plugIns, {
      json: opts.json === true,
      step: opts.step === true,
      colorFlag: ctx.colorFlag,
    });
  },
};
