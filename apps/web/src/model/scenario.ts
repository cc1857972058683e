/**
 * Scenario sessions: a `.scn` text (packages/process-vm/conformance/FORMAT.md) stepped one operation at a time.
 *
 * Nothing here interprets the language: every step runs through process-vm's own `runScenario`. The state after
 * the first `k` operations is that of `runScenario` on those `k` lines followed by one read-only `maps` line,
 * stopped (from its `afterEach` hook) when it reaches that last line, before it exits the processes. Every choice
 * is seeded, so replaying a prefix gives exactly the state the whole scenario passes through.
 *
 * @module
 */
import { PAGE_SIZE } from '@pagewright/core';
import {
  type MachineOptions,
  type Process,
  parseScenario,
  runScenario,
  ScenarioError,
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

/** Thrown from `afterEach` to stop `runScenario` with the state intact. */
class Stop extends Error {
  constructor(readonly process: Process) {
    super('stop');
  }
}

/** Where the events of each operation begin (`afterEach` marks), for splitting an event log per step. */
export interface ScenarioPrefixRun {
  /** The process that ran the last operation (its machine holds the state). */
  process: Process;
}

/**
 * Runs the first `k` operations of `ops` on a fresh machine built from `machine` and returns the process that ran
 * the last one, with every process of the machine still alive (as they are at that point of the scenario).
 * `onOperation(line)` is called after each operation `afterEach` reports (line = 1-based operation index).
 * @throws {@link ScenarioError} for a malformed line among the first `k`
 */
export function runScenarioPrefix(
  ops: readonly string[],
  k: number,
  machine: MachineOptions,
  onOperation?: (line: number) => void,
): ScenarioPrefixRun {
  const n = Math.max(0, Math.min(k, ops.length));
  const text = [...ops.slice(0, n), 'maps'].join('\n');
  try {
    runScenario(text, {
      machine,
      afterEach(process, line) {
        if (line === n + 1) throw new Stop(process);
        onOperation?.(line);
      },
    });
  } catch (e) {
    if (e instanceof Stop) return { process: e.process };
    throw e;
  }
  throw new Error('the scenario ended before its last line');
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
