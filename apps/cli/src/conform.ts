/**
 * `pagewright conform FILE.scn`: the Linux scenario runner (`packages/process-vm/conformance/FORMAT.md`). Prints
 * only the JSON lines; exits 0 even when they differ from Linux's (comparing is the caller's job, e.g.
 * `scripts/compare.mjs`).
 *
 * @module
 */
import { PAGE_SIZE } from '@pagewright/core';
import { type MachineOptions, runScenario, ScenarioError } from '@pagewright/process-vm';
import { readInputFile } from './files.js';
import { UsageError } from './io.js';
import { machineOptions } from './machine-options.js';
import type { SubcommandSpec } from './program.js';

/**
 * The machine a scenario runs on: the runner's own default (x86-64, the reference kernel's architecture and user
 * range of 2^47 − 4 KiB, with 512 MiB of RAM) with the command line's plug-in choices on top. With `--arch sv48` the
 * user range is still x86-64's (so huge lengths get the kernel's answers); with `--arch sv39` it is Sv39's own (the
 * scenario region lies inside it).
 */
export function scenarioMachine(plugIns: Parameters<typeof machineOptions>[0]): MachineOptions {
  const o = machineOptions(plugIns, { arch: 'x86-64', memoryBytes: 512 * 1024 * 1024 });
  if (o.arch === 'sv48') o.limits = { taskSize: 2 ** 47 - PAGE_SIZE };
  return o;
}

/** The `conform` subcommand. */
export const conformCommand: SubcommandSpec = {
  description: 'run a Linux conformance scenario and print the JSON result lines',
  declare(cmd) {
    cmd.argument('<file>', 'a .scn file (packages/process-vm/conformance/FORMAT.md)');
  },
  run(ctx, args) {
    const file = String(args[0]);
    const text = readInputFile(file);
    let lines: string[];
    try {
      lines = runScenario(text, { machine: scenarioMachine(ctx.plugIns) });
    } catch (e) {
      if (e instanceof ScenarioError) throw new UsageError(`${file}: ${e.message}`);
      throw e;
    }
    ctx.io.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
    return 0;
  },
};
