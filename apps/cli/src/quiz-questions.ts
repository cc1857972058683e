/**
 * The quiz's question generators: each builds a small machine from a seeded random generator, sets up a situation
 * with real system calls and accesses, and asks what happens next. Every answer is computed by the machine (a
 * side-effect-free walk, the access itself, `/proc/PID/maps`, the TLB's own replacement), never written down.
 *
 * @module
 */
import {
  createRng,
  type EventSink,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  type MmEvent,
  type MmEventKind,
  type MmEventMap,
  PAGE_SIZE,
  PROT_EXEC,
  PROT_NONE,
  PROT_READ,
  PROT_WRITE,
  PteFlag,
  type Rng,
} from '@pagewright/core';
import { Machine, type MachineOptions, type Process, signalOf } from '@pagewright/process-vm';
import { SetAssociativeTlb } from '@pagewright/sv39';
import { describeTrace } from './mmu-explain.js';
import { hex, mapsLines, presentRows } from './views.js';
import { processWalk } from './walk-view.js';

/** The kinds of question. */
export const QUIZ_KINDS = ['translate', 'fault', 'maps', 'tlb'] as const;
/** One kind of question. */
export type QuizKind = (typeof QUIZ_KINDS)[number];

/** One question with its answer. */
export interface Question {
  readonly kind: QuizKind;
  /** The situation and the question, as lines. */
  readonly prompt: readonly string[];
  /** The answer as it would be typed. */
  readonly answer: string;
  /** Why, as lines (the machine's own account). */
  readonly why: readonly string[];
  /** Whether a typed answer is right. */
  check(typed: string): boolean;
}

const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
const P = PAGE_SIZE;
const PROTS = [PROT_NONE, PROT_READ, RW, PROT_READ | PROT_EXEC] as const;

/** `rw-` letters of a protection. */
function protLetters(prot: number): string {
  return `${prot & PROT_READ ? 'r' : '-'}${prot & PROT_WRITE ? 'w' : '-'}${prot & PROT_EXEC ? 'x' : '-'}`;
}

/** Parses a typed number (`0x…` or decimal); NaN when it is not one. */
function typedNumber(s: string): number {
  const t = s.trim().toLowerCase();
  return /^(0x[0-9a-f]+|[0-9]+)$/.test(t) ? Number(t) : Number.NaN;
}

/** An event sink that keeps the events (cleared by the caller). */
class Recorder implements EventSink {
  readonly enabled = true;
  events: MmEvent[] = [];
  emit<K extends MmEventKind>(kind: K, data: MmEventMap[K]): void {
    this.events.push({ kind, ...data } as MmEvent);
  }
}

/** A small one-hart machine with one process, seeded, with the plug-in choices `base`. */
function smallMachine(rng: Rng, base: MachineOptions, sink?: EventSink) {
  const machine = new Machine({
    ...base,
    seed: rng.nextU32(),
    harts: 1,
    memoryBytes: 16 * 2 ** 20,
    ...(sink === undefined ? {} : { events: sink }),
  });
  return { machine, proc: machine.spawn() };
}

/** Maps `pages` anonymous pages and touches a random subset with stores; returns the base address. */
function populated(rng: Rng, proc: Process, pages: number): { base: number; touched: number[] } {
  const base = proc.mmap(0, pages * P, RW, ANON);
  const touched: number[] = [];
  for (let k = 0; k < pages; k++)
    if (rng.nextInt(3) !== 0) {
      proc.store8(base + k * P, 1 + k);
      touched.push(k);
    }
  if (touched.length === 0) {
    proc.store8(base, 1);
    touched.push(0);
  }
  return { base, touched };
}

/** What physical address does this load reach? */
function translateQuestion(rng: Rng, plugIns: MachineOptions): Question {
  const { machine, proc } = smallMachine(rng, plugIns);
  const { base, touched } = populated(rng, proc, 3 + rng.nextInt(6));
  const page = touched[rng.nextInt(touched.length)] as number;
  const va = base + page * P + rng.nextInt(P / 8) * 8;
  const rows = presentRows(proc, base, 16 * P);
  const t = processWalk(machine, proc, va, 0);
  return {
    kind: 'translate',
    prompt: [
      `Process ${proc.pid}'s page table maps these pages (VA → frame number):`,
      ...rows.map((r) => `    ${hex(r.va)} → frame ${hex(r.pfn ?? 0)}`),
      `What physical address does a user load from ${hex(va)} reach? (a number)`,
    ],
    answer: hex(t.pa),
    why: [`the walk of ${hex(va)}:`, ...describeTrace(t), 'PA = frame × 4096 + the offset within the page.'],
    check: (typed) => typedNumber(typed) === t.pa,
  };
}

