/**
 * Runs one program on two systems (the reference model and an implementation) step by step and reports the first
 * visible difference: a return value or errno, a signal, a loaded byte, a `/proc/PID/maps` line, a mincore bit,
 * or an invariant the implementation's own checker rejects.
 *
 * @module
 */

import { applyOp, SCENARIO_BASE } from '../scenario/run.js';
import type { VmTarget } from '../scenario/target.js';
import { REGION_PAGES, type Step } from './program.js';

/** One side of a comparison. */
export interface System {
  /** The first process. */
  root: VmTarget;
  /** Throws when an internal invariant is broken (the implementation's checker); the model's is a no-op. */
  check(): void;
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

const BASE = Number(SCENARIO_BASE);
const OFFSETS = [0, 1, 0x7ff, 0xfff];

function residency(t: VmTarget): string {
  const parts: string[] = [];
  for (const m of t.maps()) {
    const s = Math.max(m.start, BASE);
    const e = Math.min(m.end, BASE + REGION_PAGES * 4096);
    if (s >= e) continue;
    const r = t.mincore(BigInt(s), BigInt(e - s));
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

/** Everything a process shows without side effects. */
function observe(t: VmTarget): { maps: string; mincore: string } {
  return { maps: mapsText(t), mincore: residency(t) };
}

/** A live process list per system, with slots resolved the same way on both. */
class World {
  readonly procs: VmTarget[];
  readonly brk0: bigint;
  constructor(readonly sys: System) {
    this.procs = [sys.root];
    this.brk0 = BigInt(sys.root.brk(0n));
  }

  step(s: Step): string {
    const t = this.procs[s.slot % this.procs.length]!;
    if (s.line === 'fork') {
      this.procs.push(t.fork());
      return 'forked';
    }
    if (s.line === 'exit') {
      if (this.procs.length === 1) return 'skip';
      t.exit();
      this.procs.splice(s.slot % this.procs.length, 1);
      return 'exited';
    }
    const tok = s.line.split(/\s+/);
    const brk0 = this.brk0;
    const num = (x: string | undefined): bigint => {
      if (x === undefined) throw new Error('missing argument');
      if (x.startsWith('+')) return SCENARIO_BASE + BigInt(x.slice(1));
      if (x.startsWith('b+')) return brk0 + BigInt(x.slice(2));
      return BigInt.asUintN(64, BigInt(x));
    };
    return JSON.stringify(applyOp(t, tok, num, brk0, true));
  }
}

/**
 * Runs `steps` on both systems; returns the first divergence, or undefined when they agree throughout (including a
 * final sweep that loads sample bytes of every region page in every process).
 */
export function compareProgram(steps: readonly Step[], model: System, impl: System): Divergence | undefined {
  const a = new World(model);
  const b = new World(impl);
  if (a.brk0 !== b.brk0)
    return { step: -1, what: 'initial brk', model: String(a.brk0), impl: String(b.brk0) };
  const cmp = (step: number, what: string, x: string, y: string): Divergence | undefined =>
    x === y ? undefined : { step, what, model: x, impl: y };
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    const ra = a.step(s);
    let rb: string;
    try {
      rb = b.step(s);
    } catch (e) {
      return { step: i, what: 'implementation threw', model: ra, impl: String((e as Error).stack ?? e) };
    }
    const d0 = cmp(i, 'result', ra, rb);
    if (d0) return d0;
    try {
      impl.check();
    } catch (e) {
      return { step: i, what: 'invariant checker', model: 'ok', impl: String((e as Error).message ?? e) };
    }
    for (let p = 0; p < a.procs.length; p++) {
      const oa = observe(a.procs[p]!);
      const ob = observe(b.procs[p]!);
      const d =
        cmp(i, `maps of slot ${p}`, oa.maps, ob.maps) ??
        cmp(i, `mincore of slot ${p}`, oa.mincore, ob.mincore);
      if (d) return d;
    }
  }
  for (let p = 0; p < a.procs.length; p++) {
    for (let pg = 0; pg < REGION_PAGES; pg++) {
      for (const o of OFFSETS) {
        const va = BASE + pg * 4096 + o;
        const x = String(a.procs[p]!.load8(va));
        const y = String(b.procs[p]!.load8(va));
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
