/**
 * The runner for the Sv39/Sv48 hardware test vectors (`conformance/FORMAT.md`): parses a `.vec` file, runs every
 * case on a {@link Hart} over a {@link VectorMachineMemory}, and returns the JSON result lines.
 *
 * @module
 */

import { Access, FaultCause, hexU64, readVectorCases, type Tlb, type U64Pair } from '@pagewright/core';
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
  let mode: 'sv39' | 'sv48' = 'sv39';
  let priv = 1;
  let sum = false;
  let mxr = false;
  let asid = 0;
  let rootPpn = 0;

  readVectorCases(text, (line, message) => new VectorSyntaxError(line, message), {
    startCase() {
      mode = 'sv39';
      priv = 1;
      sum = false;
      mxr = false;
      asid = 0;
      rootPpn = 0;
      memory.reset();
      hart.sfenceVma();
    },
    command(l, i, name) {
      switch (l.cmd) {
        case 'mode':
          mode = l.oneOf(['sv39', 'sv48'] as const);
          break;
        case 'priv':
          priv = l.oneOf(['S', 'U'] as const) === 'S' ? 1 : 0;
          break;
        case 'sum':
          sum = l.bit();
          break;
        case 'mxr':
          mxr = l.bit();
          break;
        case 'satp': {
          l.arity(2);
          const a = l.u64(0);
          const p = l.u64(1);
          if (a > 0xffffn || p >= 1n << 44n) l.fail('satp: ASID or PPN out of range');
          asid = Number(a);
          rootPpn = Number(p);
          break;
        }
        case 'pte': {
          l.arity(2);
          const pa = l.u64(0);
          const value = l.u64(1);
          if (!memory.write64(Number(pa), Number(value & 0xffffffffn), Number(value >> 32n))) {
            l.fail(`pte: ${l.args[0]} is not memory`);
          }
          break;
        }
        case 'sfence':
          l.arity(0);
          hart.sfenceVma();
          break;
        case 'peek': {
          l.arity(1);
          if (!memory.read64(Number(l.u64(0)), word)) l.fail(`peek: ${l.args[0]} is not memory`);
          out.push(JSON.stringify({ case: name, i, op: 'peek', ret: hexU64(word.lo, word.hi) }));
          break;
        }
        case 'load':
        case 'store':
        case 'fetch': {
          const cmd = l.cmd;
          l.arity(1);
          const raw = l.u64(0);
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
            if (r >= 0 && !memory.contains(r, 4)) r = -FaultCause.InstructionAccessFault;
          }
          if (r < 0) out.push(JSON.stringify({ case: name, i, op: cmd, ret: 'fault', cause: -r, tval }));
          else if (cmd === 'load')
            out.push(JSON.stringify({ case: name, i, op: cmd, ret: 'ok', value: hexU64(word.lo, word.hi) }));
          else if (cmd === 'store') out.push(JSON.stringify({ case: name, i, op: cmd, ret: 'ok' }));
          else out.push(JSON.stringify({ case: name, i, op: cmd, ret: 'ok', pa: `0x${r.toString(16)}` }));
          break;
        }
        default:
          l.fail(`unknown command ${l.cmd}`);
      }
    },
  });
  return out;
}
