#!/usr/bin/env node
/**
 * Makes sure Debian's Chromium is installed at /usr/bin/chromium, which the web app's browser tests drive through
 * playwright-core. Exits 0 at once when it is there; otherwise runs `apt-get update` and a non-interactive
 * `apt-get install chromium` (as root, or through sudo when not root) and checks the binary afterwards.
 *
 * Usage: node apps/web/scripts/ensure-chromium.mjs
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';

if (existsSync(CHROMIUM)) {
  console.log(`ensure-chromium: ${CHROMIUM} is present`);
  process.exit(0);
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

/** Runs apt-get with `args` (through sudo when not root) and exits on failure. */
function aptGet(args) {
  const [cmd, argv] = asRoot ? ['apt-get', args] : ['sudo', ['-E', 'apt-get', ...args]];
  console.log(`ensure-chromium: ${[cmd, ...argv].join(' ')}`);
  const r = spawnSync(cmd, argv, { stdio: 'inherit', env });
  if (r.error || r.status !== 0) {
    console.error(
      `ensure-chromium: '${[cmd, ...argv].join(' ')}' failed (${r.error?.message ?? `exit ${r.status}`})`,
    );
    process.exit(1);
  }
}

aptGet(['update']);
aptGet(['install', '-y', '--no-install-recommends', 'chromium']);
if (!existsSync(CHROMIUM)) {
  console.error(`ensure-chromium: apt-get installed chromium but ${CHROMIUM} is still missing`);
  process.exit(1);
}
console.log(`ensure-chromium: installed ${CHROMIUM}`);
