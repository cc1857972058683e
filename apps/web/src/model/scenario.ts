/**
 * Scenario sessions: a `.scn` text (packages/process-vm/conformance/FORMAT.md) stepped one operation at a time.
 *
 * Nothing here interprets the language: every step is one `step()` of process-vm's own interpreter
 * (`ScenarioRun`, through `startScenario`), so the state after `k` operations is the one the whole scenario passes
 * through. Every choice is seeded: a run started afresh reaches the same states.
 *
 * @module
 */
import { PAGE_SIZE } from '@pagewright/core';
import {
  type Machine,
  type MachineOptions,
  type Process,
  type ProcessTarget,
  parseScenario,
  runScenario,
  ScenarioError,
  type ScenarioRun,
  startScenario,
} from '@pagewright/process-vm';

/** The operations of the syscall bar and the scenario language (`load`/`store` are `r`/`w`). */
export const SCENARIO_OPS = [
  'mmap',
  'munmap',
  'mprotect',
  'mremap',
  'brk',
  'madvise',
  'mincore',
  'mlock',
  'munlock',
  'msync',
  'fork',
  'join',
  'r',
  'w',
  'fill',
  'check',
  'maps',
] as const;

/** The operation lines of a scenario text (comments and blank lines dropped), tokens joined by one space. */
export function scenarioOps(text: string): string[] {
  return parseScenario(text).map((l) => l.tokens.join(' '));
}

/**
 * A line typed in the syscall bar, as a scenario line: `load ADDR` is `r ADDR`, `store ADDR VAL` is `w ADDR VAL`.
 * Returns an error message for an operation the language does not have.
 */
export function typedLine(input: string): { line: string } | { error: string } {
  const ops = scenarioOps(input);
  if (ops.length !== 1) return { error: 'type one call, e.g. mmap +0 0x3000 rw- PRIVATE|ANONYMOUS' };
  const [op = '', ...args] = (ops[0] as string).split(' ');
  const name = op === 'load' ? 'r' : op === 'store' ? 'w' : op;
  if (!(SCENARIO_OPS as readonly string[]).includes(name))
    return { error: `unknown call "${op}" (known: ${SCENARIO_OPS.join(', ')}, load, store)` };
  return { line: [name, ...args].join(' ') };
}

/**
 * The machine a scenario runs on for these plug-in choices: as `runScenario`'s default, Sv48 gets x86-64's
 * `TASK_SIZE` (2^47 − 4096, the reference kernel's user range) and 512 MiB of RAM.
 */
export function scenarioMachineOptions(base: MachineOptions): MachineOptions {
  return {
    ...base,
    memoryBytes: 512 * 1024 * 1024,
    ...(base.arch === 'sv48' ? { limits: { taskSize: 2 ** 47 - PAGE_SIZE } } : {}),
  };
}

/** The process that ran the last of the operations so far (its machine holds the state). */
export interface ScenarioPrefixRun {
  process: Process<Machine>;
}

/** A scenario being stepped: process-vm's interpreter over a process of a fresh machine. */
export type ScenarioStepper = ScenarioRun<ProcessTarget<Machine>>;

/** A stepper for `ops` on a fresh machine built from `machine` (no line has run yet). */
export function scenarioStepper(ops: readonly string[], machine: MachineOptions): ScenarioStepper {
  return startScenario(ops.join('\n'), { machine });
}

/**
 * Steps `run` until `k` operations have run (or the scenario ends); `onOperation()` is called before each step. A
 * child's `join` ends the child: the parent runs the next line.
 * @throws {@link ScenarioError} for a malformed line among them
 */
export function stepTo(run: ScenarioStepper, k: number, onOperation?: () => void): void {
  while (run.position < k && !run.done) {
    onOperation?.();
    run.step();
  }
}

/**
 * Runs the first `k` operations of `ops` on a fresh machine built from `machine` and returns the process that ran
 * the last one, with every process of the machine still alive (as they are at that point of the scenario).
 * @throws {@link ScenarioError} for a malformed line among the first `k`
 */
export function runScenarioPrefix(
  ops: readonly string[],
  k: number,
  machine: MachineOptions,
): ScenarioPrefixRun {
  const run = scenarioStepper(ops.slice(0, Math.max(0, k)), machine);
  stepTo(run, k);
  return { process: run.current.process };
}

/**
 * The oracle-format results of every operation (`i` → the JSON line), from one full `runScenario`; an error
 * message instead when a line is malformed.
 */
export function scenarioResults(
  ops: readonly string[],
  machine: MachineOptions,
): { results: Map<number, string> } | { error: string } {
  try {
    const out = runScenario(ops.join('\n'), { machine });
    const results = new Map<number, string>();
    for (const line of out) {
      const rec = JSON.parse(line) as { i: number };
      results.set(rec.i, line);
    }
    return { results };
  } catch (e) {
    if (e instanceof ScenarioError) return { error: e.message };
    throw e;
  }
}
