/**
 * The runner of the x86-64 translation vectors (`conformance/FORMAT.md`): parses a `.vec` file, runs every case on
 * an {@link X86Cpu} over an {@link X86VectorMemory}, and returns the JSON result lines.
 *
 * @module
 */

import { hexU64, readVectorCases, type Tlb, type U64Pair } from '@pagewright/core';
import { SetAssociativeTlb } from '@pagewright/tlb';
import { X86Vector } from './fault.js';
import { X86VectorMemory } from './vector-memory.js';
import { QEMU_WALK_OPTIONS, type X86WalkOptions } from './walk.js';
import { X86_64_LA57 } from './x86-arch.js';
import { Cr0, Cr4, Efer, X86Cpu } from './x86-cpu.js';

/** Options of {@link runX86Vectors}. */
export interface RunX86VectorsOptions {
  /**
   * Walk semantics (default {@link QEMU_WALK_OPTIONS}: the expected files hold QEMU 7.2's answers; pass
   * `SDM_WALK_OPTIONS` to see where the SDM differs).
   */
  walkOptions?: X86WalkOptions | undefined;
  /** Builds each case's TLB (default 16 × 4 LRU). Any TLB matches, a cached answer through the lines' `alt`s. */
  tlb?: (() => Tlb) | undefined;
}

/** Thrown for a malformed vector file, with the 1-based line number. */
export class X86VectorSyntaxError extends Error {
  /**
   * @param line - 1-based line number
   * @param message - what is wrong
   */
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'X86VectorSyntaxError';
  }
}

const MARKER = 0x0badc0de;

/** Control commands that set a CR4 bit. */
const CR4_COMMANDS: Readonly<Record<string, number>> = {
  smep: Cr4.SMEP,
  smap: Cr4.SMAP,
  pge: Cr4.PGE,
  pcide: Cr4.PCIDE,
  pke: Cr4.PKE,
};

/**
 * Runs every case of a `.vec` file and returns one JSON line per `load`, `store`, `fetch` and `peek`, as FORMAT.md
 * specifies. Each case gets fresh memory, a fresh TLB and a CPU in the initial state (4-level paging, CR0.WP = 1,
 * EFER.NXE = 1, every CR4 feature off, PKRU = 0, CPL 0, AC = 0, `tlb auto`); the commands are carried out through
 * the CPU's own register writes and instructions (MOV to CR0/CR3/CR4, WRMSR EFER, INVLPG, CR4.PGE toggles for the
 * harness's flushes), so the TLB sees exactly the invalidations the harness caused.
 *
 * @throws X86VectorSyntaxError on malformed input (unknown command, bad number, a register write the CPU refuses,
 *   an unterminated case, ...)
 */
