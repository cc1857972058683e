/**
 * Runs one program on two systems (the reference model and an implementation) step by step and reports the first
 * visible difference: a return value or errno, a signal, a loaded byte or fetched word, a `/proc/PID/maps` line
 * (range, permissions, offset, name), a mincore bit, an smaps or status figure, or an invariant the
 * implementation's own checker rejects.
 *
 * Running out of memory is the one thing the model cannot predict (it has no frames and no page tables): when the
 * implementation's machine is out of frames, a fault may answer OOM and a system call ENOMEM/EAGAIN where the model
 * succeeds. The comparator then checks what Linux decides about the consequence instead (see {@link compareProgram}).
 *
 * @module
 */

import { runOperation, SCENARIO_BASE } from '@pagewright/process-vm';
import { breakOf, mincoreOf, type ProcDetails, type VmTarget } from '../scenario/target.js';
import { REGION_PAGES, type Step, WIDE_PAGES } from './program.js';

/** One side of a comparison. */
export interface System {
  /** The first process. */
  root: VmTarget;
  /** Throws when an internal invariant is broken (the implementation's checker); the model's is a no-op. */
  check(): void;
  /** True when the machine has (almost) no free frame left (the model: never). */
  outOfMemory?(): boolean;
  /** True when process `t` is gone (killed); only the implementation is asked. */
  killed?(t: VmTarget): boolean;
}

/** The first difference found. */
export interface Divergence {
  /** Index of the step after which the difference showed (steps.length for the final sweep). */
  step: number;
  /** What was compared. */
  what: string;
  /** The model's answer. */
  model: string;
  /** The implementation's answer. */
  impl: string;
}

/** How a compared program ended, for the generators' statistics. */
export interface RunStats {
  /** The most VMAs any process had after a step. */
  maxVmas: number;
  /** Faults answered OOM (the process was killed, as Linux's pagefault_out_of_memory does). */
  oomKills: number;
  /** Programs whose comparison stopped because memory ran out (a system call answered ENOMEM/EAGAIN, or an OOM fault left its process alive). */
  oomStops: number;
  /** Harts the program's processes ran on (bit set). */
  harts: number;
}

/** Options of {@link compareProgram}. */
export interface CompareOptions {
  /** When to compare smaps/status details: after every step, or only at the end (large programs). */
  details?: 'step' | 'end' | 'never';
  /** Filled in with what the program reached. */
  stats?: RunStats;
}

const BASE = Number(SCENARIO_BASE);
const OFFSETS = [0, 1, 0x7ff, 0xfff];
const WIDE_END = BASE + WIDE_PAGES * 4096;

/** mincore of every VMA part inside the wide region, as `OFF:bits` runs. */
function residency(t: VmTarget): string {
  const parts: string[] = [];
  for (const m of t.maps()) {
    const s = Math.max(m.start, BASE);
    const e = Math.min(m.end, WIDE_END);
    if (s >= e) continue;
    const r = mincoreOf(t, BigInt(s), BigInt(e - s));
    parts.push(
      `${(s - BASE).toString(16)}:${typeof r === 'number' ? r : r.map((b) => (b ? 1 : 0)).join('')}`,
    );
  }
  return parts.join(' ');
}

function mapsText(t: VmTarget): string {
  return t
    .maps()
    .map((m) => `${m.start.toString(16)}-${m.end.toString(16)} ${m.perms}`)
    .join(', ');
}

/**
 * The details both sides decide, as text: per VMA the model created, offset, name and (private VMAs) Rss,
 * Referenced and dirty pages; the status figures. `model` says which VMAs are foreign and which are shared (the
 * model knows neither the system under test's image names nor shared PTEs).
 */
function detailsText(d: ProcDetails, model: ReturnType<NonNullable<VmTarget['details']>>): string {
  const mv = model.vmas as (ProcDetails['vmas'][number] & { foreign?: boolean })[];
  const out: string[] = [];
  for (let i = 0; i < d.vmas.length && i < mv.length; i++) {
    const v = d.vmas[i]!;
    const m = mv[i]!;
    if (m.foreign) continue;
    const usage = m.rss < 0 ? '' : ` rss=${v.rss} ref=${v.referenced} dirty=${v.dirty}`;
    out.push(`${v.start.toString(16)} off=${v.offset.toString(16)} name=${v.name}${usage}`);
  }
  const s = d.status;
  out.push(`VmSize=${s.VmSize} VmLck=${s.VmLck} VmData=${s.VmData} VmStk=${s.VmStk}`);
  return out.join('; ');
}

/** A live process list per system, with slots resolved the same way on both. */
class World {
  readonly procs: VmTarget[];
  readonly brk0: bigint;
  harts = 1;
  constructor(readonly sys: System) {
    this.procs = [sys.root];
    this.brk0 = breakOf(sys.root);
  }

