/**
 * A project outside the workspace that depends on the packed tarballs, as a user's project would: in the OS temp
 * folder, every publishable package installed by `npm install` from its tarball (third-party dependencies from the
 * registry or npm's cache), `@types/node`, and a copy of `examples/plugins/`.
 *
 * Packing and installing take a while, so the project is built once per content of what is packed (package
 * manifests, `dist`, README, LICENSE, the example plug-ins) and reused by every test file and later runs; a lock
 * folder makes concurrent test files wait for the one that builds it.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runOk } from './run.js';
import { publishablePackages, ROOT } from './workspace.js';

/** A packed package inside the consumer project. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  /** Absolute path of its tarball. */
  readonly tarball: string;
}

/** The installed consumer project. */
export interface ConsumerProject {
  /** Its folder (outside the workspace). */
  readonly dir: string;
  readonly packages: readonly PackedPackage[];
  /** A fresh empty folder inside the project (so Node resolves the project's node_modules from it). */
  scratch(label: string): string;
}

/** The version of `@types/node` the consumer installs (the workspace's own). */
const TYPES_NODE = '20.19.43';
const BASE = join(tmpdir(), 'pagewright-consumers');
/** A project not opened for this long belongs to no running test (a whole run takes about two minutes). */
const STALE_MS = 30 * 60_000;

function hashTree(hash: ReturnType<typeof createHash>, dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const at = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') hashTree(hash, at);
    } else {
      hash.update(relative(ROOT, at));
      hash.update(readFileSync(at));
    }
  }
}

/** A key that changes whenever anything that ends up in the consumer project changes. */
function contentKey(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(import.meta.filename));
  hash.update(readFileSync(join(ROOT, 'scripts/pack-all.mjs')));
  for (const pkg of publishablePackages()) {
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']) {
      const at = join(pkg.path, f);
      if (existsSync(at)) hash.update(`${pkg.dir}/${f}`).update(readFileSync(at));
    }
    hashTree(hash, join(pkg.path, 'dist'));
  }
  hashTree(hash, join(ROOT, 'examples/plugins'));
  return hash.digest('hex').slice(0, 16);
}

async function build(target: string): Promise<void> {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const packed = await runOk(
    'node',
    [join(ROOT, 'scripts/pack-all.mjs'), '--out', join(target, 'tgz'), '--json'],
    {
      cwd: ROOT,
    },
  );
  const packages = (JSON.parse(packed.stdout) as PackedPackage[]).map((p) => ({
    ...p,
    tarball: relative(target, p.tarball),
  }));
  const deps = Object.fromEntries(packages.map((p) => [p.name, `file:./${p.tarball}`]));
  writeFileSync(
    join(target, 'package.json'),
    `${JSON.stringify(
      {
        name: 'pagewright-consumer',
        version: '1.0.0',
        private: true,
        type: 'module',
        dependencies: deps,
        devDependencies: { '@types/node': TYPES_NODE },
        // The tarballs depend on each other by version; make every such edge take the tarball, never the registry.
        overrides: Object.fromEntries(packages.map((p) => [p.name, `$${p.name}`])),
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(target, 'packed.json'), `${JSON.stringify(packages, null, 2)}\n`);
  cpSync(join(ROOT, 'examples/plugins'), join(target, 'plugins'), {
    recursive: true,
    filter: (src) => !src.includes('node_modules') && !src.endsWith('package.json'),
  });
  await runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: target,
    timeout: 300_000,
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

let cached: Promise<ConsumerProject> | undefined;

/** The consumer project for the current content, built on first use. */
export function consumerProject(): Promise<ConsumerProject> {
  cached ??= open();
  return cached;
}

async function open(): Promise<ConsumerProject> {
  mkdirSync(BASE, { recursive: true });
  const key = contentKey();
  const dir = join(BASE, key);
  const lock = join(BASE, `${key}.lock`);
  while (!existsSync(join(dir, 'packed.json'))) {
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is building it; a lock older than 10 minutes was left by a run that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 600_000)
        rmSync(lock, { recursive: true });
      await sleep(500);
      continue;
    }
    try {
      if (existsSync(join(dir, 'packed.json'))) break;
      const building = `${dir}.building`;
      await build(building);
      rmSync(dir, { recursive: true, force: true });
      renameSync(building, dir);
      // Projects of older content are no use any more, once no run can still be using them.
      for (const old of readdirSync(BASE)) {
        const at = join(BASE, old);
        if (!old.startsWith(key) && Date.now() - statSync(at).mtimeMs > STALE_MS)
          rmSync(at, { recursive: true, force: true });
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  const packages = (JSON.parse(readFileSync(join(dir, 'packed.json'), 'utf8')) as PackedPackage[]).map(
    (p) => ({
      ...p,
      tarball: join(dir, p.tarball),
    }),
  );
  mkdirSync(join(dir, 'work'), { recursive: true });
  const now = new Date();
  utimesSync(dir, now, now);
  return {
    dir,
    packages,
    scratch: (label) => mkdtempSync(join(dir, 'work', `${label.replace(/[^a-z0-9-]+/gi, '-')}-`)),
  };
}
