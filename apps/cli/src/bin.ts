/**
 * The `pagewright` executable: runs the CLI on the process's arguments and streams, then sets the exit code.
 *
 * @module
 */
import { run } from './cli.js';

// `pagewright mmu x.vec | head` closes the pipe early: stop quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

const code = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
// Let pending writes drain (stdout may be a pipe) instead of calling process.exit().
process.exitCode = code;
