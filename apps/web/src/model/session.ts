/**
 * A session: the machine's options and seed, what is being stepped through (the demo or a scenario's operation
 * lines, typed calls included), the current step, and what the panels select. It is the whole state: the machine
 * after step `k` is rebuilt from it by replaying steps 0..k on a fresh, seeded machine, and it round-trips through
 * the URL query.
 *
 * @module
 */
import type { EventSink, MmEvent, MmEventKind, MmEventMap } from '@pagewright/core';
import { Machine, type Process } from '@pagewright/process-vm';
import { DEMO_STEPS, demoContext } from './demo.js';
import { machineOptions, optionsFromQuery, optionsToQuery, type WebOptions } from './options.js';
import { runScenarioPrefix, scenarioMachineOptions, scenarioResults } from './scenario.js';

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

/** Replays the first `k` steps of `source` on a fresh machine with `options`. */
export function replay(options: WebOptions, source: Source, k: number): Replayed {
  const sink = new KeepAll();
  const mo = { ...sessionMachineOptions(options, source), events: sink };
  let mark = 0;
  if (source.kind === 'demo') {
    const machine = new Machine(mo);
    const ctx = demoContext(machine);
    let calls: string[] = [];
    for (let i = 0; i < Math.min(k, DEMO_STEPS.length); i++) {
      mark = sink.events.length;
      calls = (DEMO_STEPS[i] as (typeof DEMO_STEPS)[number]).act(ctx);
    }
    const current = ctx.parent;
    return {
      machine,
      current: current !== null && current.exitCode === null ? current : null,
      events: sink.events.slice(mark),
      calls,
      error: null,
    };
  }
  try {
    const { process } = runScenarioPrefix(source.ops, k, mo, () => {
      mark = sink.events.length;
    });
    return {
      machine: process.machine,
      current: process,
      events: sink.events.slice(mark),
      calls: [],
      error: null,
    };
  } catch (e) {
    const machine = new Machine(mo);
    return {
      machine,
      current: null,
      events: [],
      calls: [],
      error: e instanceof Error ? e.message : String(e),
    };
  }
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
