/**
 * `pagewright run [--stats] [--trace FILE] [--max-instructions N] PROGRAM [ARGS…]`: runs a static RISC-V Linux ELF
 * program on a machine built from the global plug-in options (`@pagewright/linux` over process-vm), prints what it
 * writes to stdout and stderr, and exits with its status (128 + the signal that killed it). With
 * `--max-instructions` a run that does not end in time stops with status 124 (as `timeout`).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { LinuxKernel } from '@pagewright/linux';
import { UsageError } from './io.js';
import { machineOptions } from './machine-options.js';
import type { SubcommandSpec } from './program.js';
import { formatStats, RunObserver } from './run-observer.js';

/** The status of a run stopped by `--max-instructions`. */
export const EXIT_LIMIT = 124;

function count(text: unknown, what: string): number {
  const s = String(text);
  const v = /^\d+$/.test(s) ? Number(s) : Number.NaN;
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new UsageError(`${what} must be a positive integer, not '${s}'`);
  return v;
}

function readProgram(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `cannot read '${path}': ${code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable')}`,
    );
  }
}

/** The `run` subcommand. */
export const runCommand: SubcommandSpec = {
  description: 'run a static RISC-V Linux program on the model, every access through its MMU',
  declare(cmd) {
    cmd
      .argument('<program>', 'a static RISC-V ELF executable')
      .argument('[args...]', "the program's arguments (put -- before ones that start with -)")
      .option('--stats', 'print faults, TLB hits and misses per hart, walks, COW breaks and frames to stderr')
      .option('--trace <file>', 'write page-fault, TLB-miss and system-call events as JSON lines')
      .option('--max-instructions <n>', 'stop after this many instructions (status 124)');
  },
  run(ctx, args, opts) {
    const path = String(args[0]);
    const programArgs = (args[1] as string[] | undefined) ?? [];
    const limit =
      opts.maxInstructions === undefined ? undefined : count(opts.maxInstructions, '--max-instructions');
    const bytes = readProgram(path);
    const observe = opts.stats === true || opts.trace !== undefined;
    const observer = observe ? new RunObserver(opts.trace === undefined ? null : String(opts.trace)) : null;
    const outText = new TextDecoder();
    const errText = new TextDecoder();
    const kernel = new LinuxKernel({
      machine: machineOptions(ctx.plugIns, { arch: 'sv39' }, observer?.bus),
      onOutput: (fd, b) => {
        if (fd === 1) ctx.io.stdout.write(outText.decode(b, { stream: true }));
        else ctx.io.stderr.write(errText.decode(b, { stream: true }));
      },
      onSyscall: observer === null ? undefined : (r) => observer.syscall(r),
      onTlbMiss:
        opts.trace === undefined || observer === null
          ? undefined
          : (pid, va, access, hart) => observer.tlbMiss(pid, va, access, hart),
    });
    observer?.attach(kernel);
    const target = `/bin/${basename(path)}`;
    const installed = kernel.install(target, bytes);
    if (installed !== 0) throw new UsageError(`cannot install '${path}': errno ${-installed}`);
    const task = kernel.start(target, [path, ...programArgs], ['PATH=/bin', 'HOME=/']);
    if (typeof task === 'number') {
      observer?.close();
      ctx.io.stderr.write(`pagewright run: exec '${path}' failed: errno ${-task}\n`);
      return 126;
    }
    let result: ReturnType<LinuxKernel['run']>;
    try {
      result = kernel.run(limit);
    } finally {
      observer?.close();
    }
    if (opts.stats === true && observer !== null)
      ctx.io.stderr.write(formatStats(kernel, observer.counters, result.instructions));
    if (result.reason === 'limit') {
      ctx.io.stderr.write(
        `pagewright run: stopped after ${result.instructions} instructions (--max-instructions)\n`,
      );
      return EXIT_LIMIT;
    }
    return result.status ?? 0;
  },
};
