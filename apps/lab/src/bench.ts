/**
 * Entry point of `pnpm bench`.
 *
 * @module
 */

import { benchProgram } from './bench-cli.js';

benchProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`pagewright bench: ${(error as Error).message}\n`);
    process.exit(1);
  });
