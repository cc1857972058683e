/**
 * The native side of the benchmarks: compiles `native/native-bench.c` with the system's C compiler (`cc -O2`) into
 * the git-ignored `native/bin/`, runs it, and parses its JSON.
 *
 * @module
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding `native-bench.c` (both `src/` and `dist/` sit one level below the lab's root). */
export const NATIVE_DIR = fileURLToPath(new URL('../native/', import.meta.url));

/** What the native program measured: benchmark name → median operations per second. */
export interface NativeResults {
  /** `uname` of the machine. */
  kernel: string;
  /** How many VMAs the `@64k` benchmark really had (the kernel's map-count limit is 65 530). */
  vmas64k: number;
  /** Median operations per second per benchmark name. */
  opsPerSecond: Readonly<Record<string, number>>;
}

/** The outcome of building or running the native benchmarks: results, or why there are none. */
export type NativeOutcome = { ok: true; results: NativeResults } | { ok: false; reason: string };

/** Options of {@link runNative}. */
export interface NativeOptions {
  /** Tiny sizes (tests): every benchmark runs once over a few pages; the numbers mean nothing. */
  quick?: boolean | undefined;
  /** The C compiler to use (default `$CC` or `cc`). */
  compiler?: string | undefined;
}

/**
 * Compiles the native benchmark if the binary is missing or older than its source; the binary's path or why not.
 * @param compiler - the C compiler (default `$CC` or `cc`)
 * @param binary - where the executable goes (default the git-ignored `native/bin/native-bench`)
 */
export function buildNative(
  compiler = process.env.CC || 'cc',
  binary = `${NATIVE_DIR}bin/native-bench`,
): { ok: true; binary: string } | { ok: false; reason: string } {
  const source = `${NATIVE_DIR}native-bench.c`;
  const binDir = dirname(binary);
  if (process.platform !== 'linux')
    return { ok: false, reason: `native benchmarks need Linux (this is ${process.platform})` };
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return { ok: true, binary };
  mkdirSync(binDir, { recursive: true });
  const built = spawnSync(compiler, ['-O2', '-o', binary, source], { encoding: 'utf8' });
  if (built.error) return { ok: false, reason: `no C compiler (${compiler}: ${built.error.message})` };
  if (built.status !== 0) return { ok: false, reason: `${compiler} failed: ${built.stderr.trim()}` };
  return { ok: true, binary };
}

/** Parses the JSON the native program prints. Throws on anything else. */
export function parseNativeOutput(text: string): NativeResults {
  const json = JSON.parse(text) as {
    kernel?: unknown;
    vmas_64k?: unknown;
    results?: Record<string, { ops_per_s?: unknown }>;
  };
  if (typeof json.kernel !== 'string' || typeof json.results !== 'object' || json.results === null) {
    throw new Error('native-bench printed an unexpected JSON shape');
  }
  const opsPerSecond: Record<string, number> = {};
  for (const [name, r] of Object.entries(json.results)) {
    if (typeof r.ops_per_s === 'number') opsPerSecond[name] = r.ops_per_s;
  }
  return {
    kernel: json.kernel,
    vmas64k: typeof json.vmas_64k === 'number' ? json.vmas_64k : 0,
    opsPerSecond,
  };
}

/** Builds (if needed) and runs the native benchmarks. Never throws: a failure comes back with its reason. */
export function runNative(options: NativeOptions = {}): NativeOutcome {
  const built = buildNative(options.compiler);
  if (!built.ok) return built;
  try {
    const out = execFileSync(built.binary, options.quick ? ['--quick'] : [], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 20,
    });
    return { ok: true, results: parseNativeOutput(out) };
  } catch (error) {
    return { ok: false, reason: `native-bench failed: ${(error as Error).message}` };
  }
}
