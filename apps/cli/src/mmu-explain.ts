/**
 * `pagewright mmu --explain FILE.vec`: every access of a RISC-V translation-vector file, walked level by level in
 * words (`walkTrace` from `@pagewright/sv39`), each followed by the runner's own JSON result line.
 *
 * The explanation replays the file's commands on its own copy of the vector machine's memory (the A/D updates and
 * stores included, so later walks see what the real run saw); the result lines come from `runVectors` itself, so
 * the JSON printed is exactly what `pagewright mmu` prints.
 *
 * @module
 */
import { Access, type AccessContext, type U64Pair } from '@pagewright/core';
import {
  createWalkResult,
  Sv39,
  Sv48,
  VectorMachineMemory,
  type WalkOptions,
  type WalkTrace,
  walk,
  walkTrace,
} from '@pagewright/sv39';

const MARKER = 0x0badc0de;
const ACCESS: Readonly<Record<string, number>> = {
  load: Access.Load,
  store: Access.Store,
  fetch: Access.Fetch,
};
const LEVEL_NAMES = ['4 KiB', '2 MiB', '1 GiB', '512 GiB'];

/** `0x…` lowercase hex. */
function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}

/** One traced level in words. */
export function describeLevel(l: WalkTrace['levels'][number]): string {
  const where = `level ${l.level}: table ${hex(l.tableFrame)}[${l.index}] at ${hex(l.pteAddr)}`;
  switch (l.kind) {
    case 'unreadable':
      return `${where} is not memory`;
    case 'invalid':
      return `${where} = ${l.raw} ${l.bits}: not valid`;
    case 'table':
      return `${where} = ${l.raw} ${l.bits}: points to the next table, frame ${hex(l.ppn)}`;
    case 'leaf':
      return `${where} = ${l.raw} ${l.bits}: a leaf (${LEVEL_NAMES[l.level] ?? '?'} page) → frame ${hex(l.ppn)}`;
    default:
      return `${where} = ${l.raw} ${l.bits}: malformed`;
  }
}

/** A whole traced walk as indented lines (the levels, then the outcome). */
export function describeTrace(t: WalkTrace, indent = '  '): string[] {
  const lines = t.levels.map((l) => `${indent}${describeLevel(l)}`);
  lines.push(`${indent}→ ${t.stop}`);
  return lines;
}

/**
 * The explanation lines of a vector file, one block per load/store/fetch, each block ending with the matching
 * line of `results` (the runner's output for the same file; peeks print their result line alone).
 */
export function explainVectors(text: string, options: WalkOptions, results: readonly string[]): string[] {
  const memory = new VectorMachineMemory();
  const out: string[] = [];
  const word: U64Pair = { lo: 0, hi: 0 };
  const scratch = createWalkResult();
  let next = 0;
  let name = '';
  let i = 0;
  let mode: 'sv39' | 'sv48' = 'sv39';
  let ctx: AccessContext = { privilege: 1, sum: false, mxr: false };
  let rootPpn = 0;
  for (const line of text.split('\n')) {
    const tokens = line.replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const [cmd, a0, a1] = tokens as [string, string | undefined, string | undefined];
    if (cmd === 'case') {
      name = a0 ?? '';
      i = 0;
      mode = 'sv39';
      ctx = { privilege: 1, sum: false, mxr: false };
      rootPpn = 0;
      memory.reset();
      out.push(`case ${name}`);
      continue;
    }
    if (cmd === 'end') continue;
    i++;
    if (cmd === 'mode') mode = a0 === 'sv48' ? 'sv48' : 'sv39';
    else if (cmd === 'priv') ctx = { ...ctx, privilege: a0 === 'U' ? 0 : 1 };
    else if (cmd === 'sum') ctx = { ...ctx, sum: a0 === '1' };
    else if (cmd === 'mxr') ctx = { ...ctx, mxr: a0 === '1' };
    else if (cmd === 'satp') rootPpn = Number(BigInt(a1 ?? '0'));
    else if (cmd === 'pte') {
      const v = BigInt(a1 ?? '0');
      memory.write64(Number(BigInt(a0 ?? '0')), Number(v & 0xffffffffn), Number(v >> 32n));
    } else if (cmd === 'peek') out.push(`  ${i}. peek ${a0}`, `       ${results[next++] ?? ''}`);
    else if (cmd in ACCESS) {
      const access = ACCESS[cmd] as number;
      const arch = mode === 'sv39' ? Sv39 : Sv48;
      const va = arch.toSignedVa(BigInt(a0 ?? '0'));
      const who = ctx.privilege === 0 ? 'U-mode' : `S-mode, SUM ${ctx.sum ? 1 : 0}`;
      out.push(`  ${i}. ${cmd} ${a0} (${mode}, ${who}, MXR ${ctx.mxr ? 1 : 0}, root frame ${hex(rootPpn)})`);
      const t = walkTrace(arch, memory, rootPpn, va, access, ctx, options);
      out.push(...describeTrace(t, '       '));
      // Apply what the access did, so the next walks see it: the A/D write-back, then a store's data.
      const pa = walk(arch, memory, rootPpn, va, access, ctx, options, scratch);
      if (pa >= 0) {
        const size = access === Access.Fetch ? 4 : 8;
        if (!memory.contains(pa, size)) out.push(`       → but PA ${hex(pa)} is not memory: an access fault`);
        else if (access === Access.Store) memory.write64(pa, MARKER, MARKER);
        else if (access === Access.Load) memory.read64(pa, word);
      }
      out.push(`       ${results[next++] ?? ''}`);
    }
  }
  return out;
}
