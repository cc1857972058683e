/**
 * Every runnable example of the READMEs (and docs/PLUGINS.md) runs in the consumer project against the packed
 * packages, exits 0, and prints what its comments say (the convention is in `readme-examples.ts`).
 */

import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerProject, consumerProject } from './consumer-project.js';
import { brokenPromise, documents, type Example, examplesOf, instrument } from './readme-examples.js';
import { inParallel, type RunResult, run } from './run.js';
import { ROOT } from './workspace.js';

/**
 * Comments on `console.log` lines that explain rather than state the output, by document and text. Each is a
 * README to fix (state the value, or move the prose to its own line); a fixed one simply stops matching.
 */
const PROSE: ReadonlySet<string> = new Set([]);

/**
 * Examples known to be broken, by document and first line of the block, with what the document must change. They
 * are skipped (the title says why) until the document is fixed; a fixed block no longer matches its entry.
 */
const KNOWN_BROKEN: ReadonlyMap<string, string> = new Map([]);

interface Outcome {
  readonly result: RunResult;
  readonly claims: { line: number; comment: string }[];
  readonly printed: { line: number; printed: string }[];
}

const examples: Example[] = documents().flatMap(examplesOf);
const outcomes = new Map<Example, Outcome>();
let project: ConsumerProject;

beforeAll(async () => {
  project = await consumerProject();
  const dir = project.scratch('readme');
  // The example plug-ins, where an example imports them from: beside it, or by their path in the repository.
  cpSync(join(project.dir, 'plugins'), dir, { recursive: true });
  cpSync(join(project.dir, 'plugins'), join(dir, 'examples/plugins'), { recursive: true });
  const jobs = examples.map((example, k) => async () => {
    const { code, claims } = instrument(example);
    const js = ts.transpileModule(code, {
      fileName: `example.${example.lang}`,
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: false,
        isolatedModules: true,
      },
    }).outputText;
    const file = join(dir, `example-${k}.mjs`);
    const record = join(dir, `example-${k}.json`);
    writeFileSync(file, js);
    writeFileSync(record, '[]');
    // From the repository root, as the READMEs say (an example may read a fixture by its path there); the packages
    // still resolve from the example's own folder, in the consumer project.
    const result = await run('node', [file], { cwd: ROOT, env: { PAGEWRIGHT_README_RECORD: record } });
    const printed = JSON.parse(readFileSync(record, 'utf8')) as Outcome['printed'];
    outcomes.set(example, { result, claims, printed });
  });
  await inParallel(jobs, 2);
}, 300_000);

describe('README examples run against the packed packages', () => {
  it('finds runnable examples in the READMEs', () => {
    expect(examples.length).toBeGreaterThanOrEqual(8);
  });

  for (const example of examples) {
    const known = KNOWN_BROKEN.get(`${example.file}: ${example.code.split('\n')[0]}`);
    const test = known === undefined ? it : it.skip;
    test(`${example.file}:${example.line} ${known === undefined ? 'exits 0 and prints what its comments say' : `is known broken: ${known}`}`, () => {
      const outcome = outcomes.get(example);
      expect(outcome, 'the example ran').toBeDefined();
      if (outcome === undefined) return;
      const { result, claims, printed } = outcome;
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
      const broken: string[] = [];
      for (const claim of claims) {
        if (PROSE.has(`${example.file}: ${claim.comment}`)) continue;
        const seen = printed.filter((p) => p.line === claim.line);
        if (seen.length === 0) broken.push(`line ${claim.line}: never printed`);
        for (const p of seen) {
          const why = brokenPromise(claim.comment, p.printed);
          if (why !== null) broken.push(`line ${claim.line}: ${why}`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
