/**
 * The runner for the Sv39/Sv48 hardware test vectors (`conformance/FORMAT.md`): parses a `.vec` file, runs every
 * case on a {@link Hart} over a {@link VectorMachineMemory}, and returns the JSON result lines.
 *
 * @module
 */

import { Access, type Tlb, type U64Pair } from '@pagewright/core';
import { Hart } from './hart.js';
import { Sv39, Sv48 } from './riscv-arch.js';
import { SetAssociativeTlb } from './set-associative-tlb.js';
import { VectorMachineMemory } from './vector-memory.js';
import type { AdPolicy, PteReadFault } from './walk.js';

/** Options of {@link runVectors}. */
export interface RunVectorsOptions {
  /**
   * Fault for a PTE address that is not memory: `'page'` (default, QEMU 7.2, what the expected files hold) or
   * `'access'` (the privileged spec's answer).
   */
  pteReadFault?: PteReadFault | undefined;
  /** A/D policy (default `'hardware'`, the vectors' semantics). */
  adPolicy?: AdPolicy | undefined;
  /** Builds the hart's TLB (default 16 × 4 LRU). The harness fences before every access, so results never depend on it. */
  tlb?: (() => Tlb) | undefined;
}

/** Thrown for a malformed vector file, with the 1-based line number. */
export class VectorSyntaxError extends Error {
  /**
   * @param line - 1-based line number
   * @param message - what is wrong
   */
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'VectorSyntaxError';
  }
}

const MARKER = 0x0badc0de;
const U64_MAX = (1n << 64n) - 1n;

function hex(lo: number, hi: number): string {
  return `0x${((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString(16)}`;
}

/**
 * Runs every case of a `.vec` file and returns one JSON line (a string) per `load`, `store`, `fetch` and `peek`,
 * exactly as FORMAT.md specifies. Each case starts from the initial memory and the default settings (Sv39, S-mode,
 * SUM = MXR = 0, satp ASID = PPN = 0); before every access the hart's satp, privilege, SUM and MXR are written and
 * `sfence.vma x0, x0` runs, as the harness did.
 *
 * @throws VectorSyntaxError on malformed input (unknown command, bad number, unterminated case, ...)
 */
