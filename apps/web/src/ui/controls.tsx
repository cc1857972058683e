/**
 * The controls: what to step through (demo, a bundled or uploaded scenario), the machine's plug-in options, the
 * stepper and the syscall bar.
 *
 * @module
 */
import { useState } from 'preact/hooks';
import { OPTION_CHOICES, TLB_POLICIES, tlbGeometry, type WebOptions } from '../model/options.js';

/** A labelled select. */
function Choice<T extends string>(props: {
  id: string;
  label: string;
  value: T;
  values: readonly T[];
  onChange: (v: T) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as T)}>
        {props.values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </div>
  );
}

const TLB_SETS = ['off', '1', '2', '4', '8', '16', '32', '64'] as const;
const TLB_WAYS = ['1', '2', '4', '8', '16'] as const;

/** Every plug-in option of the machine, and the seed. */
export function OptionsBar(props: { options: WebOptions; onChange: (o: WebOptions) => void }) {
  const o = props.options;
  const set = (patch: Partial<WebOptions>) => props.onChange({ ...o, ...patch });
  const geometry = tlbGeometry(o.tlb);
  const policy = o.tlb.split(':')[1] ?? 'lru';
  const tlbSpec = (sets: string, ways: string, pol: string) =>
    sets === 'off' ? 'off' : `${sets}x${ways}:${pol}`;
  const sets = o.tlb === 'off' ? 'off' : String(geometry.sets);
  const ways = o.tlb === 'off' ? '4' : String(geometry.ways);
  return (
    <fieldset class="options" id="panel-options">
      <legend>Machine</legend>
      <Choice
        id="opt-arch"
        label="arch"
        value={o.arch}
        values={OPTION_CHOICES.arch}
        onChange={(arch) => set({ arch })}
      />
      <Choice
        id="opt-allocator"
        label="allocator"
        value={o.allocator}
        values={OPTION_CHOICES.allocator}
        onChange={(allocator) => set({ allocator })}
      />
      <div class="field">
        <label for="opt-harts">harts</label>
        <input
          id="opt-harts"
          type="number"
          min={1}
          max={8}
          value={o.harts}
          onChange={(e) => {
            const n = Number(e.currentTarget.value);
            if (Number.isInteger(n) && n >= 1 && n <= 8) set({ harts: n });
          }}
        />
      </div>
      <Choice
        id="opt-tlb-sets"
        label="TLB sets"
        value={sets}
        values={TLB_SETS as unknown as string[]}
        onChange={(v) => set({ tlb: tlbSpec(v, ways, policy) })}
      />
      <Choice
        id="opt-tlb-ways"
        label="TLB ways"
        value={ways}
        values={TLB_WAYS as unknown as string[]}
        onChange={(v) => set({ tlb: tlbSpec(sets === 'off' ? '16' : sets, v, policy) })}
      />
      <Choice
        id="opt-tlb-policy"
        label="TLB policy"
        value={policy}
        values={TLB_POLICIES as unknown as string[]}
        onChange={(v) => set({ tlb: tlbSpec(sets === 'off' ? '16' : sets, ways, v) })}
      />
      <Choice
        id="opt-vma"
        label="VMA index"
        value={o.vmaIndex}
        values={OPTION_CHOICES.vmaIndex}
        onChange={(vmaIndex) => set({ vmaIndex })}
      />
      <Choice
        id="opt-placement"
        label="placement"
        value={o.placement}
        values={OPTION_CHOICES.placement}
        onChange={(placement) => set({ placement })}
      />
      <Choice
        id="opt-flush"
        label="flush"
        value={o.flush}
        values={OPTION_CHOICES.flush}
        onChange={(flush) => set({ flush })}
      />
      <Choice
        id="opt-ad"
        label="A/D"
        value={o.ad}
        values={OPTION_CHOICES.ad}
        onChange={(ad) => set({ ad })}
      />
      <div class="field">
        <label for="opt-seed">seed</label>
        <input
          id="opt-seed"
          type="number"
          min={0}
          value={o.seed}
          onChange={(e) => {
            const n = Number(e.currentTarget.value);
            if (Number.isInteger(n) && n >= 0 && n < 2 ** 31) set({ seed: n });
          }}
        />
      </div>
      <div class="field check">
        <input
          id="opt-aslr"
          type="checkbox"
          checked={o.aslr}
          onChange={(e) => set({ aslr: e.currentTarget.checked })}
        />
        <label for="opt-aslr">ASLR</label>
      </div>
    </fieldset>
  );
}

/** The stepper: to the start, back, forward, to the end, and a slider. */
export function Stepper(props: { step: number; count: number; title: string; onStep: (k: number) => void }) {
  const { step, count } = props;
  const go = (k: number) => props.onStep(Math.max(0, Math.min(count, k)));
  return (
    <div class="stepper" id="panel-stepper">
      <button type="button" id="step-first" onClick={() => go(0)} disabled={step === 0}>
        « Start
      </button>
      <button type="button" id="step-back" onClick={() => go(step - 1)} disabled={step === 0}>
        ◀ Back
      </button>
      <button type="button" id="step-forward" onClick={() => go(step + 1)} disabled={step >= count}>
        Forward ▶
      </button>
      <button type="button" id="step-last" onClick={() => go(count)} disabled={step >= count}>
        End »
      </button>
      <label for="step-slider" class="visually-hidden">
        Step
      </label>
      <input
        id="step-slider"
        type="range"
        min={0}
        max={count}
        value={step}
        onInput={(e) => go(Number(e.currentTarget.value))}
      />
      <output id="step-status" for="step-slider" aria-live="polite" data-step={step}>
        step {step} of {count}: <strong>{props.title}</strong>
      </output>
    </div>
  );
}

/** The syscall bar: one scenario-language line, run after the current step. */
export function SyscallBar(props: { enabled: boolean; error: string | null; onRun: (line: string) => void }) {
  const [text, setText] = useState('');
  return (
    <form
      class="syscall-bar"
      id="panel-syscall"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim() !== '') props.onRun(text);
      }}
    >
      <label for="syscall-input">System call</label>
      <input
        id="syscall-input"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
        placeholder={
          props.enabled ? 'mmap +0 0x3000 rw- PRIVATE|ANONYMOUS   (then: store +0x1000 7, fork, join …)' : ''
        }
        disabled={!props.enabled}
        autocomplete="off"
        spellcheck={false}
        aria-describedby="syscall-help"
      />
      <button type="submit" disabled={!props.enabled}>
        Run
      </button>
      <p id="syscall-help" class="note">
        {props.enabled
          ? 'Scenario syntax (FORMAT.md): +OFF is relative to 0x2000000000, b+OFF to the break; load/store are r/w. ' +
            'The call is inserted after the current step.'
          : 'The demo’s calls are its story: pick “empty scenario” or a .scn file to type calls.'}
      </p>
      {props.error ? (
        <p class="error" role="alert">
          {props.error}
        </p>
      ) : null}
    </form>
  );
}
