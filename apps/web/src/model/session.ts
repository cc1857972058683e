/**
 * A session: the machine's options and seed, what is being stepped through (the demo or a scenario's operation
 * lines, typed calls included), the current step, and what the panels select. It is the whole state: the machine
 * after step `k` is rebuilt from it by running steps 0..k on a fresh, seeded machine, and it round-trips through
 * the URL query. Stepping forward does not rebuild: the last machine is kept and runs one more step.
 *
 * @module
 */
import type { EventSink, MmEvent, MmEventKind, MmEventMap } from '@pagewright/core';
import { Machine, type Process } from '@pagewright/process-vm';
import { DEMO_STEPS, demoContext } from './demo.js';
import { machineOptions, optionsFromQuery, optionsToQuery, type WebOptions } from './options.js';
import {
  type ScenarioStepper,
  scenarioMachineOptions,
  scenarioResults,
  scenarioStepper,
  stepTo,
} from './scenario.js';

/** What is stepped through. */
export type Source =
  | { kind: 'demo' }
  /** A scenario: its name (a bundled file's, `upload.scn`, or `empty`) and its operation lines. */
  | { kind: 'scenario'; name: string; ops: string[] };

/** The whole state of the visualizer. */
export interface Session {
  options: WebOptions;
  source: Source;
  /** Steps done (0 = the state before the first step). */
  step: number;
  /** The process the panels show (null: the one that ran the last step). */
  pid: number | null;
  /** The address whose walk is shown, or null. */
  walk: number | null;
}

/** Number of steps of a source. */
export function stepCount(source: Source): number {
  return source.kind === 'demo' ? DEMO_STEPS.length : source.ops.length;
}

/** The title of step `k` (1-based; 0 is the start). */
export function stepTitle(source: Source, k: number): string {
  if (k === 0)
    return source.kind === 'demo' ? 'boot: an empty machine' : 'start: a fresh process (the region is empty)';
  return source.kind === 'demo' ? (DEMO_STEPS[k - 1]?.title ?? '') : (source.ops[k - 1] ?? '');
}

/** An event sink that keeps every event. */
class KeepAll implements EventSink {
  readonly enabled = true;
  readonly events: MmEvent[] = [];
  emit<K extends MmEventKind>(kind: K, data: MmEventMap[K]): void {
    this.events.push({ kind, ...data } as MmEvent);
  }
}

/** The machine after some steps. */
export interface Replayed {
  machine: Machine;
  /** The process that ran the last step (null at the start of the demo, or when it has exited). */
  current: Process | null;
  /** The events of the last step. */
  events: MmEvent[];
  /** What the last step did, as text (the demo's calls; a scenario step's oracle-format result line). */
  calls: string[];
  /** Set when a step could not run (a malformed scenario line). */
  error: string | null;
}

/** The machine options of a session's source. */
export function sessionMachineOptions(options: WebOptions, source: Source) {
  const base = machineOptions(options);
  return source.kind === 'demo' ? base : scenarioMachineOptions(base);
}

/** A machine part-way through a source: the demo's context or a scenario's stepper, and its event sink. */
interface Live {
  key: string;
  sink: KeepAll;
  machine: Machine;
  /** Steps done. */
  k: number;
  demo: ReturnType<typeof demoContext> | null;
  scenario: ScenarioStepper | null;
  /** What the last step did (the demo's calls), and where its events begin. */
  calls: string[];
  mark: number;
}

function liveKey(options: WebOptions, source: Source): string {
  return JSON.stringify([options, source]);
}

/** A fresh machine for `source` at step 0. */
function start(options: WebOptions, source: Source): Live {
  const sink = new KeepAll();
  const mo = { ...sessionMachineOptions(options, source), events: sink };
  const key = liveKey(options, source);
  if (source.kind === 'demo') {
    const machine = new Machine(mo);
    return { key, sink, machine, k: 0, demo: demoContext(machine), scenario: null, calls: [], mark: 0 };
  }
  const scenario = scenarioStepper(source.ops, mo);
  const machine = scenario.current.process.machine;
  return { key, sink, machine, k: 0, demo: null, scenario, calls: [], mark: 0 };
}

/** Runs `live` forward to step `k`. @throws ScenarioError for a malformed scenario line */
function advance(live: Live, k: number): void {
  if (live.demo !== null) {
    const ctx = live.demo;
    for (; live.k < Math.min(k, DEMO_STEPS.length); live.k++) {
      live.mark = live.sink.events.length;
      live.calls = (DEMO_STEPS[live.k] as (typeof DEMO_STEPS)[number]).act(ctx);
    }
    return;
  }
  const run = live.scenario as ScenarioStepper;
  stepTo(run, k, () => {
    live.mark = live.sink.events.length;
  });
  live.k = k;
}

function replayedOf(live: Live): Replayed {
  const current = live.demo !== null ? live.demo.parent : (live.scenario as ScenarioStepper).current.process;
  return {
    machine: live.machine,
    current: current !== null && current.exitCode === null ? current : null,
    events: live.sink.events.slice(live.mark),
    calls: live.calls,
    error: null,
  };
}