  target(s: Step): VmTarget {
    return this.procs[s.slot % this.procs.length]!;
  }

  remove(t: VmTarget): void {
    this.procs.splice(this.procs.indexOf(t), 1);
  }

  step(s: Step): string {
    const t = this.target(s);
    if (s.line === 'fork') {
      const c = t.fork();
      if (typeof c === 'number') return `fork failed: ${c}`;
      this.procs.push(c);
      return 'forked';
    }
    if (s.line === 'exit') {
      if (this.procs.length === 1) return 'skip';
      t.exit();
      this.remove(t);
      return 'exited';
    }
    return this.line(t, s.line);
  }

  line(t: VmTarget, line: string): string {
    const tok = line.split(/\s+/);
    if (tok[0] === 'hart') {
      const h = Number(tok[1]);
      t.setHart?.(h);
      this.harts |= 1 << h;
      return 'ok';
    }
    if (tok[0] === 'rep') {
      // rep N STRIDE LINE: LINE N times, its first address (and an mremap's destination) moved by i*STRIDE bytes;
      // the answer is the run-length encoded list of answers
      const n = Number(tok[1]);
      const stride = BigInt(tok[2]!);
      const rest = tok.slice(3);
      const out: string[] = [];
      let last = '';
      let count = 0;
      for (let i = 0; i < n; i++) {
        const shifted = rest.map((x, j) =>
          (j === 1 || (rest[0] === 'mremap' && j === 5)) && x.startsWith('+')
            ? `+0x${(BigInt(x.slice(1)) + BigInt(i) * stride).toString(16)}`
            : x,
        );
        const r = this.line(t, shifted.join(' '));
        if (r.includes('"OOM"')) {
          // the process was killed: the rest of the rep would run on a dead process
          if (count) out.push(`${count}x${last}`);
          out.push(`1x${r}`);
          return out.join(' ');
        }
        if (r === last) count++;
        else {
          if (count) out.push(`${count}x${last}`);
          last = r;
          count = 1;
        }
      }
      if (count) out.push(`${count}x${last}`);
      return out.join(' ');
    }
    if (tok[0] === 'x') {
      const a = Number(this.num(tok[1]));
      return JSON.stringify({ ret: String(t.fetch32!(a)) });
    }
    return JSON.stringify(
      runOperation(t, { tokens: tok, source: 0 }, { brk0: this.brk0, fds: [], format: 'exact' }),
    );
  }

  num(x: string | undefined): bigint {
    if (x === undefined) throw new Error('missing argument');
    if (x.startsWith('+')) return SCENARIO_BASE + BigInt(x.slice(1));
    if (x.startsWith('b+')) return this.brk0 + BigInt(x.slice(2));
    return BigInt.asUintN(64, BigInt(x));
  }
}

const isAccess = (line: string) => /^(r|w|x) /.test(line) || /^rep \d+ \S+ (r|w|x) /.test(line);

/**
 * Runs `steps` on both systems; returns the first divergence, or undefined when they agree throughout (including a
 * final sweep that loads sample bytes of every hot-region page and of the first and last page of every VMA in the
 * wide region, in every process).
 *
 * Out of memory (the implementation's machine has no free frame): a load, store or fetch answered OOM where the
 * model succeeded must have killed the faulting process (Linux 6.18 `pagefault_out_of_memory` → the OOM killer; a
 * process alone on the machine is its own victim) — the model's process exits too and the comparison goes on with
 * the others. While the implementation leaves such a process alive, and after a system call that answered
 * ENOMEM/EAGAIN because frames ran out, the rest of the program is not compared (the model cannot know which
 * allocation failed first) — the teardown and invariant checks still run.
 */
