/**
 * Are the types wrong? `attw` (profile `strict`) on each packed library: every entry point, `./testing` included,
 * must resolve to types and JavaScript of the right module kind under node10, node16 from CommonJS, node16 from ESM
 * and bundler resolution. A package without types (the CLI, which ships only a `bin`) is not a library and is
 * skipped.
 */

import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerProject, consumerProject } from './consumer-project.js';
import { inParallel, type RunResult, run } from './run.js';
import { publishablePackages } from './workspace.js';

const ATTW = join(import.meta.dirname, '../node_modules/.bin/attw');
const libraries = publishablePackages().filter(
  (p) => p.manifest.exports !== undefined || p.manifest.types !== undefined,
);

let project: ConsumerProject;
const results = new Map<string, RunResult>();
beforeAll(async () => {
  project = await consumerProject();
  const jobs = libraries.map((lib) => async () => {
    const tarball = project.packages.find((p) => p.name === lib.manifest.name)?.tarball;
    if (tarball === undefined) throw new Error(`${lib.manifest.name} was not packed`);
    results.set(
      lib.manifest.name,
      await run(
        ATTW,
        [tarball, '--profile', 'strict', '--no-color', '--no-emoji', '--format', 'table-flipped'],
        {
          cwd: project.dir,
        },
      ),
    );
  });
  await inParallel(jobs, 2);
}, 300_000);

describe('are the types wrong (node10, node16 CJS and ESM, bundler)', () => {
  it('checks every library, and only the CLI is without types', () => {
    const checked = new Set(libraries.map((p) => p.manifest.name));
    const skipped = publishablePackages()
      .map((p) => p.manifest.name)
      .filter((name) => !checked.has(name));
    expect(skipped).toEqual(['@pagewright/cli']);
    expect(libraries.length).toBeGreaterThanOrEqual(8);
  });

  for (const lib of libraries) {
    it(`${lib.manifest.name}: no problem in any resolution mode`, () => {
      const r = results.get(lib.manifest.name);
      expect(r, 'attw ran').toBeDefined();
      expect(r?.status, `${r?.stdout}\n${r?.stderr}`).toBe(0);
      expect(r?.stdout).toContain('No problems found');
    });
  }
});
