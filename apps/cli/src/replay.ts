/**
 * `pagewright replay --strace FILE [--maps-start FILE] [--maps-end FILE]`: replays one process's memory system calls
 * from an `strace -f` log (see `replay-run.ts`) and prints every result that differs from the recorded one and, with
 * `--maps-end`, every final maps line that differs. Exits 0 when nothing differs, 1 otherwise.
 *
 * @module
 */
import { MapsSyntaxError } from '@pagewright/process-vm';
import { readInputFile } from './files.js';
import { UsageError } from './io.js';
import type { SubcommandSpec } from './program.js';
import { LINUX_PRESETS, ReplayError, replayTrace } from './replay-run.js';

function integer(text: unknown, what: string): number | undefined {
  if (text === undefined) return undefined;
  const s = String(text);
  const v = /^(0x[0-9a-f]+|\d+)$/i.test(s) ? Number(s) : Number.NaN;
  if (!Number.isSafeInteger(v)) throw new UsageError(`${what} must be a non-negative integer, not '${s}'`);
  return v;
}

/** The `replay` subcommand. */
export const replayCommand: SubcommandSpec = {
  description: "replay a process's memory system calls from an strace -f log and report what differs",
  declare(cmd) {
    cmd
      .requiredOption('--strace <file>', 'the strace -f log')
      .option('--maps-start <file>', '/proc/PID/maps when the log starts (default: an empty address space)')
      .option('--maps-end <file>', '/proc/PID/maps when it ends: every line is compared')
      .option('--pid <n>', 'the process to replay (default: the first in the log)')
      .option('--cwd <dir>', 'the directory relative paths of the log are in', '/')
      .option(
        '--start-brk <addr>',
        "the initial break (default: [heap]'s start or the log's first brk(NULL))",
      )
      .option(
        '--preset <name>',
        `the recording machine: ${Object.keys(LINUX_PRESETS).join(', ')}`,
        'x86-64-linux',
      )
      .option(
        '--links <file>',
        "the recording host's symbolic links the log's paths go through ('LINK -> TARGET' lines)",
      )
      .option('--sizes <file>', "the recorded files' sizes ('SIZE PATH' lines, as stat -c '%s %n' prints)")
      .option('--print-maps', 'also print the replayed final maps');
  },
  run(ctx, _args, opts) {
    const preset = LINUX_PRESETS[String(opts.preset)];
    if (preset === undefined)
      throw new UsageError(
        `unknown preset '${String(opts.preset)}'; known: ${Object.keys(LINUX_PRESETS).join(', ')}`,
      );
    const trace = readInputFile(String(opts.strace));
    const mapsStart = opts.mapsStart === undefined ? undefined : readInputFile(String(opts.mapsStart));
    const mapsEnd = opts.mapsEnd === undefined ? undefined : readInputFile(String(opts.mapsEnd));
    const links = opts.links === undefined ? undefined : readInputFile(String(opts.links));
    const sizes = opts.sizes === undefined ? undefined : readInputFile(String(opts.sizes));
    let report: ReturnType<typeof replayTrace>;
    try {
      report = replayTrace({
        trace,
        mapsStart,
        mapsEnd,
        pid: integer(opts.pid, '--pid'),
        cwd: String(opts.cwd),
        startBrk: integer(opts.startBrk, '--start-brk'),
        preset,
        links,
        sizes,
      });
    } catch (e) {
      if (e instanceof ReplayError || e instanceof MapsSyntaxError) throw new UsageError(e.message);
      throw e;
    }
    const out = ctx.io.stdout;
    for (const m of report.mismatches)
      out.write(`line ${m.line}: ${m.call}: recorded ${m.recorded}, replayed ${m.replayed}\n`);
    if (report.mapsDiff.length > 0) {
      out.write('final maps (- recorded only, + replayed only):\n');
      for (const l of report.mapsDiff) out.write(`${l}\n`);
    }
    if (opts.printMaps === true) out.write(report.maps);
    const skipped = Object.entries(report.skipped)
      .map(([n, k]) => `${n} ${k}`)
      .join(', ');
    out.write(
      `${report.replayed} calls replayed, ${report.mismatches.length} results differ` +
        (mapsEnd !== undefined ? `, ${report.mapsDiff.length} maps lines differ` : '') +
        (skipped !== '' ? ` (not replayed: ${skipped})` : '') +
        '\n',
    );
    return report.mismatches.length === 0 && report.mapsDiff.length === 0 ? 0 : 1;
  },
};
