/**
 * Loading a user's plug-in from a module path (`--allocator ./my-alloc.mjs`): the module's default export is the
 * factory the `Machine` calls. Every way this can go wrong is a usage error (exit code 2) with one clear line.
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isClassConstructor } from '@pagewright/core';
import { UsageError } from './io.js';

/** True when an option value names a module file rather than a built-in (`./x.mjs`, `/a/b.js`, `x.cjs`). */
export function isModulePath(value: string): boolean {
  return /[\\/]/.test(value) || /\.(mjs|cjs|js)$/.test(value);
}

/**
 * Imports the module at `path` (relative to `cwd`) and returns its default export, which must be a factory
 * function. `what` names the option in errors (`--allocator`).
 *
 * @throws UsageError for a missing file, a module that fails to load, no default export, or a default export that
 *   is not a factory (a class is refused with a hint to wrap it)
 */
export async function loadPluginFactory(
  path: string,
  what: string,
  cwd: string = process.cwd(),
): Promise<(context: never) => unknown> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new UsageError(`${what} ${path}: no such file`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(
      `${what} ${path}: cannot load the module: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const factory = mod.default;
  if (factory === undefined) throw new UsageError(`${what} ${path}: the module has no default export`);
  if (isClassConstructor(factory))
    throw new UsageError(
      `${what} ${path}: the default export is a class; export a factory (context) => new X(…)`,
    );
  if (typeof factory !== 'function')
    throw new UsageError(`${what} ${path}: the default export is not a factory function`);
  return factory as (context: never) => unknown;
}
