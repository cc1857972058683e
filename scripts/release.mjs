#!/usr/bin/env node
// Releases the publishable packages with changesets.
//
//   node scripts/release.mjs              dry run (the default): changes nothing in the working tree
//   node scripts/release.mjs --for-real   versions, builds and publishes
//
// Dry run: `changeset status` (the bumps the pending changesets make), then a copy of the working tree (tracked and
// untracked files that git does not ignore, plus each package's built dist) in the OS temp folder, where
// `changeset version` applies the bumps and writes the CHANGELOG.md files, each package is packed with `pnpm pack`
// (workspace ranges become the new versions) and handed to `npm publish --dry-run`. It prints each package's new
// version and the top of its new CHANGELOG, and removes the copy. Build first (`pnpm build`): the dry run packs the
// dist that is there.
//
// For real: the working tree must be clean. `changeset version` (bumps and CHANGELOG.md files), a fresh build, then
// `changeset publish` with npm provenance (NPM_CONFIG_PROVENANCE=true; every package's publishConfig also asks for
// it, so it needs a CI with an OIDC identity, e.g. GitHub Actions with `id-token: write`). Commit the version
// commit and push the tags afterwards (the script prints the commands).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { packAll, publishablePackages } from './pack-all.mjs';

const PNPM = 'pnpm@10.34.9';
const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const forReal = args.includes('--for-real');
const unknown = args.filter((a) => a !== '--for-real' && a !== '--dry-run');
if (unknown.length > 0 || args.includes('-h') || args.includes('--help')) {
  console.error('usage: node scripts/release.mjs [--dry-run | --for-real]   (dry run by default)');
  process.exit(unknown.length > 0 ? 2 : 0);
}

const changeset = join(root, 'node_modules', '.bin', 'changeset');

/**
 * A folder with a `pnpm` that runs the pinned pnpm through npx (pnpm itself is not installed here): changesets
 * calls `pnpm publish` for a pnpm workspace, which rewrites `workspace:` ranges.
 */
function pnpmShim() {
  const dir = mkdtempSync(join(tmpdir(), 'pagewright-pnpm-'));
  const shim = join(dir, 'pnpm');
  writeFileSync(shim, `#!/bin/sh\nexec npx -y ${PNPM} "$@"\n`);
  chmodSync(shim, 0o755);
  return dir;
}

function step(title) {
  console.log(`\n== ${title}`);
}

/** Runs a command with inherited output; exits on failure unless `allowFailure`. */
function sh(cmd, cmdArgs, cwd, { env = {}, allowFailure = false } = {}) {
  const r = spawnSync(cmd, cmdArgs, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0 && !allowFailure) {
    console.error(`\`${cmd} ${cmdArgs.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  return r.status ?? 1;
}

/** Tracked and untracked-but-not-ignored files, as git sees the working tree. */
function workingTreeFiles() {
  return execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(root, f)));
}

function dryRun() {
  step('pending changesets (changeset status)');
  const status = sh(changeset, ['status', '--verbose'], root, { allowFailure: true });
  if (status !== 0) console.warn('changeset status reported a problem (see above); the dry run goes on');

  const copy = mkdtempSync(join(tmpdir(), 'pagewright-release-'));
  try {
    step(`versioning a copy of the working tree in ${copy}`);
    for (const f of workingTreeFiles()) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      cpSync(join(root, f), join(copy, f));
    }
    for (const pkg of publishablePackages())
      if (existsSync(join(root, pkg.dir, 'dist')))
        cpSync(join(root, pkg.dir, 'dist'), join(copy, pkg.dir, 'dist'), { recursive: true });
    sh(changeset, ['version'], copy);
    // pnpm pack resolves `workspace:` ranges through the installed workspace links.
    sh('npx', ['-y', PNPM, 'install', '--offline', '--ignore-scripts', '--reporter=silent'], copy);

    step('packing the versioned packages');
    const packed = spawnSync(
      process.execPath,
      [join(copy, 'scripts', 'pack-all.mjs'), '--out', join(copy, '.packed'), '--json'],
      {
        cwd: copy,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    if (packed.status !== 0) process.exit(1);
    const tarballs = JSON.parse(packed.stdout);

    step('npm publish --dry-run of each tarball');
    for (const t of tarballs) sh('npm', ['publish', '--dry-run', '--access', 'public', t.tarball], copy);

    step('summary');
    const before = new Map(publishablePackages().map((p) => [p.name, p.version]));
    for (const t of tarballs) {
      const changelog = join(copy, t.dir, 'CHANGELOG.md');
      const top = existsSync(changelog)
        ? readFileSync(changelog, 'utf8').split('\n').slice(0, 8).join('\n')
        : '';
      console.log(`${t.name}: ${before.get(t.name)} → ${t.version}`);
      if (top !== '') console.log(`${top.replace(/^/gm, '    ')}\n`);
    }
    console.log(
      'dry run: nothing was published and the working tree is unchanged (run with --for-real to release)',
    );
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function release() {
  const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
  if (dirty.trim() !== '') {
    console.error('the working tree is not clean: commit or remove these first\n' + dirty);
    process.exit(1);
  }
  const shim = pnpmShim();
  const env = { PATH: `${shim}:${process.env.PATH}`, NPM_CONFIG_PROVENANCE: 'true' };
  try {
    step('changeset version');
    sh(changeset, ['version'], root, { env });
    step('build');
    sh(
      join(root, 'node_modules', '.bin', 'turbo'),
      ['run', 'build', '--force', '--output-logs=errors-only'],
      root,
      {
        env,
      },
    );
    step('checking that every package packs');
    // packAll checks dist and LICENSE of each package before anything is published.
    return packAll(join(shim, 'packed')).then(() => {
      step('changeset publish (npm provenance)');
      sh(changeset, ['publish'], root, { env });
      console.log(
        '\npublished. Now commit the versions and CHANGELOGs and push the tags:\n' +
          '  git add -A && git commit -m "release" && git push --follow-tags',
      );
    });
  } finally {
    process.on('exit', () => rmSync(shim, { recursive: true, force: true }));
  }
}

if (forReal) await release();
else dryRun();