export function compareProgram(
  steps: readonly Step[],
  model: System,
  impl: System,
  options: CompareOptions = {},
): Divergence | undefined {
  const a = new World(model);
  const b = new World(impl);
  const stats = options.stats;
  const detailsMode = options.details ?? 'step';
  if (a.brk0 !== b.brk0)
    return { step: -1, what: 'initial brk', model: String(a.brk0), impl: String(b.brk0) };
  const cmp = (step: number, what: string, x: string, y: string): Divergence | undefined =>
    x === y ? undefined : { step, what, model: x, impl: y };
  const compareDetails = (i: number): Divergence | undefined => {
    for (let p = 0; p < a.procs.length; p++) {
      const da = a.procs[p]!.details?.();
      const db = b.procs[p]!.details?.();
      if (!da || !db) continue;
      const d = cmp(i, `smaps/status of slot ${p}`, detailsText(da, da), detailsText(db, da));
      if (d) return d;
    }
    return undefined;
  };
  // Once frames ran out, a later difference may come from an allocation failure Linux ignores silently (MAP_POPULATE,
  // the populate of an mlocked mapping made writable): only compared while memory never ran out.
  let oomSeen = false;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (a.procs.length === 0) break;
    const tb = b.target(s);
    const ta = a.target(s);
    const oomBefore = impl.outOfMemory?.() ?? false;
    let rb: string;
    try {
      rb = b.step(s);
    } catch (e) {
      return { step: i, what: 'implementation threw', model: '', impl: String((e as Error).stack ?? e) };
    }
    const oom = impl.outOfMemory?.() ?? false;
    if (oom || oomBefore) oomSeen = true;
    // Out of memory: whatever differs now may be the model's ignorance of which allocation failed.
    const stop = (d: Divergence): Divergence | undefined => {
      if (!oom) return d;
      if (stats) stats.oomStops++;
      return undefined;
    };
    if (rb.includes('OOM') && isAccess(s.line)) {
      // one access needs at most a data frame and a few page-table frames; a rep of accesses may use up the memory
      // itself (and the OOM kill gives the victim's frames back, so only the state before the step tells)
      if (s.line.startsWith('rep ') ? !oom && !impl.killed?.(tb) : !oomBefore)
        return { step: i, what: 'OOM with free memory', model: '(no OOM)', impl: rb };
      if (!impl.killed?.(tb)) {
        // the faulting process survived the OOM: the model cannot know what it holds now
        if (stats) stats.oomStops++;
        return undefined;
      }
      if (stats) stats.oomKills++;
      if (s.line.startsWith('rep ')) {
        // the accesses before the fatal one completed: the model runs those, then its process dies too
        const parts = rb.split(' ');
        const done = parts.slice(0, -1);
        const k = done.reduce((n, x) => n + Number(x.slice(0, x.indexOf('x'))), 0);
        const tok = s.line.split(' ');
        const ra = k ? a.step({ slot: s.slot, line: ['rep', String(k), ...tok.slice(2)].join(' ') }) : '';
        const d0 = cmp(i, 'result before the OOM kill', ra, done.join(' '));
        if (d0) return d0;
      }
      // the model's process dies with it (the fatal access itself never completed)
      ta.exit();
      a.remove(ta);
      b.remove(tb);
    } else {
      const ra = a.step(s);
      const d0 = cmp(i, 'result', ra, rb);
      if (d0) return stop(d0);
    }
    try {
      impl.check();
    } catch (e) {
      return { step: i, what: 'invariant checker', model: 'ok', impl: String((e as Error).message ?? e) };
    }
    for (let p = 0; p < a.procs.length; p++) {
      const ma = a.procs[p]!.maps();
      if (stats && ma.length > stats.maxVmas) stats.maxVmas = ma.length;
      const d =
        cmp(i, `maps of slot ${p}`, mapsText(a.procs[p]!), mapsText(b.procs[p]!)) ??
        cmp(i, `mincore of slot ${p}`, residency(a.procs[p]!), residency(b.procs[p]!));
      if (d) return stop(d);
    }
    if (detailsMode === 'step') {
      const d = compareDetails(i);
      if (d) return stop(d);
    }
  }
  if (stats) stats.harts |= b.harts;
  if (detailsMode === 'end') {
    const d = compareDetails(steps.length);
    if (d && oomSeen) {
      if (stats) stats.oomStops++;
      return undefined;
    }
    if (d) return d;
  }
  for (let p = 0; p < a.procs.length; p++) {
    const pages = new Set<number>();
    for (let pg = 0; pg < REGION_PAGES; pg++) pages.add(pg);
    for (const m of a.procs[p]!.maps()) {
      if (m.end <= BASE || m.start >= WIDE_END) continue;
      pages.add((m.start - BASE) / 4096);
      pages.add((m.end - BASE) / 4096 - 1);
    }
    for (const pg of [...pages].sort((x, y) => x - y)) {
      for (const o of OFFSETS) {
        const va = BASE + pg * 4096 + o;
        const x = String(a.procs[p]!.load8(va));
        const low = impl.outOfMemory?.() ?? false;
        const y = String(b.procs[p]!.load8(va));
        if (y === 'OOM' && low) {
          // the sweep's own faults ran out of memory: nothing more to compare
          if (stats) stats.oomStops++;
          return undefined;
        }
        if (x !== y)
          return {
            step: steps.length,
            what: `final load slot ${p} +0x${(va - BASE).toString(16)}`,
            model: x,
            impl: y,
          };
      }
    }
  }
  return undefined;
}

/** Formats a divergence for a failure message. */
export function describeDivergence(d: Divergence, steps: readonly Step[]): string {
  const shown = steps.slice(0, d.step + 1).map((s, i) => `${i === d.step ? '>' : ' '} @${s.slot} ${s.line}`);
  return `after step ${d.step} (${d.what}):\n  model: ${d.model}\n  impl:  ${d.impl}\nprogram:\n${shown.join('\n')}`;
}
