/**
 * The publishable packages of the workspace, found the way a release finds them: every `package.json` under
 * `packages/` and `apps/` that is not `private`. A package added to either folder is picked up without editing
 * these tests.
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, '../../..');

/** The parts of a `package.json` these tests read. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly license?: string;
  readonly author?: string;
  readonly repository?: { readonly type?: string; readonly url?: string; readonly directory?: string };
  readonly homepage?: string;
  readonly bugs?: { readonly url?: string };
  readonly keywords?: readonly string[];
  readonly files?: readonly string[];
  readonly bin?: Readonly<Record<string, string>>;
  readonly exports?: Readonly<Record<string, unknown>>;
  readonly types?: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly publishConfig?: { readonly access?: string; readonly provenance?: boolean };
}

/** One publishable package. */
export interface PublishablePackage {
  /** Folder relative to the root, e.g. `packages/core`. */
  readonly dir: string;
  /** Absolute folder. */
  readonly path: string;
  readonly manifest: Manifest;
}

/** Reads `dir/package.json` (relative to the root). */
export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(ROOT, dir, 'package.json'), 'utf8')) as Manifest;
}

/** Every non-private package of `packages/*` and `apps/*`, sorted by folder. */
export function publishablePackages(): PublishablePackage[] {
  const found: PublishablePackage[] = [];
  for (const group of ['packages', 'apps']) {
    if (!existsSync(join(ROOT, group))) continue;
    for (const name of readdirSync(join(ROOT, group)).sort()) {
      const dir = `${group}/${name}`;
      if (!existsSync(join(ROOT, dir, 'package.json'))) continue;
      const manifest = readManifest(dir);
      if (manifest.private !== true) found.push({ dir, path: join(ROOT, dir), manifest });
    }
  }
  return found;
}

/** The subpaths a package exports besides `./package.json` (`.`, `./testing`, …). */
export function exportedSubpaths(manifest: Manifest): string[] {
  return Object.keys(manifest.exports ?? {}).filter((k) => k !== './package.json');
}
