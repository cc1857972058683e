/**
 * Prints the JSON result lines of one `.vec` file: `npx tsx scripts/run-vectors.ts FILE.vec [--spec]`.
 * `--spec` answers a PTE outside memory with an access fault (the spec) instead of QEMU 7.2's page fault.
 */
import { readFileSync } from 'node:fs';
import { runVectors } from '../src/index.js';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
if (file === undefined) {
  console.error('usage: run-vectors.ts FILE.vec [--spec]');
  process.exit(2);
}
const lines = runVectors(readFileSync(file, 'utf8'), {
  pteReadFault: args.includes('--spec') ? 'access' : 'page',
});
process.stdout.write(lines.length ? `${lines.join('\n')}\n` : '');
