#!/usr/bin/env node
// Packs every publishable package (each non-private package.json under packages/ and apps/) with `pnpm pack`, which
// rewrites `workspace:*` ranges to the versions being packed, from the `dist` already built (run `pnpm build`
// first). Each tarball must carry the root LICENSE: every package folder holds a committed copy (packing needs it in
// the folder, and copies made at pack time would have to be git-ignored); this script refuses a missing or differing
// copy rather than packing without it.
//
//   node scripts/pack-all.mjs [--out DIR] [--json]      (DIR defaults to pagewright-packed in the OS temp folder)
//
// Prints one line per tarball (or, with --json, a JSON array of { name, version, dir, tarball }). Exits 1 when a
// package has no dist, a wrong LICENSE, or pnpm pack fails.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PNPM = ['-y', 'pnpm@10.34.9'];
const root = resolve(import.meta.dirname, '..');

/** Every publishable package: `{ name, version, dir }`, sorted by folder. */
export function publishablePackages() {
  const out = [];
  for (const group of ['packages', 'apps']) {
    if (!existsSync(join(root, group))) continue;
    for (const name of readdirSync(join(root, group)).sort()) {
      const dir = `${group}/${name}`;
      const file = join(root, dir, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8'));
      if (manifest.private !== true) out.push({ name: manifest.name, version: manifest.version, dir });
    }
  }
  return out;
}

/** Every file a manifest points at: `bin`, `main`, `module`, `types` and each `exports` target. */
function entryFiles(manifest) {
  const files = new Set();
  const add = (v) => {
    if (typeof v === 'string') files.add(v);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) add(x);
  };
  add(typeof manifest.bin === 'string' ? manifest.bin : { ...manifest.bin });
  for (const f of ['main', 'module', 'types']) add(manifest[f]);
  add(manifest.exports);
  return [...files].filter((f) => !f.includes('*'));
}

/** Why `pkg` cannot be packed as it is, or null. */
export function packProblem(pkg) {
  const at = join(root, pkg.dir);
  if (!existsSync(join(at, 'dist'))) return `${pkg.dir} has no dist: build it first (pnpm build)`;
  const missing = entryFiles(JSON.parse(readFileSync(join(at, 'package.json'), 'utf8'))).filter(
    (f) => !existsSync(join(at, f)),
  );
  if (missing.length > 0) return `${pkg.dir} lacks ${missing.join(', ')}: build it first (pnpm build)`;
  const license = join(at, 'LICENSE');
  if (!existsSync(license)) return `${pkg.dir}/LICENSE is missing: copy the root LICENSE there`;
  if (readFileSync(license, 'utf8') !== readFileSync(join(root, 'LICENSE'), 'utf8'))
    return `${pkg.dir}/LICENSE differs from the root LICENSE`;
  return null;
}

function npx(args, cwd) {
  return new Promise((done) => {
    execFile('npx', args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (error, stdout, stderr) =>
      done({ ok: error === null, stdout, stderr }),
    );
  });
}

/** Packs every publishable package into `out`; resolves to `{ name, version, dir, tarball }[]`. */
export async function packAll(out) {
  mkdirSync(out, { recursive: true });
  const packages = publishablePackages();
  const problems = packages.map(packProblem).filter((p) => p !== null);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  const results = [];
  const queue = [...packages];
  const worker = async () => {
    for (let pkg = queue.shift(); pkg !== undefined; pkg = queue.shift()) {
      const r = await npx([...PNPM, 'pack', '--pack-destination', out, '--json'], join(root, pkg.dir));
      if (!r.ok) throw new Error(`pnpm pack failed in ${pkg.dir}\n${r.stdout}\n${r.stderr}`);
      // pnpm prints the JSON after any lifecycle output; take the last top-level object.
      const json = JSON.parse(r.stdout.slice(r.stdout.indexOf('{\n')));
      results.push({ ...pkg, tarball: json.filename });
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return results.sort((a, b) => a.dir.localeCompare(b.dir));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = resolve(
    outAt >= 0 && args[outAt + 1] !== undefined ? args[outAt + 1] : join(tmpdir(), 'pagewright-packed'),
  );
  try {
    const packed = await packAll(out);
    if (args.includes('--json')) console.log(JSON.stringify(packed, null, 2));
    else for (const p of packed) console.log(`${p.name}@${p.version}  ${p.tarball}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  }
}
