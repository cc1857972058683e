/**
 * Running commands for the consumer tests: asynchronous (so packing can overlap), output captured, with an
 * environment cleaned of the package-manager settings a `pnpm test` parent exports.
 *
 * @module
 */

import { execFile } from 'node:child_process';

/** What a finished command left. */
export interface RunResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The command line, for messages. */
  readonly command: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>> | undefined;
  /** Milliseconds before the command is killed (default 120 s). */
  readonly timeout?: number | undefined;
  readonly input?: string | undefined;
}

/**
 * The environment of child processes: the parent's, without the `npm_config_*` / `npm_package_*` / `npm_lifecycle_*`
 * variables pnpm sets for scripts (they would change how npm installs in the temporary project), with colour off.
 */
export function childEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    const lower = k.toLowerCase();
    if (
      lower.startsWith('npm_') &&
      !['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig'].includes(lower)
    )
      continue;
    if (k === 'NODE_OPTIONS' || k === 'FORCE_COLOR') continue;
    env[k] = v;
  }
  return { ...env, NO_COLOR: '1', NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false', ...extra };
}

/** Runs `cmd args…`; never rejects (a failure is a non-zero `status`). */
export function run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const command = [cmd, ...args].join(' ');
  return new Promise((resolvePromise) => {
    const child = execFile(
      cmd,
      args,
      {
        cwd: options.cwd,
        env: childEnv(options.env),
        timeout: options.timeout ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolvePromise({
          status,
          stdout,
          stderr: error !== null && stderr === '' ? String(error) : stderr,
          command,
        });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** Runs and throws, with both streams, unless the command exits 0. */
export async function runOk(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const r = await run(cmd, args, options);
  if (r.status !== 0)
    throw new Error(
      `\`${r.command}\` (in ${options.cwd}) exited ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`,
    );
  return r;
}

/** Runs `jobs` with at most `limit` at once, keeping their order in the result. */
export async function inParallel<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await (jobs[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
