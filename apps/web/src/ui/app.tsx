/**
 * The visualizer: a {@link Session} in the URL, the machine replayed to its step, and the panels.
 *
 * @module
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { DEMO_STEPS } from '../model/demo.js';
import { runScenarioPrefix, scenarioOps, typedLine } from '../model/scenario.js';
import {
  type Replayed,
  replayStep,
  resultsOf,
  type Session,
  type Source,
  sessionFromQuery,
  sessionMachineOptions,
  sessionToQuery,
  stepCount,
  stepTitle,
} from '../model/session.js';
import { diffSnapshots, type MachineSnapshot, snapshot } from '../model/snapshot.js';
import { walkAddress } from '../model/walk.js';
import { BUNDLED_OPS } from '../scenarios.js';
import { OptionsBar, Stepper, SyscallBar } from './controls.js';
import { EventsPanel, FramesPanel, MapsPanel, PageTablePanel, TlbPanel, WalkPanel } from './panels.js';

const EMPTY = 'empty';
const UPLOAD = 'upload.scn';

/** The state after a session's step and the one before it. */
interface Frame {
  now: Replayed;
  snap: MachineSnapshot;
  before: MachineSnapshot | null;
}

function build(session: Session): Frame {
  // One run: the state one step before is captured on the way (a step forward runs one step on the last machine).
  const { now, before } = replayStep(session.options, session.source, session.step, snapshot);
  return { now, snap: snapshot(now.machine), before };
}

function sourceValue(source: Source): string {
  return source.kind === 'demo' ? 'demo' : source.name;
}

