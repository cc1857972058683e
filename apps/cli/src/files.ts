/**
 * Reading the files named on the command line.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './io.js';

/** Reads a UTF-8 text file named on the command line; a missing or unreadable file is a {@link UsageError}. */
export function readInputFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw new UsageError(`cannot read '${path}': ${why}`);
  }
}