/** Does this access fault, and how does it end? */
function faultQuestion(rng: Rng, plugIns: MachineOptions): Question {
  const sink = new Recorder();
  const { proc } = smallMachine(rng, plugIns, sink);
  // Three mappings with a hole between the second and the third.
  const base = proc.mmap(0, 8 * P, RW, ANON);
  const prots = [0, 1, 2].map(() => PROTS[rng.nextInt(PROTS.length)] as number);
  proc.mprotect(base, 2 * P, prots[0] as number);
  proc.mprotect(base + 2 * P, 2 * P, prots[1] as number);
  proc.munmap(base + 4 * P, 2 * P);
  proc.mprotect(base + 6 * P, 2 * P, prots[2] as number);
  // Touch some pages that allow it, so some accesses need no fault at all.
  for (const k of [0, 2, 6]) if (rng.nextInt(2) === 0) proc.load8(base + k * P);
  const page = rng.nextInt(8);
  const access = rng.nextInt(3); // load, store, fetch
  const va = base + page * P + rng.nextInt(P);
  const maps = mapsLines(proc);
  const present = presentRows(proc, base, 8 * P);
  sink.events = [];
  const r = access === 0 ? proc.load8(va) : access === 1 ? proc.store8(va, 0x5a) : proc.fetch(va);
  const faults = sink.events.filter((e): e is Extract<MmEvent, { kind: 'fault' }> => e.kind === 'fault');
  const signal = r < 0 ? signalOf(r, va) : null;
  const answer = signal !== null ? `${signal.signal} ${signal.code}` : faults.length > 0 ? 'handled' : 'no';
  const word = ['load from', 'store to', 'instruction fetch from'][access];
  return {
    kind: 'fault',
    prompt: [
      `/proc/${proc.pid}/maps:`,
      ...maps.map((l) => `    ${l}`),
      `Present pages: ${present.map((p) => `${hex(p.va)} (${flagLetters(p.flags)})`).join(', ') || 'none'}`,
      `A user ${word} ${hex(va)}: does it fault? Answer "no" (no fault), "handled" (a page fault the kernel ` +
        'resolves) or the signal, e.g. "SIGSEGV SEGV_MAPERR".',
    ],
    answer,
    why: [
      signal !== null
        ? `${signal.code === 'SEGV_MAPERR' ? 'no VMA covers the address' : 'the VMA does not allow this access'}: ${signal.signal} (${signal.code})`
        : faults.length > 0
          ? 'the VMA allows the access but no PTE did yet: a page fault the kernel resolves (demand paging or a write to the zero page)'
          : 'a present PTE already allows it: no fault',
    ],
    check: (typed) => {
      const t = typed.trim().toLowerCase();
      if (signal === null) return t === answer;
      const code = signal.code.toLowerCase();
      return (
        t.includes(code) ||
        t.includes(code.replace(/^segv_/, '')) ||
        t === `${signal.signal.toLowerCase()} ${code}`
      );
    },
  };
}

/** `rwxugad` letters of present leaf flags. */
function flagLetters(flags: number): string {
  const letters = 'rwx';
  let s = '';
  for (let b = 0; b < 3; b++) s += flags & (1 << b) ? letters[b] : '-';
  return s + (flags & PteFlag.User ? 'u' : '-');
}

/** What does /proc/PID/maps show after this call? (how many lines, and the line at an address) */
function mapsQuestion(rng: Rng, plugIns: MachineOptions): Question {
  const { proc } = smallMachine(rng, plugIns);
  const base = proc.mmap(0, 12 * P, RW, ANON);
  // An earlier change, so the starting layout varies.
  if (rng.nextInt(2) === 0) proc.mprotect(base + rng.nextInt(10) * P, P, PROT_READ);
  const before = mapsLines(proc);
  const start = base + rng.nextInt(10) * P;
  const len = (1 + rng.nextInt(3)) * P;
  const which = rng.nextInt(4);
  let call: string;
  let ret: number;
  if (which === 0) {
    const prot = PROTS[rng.nextInt(PROTS.length)] as number;
    call = `mprotect(${hex(start)}, ${hex(len)}, ${protLetters(prot)})`;
    ret = proc.mprotect(start, len, prot);
  } else if (which === 1) {
    call = `munmap(${hex(start)}, ${hex(len)})`;
    ret = proc.munmap(start, len);
  } else if (which === 2) {
    call = `mmap(${hex(start)}, ${hex(len)}, r--, MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED)`;
    ret = proc.mmap(start, len, PROT_READ, ANON | MAP_FIXED);
  } else {
    call = `mprotect(${hex(start)}, ${hex(len)}, rw-)`;
    ret = proc.mprotect(start, len, RW);
  }
  const after = mapsLines(proc);
  return {
    kind: 'maps',
    prompt: [
      `/proc/${proc.pid}/maps:`,
      ...before.map((l) => `    ${l}`),
      `After ${call}, how many lines does /proc/${proc.pid}/maps have? (a number)`,
    ],
    answer: String(after.length),
    why: [
      `${call} = ${ret < 0 ? ret : hex(ret)}; /proc/${proc.pid}/maps is now:`,
      ...after.map((l) => `    ${l}`),
    ],
    check: (typed) => typedNumber(typed) === after.length,
  };
}

