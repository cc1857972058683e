#!/usr/bin/env node
// Runs a workspace app's built entry point (`node scripts/run-built.mjs APP ENTRY ARGS…`, e.g. `cli dist/bin.js`),
// building it and the packages it depends on first only when a source is newer than the build. The freshness check
// reads file times only (tens of milliseconds); when something changed, turbo builds quietly and its output is shown
// only if the build fails.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const [app, entry, ...args] = process.argv.slice(2);
if (app === undefined || entry === undefined) {
  console.error('usage: node scripts/run-built.mjs APP ENTRY [ARGS…]');
  process.exit(2);
}

/** Workspace folders by package name. */
const folders = new Map();
for (const group of ['packages', 'apps']) {
  for (const d of readdirSync(join(root, group))) {
    const pj = join(root, group, d, 'package.json');
    if (existsSync(pj)) folders.set(JSON.parse(readFileSync(pj, 'utf8')).name, join(root, group, d));
  }
}

/** The app's folder and every workspace package it depends on, transitively. */
function closure(dir, seen = new Set()) {
  if (seen.has(dir)) return seen;
  seen.add(dir);
  const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const dep of Object.keys(pj.dependencies ?? {})) if (folders.has(dep)) closure(folders.get(dep), seen);
  return seen;
}

/** Newest modification time of the files under `path`. */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = 0;
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

/** Oldest modification time of the files under `path` (Infinity when there is none). */
function oldest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = Number.POSITIVE_INFINITY;
  for (const e of readdirSync(path)) t = Math.min(t, oldest(join(path, e)));
  return t;
}

const appDir = join(root, 'apps', app);
const shared = ['tsup.package.ts', 'tsconfig.base.json'].map((f) => newest(join(root, f)));
const stale = [...closure(appDir)].some((dir) => {
  const built = oldest(join(dir, 'dist'));
  const inputs = Math.max(
    newest(join(dir, 'src')),
    newest(join(dir, 'package.json')),
    newest(join(dir, 'tsup.config.ts')),
    ...shared,
  );
  return built === 0 || built < inputs;
});
if (stale) {
  const name = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')).name;
  // turbo needs the package manager on PATH; outside `pnpm run` (a direct `node scripts/run-built.mjs`) it is not.
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d !== '' && existsSync(join(d, 'pnpm')));
  const turboArgs = ['run', 'build', `--filter=${name}...`, '--output-logs=errors-only'];
  const [cmd, cmdArgs] = onPath
    ? [join(root, 'node_modules', '.bin', 'turbo'), turboArgs]
    : ['npx', ['-y', 'pnpm@10.34.9', 'exec', 'turbo', ...turboArgs]];
  const r = spawnSync(cmd, cmdArgs, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', TURBO_NO_UPDATE_NOTIFIER: '1' },
  });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    process.exit(r.status ?? 1);
  }
}
const r = spawnSync(process.execPath, [join(appDir, entry), ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
