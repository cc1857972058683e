/**
 * Entry point of `pnpm lab <name>`.
 *
 * @module
 */

import { labExitCode, labProgram } from './lab-cli.js';

labProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`pagewright lab: ${(error as Error).message}\n`);
    // Bad input (a missing or broken --with module, an unknown experiment) is exit code 2.
    process.exit(labExitCode(error));
  });
