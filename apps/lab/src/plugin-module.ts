/**
 * User plug-ins for the lab (`pnpm lab allocators --with ./my-allocator.mjs`): a module whose default export is a
 * factory, compared against the built-ins on the same work. Every way loading can go wrong is a
 * {@link LabUsageError} with one clear line (the command exits with 2).
 *
 * @module
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isClassConstructor } from '@pagewright/core';

/** Bad input to the lab command: a missing file, a module that is not a plug-in, a factory that throws. */
export class LabUsageError extends Error {
  override readonly name = 'LabUsageError';
}

/** A user's plug-in, loaded: its default export and a name for the tables and charts. */
export interface LoadedPlugin {
  /** The module path as given. */
  readonly path: string;
  /** The file's base name without extension (`next-fit-allocator`), until the made object names itself. */
  readonly fileName: string;
  /** The module's default export: the factory. */
  readonly factory: (context: never) => unknown;
}

/**
 * Imports the module at `path` (relative to `cwd`) and returns its factory.
 *
 * @throws LabUsageError for a missing file, a module that fails to load, no default export, a class instead of a
 *   factory, or a default export that is not a function
 */
export async function loadLabPlugin(path: string, cwd: string = process.cwd()): Promise<LoadedPlugin> {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new LabUsageError(`--with ${path}: no such file`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    throw new LabUsageError(
      `--with ${path}: cannot load the module: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  const factory = mod.default;
  if (factory === undefined) throw new LabUsageError(`--with ${path}: the module has no default export`);
  if (isClassConstructor(factory))
    throw new LabUsageError(
      `--with ${path}: the default export is a class; export a factory instead, e.g. (context) => new X(context)`,
    );
  if (typeof factory !== 'function')
    throw new LabUsageError(`--with ${path}: the default export is not a factory function`);
  return {
    path,
    fileName: basename(path).replace(/\.(mjs|cjs|js)$/, ''),
    factory: factory as (c: never) => unknown,
  };
}

/**
 * Calls a plug-in's factory with `context` and checks what it made with `isKind`.
 *
 * @throws LabUsageError when the factory throws or makes something that is not a `kind`
 */
export function makeFromPlugin<T>(
  plugin: LoadedPlugin,
  context: unknown,
  kind: string,
  isKind: (x: unknown) => x is T,
): T {
  let made: unknown;
  try {
    made = plugin.factory(context as never);
  } catch (e) {
    throw new LabUsageError(
      `--with ${plugin.path}: the factory threw: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (!isKind(made)) throw new LabUsageError(`--with ${plugin.path}: the factory did not return a ${kind}`);
  return made;
}

/** The name a made plug-in gives itself (its `name`), else the file's name. */
export function pluginName(plugin: LoadedPlugin, made: unknown): string {
  const n = (made as { name?: unknown } | null)?.name;
  return typeof n === 'string' && n !== '' ? n : plugin.fileName;
}
