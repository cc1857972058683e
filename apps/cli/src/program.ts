/**
 * The `pagewright` command line: a commander program with the global plug-in options and one subcommand per
 * feature. {@link run} parses, runs and returns the exit code without touching `process`, so tests call it directly.
 *
 * Exit codes: 0 success, 1 a command failed, 2 bad command-line input (unknown command or option, bad option
 * value, missing or unreadable file). Every error is one line on stderr.
 *
 * @module
 */

import { checkMachineOptions } from '@pagewright/process-vm';
import { Command, CommanderError, Option } from 'commander';
import { type CliIo, EXIT_FAILURE, EXIT_USAGE, UsageError } from './io.js';
import { machineOptions } from './machine-options.js';
import { loadPlugInModules, type PlugInOptions, pickPlugInOptions, plugInOptions } from './options.js';
import { didYouMean } from './suggest.js';
import { CLI_VERSION } from './version.js';

/** What a subcommand's action receives besides its own arguments. */
export interface CommandContext {
  /** The streams. */
  readonly io: CliIo;
  /** The validated global plug-in options. */
  readonly plugIns: PlugInOptions;
  /** False with `--no-color`. */
  readonly colorFlag: boolean;
}

/** The program's name as printed in usage and error lines. */
export const PROGRAM_NAME = 'pagewright';

/** Makes one error message a single line (commander puts "Did you mean" on a second line). */
function oneLine(message: string): string {
  return message.trim().replace(/\s*\n\s*/g, ' ');
}

/** One subcommand: how to declare it and run it. */
export interface SubcommandSpec {
  /** Declares the subcommand's arguments and options on `cmd` (already named). */
  declare(cmd: Command): void;
  /** Runs it; resolves to the exit code. `args` are commander's processed arguments, `opts` its own options. */
  run(ctx: CommandContext, args: readonly unknown[], opts: Record<string, unknown>): Promise<number> | number;
  /** One-line description for `--help`. */
  description: string;
  /** Whether this runs when no subcommand is given. */
  isDefault?: boolean;
}

/**
 * Builds the commander program. `subcommands` maps names to specs; `tlbSpecCheck` validates `--tlb`.
 * The program never writes to `process` streams or exits: output goes to `io`, the exit code is recorded in
 * `result.code`.
 */
export function buildProgram(
  io: CliIo,
  subcommands: Readonly<Record<string, SubcommandSpec>>,
  tlbSpecCheck: (spec: string) => void,
  result: { code: number },
): Command {
  const program = new Command(PROGRAM_NAME)
    .description(
      'A faithful model of an operating system’s virtual-memory subsystem (RISC-V Sv39/Sv48, Linux mm).',
    )
    .usage('[options] [command]')
    .showSuggestionAfterError(true)
    .version(CLI_VERSION, '-V, --version', 'print the version and exit')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      outputError: (s, write) => write(`${PROGRAM_NAME}: ${oneLine(s).replace(/^error: /, '')}\n`),
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    });
  for (const o of plugInOptions(tlbSpecCheck)) program.addOption(o);
  program.addOption(new Option('--no-color', 'plain output even on a terminal (also NO_COLOR=1)'));

  const names = Object.keys(subcommands);
  for (const [name, spec] of Object.entries(subcommands)) {
    // program.command() copies the output and exit-override settings to the subcommand (addCommand would not).
    const cmd = program
      .command(name, spec.isDefault ? { isDefault: true } : {})
      .description(spec.description);
    spec.declare(cmd);
    if (spec.isDefault) {
      // Stray words are checked in the action, so `pagewright foo` says "unknown command" (not "too many arguments").
      cmd.allowExcessArguments(true);
    }
    cmd.action(async (...all: unknown[]) => {
      const self = all[all.length - 1] as Command;
      const args = self.processedArgs as unknown[];
      if (spec.isDefault) {
        const stray = self.args[args.length];
        if (stray !== undefined) {
          const viaDefault = program.args[0] !== name;
          program.error(
            viaDefault
              ? `unknown command '${stray}'${didYouMean(stray, names)}`
              : `too many arguments for '${name}': '${stray}'`,
            { exitCode: EXIT_USAGE, code: 'pagewright.unknownCommand' },
          );
        }
      }
      const merged = self.optsWithGlobals();
      const plugIns = await loadPlugInModules(pickPlugInOptions(merged));
      try {
        // Combinations the option parser cannot see (`--arch x86-64 --ad svade`) are bad input too.
        checkMachineOptions(machineOptions(plugIns));
      } catch (e) {
        if (e instanceof RangeError) throw new UsageError(e.message);
        throw e;
      }
      const ctx: CommandContext = {
        io,
        plugIns,
        colorFlag: merged.color !== false,
      };
      result.code = await spec.run(ctx, args, self.opts());
    });
  }
  return program;
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and resolves to the exit code.
 * Never throws: an unexpected error is printed as one line on stderr and gives exit code 1.
 */
export async function runProgram(
  argv: readonly string[],
  io: CliIo,
  subcommands: Readonly<Record<string, SubcommandSpec>>,
  tlbSpecCheck: (spec: string) => void,
): Promise<number> {
  const result = { code: 0 };
  const program = buildProgram(io, subcommands, tlbSpecCheck, result);
  // `help NAME` with an unknown NAME is bad input (commander would print the whole help and exit 0).
  const helpIndex = argv.findIndex((a) => !a.startsWith('-'));
  const topic = helpIndex >= 0 && argv[helpIndex] === 'help' ? argv[helpIndex + 1] : undefined;
  if (topic !== undefined && !Object.hasOwn(subcommands, topic)) {
    io.stderr.write(
      `${PROGRAM_NAME}: unknown command '${topic}'${didYouMean(topic, Object.keys(subcommands))}\n`,
    );
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return result.code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0; every other commander error is bad input.
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      io.stderr.write(`${PROGRAM_NAME}: ${oneLine(e.message)}\n`);
      return EXIT_USAGE;
    }
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    io.stderr.write(`${PROGRAM_NAME}: ${oneLine(message)}\n`);
    return EXIT_FAILURE;
  }
}
