/**
 * The repository's conformance scenarios (packages/process-vm/conformance/*.scn), bundled at build time.
 *
 * @module
 */
import { scenarioOps } from './model/scenario.js';

const files = import.meta.glob('../../../packages/process-vm/conformance/*.scn', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

/** Scenario name (file name without `.scn`) → its text, in name order. */
export const BUNDLED_TEXT: ReadonlyMap<string, string> = new Map(
  Object.entries(files)
    .map(([path, text]) => [(path.split('/').pop() ?? path).replace(/\.scn$/, ''), text] as const)
    .sort(([a], [b]) => a.localeCompare(b)),
);

/** Scenario name → its operation lines. */
export const BUNDLED_OPS: ReadonlyMap<string, readonly string[]> = new Map(
  [...BUNDLED_TEXT].map(([name, text]) => [name, scenarioOps(text)]),
);
