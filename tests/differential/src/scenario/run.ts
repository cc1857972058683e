/**
 * Runs a conformance scenario (the language of `packages/process-vm/conformance/FORMAT.md`) against any
 * {@link VmTarget} with process-vm's own interpreter, and produces the records the Linux oracle prints, one per
 * operation.
 *
 * @module
 */

import { parseScenario, type ScenarioRecord, ScenarioRun } from '@pagewright/process-vm';
import type { VmTarget } from './target.js';

/** One printed result line. */
export type ResultLine = ScenarioRecord;

/** Runs `text` on `root` (the break at the start is the base of `b+OFF`). */
export function runScenarioOn(text: string, root: VmTarget): ResultLine[] {
  return new ScenarioRun(parseScenario(text), root).run();
}
