/**
 * What every publishable package tells the registry: license, repository (with its folder), homepage, bugs,
 * keywords, public access with provenance, the files a tarball carries (LICENSE, CHANGELOG.md), and a stub folder
 * per subpath export so resolvers that ignore `exports` (TypeScript's node10) still find `./testing`. Only the
 * packages meant for the registry are publishable.
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportedSubpaths, publishablePackages, ROOT, readManifest } from './workspace.js';

const REPOSITORY = 'git+https://github.com/pagewright/pagewright.git';
const packages = publishablePackages();

describe('package metadata', () => {
  it('publishes exactly the libraries and the CLI; apps, tests and examples stay private', () => {
    const dirs = packages.map((p) => p.dir);
    expect(dirs).toContain('apps/cli');
    expect(dirs.filter((d) => d.startsWith('apps/'))).toEqual(['apps/cli']);
    for (const group of ['tests', 'examples']) {
      if (!existsSync(join(ROOT, group))) continue;
      for (const name of readdirSync(join(ROOT, group))) {
        if (!existsSync(join(ROOT, group, name, 'package.json'))) continue;
        expect(readManifest(`${group}/${name}`).private, `${group}/${name}`).toBe(true);
      }
    }
  });

  it('documents every ./testing entry point with TypeDoc, resolved from source', () => {
    const typedoc = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as {
      packageOptions: { compilerOptions: { paths: Record<string, string[]> } };
    };
    const paths = typedoc.packageOptions.compilerOptions.paths;
    for (const pkg of packages.filter((p) => p.dir.startsWith('packages/')))
      for (const subpath of exportedSubpaths(pkg.manifest).filter((s) => s !== '.'))
        expect(
          paths[`${pkg.manifest.name}/${subpath.slice(2)}`],
          `typedoc.json paths for ${pkg.manifest.name}/${subpath.slice(2)}`,
        ).toEqual([`./${pkg.dir}/src/${subpath.slice(2)}/index.ts`]);
  });

  for (const pkg of packages) {
    describe(pkg.manifest.name, () => {
      const m = pkg.manifest;

      it('names its license, author, repository folder, homepage, bugs and keywords', () => {
        expect(m.license).toBe('MIT');
        expect(m.author).toBe('pagewright contributors');
        expect(m.repository).toEqual({ type: 'git', url: REPOSITORY, directory: pkg.dir });
        expect(m.homepage).toBe(`https://github.com/pagewright/pagewright/tree/main/${pkg.dir}#readme`);
        expect(m.bugs?.url).toBe('https://github.com/pagewright/pagewright/issues');
        expect(m.keywords).toContain('pagewright');
        expect(m.keywords?.length).toBeGreaterThanOrEqual(5);
      });

      it('is published publicly with provenance', () => {
        expect(m.publishConfig).toEqual({ access: 'public', provenance: true });
      });

      it('ships dist, README, LICENSE (the root one) and the generated CHANGELOG', () => {
        expect(m.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE', 'CHANGELOG.md']));
        expect(readFileSync(join(pkg.path, 'LICENSE'), 'utf8')).toBe(
          readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
        );
      });

      it('has a stub folder for each subpath export, pointing at the same files', () => {
        for (const subpath of exportedSubpaths(m).filter((s) => s !== '.')) {
          const folder = subpath.slice(2);
          expect(m.files, `files lists ${folder}`).toContain(folder);
          const stubFile = join(pkg.path, folder, 'package.json');
          expect(existsSync(stubFile), `${pkg.dir}/${folder}/package.json`).toBe(true);
          const stub = JSON.parse(readFileSync(stubFile, 'utf8')) as Record<string, string>;
          const target = m.exports?.[subpath] as
            | { require?: { types?: string; default?: string }; import?: { default?: string } }
            | undefined;
          const fromStub = (f: string | undefined) => (f === undefined ? undefined : join(folder, f));
          expect(fromStub(stub.main)).toBe(join(target?.require?.default ?? ''));
          expect(fromStub(stub.types)).toBe(join(target?.require?.types ?? ''));
          expect(fromStub(stub.module)).toBe(join(target?.import?.default ?? ''));
        }
      });
    });
  }
});
