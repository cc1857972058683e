#!/usr/bin/env node
// The project's whole test: build, typecheck, lint and publint every package (turbo), then every vitest project.
// Prints vitest's report, then one closing line `N passed, N failed` summing every vitest project; a failing
// static check (build, typecheck, lint, publint) counts as one failed test so the line never hides it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env }).status ?? 1;
const bin = (name) => join(root, 'node_modules', '.bin', name);

let staticFailures = 0;
// The browser tests of apps/web drive Debian's Chromium: install it when it is missing (apt-get, as root).
if (run(process.execPath, [join(root, 'apps/web/scripts/ensure-chromium.mjs')]) !== 0) {
  console.error('could not install Chromium for the browser tests');
  staticFailures++;
}
const checks = run(bin('turbo'), [
  'run',
  'build',
  'typecheck',
  'lint',
  'publint',
  '--output-logs=errors-only',
  '--continue',
]);
if (checks !== 0) {
  console.error('static checks (build / typecheck / lint / publint) failed');
  staticFailures++;
}

const report = join(root, '.vitest-report.json');
rmSync(report, { force: true });
run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`]);

let passed = 0;
let failed = staticFailures;
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // A test file that fails to load has no tests; count it as a failure.
  for (const f of r.testResults ?? [])
    if (f.status === 'failed' && (f.assertionResults ?? []).length === 0) failed++;
} else {
  console.error('vitest wrote no report');
  failed++;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
