/**
 * Helpers shared by the tests of the conformance runners: where the public sets live and how to compare JSON
 * lines the way `scripts/compare.mjs` does (parsed, so key order and spacing do not matter).
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (apps/cli/src → ../../..). */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..');

/** The scenario files (`.scn` / `.vec`) of a conformance folder with their expected JSON lines, parsed. */
export function conformanceSet(dir: string, ext: '.scn' | '.vec'): { file: string; expected: unknown[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => ({
      file: join(dir, f),
      expected: parseJsonLines(readFileSync(join(dir, `${f.slice(0, -ext.length)}.expected.jsonl`), 'utf8')),
    }));
}

/** Parses JSON lines, skipping blank lines. */
export function parseJsonLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as unknown);
}
