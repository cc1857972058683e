/**
 * Entry point of `pnpm lab <name>`.
 *
 * @module
 */

import { labProgram } from './lab-cli.js';

labProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`pagewright lab: ${(error as Error).message}\n`);
    process.exit(1);
  });
