/**
 * Divergences between the implementation and the model that were judged (by Linux's rules) to be bugs of the
 * implementation and recorded in `tests/differential/FINDINGS.md`. The random tests set aside programs that run
 * into one of these (so that one known bug does not hide the others); each finding has its own `it.fails` test
 * with its minimal counterexample. Delete an entry when the implementation is fixed.
 *
 * @module
 */

import type { Divergence } from './compare.js';
import type { Step } from './program.js';

/** A recorded finding and how to recognise it. */
export interface KnownFinding {
  /** The id in FINDINGS.md. */
  id: string;
  /** One line: what differs. */
  title: string;
  /** The minimal program (scenario lines with `@SLOT` prefixes). */
  program: string;
  /** True when `d` (after `step`) is this finding. */
  matches(d: Divergence, step: Step | undefined): boolean;
}

/** The `ret` field of an observation (a JSON line), for a finding's `matches` predicate. */
export const ret = (s: string): string | undefined => {
  try {
    return (JSON.parse(s) as { ret?: string }).ret;
  } catch {
    return undefined;
  }
};

/**
 * The findings not yet fixed — implementation bugs, and divergences judged to be model errors that wait for the model's
 * owner (FINDINGS.md says which). Empty: every finding so far is fixed (F2–F6 in the implementation, F1 in the model).
 */
export const KNOWN_FINDINGS: KnownFinding[] = [];

/** The finding `d` belongs to, if any. */
export function knownFinding(d: Divergence, steps: readonly Step[]): KnownFinding | undefined {
  return KNOWN_FINDINGS.find((f) => f.matches(d, steps[d.step]));
}