export function runVectors(text: string, options: RunVectorsOptions = {}): string[] {
  const memory = new VectorMachineMemory();
  const hart = new Hart({
    id: 0,
    memory,
    arch: Sv48,
    tlb: options.tlb ? options.tlb() : new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' }),
    adPolicy: options.adPolicy ?? 'hardware',
    pteReadFault: options.pteReadFault ?? 'page',
  });
  const out: string[] = [];
  const word: U64Pair = { lo: 0, hi: 0 };
  let inCase: string | null = null;
  let i = 0;
  let mode: 'sv39' | 'sv48' = 'sv39';
  let priv = 1;
  let sum = false;
  let mxr = false;
  let asid = 0;
  let rootPpn = 0;

  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const tokens = (lines[n] as string).replace(/#.*/, '').trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    const [cmd, ...args] = tokens as [string, ...string[]];
    const num = (k: number): bigint => {
      const t = args[k];
      if (t === undefined) throw new VectorSyntaxError(lineNo, `${cmd}: missing argument ${k + 1}`);
      let v: bigint;
      try {
        v = BigInt(t);
      } catch {
        throw new VectorSyntaxError(lineNo, `${cmd}: not a number: ${t}`);
      }
      if (v < 0n || v > U64_MAX) throw new VectorSyntaxError(lineNo, `${cmd}: not a u64: ${t}`);
      return v;
    };
    const arity = (k: number) => {
      if (args.length !== k) throw new VectorSyntaxError(lineNo, `${cmd} takes ${k} argument(s)`);
    };
    const oneOf = <T extends string>(allowed: readonly T[]): T => {
      arity(1);
      const a = args[0] as T;
      if (!allowed.includes(a))
        throw new VectorSyntaxError(lineNo, `${cmd}: expected ${allowed.join(' or ')}`);
      return a;
    };

    if (cmd === 'case') {
      if (inCase !== null) throw new VectorSyntaxError(lineNo, `case ${inCase} has no end`);
      arity(1);
      inCase = args[0] as string;
      if (!/^[A-Za-z0-9_.+-]+$/.test(inCase)) throw new VectorSyntaxError(lineNo, `bad case name ${inCase}`);
      i = 0;
      mode = 'sv39';
      priv = 1;
      sum = false;
      mxr = false;
      asid = 0;
      rootPpn = 0;
      memory.reset();
      hart.sfenceVma();
      continue;
    }
    if (inCase === null) throw new VectorSyntaxError(lineNo, `${cmd} outside a case`);
    if (cmd === 'end') {
      arity(0);
      inCase = null;
      continue;
    }
    i++;
    switch (cmd) {
      case 'mode':
        mode = oneOf(['sv39', 'sv48'] as const);
        break;
      case 'priv':
        priv = oneOf(['S', 'U'] as const) === 'S' ? 1 : 0;
        break;
      case 'sum':
        sum = oneOf(['0', '1'] as const) === '1';
        break;
      case 'mxr':
        mxr = oneOf(['0', '1'] as const) === '1';
        break;
      case 'satp': {
        arity(2);
        const a = num(0);
        const p = num(1);
        if (a > 0xffffn || p >= 1n << 44n)
          throw new VectorSyntaxError(lineNo, 'satp: ASID or PPN out of range');
        asid = Number(a);
        rootPpn = Number(p);
        break;
      }
      case 'pte': {
        arity(2);
        const pa = num(0);
        const value = num(1);
        if (!memory.write64(Number(pa), Number(value & 0xffffffffn), Number(value >> 32n))) {
          throw new VectorSyntaxError(lineNo, `pte: ${args[0]} is not memory`);
        }
        break;
      }
      case 'sfence':
        arity(0);
        hart.sfenceVma();
        break;
      case 'peek': {
        arity(1);
        if (!memory.read64(Number(num(0)), word))
          throw new VectorSyntaxError(lineNo, `peek: ${args[0]} is not memory`);
        out.push(JSON.stringify({ case: inCase, i, op: 'peek', ret: hex(word.lo, word.hi) }));
        break;
      }
      case 'load':
      case 'store':
      case 'fetch': {
        arity(1);
        const raw = num(0);
        hart.privilege = priv;
        hart.sum = sum;
        hart.mxr = mxr;
        hart.writeSatp(mode, asid, rootPpn);
        hart.sfenceVma();
        // Canonical check on the u64, once; then plain numbers (NaN for a non-canonical VA faults in the walk).
        const va = (mode === 'sv39' ? Sv39 : Sv48).toSignedVa(raw);
        const tval = `0x${raw.toString(16)}`;
        let r: number;
        if (cmd === 'load') r = hart.load64(va, word);
        else if (cmd === 'store') r = hart.store64(va, MARKER, MARKER);
        else {
          r = hart.translate(va, Access.Fetch);
          if (r >= 0 && !memory.contains(r, 4)) r = -1;
        }
        if (r < 0) out.push(JSON.stringify({ case: inCase, i, op: cmd, ret: 'fault', cause: -r, tval }));
        else if (cmd === 'load')
          out.push(JSON.stringify({ case: inCase, i, op: cmd, ret: 'ok', value: hex(word.lo, word.hi) }));
        else if (cmd === 'store') out.push(JSON.stringify({ case: inCase, i, op: cmd, ret: 'ok' }));
        else out.push(JSON.stringify({ case: inCase, i, op: cmd, ret: 'ok', pa: `0x${r.toString(16)}` }));
        break;
      }
      default:
        throw new VectorSyntaxError(lineNo, `unknown command ${cmd}`);
    }
  }
  if (inCase !== null) throw new VectorSyntaxError(lines.length, `case ${inCase} has no end`);
  return out;
}