/** The app. */
export function App() {
  const [session, setSession] = useState<Session>(() => sessionFromQuery(location.search, BUNDLED_OPS));
  const [barError, setBarError] = useState<string | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);

  useEffect(() => {
    const q = sessionToQuery(session, BUNDLED_OPS);
    if (location.search !== `?${q}`) history.replaceState(null, '', `?${q}`);
  }, [session]);

  // ← and → step back and forward when the focus is not in a field.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName)) return;
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (delta === 0) return;
      e.preventDefault();
      setSession((s) => ({ ...s, step: Math.max(0, Math.min(stepCount(s.source), s.step + delta)) }));
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const frame = useMemo(() => build(session), [session.options, session.source, session.step]);
  const results = useMemo(
    () => resultsOf(session.options, session.source),
    [session.options, session.source],
  );
  const diff = useMemo(() => diffSnapshots(frame.before, frame.snap), [frame]);

  const { now, snap } = frame;
  const pid = session.pid ?? now.current?.pid ?? snap.processes[0]?.pid ?? null;
  const proc = snap.processes.find((p) => p.pid === pid) ?? snap.processes[0] ?? null;
  const live = proc === null ? undefined : now.machine.processes.get(proc.pid);
  const walk =
    session.walk === null || live === undefined
      ? null
      : walkAddress(now.machine.arch, now.machine.memory, live.vm.pageTable.root, session.walk);
  const count = stepCount(session.source);
  const result =
    session.source.kind === 'scenario' && session.step > 0
      ? (results.results.get(session.step) ?? null)
      : null;

  const update = (patch: Partial<Session>) => setSession((s) => ({ ...s, ...patch }));
  const onWalk = (va: number) => update({ walk: va });
  const setSource = (source: Source) => setSession((s) => ({ ...s, source, step: 0, pid: null, walk: null }));

  const runLine = (input: string) => {
    if (session.source.kind !== 'scenario') return;
    const t = typedLine(input);
    if ('error' in t) {
      setBarError(t.error);
      return;
    }
    const ops = [...session.source.ops];
    ops.splice(session.step, 0, t.line);
    try {
      runScenarioPrefix(ops, session.step + 1, sessionMachineOptions(session.options, session.source));
    } catch (e) {
      setBarError(e instanceof Error ? e.message : String(e));
      return;
    }
    setBarError(null);
    setSession((s) => ({
      ...s,
      source: { ...(s.source as Extract<Source, { kind: 'scenario' }>), ops },
      step: s.step + 1,
    }));
  };

  return (
    <div class="app">
      <header>
        <h1>pagewright</h1>
        <p class="tagline">
          the virtual-memory subsystem, step by step: VMAs, page tables, TLBs, frames and events
        </p>
      </header>
      <div class="toolbar">
        <fieldset class="source" id="panel-source">
          <legend>Steps</legend>
          <div class="field">
            <label for="source-select">Source</label>
            <select
              id="source-select"
              value={sourceValue(session.source)}
              onChange={(e) => {
                const v = e.currentTarget.value;
                if (v === 'demo') setSource({ kind: 'demo' });
                else if (v === EMPTY) setSource({ kind: 'scenario', name: EMPTY, ops: [] });
                else {
                  const ops = BUNDLED_OPS.get(v);
                  if (ops) setSource({ kind: 'scenario', name: v, ops: [...ops] });
                }
              }}
            >
              <option value="demo">demo (the CLI’s story)</option>
              <option value={EMPTY}>empty scenario (type calls)</option>
              {session.source.kind === 'scenario' &&
              !BUNDLED_OPS.has(session.source.name) &&
              session.source.name !== EMPTY ? (
                <option value={session.source.name}>{session.source.name}</option>
              ) : null}
              {[...BUNDLED_OPS.keys()].map((name) => (
                <option key={name} value={name}>
                  {name}.scn
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="source-upload">Upload a .scn</label>
            <input
              id="source-upload"
              type="file"
              accept=".scn,text/plain"
              onChange={async (e) => {
                const file = e.currentTarget.files?.[0];
                if (!file) return;
                const text = await file.text();
                const ops = scenarioOps(text);
                setUploadError(ops.length === 0 ? 'the file has no operation line' : null);
                setSource({ kind: 'scenario', name: file.name.replace(/\.scn$/, '') || UPLOAD, ops });
              }}
            />
          </div>
          {uploadError ? (
            <p class="error" role="alert">
              {uploadError}
            </p>
          ) : null}
          {snap.processes.length > 1 ? (
            <div class="field">
              <label for="pid-select">Process</label>
              <select
                id="pid-select"
                value={String(proc?.pid ?? '')}
                onChange={(e) => update({ pid: Number(e.currentTarget.value) })}
              >
                {snap.processes.map((p) => (
                  <option key={p.pid} value={String(p.pid)}>
                    pid {p.pid}
                  </option>
                ))}
              </select>
            </div>
          ) : null}
        </fieldset>
        <OptionsBar options={session.options} onChange={(options) => update({ options })} />
      </div>
      <Stepper
        step={session.step}
        count={count}
        title={stepTitle(session.source, session.step)}
        onStep={(step) => update({ step })}
      />
      {session.source.kind === 'demo' && session.step > 0 ? (
        <p class="explain">{explainOf(session.step)}</p>
      ) : null}
      {now.error || results.error ? (
        <p class="error" role="alert">
          {now.error ?? results.error}
        </p>
      ) : null}
      <SyscallBar enabled={session.source.kind === 'scenario'} error={barError} onRun={runLine} />
      <main class="grid">
        <MapsPanel proc={proc} diff={diff} onWalk={onWalk} />
        <WalkPanel walk={walk} onWalk={onWalk} onClear={() => update({ walk: null })} />
        <PageTablePanel proc={proc} diff={diff} onWalk={onWalk} />
        <TlbPanel tlbs={snap.tlbs} diff={diff} onWalk={onWalk} />
        <FramesPanel frames={snap.frames} inUse={snap.framesInUse} total={snap.framesTotal} diff={diff} />
        <EventsPanel events={now.events} calls={now.calls} result={result} />
      </main>
    </div>
  );
}

function explainOf(step: number): string {
  return DEMO_STEPS[step - 1]?.explain ?? '';
}
