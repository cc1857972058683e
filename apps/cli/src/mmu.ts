/**
 * `pagewright mmu FILE.vec`: the translation-vector runners — RISC-V Sv39/Sv48 (`packages/sv39/conformance/
 * FORMAT.md`, the default) and x86-64 with `--arch x86-64` (`packages/x86-64/conformance/FORMAT.md`). Prints only
 * the JSON result lines, one per load, store, fetch and peek; with `--explain` each access's walk level by level in
 * words before its result line.
 *
 * @module
 */

import { parseTlbSpec, runVectors, VectorSyntaxError } from '@pagewright/sv39';
import { runX86Vectors, X86VectorSyntaxError } from '@pagewright/x86-64';
import { Option } from 'commander';
import { readInputFile } from './files.js';
import { UsageError } from './io.js';
import { explainVectors } from './mmu-explain.js';
import { explainX86Vectors } from './mmu-explain-x86.js';
import type { PlugInOptions } from './options.js';
import type { SubcommandSpec } from './program.js';

/** Options of {@link runMmu}. */
export interface MmuRunOptions {
  /** `'x86-64'` (or `'x86-64-la57'`) runs the x86-64 format; anything else (or absent) the RISC-V one. */
  readonly arch?: string | undefined;
  /** RISC-V only: the fault for a page-table read outside memory. */
  readonly pteReadFault?: 'page' | 'access' | undefined;
  /** RISC-V only: the A/D policy. */
  readonly ad?: PlugInOptions['ad'];
  /** A `--tlb` spec for the hart/CPU the vectors run on. */
  readonly tlb?: string | undefined;
  /** Explain each access's walk before its result line. */
  readonly explain?: boolean | undefined;
}

/**
 * Runs a vector file's text and returns the lines to print. `file` names it in errors.
 *
 * @throws UsageError for a malformed file (with its line number)
 */
export function runMmu(text: string, file: string, options: MmuRunOptions = {}): string[] {
  const tlb = options.tlb;
  const makeTlb = tlb === undefined ? undefined : () => parseTlbSpec(tlb);
  try {
    // The x86-64 files choose 4- or 5-level paging per case (`paging 5`), so both x86 names run them.
    if (options.arch === 'x86-64' || options.arch === 'x86-64-la57') {
      const lines = runX86Vectors(text, { tlb: makeTlb });
      return options.explain ? explainX86Vectors(text, lines) : lines;
    }
    const walkOptions = {
      pteReadFault: options.pteReadFault ?? 'page',
      adPolicy: options.ad ?? 'hardware',
    } as const;
    const lines = runVectors(text, { ...walkOptions, tlb: makeTlb });
    return options.explain ? explainVectors(text, walkOptions, lines) : lines;
  } catch (e) {
    if (e instanceof VectorSyntaxError || e instanceof X86VectorSyntaxError)
      throw new UsageError(`${file}: ${e.message}`);
    throw e;
  }
}

/** The `mmu` subcommand. */
export const mmuCommand: SubcommandSpec = {
  description:
    'run a translation-vector file (Sv39/Sv48, or x86-64 with --arch x86-64) and print the JSON result lines',
  declare(cmd) {
    cmd
      .argument(
        '<file>',
        'a .vec file (packages/sv39/conformance/FORMAT.md, packages/x86-64/conformance/FORMAT.md)',
      )
      .addOption(
        new Option(
          '--pte-read-fault <kind>',
          'fault for a page-table read outside memory: page (QEMU 7.2, the default) or access (the spec)',
        )
          .choices(['page', 'access'])
          .default('page'),
      )
      .option('--explain', 'before each result line, the walk level by level in words');
  },
  run(ctx, args, opts) {
    const file = String(args[0]);
    const arch = ctx.plugIns.arch;
    if (arch !== undefined && typeof arch !== 'string')
      throw new UsageError('mmu runs the built-in vector formats: --arch sv39, sv48 or x86-64, not a module');
    const lines = runMmu(readInputFile(file), file, {
      arch,
      pteReadFault: opts.pteReadFault as 'page' | 'access',
      ad: ctx.plugIns.ad,
      tlb: ctx.plugIns.tlb,
      explain: opts.explain === true,
    });
    ctx.io.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
    return 0;
  },
};