export function runX86Vectors(text: string, options: RunX86VectorsOptions = {}): string[] {
  const memory = new X86VectorMemory();
  const walkOptions = options.walkOptions ?? QEMU_WALK_OPTIONS;
  const makeTlb = options.tlb ?? (() => new SetAssociativeTlb({ sets: 16, ways: 4, policy: 'lru' }));
  const out: string[] = [];
  const word: U64Pair = { lo: 0, hi: 0 };
  let cpu: X86Cpu | null = null;
  let autoFlush = true;

  readVectorCases(text, (line, message) => new X86VectorSyntaxError(line, message), {
    startCase() {
      autoFlush = true;
      memory.reset();
      cpu = new X86Cpu({ id: 0, memory, tlb: makeTlb(), arch: X86_64_LA57, walkOptions });
    },
    command(l, i, name) {
      const c = cpu as X86Cpu;
      const cmd = l.cmd;
      const num = (): bigint => {
        l.arity(1);
        return l.u64(0);
      };
      const ok = (done: boolean) => {
        if (!done) l.fail(`${cmd}: the CPU refused the register write (#GP)`);
      };
      // The harness's full flush: CR4.PGE toggled twice.
      const flushAll = () => {
        ok(c.writeCr4(c.cr4 ^ Cr4.PGE));
        ok(c.writeCr4(c.cr4 ^ Cr4.PGE));
      };
      switch (cmd) {
        case 'paging': {
          l.arity(1);
          if (i !== 1) l.fail('paging must be the first command of a case');
          if (l.args[0] === '5') {
            ok(c.writeCr0(c.cr0 & ~Cr0.PG));
            ok(c.writeCr4(c.cr4 | Cr4.LA57));
            ok(c.writeCr0(c.cr0 | Cr0.PG));
          } else if (l.args[0] !== '4') l.fail('paging: expected 4 or 5');
          break;
        }
        case 'pte': {
          l.arity(2);
          const pa = BigInt(l.args[0] as string);
          const v = BigInt(l.args[1] as string);
          if (
            pa % 8n !== 0n ||
            !memory.write64(Number(pa), Number(v & 0xffffffffn), Number((v >> 32n) & 0xffffffffn))
          ) {
            l.fail(`pte: ${l.args[0]} is not an 8-aligned memory address`);
          }
          break;
        }
        case 'cr3':
          ok(c.writeCr3(num()));
          break;
        case 'wp':
          ok(c.writeCr0(l.bit() ? c.cr0 | Cr0.WP : c.cr0 & ~Cr0.WP));
          flushAll();
          break;
        case 'nxe':
          ok(c.writeEfer(l.bit() ? c.efer | Efer.NXE : c.efer & ~Efer.NXE));
          flushAll();
          break;
        case 'smep':
        case 'smap':
        case 'pge':
        case 'pcide':
        case 'pke': {
          const mask = CR4_COMMANDS[cmd] as number;
          ok(c.writeCr4(l.bit() ? c.cr4 | mask : c.cr4 & ~mask));
          flushAll();
          break;
        }
        case 'pkru': {
          const v = num();
          if (v > 0xffffffffn) l.fail('pkru: not a 32-bit value');
          c.pkru = Number(v);
          flushAll();
          break;
        }
        case 'cpl':
          c.cpl = l.oneOf(['0', '3'] as const) === '3' ? 3 : 0;
          break;
        case 'ac':
          c.ac = l.bit();
          break;
        case 'tlb':
          autoFlush = l.oneOf(['auto', 'manual'] as const) === 'auto';
          break;
        case 'flush':
          l.arity(0);
          flushAll();
          break;
        case 'invlpg': {
          const va = num();
          const arch = c.activeArch;
          if (arch.isCanonical(va)) c.invlpgAt(arch.toSignedVpn(va));
          break;
        }
        case 'peek': {
          const pa = num();
          if (!memory.read64(Number(pa), word)) l.fail(`peek: ${l.args[0]} is not memory`);
          out.push(JSON.stringify({ case: name, i, op: 'peek', ret: hexU64(word.lo, word.hi) }));
          break;
        }
        case 'load':
        case 'store':
        case 'fetch': {
          const raw = num();
          const access = cmd === 'load' ? 0 : cmd === 'store' ? 1 : 2;
          if (autoFlush) flushAll();
          const arch = c.activeArch;
          const r = arch.isCanonical(raw)
            ? c.translateAt(arch.toSignedVpn(raw), Number(raw & 0xfffn), access)
            : c.translate(Number.NaN, access);
          if (r < 0) {
            const f = c.fault;
            if (f.vector === X86Vector.PageFault) {
              out.push(
                JSON.stringify({
                  case: name,
                  i,
                  op: cmd,
                  ret: 'fault',
                  vector: f.vector,
                  error: f.errorCode,
                  cr2: `0x${raw.toString(16)}`,
                }),
              );
            } else
              out.push(JSON.stringify({ case: name, i, op: cmd, ret: 'fault', vector: f.vector, error: 0 }));
          } else if (cmd === 'load') {
            if (!memory.read64(r, word)) l.fail(`load: PA 0x${r.toString(16)} is not memory`);
            out.push(JSON.stringify({ case: name, i, op: cmd, ret: 'ok', value: hexU64(word.lo, word.hi) }));
          } else if (cmd === 'store') {
            if (!memory.write64(r, MARKER, MARKER)) l.fail(`store: PA 0x${r.toString(16)} is not memory`);
            out.push(JSON.stringify({ case: name, i, op: cmd, ret: 'ok' }));
          } else out.push(JSON.stringify({ case: name, i, op: cmd, ret: 'ok', pa: `0x${r.toString(16)}` }));
          break;
        }
        default:
          l.fail(`unknown command ${cmd}`);
      }
    },
  });
  return out;
}
