/**
 * Runs every @pagewright/frames benchmark and prints the numbers (`--json` for machine-readable output).
 *
 *   npx tsx bench/run.ts            (from packages/frames)
 */
import { benchAllocators } from './allocators.bench.js';
import { formatRows, type Row } from './harness.js';
import { benchAccess, benchHostBytes } from './memory.bench.js';

const rows: Row[] = [...benchHostBytes(), ...(await benchAllocators()), ...(await benchAccess())];
if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else console.log(formatRows(rows));