/** The machine kept from the last call of {@link replayStep} (stepping forward runs one step on it). */
let kept: Live | null = null;

/**
 * The machine after the first `k` steps of `source`, and `capture` of it one step before (null at step 0). When the
 * last call ended at step `k - 1` of the same session, its machine runs one more step; otherwise a fresh one runs
 * from the start. The returned machine stays live until the next call.
 */
export function replayStep<T>(
  options: WebOptions,
  source: Source,
  k: number,
  capture: (machine: Machine) => T,
): { now: Replayed; before: T | null } {
  try {
    const key = liveKey(options, source);
    const live =
      kept !== null && kept.key === key && kept.k === k - 1 && k > 0 ? kept : start(options, source);
    kept = null;
    if (k > 0) advance(live, k - 1);
    const before = k > 0 ? capture(live.machine) : null;
    advance(live, k);
    kept = live;
    return { now: replayedOf(live), before };
  } catch (e) {
    kept = null;
    const machine = new Machine(sessionMachineOptions(options, source));
    return {
      now: {
        machine,
        current: null,
        events: [],
        calls: [],
        error: e instanceof Error ? e.message : String(e),
      },
      before: null,
    };
  }
}

/** Replays the first `k` steps of `source` on a fresh machine with `options`. */
export function replay(options: WebOptions, source: Source, k: number): Replayed {
  const live = start(options, source);
  try {
    advance(live, k);
  } catch (e) {
    return {
      machine: new Machine(sessionMachineOptions(options, source)),
      current: null,
      events: [],
      calls: [],
      error: e instanceof Error ? e.message : String(e),
    };
  }
  return replayedOf(live);
}

/** The oracle-format result line of each scenario operation (empty for the demo). */
export function resultsOf(
  options: WebOptions,
  source: Source,
): { results: Map<number, string>; error: string | null } {
  if (source.kind === 'demo') return { results: new Map(), error: null };
  const r = scenarioResults(source.ops, sessionMachineOptions(options, source));
  return 'error' in r ? { results: new Map(), error: r.error } : { results: r.results, error: null };
}

/** Base64url of UTF-8 text. */
function encodeText(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The inverse of {@link encodeText}; null for a malformed value. */
function decodeText(value: string): string | null {
  try {
    const bin = atob(value.replace(/-/g, '+').replace(/_/g, '/'));
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

/** Parses an address written as hex (`0x…`) or decimal; null otherwise. */
export function parseAddress(text: string): number | null {
  const t = text.trim();
  const n = /^0x[0-9a-f]+$/i.test(t)
    ? Number.parseInt(t.slice(2), 16)
    : /^[0-9]+$/.test(t)
      ? Number(t)
      : Number.NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * The session in a URL query: the options that differ from the defaults, `src` (`demo`, or the scenario's name),
 * `ops` (the operation lines, base64url, unless they are exactly the bundled file's), `step`, `pid`, `walk`.
 */
export function sessionToQuery(s: Session, bundled: ReadonlyMap<string, readonly string[]>): string {
  const q = new URLSearchParams();
  optionsToQuery(s.options, q);
  if (s.source.kind === 'demo') q.set('src', 'demo');
  else {
    const { name, ops } = s.source;
    q.set('src', name);
    const file = bundled.get(name);
    const same = file !== undefined && file.length === ops.length && file.every((l, i) => l === ops[i]);
    if (!same) q.set('ops', encodeText(ops.join('\n')));
  }
  q.set('step', String(s.step));
  if (s.pid !== null) q.set('pid', String(s.pid));
  if (s.walk !== null) q.set('walk', `0x${s.walk.toString(16)}`);
  return q.toString();
}

/** The session a URL query describes (the demo at step 0 for an empty query). */
export function sessionFromQuery(query: string, bundled: ReadonlyMap<string, readonly string[]>): Session {
  const q = new URLSearchParams(query);
  const options = optionsFromQuery(q);
  const src = q.get('src') ?? 'demo';
  let source: Source = { kind: 'demo' };
  if (src !== 'demo') {
    const text = q.get('ops');
    const decoded = text === null ? null : decodeText(text);
    const ops = decoded !== null ? decoded.split('\n').filter((l) => l.trim() !== '') : bundled.get(src);
    if (ops !== undefined) source = { kind: 'scenario', name: src, ops: [...ops] };
  }
  const stepText = q.get('step');
  const step =
    stepText !== null && /^[0-9]+$/.test(stepText) ? Math.min(Number(stepText), stepCount(source)) : 0;
  const pidText = q.get('pid');
  const pid = pidText !== null && /^[0-9]+$/.test(pidText) ? Number(pidText) : null;
  const walkText = q.get('walk');
  const walk = walkText === null ? null : parseAddress(walkText);
  return { options, source, step, pid, walk };
}
