/**
 * `pagewright mmu FILE.vec`: the RISC-V Sv39/Sv48 translation-vector runner (`packages/sv39/conformance/FORMAT.md`).
 * Prints only the JSON result lines, one per load, store, fetch and peek.
 *
 * @module
 */

import { parseTlbSpec, runVectors, VectorSyntaxError } from '@pagewright/sv39';
import { Option } from 'commander';
import { readInputFile } from './files.js';
import { UsageError } from './io.js';
import type { SubcommandSpec } from './program.js';

/** The `mmu` subcommand. */
export const mmuCommand: SubcommandSpec = {
  description: 'run a Sv39/Sv48 translation-vector file and print the JSON result lines',
  declare(cmd) {
    cmd
      .argument('<file>', 'a .vec file (packages/sv39/conformance/FORMAT.md)')
      .addOption(
        new Option(
          '--pte-read-fault <kind>',
          'fault for a page-table read outside memory: page (QEMU 7.2, the default) or access (the spec)',
        )
          .choices(['page', 'access'])
          .default('page'),
      );
  },
  run(ctx, args, opts) {
    const text = readInputFile(String(args[0]));
    const tlb = ctx.plugIns.tlb;
    let lines: string[];
    try {
      lines = runVectors(text, {
        pteReadFault: opts.pteReadFault as 'page' | 'access',
        adPolicy: ctx.plugIns.ad ?? 'hardware',
        tlb: tlb === undefined ? undefined : () => parseTlbSpec(tlb),
      });
    } catch (e) {
      if (e instanceof VectorSyntaxError) throw new UsageError(`${String(args[0])}: ${e.message}`);
      throw e;
    }
    ctx.io.stdout.write(lines.length > 0 ? `${lines.join('\n')}\n` : '');
    return 0;
  },
};