/** Which TLB entry does the next miss evict? */
function tlbQuestion(rng: Rng): Question {
  const policies = ['lru', 'fifo'] as const;
  const policy = policies[rng.nextInt(policies.length)] as (typeof policies)[number];
  const sets = 1 << rng.nextInt(2); // 1 or 2 sets
  const ways = 2 + rng.nextInt(3); // 2..4 ways
  const tlb = new SetAssociativeTlb({ sets, ways, policy });
  const pages = sets * ways + 1 + rng.nextInt(3);
  const vpnBase = 0x400 + rng.nextInt(64) * 16;
  const touches: number[] = [];
  const access = (vpn: number) => {
    if (tlb.lookup(vpn, 1) < 0) tlb.insert(vpn, 1, 0, 0x80000 + vpn, PteFlag.Read | PteFlag.User, false);
  };
  // Fill until the set of the final page is full, with some re-use.
  const steps = sets * ways + 2 + rng.nextInt(4);
  for (let k = 0; k < steps; k++) {
    const vpn = vpnBase + rng.nextInt(pages);
    touches.push(vpn);
    access(vpn);
  }
  // The question's page: one not in the TLB, whose set is full.
  const resident = new Set<number>();
  tlb.forEach((e) => {
    resident.add(e.vpn);
  });
  const inSet = (vpn: number) => [...resident].filter((v) => v % sets === vpn % sets).length;
  let target = vpnBase + pages;
  for (let v = vpnBase; v < vpnBase + pages + 2 * sets; v++)
    if (!resident.has(v) && inSet(v) === ways) {
      target = v;
      break;
    }
  const full = inSet(target) === ways;
  access(target);
  const after = new Set<number>();
  tlb.forEach((e) => {
    after.add(e.vpn);
  });
  const evicted = [...resident].filter((v) => !after.has(v));
  const answer = evicted.length === 0 ? 'none' : hex((evicted[0] as number) * P);
  return {
    kind: 'tlb',
    prompt: [
      `A ${sets}-set × ${ways}-way TLB with ${policy.toUpperCase()} replacement (set = page number mod ${sets}), ` +
        'empty at first, sees loads from these pages in order (each miss inserts the page):',
      `    ${touches.map((v) => hex(v * P)).join(' ')}`,
      `Then a load from ${hex(target * P)}. Which page's entry does it evict? (an address, or "none")`,
    ],
    answer,
    why: [
      `before: set ${target % sets} held ${[...resident]
        .filter((v) => v % sets === target % sets)
        .map((v) => hex(v * P))
        .join(', ')}${full ? ' (full)' : ''}`,
      `${policy === 'lru' ? 'LRU evicts the entry used least recently' : 'FIFO evicts the entry inserted first'}: ${answer}`,
    ],
    check: (typed) =>
      answer === 'none'
        ? typed.trim().toLowerCase() === 'none'
        : typedNumber(typed) === (evicted[0] as number) * P,
  };
}

const GENERATORS: Readonly<Record<QuizKind, (rng: Rng, base: MachineOptions) => Question>> = {
  translate: translateQuestion,
  fault: faultQuestion,
  maps: mapsQuestion,
  tlb: tlbQuestion,
};

/**
 * `count` questions for `seed`: of `kind`, or of every kind in turn, on machines built with `base` (plug-in choices;
 * the seed, one hart and 16 MiB are the quiz's own). The same seed and options always give the same questions
 * (each question's machine is seeded from one generator).
 */
export function generateQuestions(
  seed: number,
  count: number,
  kind?: QuizKind,
  base: MachineOptions = {},
): Question[] {
  const rng = createRng(seed);
  return Array.from({ length: count }, (_, k) => {
    const kindK = kind ?? (QUIZ_KINDS[k % QUIZ_KINDS.length] as QuizKind);
    return GENERATORS[kindK](rng.fork(), base);
  });
}
