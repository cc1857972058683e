/**
 * {@link Rv64Hart}: a user-mode RV64GC (RV64IMAFDC + Zicsr + Zifencei) interpreter. Every instruction fetch, load, store and
 * AMO is translated through a {@link GuestMemory} (the simulated MMU and kernel fault handler) and then reads or
 * writes physical memory; nothing is cached across a translation except decoded instructions, which are keyed by
 * physical frame and dropped when that frame is written, on `fence.i`, and whenever `run` is entered.
 *
 * @module
 */

import { Access } from '@pagewright/core';
import { type Decoded, decode16, decode32, newDecoded } from './decode.js';
import {
  F32,
  F64,
  type FloatFormat,
  fadd,
  fclass,
  fcompare,
  fconvert,
  fdiv,
  ffma,
  fminmax,
  fmul,
  fromInteger,
  fsqrt,
  takeFlags,
  toInteger,
} from './fpu.js';
import { FAULT_BUS_ADRERR, FAULT_OOM_KILL, FAULT_SEGV_ACCERR, type GuestMemory } from './guest-memory.js';
import { divRem, divRemW, mulHigh, mulLow, result } from './int64.js';
import { Op } from './opcodes.js';
import type { RunOutcome, Rv64Signal, Rv64SignalCode, SignalStop } from './outcome.js';

const TWO32 = 4294967296;
const PAGE = 4096;
const SLOTS = PAGE / 2;
const LOAD = Access.Load;
const STORE = Access.Store;
const FETCH = Access.Fetch;
/** The upper half of a NaN-boxed binary32 in a 64-bit f register. */
const BOX = 0xffffffff00000000n;
const M32 = 0xffffffffn;
const I32_MIN = -(1n << 31n);
const I32_MAX = (1n << 31n) - 1n;
const U32_MAX = (1n << 32n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** CSR numbers this hart implements (Zicsr: the F extension's `fcsr` fields and the unprivileged counters). */
export const CSR = {
  fflags: 0x001,
  frm: 0x002,
  fcsr: 0x003,
  cycle: 0xc00,
  time: 0xc01,
  instret: 0xc02,
} as const;

/** The ABI names of x0–x31, for {@link Rv64Hart.reg} by name. */
export const ABI_NAMES = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
] as const; // biome-ignore format: a table

/** An invalid argument to a public method of {@link Rv64Hart}; nothing was changed. */
export class Rv64Error extends TypeError {
  override readonly name = 'Rv64Error';
}

/** Decoded instructions of one physical frame: `meta` = op << 16 | len4 << 15 | rs2 << 10 | rs1 << 5 | rd. */
interface DecodedFrame {
  readonly meta: Int32Array;
  readonly imm: Int32Array;
}

/** Options of {@link Rv64Hart}. */
export interface Rv64HartOptions {
  /** Initial `pc` (default 0). */
  pc?: number | undefined;
  /** Turns the decode cache off (every instruction decoded at every execution), for comparison. Default on. */
  decodeCache?: boolean | undefined;
  /**
   * Linux's `kernel.perf_user_access` for the `cycle` and `instret` CSRs: 2 (legacy: user space reads them
   * directly, as under `qemu-riscv64`; the default here) or 1 (Linux 6.6+'s default: a direct read is an illegal
   * instruction, SIGILL). `time` is always readable.
   */
  perfUserAccess?: 1 | 2 | undefined;
}

function regIndex(r: unknown): number {
  if (typeof r === 'string') {
    const k = (ABI_NAMES as readonly string[]).indexOf(r);
    if (k >= 0) return k;
    if (r === 'fp') return 8;
    const m = /^x([0-9]|[12][0-9]|3[01])$/.exec(r);
    if (m) return Number(m[1]);
  } else if (typeof r === 'number' && Number.isInteger(r) && r >= 0 && r < 32) return r;
  throw new Rv64Error(`Rv64Hart: no register ${String(r)} (x0–x31 or an ABI name)`);
}

function signalStop(
  instructions: number,
  pc: number,
  signal: Rv64Signal,
  code: Rv64SignalCode,
  addr: number,
): SignalStop {
  return { reason: 'signal', instructions, pc, signal, code, addr };
}

/**
 * A user-mode RV64 hart.
 *
 * Invariants and rules:
 * - `x0` reads as zero whatever is written to it.
 * - Registers are held as two signed 32-bit halves (`lo[i]`, `hi[i]`); the executor never uses BigInt except for a
 *   64-bit division whose operands do not fit in 53 bits.
 * - Every access is translated through `memory.translate` once per page it touches; an access that crosses a page
 *   translates both pages first, so a store that faults on its second page writes nothing.
 * - Misaligned loads and stores succeed, as Linux's misaligned-access handler (arch/riscv/kernel/traps_misaligned.c)
 *   makes them succeed for user space; misaligned LR/SC/AMOs, which it does not emulate, raise SIGBUS `BUS_ADRALN`.
 * - The LR reservation covers the bytes the LR read; an SC succeeds only inside it, any SC clears it, and entering
 *   `run` clears it (the kernel clears it on every return to user space: arch/riscv/kernel/entry.S). A failed SC
 *   does not access memory.
 * - `cycle` and `instret` count retired instructions; `time` reads the same count (deterministic).
 * - Decoded instructions are cached per physical frame and dropped when the frame is written by this hart, on
 *   `fence.i` and on every entry to `run` (between runs the host may have changed memory or mappings).
 */
export class Rv64Hart {
  /** Low 32 bits of x0–x31 (signed). */
  readonly lo = new Int32Array(32);
  /** High 32 bits of x0–x31 (signed). */
  readonly hi = new Int32Array(32);
  /** Retired instructions since construction (`instret`). */
  instret = 0;
  /** `fflags` (5 bits) of `fcsr`. */
  fflags = 0;
  /** `frm` (3 bits) of `fcsr`. */
  frm = 0;
  /** f0–f31 as raw 64-bit patterns (a binary32 is NaN-boxed: upper 32 bits all ones). */
  readonly f = new BigUint64Array(32);
  private pcValue = 0;
  private readonly frames = new Map<number, DecodedFrame>();
  private readonly spare: DecodedFrame[] = [];
  private readonly useCache: boolean;
  private readonly countersReadable: boolean;
  private fetchStale = false;
  private resValid = false;
  private resVa = 0;
  private resSize = 0;
  private readonly dec: Decoded = newDecoded();
  /** Value of the last load (`vlo`, `vhi`) or the fault of the last access (`fault`, `faultVa`). */
  private vlo = 0;
  private vhi = 0;
  private faultVa = 0;

  /**
   * @param memory - the guest memory every access goes through
   * @param options - initial `pc`, decode cache
   */
  constructor(
    readonly memory: GuestMemory,
    options: Rv64HartOptions = {},
  ) {
    if (
      typeof memory?.translate !== 'function' ||
      typeof memory.physical !== 'object' ||
      memory.physical === null
    )
      throw new Rv64Error('Rv64Hart: memory must be a GuestMemory (translate + physical)');
    this.useCache = options.decodeCache ?? true;
    const access = options.perfUserAccess ?? 2;
    if (access !== 1 && access !== 2)
      throw new Rv64Error(`Rv64Hart: perfUserAccess must be 1 or 2, got ${String(access)}`);
    this.countersReadable = access === 2;
    if (options.pc !== undefined) this.pc = options.pc;
  }

  /** The program counter (a negative number stands for an address with bit 63 set). */
  get pc(): number {
    return this.pcValue;
  }
  set pc(value: number) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value % 2 !== 0)
      throw new Rv64Error(`Rv64Hart: pc must be an even safe integer, got ${String(value)}`);
    this.pcValue = value;
  }

  /** Register `r` (0–31, `x5` or an ABI name) as an unsigned 64-bit value. */
  reg(r: number | string): bigint {
    const i = regIndex(r);
    return (BigInt((this.hi[i] as number) >>> 0) << 32n) | BigInt((this.lo[i] as number) >>> 0);
  }

  /** Register `r` as a signed 64-bit value. */
  regSigned(r: number | string): bigint {
    return BigInt.asIntN(64, this.reg(r));
  }

  /** Sets register `r` to `value` modulo 2^64 (a `number` must be a safe integer). Writes to x0 are ignored. */
  setReg(r: number | string, value: bigint | number): void {
    const i = regIndex(r);
    let v: bigint;
    if (typeof value === 'bigint') v = value;
    else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
    else
      throw new Rv64Error(
        `Rv64Hart: register value must be a bigint or a safe integer, got ${String(value)}`,
      );
    if (i === 0) return;
    this.lo[i] = Number(BigInt.asIntN(32, v));
    this.hi[i] = Number(BigInt.asIntN(32, v >> 32n));
  }

  /** Drops every decoded instruction (what `fence.i` does); `run` also does it on entry. */
  invalidateDecodeCache(): void {
    for (const f of this.frames.values()) if (this.spare.length < 64) this.spare.push(f);
    this.frames.clear();
    this.fetchStale = true;
  }

  /**
   * Runs until an `ecall`, a signal or `maxInstructions` retired instructions (a non-negative safe integer).
   * Returns why it stopped and how many instructions retired; `pc` and the registers hold the state to resume from.
   */
  run(maxInstructions: number): RunOutcome {
    if (typeof maxInstructions !== 'number' || !Number.isSafeInteger(maxInstructions) || maxInstructions < 0)
      throw new Rv64Error(
        `Rv64Hart.run: maxInstructions must be a non-negative safe integer, got ${maxInstructions}`,
      );
    this.invalidateDecodeCache();
    this.resValid = false;
    this.memory.enter?.();
    const lo = this.lo;
    const hi = this.hi;
    const mem = this.memory;
    const phys = mem.physical;
    const useCache = this.useCache;
    const dec = this.dec;
    let pc = this.pcValue;
    let n = 0;
    let curPfn = -1;
    let meta: Int32Array = new Int32Array(0);
    let imms: Int32Array = meta;
    const startInstret = this.instret;
    while (n < maxInstructions) {
      // ---- fetch (through the MMU) and decode (through the cache) ----
      const pa = mem.translate(pc, FETCH);
      if (pa < 0) return this.stop(pc, n, this.memorySignal(pa, pc));
      if (this.fetchStale) {
        this.fetchStale = false;
        curPfn = -1;
      }
      let m = 0;
      let imm = 0;
      const off = pa & 0xfff;
      if (useCache) {
        const pfn = Math.floor(pa / PAGE);
        if (pfn !== curPfn) {
          let f = this.frames.get(pfn);
          if (f === undefined) {
            f = this.spare.pop() ?? { meta: new Int32Array(SLOTS), imm: new Int32Array(SLOTS) };
            f.meta.fill(0);
            this.frames.set(pfn, f);
          }
          curPfn = pfn;
          meta = f.meta;
          imms = f.imm;
        }
        m = meta[off >>> 1] as number;
        imm = imms[off >>> 1] as number;
      }
      if (m === 0) {
        const low = phys.read16(pa);
        if ((low & 3) !== 3) {
          if (low === 0) dec.op = Op.Illegal;
          else decode16(low, dec);
        } else {
          let word: number;
          if (off === PAGE - 2) {
            // A 32-bit instruction across a page boundary: translate the second page too (never cached).
            const pa2 = mem.translate(pc + 2, FETCH);
            if (pa2 < 0) return this.stop(pc, n, this.memorySignal(pa2, pc + 2));
            word = low | (phys.read16(pa2) << 16) | 0;
          } else word = phys.read32(pa) | 0;
          decode32(word, dec);
        }
        m = (dec.op << 16) | (dec.len === 4 ? 1 << 15 : 0) | (dec.rs2 << 10) | (dec.rs1 << 5) | dec.rd;
        imm = dec.imm;
        if (useCache && !(off === PAGE - 2 && dec.len === 4)) {
          meta[off >>> 1] = m;
          imms[off >>> 1] = imm;
        }
      }
      const rd = m & 31;
      const rs1 = (m >>> 5) & 31;
      const rs2 = (m >>> 10) & 31;
      let next = pc + ((m & 0x8000) !== 0 ? 4 : 2);

      // ---- execute ----
      switch (m >>> 16) {
        case Op.Lui:
          lo[rd] = imm;
          hi[rd] = imm >> 31;
          break;
        case Op.Auipc:
          this.setNumber(rd, pc + imm);
          break;
        case Op.Jal:
          this.setNumber(rd, next);
          next = pc + imm;
          break;
        case Op.Jalr: {
          const base = (hi[rs1] as number) * TWO32 + ((lo[rs1] as number) >>> 0) + imm;
          const t = base - (((lo[rs1] as number) + imm) & 1);
          this.setNumber(rd, next);
          next = t;
          break;
        }
        case Op.Beq:
          if (lo[rs1] === lo[rs2] && hi[rs1] === hi[rs2]) next = pc + imm;
          break;
        case Op.Bne:
          if (lo[rs1] !== lo[rs2] || hi[rs1] !== hi[rs2]) next = pc + imm;
          break;
        case Op.Blt: {
          const a = hi[rs1] as number;
          const b = hi[rs2] as number;
          if (a < b || (a === b && (lo[rs1] as number) >>> 0 < (lo[rs2] as number) >>> 0)) next = pc + imm;
          break;
        }
        case Op.Bge: {
          const a = hi[rs1] as number;
          const b = hi[rs2] as number;
          if (!(a < b || (a === b && (lo[rs1] as number) >>> 0 < (lo[rs2] as number) >>> 0))) next = pc + imm;
          break;
        }
        case Op.Bltu: {
          const a = (hi[rs1] as number) >>> 0;
          const b = (hi[rs2] as number) >>> 0;
          if (a < b || (a === b && (lo[rs1] as number) >>> 0 < (lo[rs2] as number) >>> 0)) next = pc + imm;
          break;
        }
        case Op.Bgeu: {
          const a = (hi[rs1] as number) >>> 0;
          const b = (hi[rs2] as number) >>> 0;
          if (!(a < b || (a === b && (lo[rs1] as number) >>> 0 < (lo[rs2] as number) >>> 0))) next = pc + imm;
          break;
        }
        case Op.Lb:
        case Op.Lh:
        case Op.Lw:
        case Op.Lbu:
        case Op.Lhu:
        case Op.Lwu: {
          const op = m >>> 16;
          const size = op === Op.Lb || op === Op.Lbu ? 1 : op === Op.Lh || op === Op.Lhu ? 2 : 4;
          const va = (hi[rs1] as number) * TWO32 + ((lo[rs1] as number) >>> 0) + imm;
          const v = this.loadSmall(va, size);
          if (v < 0) return this.stop(pc, n, this.memorySignal(v, this.faultVa));
          if (op === Op.Lb) {
            lo[rd] = (v << 24) >> 24;
            hi[rd] = lo[rd] >> 31;
          } else if (op === Op.Lh) {
            lo[rd] = (v << 16) >> 16;
            hi[rd] = lo[rd] >> 31;
          } else if (op === Op.Lw) {
            lo[rd] = v;
            hi[rd] = v >> 31;
          } else {
            lo[rd] = v;
            hi[rd] = 0;
          }
          break;
        }
        case Op.Ld: {
          const va = (hi[rs1] as number) * TWO32 + ((lo[rs1] as number) >>> 0) + imm;
          const r = this.load64(va);
          if (r < 0) return this.stop(pc, n, this.memorySignal(r, this.faultVa));
          lo[rd] = this.vlo;
          hi[rd] = this.vhi;
          break;
        }
        case Op.Sb:
        case Op.Sh:
        case Op.Sw:
        case Op.Sd: {
          const op = m >>> 16;
          const size = op === Op.Sb ? 1 : op === Op.Sh ? 2 : op === Op.Sw ? 4 : 8;
          const va = (hi[rs1] as number) * TWO32 + ((lo[rs1] as number) >>> 0) + imm;
          const r = this.store(va, size, lo[rs2] as number, hi[rs2] as number);
          if (r < 0) return this.stop(pc, n, this.memorySignal(r, this.faultVa));
          break;
        }
        case Op.Flw: {
          const va = (hi[rs1] as number) * TWO32 + ((lo[rs1] as number) >>> 0) + imm;
          const v = this.loadSmall(va, 4);
          if (v < 0) return this.stop(pc, n, this.memorySignal(v, this.faultVa));
          this.f[rd] = BOX | BigInt(v >>> 0);
          break;
        }
        case Op.Fld: {
          const va = (hi[rs1] as number) * TWO32 + ((lo[rs1] as number) >>> 0) + imm;
          const r = this.load64(va);
          if (r < 0) return this.stop(pc, n, this.memorySignal(r, this.faultVa));
          this.f[rd] = (BigInt(this.vhi >>> 0) << 32n) | BigInt(this.vlo >>> 0);
          break;
        }
        case Op.Fsw:
        case Op.Fsd: {
          const va = (hi[rs1] as number) * TWO32 + ((lo[rs1] as number) >>> 0) + imm;
          const bits = this.f[rs2] as bigint;
          const size = m >>> 16 === Op.Fsw ? 4 : 8;
          const r = this.store(va, size, Number(bits & M32) | 0, Number(bits >> 32n) | 0);
          if (r < 0) return this.stop(pc, n, this.memorySignal(r, this.faultVa));
          break;
        }
        case Op.Fma:
        case Op.FpOp:
          if (!this.floating(imm, rd, rs1, rs2)) return this.stop(pc, n, this.illegal(pc));
          break;
        case Op.Addi: {
          const a = lo[rs1] as number;
          const l = (a + imm) | 0;
          hi[rd] = ((hi[rs1] as number) + (imm >> 31) + (l >>> 0 < a >>> 0 ? 1 : 0)) | 0;
          lo[rd] = l;
          break;
        }
        case Op.Slti: {
          const h = hi[rs1] as number;
          const ih = imm >> 31;
          lo[rd] = h < ih || (h === ih && (lo[rs1] as number) >>> 0 < imm >>> 0) ? 1 : 0;
          hi[rd] = 0;
          break;
        }
        case Op.Sltiu: {
          const h = (hi[rs1] as number) >>> 0;
          const ih = (imm >> 31) >>> 0;
          lo[rd] = h < ih || (h === ih && (lo[rs1] as number) >>> 0 < imm >>> 0) ? 1 : 0;
          hi[rd] = 0;
          break;
        }
        case Op.Xori:
          lo[rd] = (lo[rs1] as number) ^ imm;
          hi[rd] = (hi[rs1] as number) ^ (imm >> 31);
          break;
        case Op.Ori:
          lo[rd] = (lo[rs1] as number) | imm;
          hi[rd] = (hi[rs1] as number) | (imm >> 31);
          break;
        case Op.Andi:
          lo[rd] = (lo[rs1] as number) & imm;
          hi[rd] = (hi[rs1] as number) & (imm >> 31);
          break;
        case Op.Slli:
          this.shiftLeft(rd, lo[rs1] as number, hi[rs1] as number, imm);
          break;
        case Op.Srli:
          this.shiftRight(rd, lo[rs1] as number, hi[rs1] as number, imm, false);
          break;
        case Op.Srai:
          this.shiftRight(rd, lo[rs1] as number, hi[rs1] as number, imm, true);
          break;
        case Op.Add: {
          const a = lo[rs1] as number;
          const l = (a + (lo[rs2] as number)) | 0;
          hi[rd] = ((hi[rs1] as number) + (hi[rs2] as number) + (l >>> 0 < a >>> 0 ? 1 : 0)) | 0;
          lo[rd] = l;
          break;
        }
        case Op.Sub: {
          const a = lo[rs1] as number;
          const b = lo[rs2] as number;
          hi[rd] = ((hi[rs1] as number) - (hi[rs2] as number) - (a >>> 0 < b >>> 0 ? 1 : 0)) | 0;
          lo[rd] = (a - b) | 0;
          break;
        }
        case Op.Sll:
          this.shiftLeft(rd, lo[rs1] as number, hi[rs1] as number, (lo[rs2] as number) & 63);
          break;
        case Op.Srl:
          this.shiftRight(rd, lo[rs1] as number, hi[rs1] as number, (lo[rs2] as number) & 63, false);
          break;
        case Op.Sra:
          this.shiftRight(rd, lo[rs1] as number, hi[rs1] as number, (lo[rs2] as number) & 63, true);
          break;
        case Op.Slt: {
          const a = hi[rs1] as number;
          const b = hi[rs2] as number;
          lo[rd] = a < b || (a === b && (lo[rs1] as number) >>> 0 < (lo[rs2] as number) >>> 0) ? 1 : 0;
          hi[rd] = 0;
          break;
        }
        case Op.Sltu: {
          const a = (hi[rs1] as number) >>> 0;
          const b = (hi[rs2] as number) >>> 0;
          lo[rd] = a < b || (a === b && (lo[rs1] as number) >>> 0 < (lo[rs2] as number) >>> 0) ? 1 : 0;
          hi[rd] = 0;
          break;
        }
        case Op.Xor:
          lo[rd] = (lo[rs1] as number) ^ (lo[rs2] as number);
          hi[rd] = (hi[rs1] as number) ^ (hi[rs2] as number);
          break;
        case Op.Or:
          lo[rd] = (lo[rs1] as number) | (lo[rs2] as number);
          hi[rd] = (hi[rs1] as number) | (hi[rs2] as number);
          break;
        case Op.And:
          lo[rd] = (lo[rs1] as number) & (lo[rs2] as number);
          hi[rd] = (hi[rs1] as number) & (hi[rs2] as number);
          break;
        case Op.Addiw: {
          const v = ((lo[rs1] as number) + imm) | 0;
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Slliw: {
          const v = (lo[rs1] as number) << imm;
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Srliw: {
          const v = ((lo[rs1] as number) >>> imm) | 0;
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Sraiw: {
          const v = (lo[rs1] as number) >> imm;
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Addw: {
          const v = ((lo[rs1] as number) + (lo[rs2] as number)) | 0;
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Subw: {
          const v = ((lo[rs1] as number) - (lo[rs2] as number)) | 0;
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Sllw: {
          const v = (lo[rs1] as number) << ((lo[rs2] as number) & 31);
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Srlw: {
          const v = ((lo[rs1] as number) >>> ((lo[rs2] as number) & 31)) | 0;
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Sraw: {
          const v = (lo[rs1] as number) >> ((lo[rs2] as number) & 31);
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Fence:
          break;
        case Op.FenceI:
          this.invalidateDecodeCache();
          break;
        case Op.Ecall: {
          this.pcValue = next;
          this.instret = startInstret + n + 1;
          return {
            reason: 'ecall',
            instructions: n + 1,
            pc,
            number: lo[17] as number,
            args: [this.reg(10), this.reg(11), this.reg(12), this.reg(13), this.reg(14), this.reg(15)],
          };
        }
        case Op.Ebreak:
          return this.stop(pc, n, signalStop(0, pc, 'SIGTRAP', 'TRAP_BRKPT', pc));
        case Op.Csrrw:
        case Op.Csrrs:
        case Op.Csrrc:
        case Op.Csrrwi:
        case Op.Csrrsi:
        case Op.Csrrci:
          if (!this.csr(m >>> 16, rd, rs1, imm, startInstret + n)) return this.stop(pc, n, this.illegal(pc));
          break;
        case Op.Mul:
          mulLow(lo[rs1] as number, hi[rs1] as number, lo[rs2] as number, hi[rs2] as number);
          lo[rd] = result[0] as number;
          hi[rd] = result[1] as number;
          break;
        case Op.Mulh:
        case Op.Mulhsu:
        case Op.Mulhu: {
          const op = m >>> 16;
          mulHigh(
            lo[rs1] as number,
            hi[rs1] as number,
            op !== Op.Mulhu,
            lo[rs2] as number,
            hi[rs2] as number,
            op === Op.Mulh,
          );
          lo[rd] = result[0] as number;
          hi[rd] = result[1] as number;
          break;
        }
        case Op.Div:
        case Op.Divu:
        case Op.Rem:
        case Op.Remu: {
          const op = m >>> 16;
          divRem(
            lo[rs1] as number,
            hi[rs1] as number,
            lo[rs2] as number,
            hi[rs2] as number,
            op === Op.Div || op === Op.Rem,
            op === Op.Rem || op === Op.Remu,
          );
          lo[rd] = result[0] as number;
          hi[rd] = result[1] as number;
          break;
        }
        case Op.Mulw: {
          const v = Math.imul(lo[rs1] as number, lo[rs2] as number);
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        case Op.Divw:
        case Op.Divuw:
        case Op.Remw:
        case Op.Remuw: {
          const op = m >>> 16;
          const v = divRemW(
            lo[rs1] as number,
            lo[rs2] as number,
            op === Op.Divw || op === Op.Remw,
            op === Op.Remw || op === Op.Remuw,
          );
          lo[rd] = v;
          hi[rd] = v >> 31;
          break;
        }
        default: {
          const op = m >>> 16;
          if (op >= Op.LrW && op <= Op.AmoMaxuD) {
            const r = this.atomic(op, rd, rs1, rs2);
            if (r !== 0) return this.stop(pc, n, r);
            break;
          }
          return this.stop(pc, n, this.illegal(pc));
        }
      }
      lo[0] = 0;
      hi[0] = 0;
      pc = next;
      n++;
    }
    this.pcValue = pc;
    this.instret = startInstret + n;
    return { reason: 'limit', instructions: n, pc };
  }

  // ---- helpers (not on the per-instruction path unless the instruction needs them) ----

  private stop(pc: number, n: number, s: SignalStop): SignalStop {
    this.pcValue = pc;
    this.instret += n;
    this.lo[0] = 0;
    this.hi[0] = 0;
    return { ...s, pc, instructions: n };
  }

  private illegal(pc: number): SignalStop {
    return signalStop(0, pc, 'SIGILL', 'ILL_ILLOPC', pc);
  }

  private memorySignal(code: number, va: number): SignalStop {
    const pc = 0; // filled in by stop()
    if (code === FAULT_SEGV_ACCERR) return signalStop(0, pc, 'SIGSEGV', 'SEGV_ACCERR', va);
    if (code === FAULT_BUS_ADRERR) return signalStop(0, pc, 'SIGBUS', 'BUS_ADRERR', va);
    if (code === FAULT_OOM_KILL) return signalStop(0, pc, 'SIGKILL', 'OOM', va);
    if (code === MISALIGNED) return signalStop(0, pc, 'SIGBUS', 'BUS_ADRALN', va);
    return signalStop(0, pc, 'SIGSEGV', 'SEGV_MAPERR', va);
  }

  /** Writes the number `v` (a safe integer, negative = two's complement) to `rd`. */
  private setNumber(rd: number, v: number): void {
    const h = Math.floor(v / TWO32);
    this.lo[rd] = (v - h * TWO32) | 0;
    this.hi[rd] = h | 0;
  }

  private shiftLeft(rd: number, a: number, b: number, sh: number): void {
    if (sh === 0) {
      this.lo[rd] = a;
      this.hi[rd] = b;
    } else if (sh < 32) {
      this.hi[rd] = (b << sh) | (a >>> (32 - sh));
      this.lo[rd] = a << sh;
    } else {
      this.hi[rd] = a << (sh - 32);
      this.lo[rd] = 0;
    }
  }

  private shiftRight(rd: number, a: number, b: number, sh: number, arithmetic: boolean): void {
    if (sh === 0) {
      this.lo[rd] = a;
      this.hi[rd] = b;
    } else if (sh < 32) {
      this.lo[rd] = (a >>> sh) | (b << (32 - sh));
      this.hi[rd] = arithmetic ? b >> sh : (b >>> sh) | 0;
    } else {
      this.lo[rd] = arithmetic ? b >> (sh - 32) : (b >>> (sh - 32)) | 0;
      this.hi[rd] = arithmetic ? b >> 31 : 0;
    }
  }

  /** Drops the decoded instructions of the frame at `pa` after a store to it. */
  private wrote(pa: number): void {
    if (this.frames.size === 0) return;
    const pfn = Math.floor(pa / PAGE);
    const f = this.frames.get(pfn);
    if (f !== undefined) {
      this.frames.delete(pfn);
      if (this.spare.length < 64) this.spare.push(f);
      this.fetchStale = true;
    }
  }

  /** Loads 1, 2 or 4 bytes (unsigned) at `va`, or a negative fault (address in `faultVa`). */
  private loadSmall(va: number, size: number): number {
    if ((va & 0xfff) + size > PAGE || va < 0) return this.loadCrossing(va, size);
    const pa = this.memory.translate(va, LOAD);
    if (pa < 0) {
      this.faultVa = va;
      return pa;
    }
    const phys = this.memory.physical;
    return size === 1 ? phys.read8(pa) : size === 2 ? phys.read16(pa) : phys.read32(pa);
  }

  private loadCrossing(va: number, size: number): number {
    const mem = this.memory;
    let v = 0;
    for (let k = 0; k < size; k++) {
      const pa = mem.translate(va + k, LOAD);
      if (pa < 0) {
        this.faultVa = va + k;
        return pa;
      }
      v += mem.physical.read8(pa) * 2 ** (8 * k);
    }
    return v;
  }

  /** Loads 8 bytes at `va` into `vlo`/`vhi`: 0 or a negative fault. */
  private load64(va: number): number {
    if ((va & 0xfff) + 8 > PAGE || va < 0) {
      const a = this.loadCrossing(va, 4);
      if (a < 0) return a;
      const b = this.loadCrossing(va + 4, 4);
      if (b < 0) return b;
      this.vlo = a | 0;
      this.vhi = b | 0;
      return 0;
    }
    const pa = this.memory.translate(va, LOAD);
    if (pa < 0) {
      this.faultVa = va;
      return pa;
    }
    const phys = this.memory.physical;
    this.vlo = phys.read32(pa) | 0;
    this.vhi = phys.read32(pa + 4) | 0;
    return 0;
  }

  /** Stores `size` bytes of (`l`, `h`) at `va`: 0 or a negative fault (nothing written). */
  private store(va: number, size: number, l: number, h: number): number {
    const mem = this.memory;
    const phys = mem.physical;
    if ((va & 0xfff) + size > PAGE || va < 0) {
      // Both pages first, so that a fault on the second writes nothing.
      const first = mem.translate(va, STORE);
      if (first < 0) {
        this.faultVa = va;
        return first;
      }
      const second = mem.translate(va + size - 1, STORE);
      if (second < 0) {
        this.faultVa = va + size - 1 - ((va + size - 1) % PAGE);
        return second;
      }
      for (let k = 0; k < size; k++) {
        const pa = mem.translate(va + k, STORE);
        const byte = k < 4 ? (l >>> (8 * k)) & 0xff : (h >>> (8 * (k - 4))) & 0xff;
        phys.write8(pa, byte);
        this.wrote(pa);
      }
      return 0;
    }
    const pa = mem.translate(va, STORE);
    if (pa < 0) {
      this.faultVa = va;
      return pa;
    }
    if (size === 1) phys.write8(pa, l & 0xff);
    else if (size === 2) phys.write16(pa, l & 0xffff);
    else if (size === 4) phys.write32(pa, l >>> 0);
    else phys.write64(pa, l >>> 0, h >>> 0);
    this.wrote(pa);
    return 0;
  }

  /** LR/SC/AMO: 0 on success, else the signal to stop with. */
  private atomic(op: number, rd: number, rs1: number, rs2: number): 0 | SignalStop {
    const lo = this.lo;
    const hi = this.hi;
    const double = op >= Op.LrD;
    const size = double ? 8 : 4;
    const base = double ? op - 11 : op;
    const va = (hi[rs1] as number) * TWO32 + ((lo[rs1] as number) >>> 0);
    if (va % size !== 0) return this.memorySignal(MISALIGNED, va);
    const mem = this.memory;
    const phys = mem.physical;
    if (base === Op.ScW) {
      const ok = this.resValid && va >= this.resVa && va + size <= this.resVa + this.resSize;
      this.resValid = false;
      if (ok) {
        const pa = mem.translate(va, STORE);
        if (pa < 0) return this.memorySignal(pa, va);
        if (double) phys.write64(pa, (lo[rs2] as number) >>> 0, (hi[rs2] as number) >>> 0);
        else phys.write32(pa, (lo[rs2] as number) >>> 0);
        this.wrote(pa);
      }
      lo[rd] = ok ? 0 : 1;
      hi[rd] = 0;
      return 0;
    }
    const pa = mem.translate(va, base === Op.LrW ? LOAD : STORE);
    if (pa < 0) return this.memorySignal(pa, va);
    const ol = phys.read32(pa) | 0;
    const oh = double ? phys.read32(pa + 4) | 0 : ol >> 31;
    if (base === Op.LrW) {
      this.resValid = true;
      this.resVa = va;
      this.resSize = size;
    } else {
      const bl = lo[rs2] as number;
      const bh = double ? (hi[rs2] as number) : bl >> 31;
      let nl = bl;
      let nh = bh;
      switch (base) {
        case Op.AmoAddW: {
          nl = (ol + bl) | 0;
          nh = (oh + bh + (nl >>> 0 < ol >>> 0 ? 1 : 0)) | 0;
          break;
        }
        case Op.AmoXorW:
          nl = ol ^ bl;
          nh = oh ^ bh;
          break;
        case Op.AmoAndW:
          nl = ol & bl;
          nh = oh & bh;
          break;
        case Op.AmoOrW:
          nl = ol | bl;
          nh = oh | bh;
          break;
        case Op.AmoMinW:
        case Op.AmoMaxW:
        case Op.AmoMinuW:
        case Op.AmoMaxuW: {
          const unsigned = base === Op.AmoMinuW || base === Op.AmoMaxuW;
          const ah = unsigned ? oh >>> 0 : oh;
          const bhh = unsigned ? bh >>> 0 : bh;
          const less = ah < bhh || (ah === bhh && ol >>> 0 < bl >>> 0);
          // min keeps the old value when it is less, max when it is not.
          if (base === Op.AmoMinW || base === Op.AmoMinuW ? less : !less) {
            nl = ol;
            nh = oh;
          }
          break;
        }
        default: // swap
          break;
      }
      if (double) phys.write64(pa, nl >>> 0, nh >>> 0);
      else phys.write32(pa, nl >>> 0);
      this.wrote(pa);
    }
    lo[rd] = ol;
    hi[rd] = oh;
    return 0;
  }

  /** Register `i` (0–31) of the f file as its raw 64-bit pattern. */
  freg(i: number): bigint {
    if (!Number.isInteger(i) || i < 0 || i > 31) throw new Rv64Error(`Rv64Hart: no register f${String(i)}`);
    return this.f[i] as bigint;
  }

  /** Sets f register `i` to the raw pattern `bits` modulo 2^64 (box a binary32 yourself: `0xffffffff_00000000n |`). */
  setFreg(i: number, bits: bigint): void {
    if (!Number.isInteger(i) || i < 0 || i > 31) throw new Rv64Error(`Rv64Hart: no register f${String(i)}`);
    if (typeof bits !== 'bigint') throw new Rv64Error('Rv64Hart: an f register value must be a bigint');
    this.f[i] = BigInt.asUintN(64, bits);
  }

  /** A binary32 operand: the low half when properly NaN-boxed, else the canonical NaN. */
  private single(i: number): bigint {
    const v = this.f[i] as bigint;
    return v >> 32n === M32 ? v & M32 : F32.qnan;
  }

  private setX(rd: number, v: bigint): void {
    if (rd === 0) return;
    this.lo[rd] = Number(BigInt.asIntN(32, v));
    this.hi[rd] = Number(BigInt.asIntN(32, v >> 32n));
  }

  /**
   * Executes an OP-FP or fused multiply-add instruction word `w`; false when it is illegal (a reserved `rm`, or
   * `frm` holding one when `rm` is dynamic, or an encoding F/D do not define).
   */
  private floating(w: number, rd: number, rs1: number, rs2: number): boolean {
    const opcode = w & 0x7f;
    const fmt = (w >>> 25) & 3;
    const f3 = (w >>> 12) & 7;
    const rm = f3 === 7 ? this.frm : f3;
    const double = fmt === 1;
    if (fmt > 1) return false;
    takeFlags(); // the FPU's flag accumulator is shared: start this instruction from none
    const F: FloatFormat = double ? F64 : F32;
    const src = (i: number) => (double ? (this.f[i] as bigint) : this.single(i));
    const setF = (v: bigint) => {
      this.f[rd] = double ? v : BOX | v;
    };
    const roundingOk = rm <= 4;
    if (opcode !== 0x53) {
      if (!roundingOk) return false;
      const rs3 = w >>> 27;
      const negateProduct = opcode === 0x4b || opcode === 0x4f; // fnmsub, fnmadd
      const negateAddend = opcode === 0x47 || opcode === 0x4f; // fmsub, fnmadd
      setF(ffma(src(rs1), src(rs2), src(rs3), F, rm, negateProduct, negateAddend));
      this.fflags |= takeFlags();
      return true;
    }
    const funct5 = w >>> 27;
    switch (funct5) {
      case 0x00:
      case 0x01:
      case 0x02:
      case 0x03:
        if (!roundingOk) return false;
        if (funct5 === 0x00) setF(fadd(src(rs1), src(rs2), F, rm));
        else if (funct5 === 0x01) setF(fadd(src(rs1), src(rs2), F, rm, true));
        else if (funct5 === 0x02) setF(fmul(src(rs1), src(rs2), F, rm));
        else setF(fdiv(src(rs1), src(rs2), F, rm));
        break;
      case 0x0b:
        if (!roundingOk || rs2 !== 0) return false;
        setF(fsqrt(src(rs1), F, rm));
        break;
      case 0x04: {
        if (f3 > 2) return false;
        const a = src(rs1);
        const b = src(rs2);
        const signBit = double ? 1n << 63n : 1n << 31n;
        const sign = f3 === 0 ? b & signBit : f3 === 1 ? ~b & signBit : (a ^ b) & signBit;
        setF((a & ~signBit) | sign);
        break;
      }
      case 0x05:
        if (f3 > 1) return false;
        setF(fminmax(src(rs1), src(rs2), F, f3 === 1));
        break;
      case 0x08: {
        // fcvt.s.d (fmt S, rs2 = 1) / fcvt.d.s (fmt D, rs2 = 0)
        if (!roundingOk || rs2 !== (double ? 0 : 1)) return false;
        const from = double ? F32 : F64;
        const v = double ? this.single(rs1) : (this.f[rs1] as bigint);
        setF(fconvert(v, from, F, rm));
        break;
      }
      case 0x14: {
        if (f3 > 2) return false;
        const kind = f3 === 2 ? 'eq' : f3 === 1 ? 'lt' : 'le';
        this.setX(rd, BigInt(fcompare(src(rs1), src(rs2), F, kind)));
        break;
      }
      case 0x18: {
        // fcvt.{w,wu,l,lu}.{s,d}
        if (!roundingOk || rs2 > 3) return false;
        const [min, max] =
          rs2 === 0
            ? [I32_MIN, I32_MAX]
            : rs2 === 1
              ? [0n, U32_MAX]
              : rs2 === 2
                ? [I64_MIN, I64_MAX]
                : [0n, U64_MAX];
        const v = toInteger(src(rs1), F, rm, min, max);
        this.setX(rd, rs2 < 2 ? BigInt.asIntN(32, v) : v);
        break;
      }
      case 0x1a: {
        // fcvt.{s,d}.{w,wu,l,lu}
        if (!roundingOk || rs2 > 3) return false;
        const x = (BigInt(this.hi[rs1] as number) << 32n) | BigInt((this.lo[rs1] as number) >>> 0);
        const v =
          rs2 === 0
            ? BigInt.asIntN(32, x)
            : rs2 === 1
              ? BigInt.asUintN(32, x)
              : rs2 === 2
                ? BigInt.asIntN(64, x)
                : BigInt.asUintN(64, x);
        setF(fromInteger(v, F, rm));
        break;
      }
      case 0x1c:
        if (rs2 !== 0) return false;
        if (f3 === 0) {
          // fmv.x.w (the low 32 bits, sign-extended, no NaN-box check) / fmv.x.d
          const v = this.f[rs1] as bigint;
          this.setX(rd, double ? v : BigInt.asIntN(32, v));
        } else if (f3 === 1) this.setX(rd, BigInt(fclass(src(rs1), F)));
        else return false;
        break;
      case 0x1e: {
        // fmv.w.x / fmv.d.x
        if (rs2 !== 0 || f3 !== 0) return false;
        const x = (BigInt(this.hi[rs1] as number) << 32n) | BigInt((this.lo[rs1] as number) >>> 0);
        this.f[rd] = double ? BigInt.asUintN(64, x) : BOX | (x & M32);
        break;
      }
      default:
        return false;
    }
    this.fflags |= takeFlags();
    return true;
  }

  /** Executes a CSR instruction; false when it is illegal (unknown CSR, or a write to a read-only one). */
  private csr(op: number, rd: number, rs1: number, number: number, retired: number): boolean {
    const immediate = op >= Op.Csrrwi;
    const kind = immediate ? op - 3 : op; // Csrrw, Csrrs or Csrrc
    const srcLo = immediate ? rs1 : (this.lo[rs1] as number);
    const writes = kind === Op.Csrrw || rs1 !== 0;
    const reads = kind !== Op.Csrrw || rd !== 0;
    let oldLo = 0;
    let oldHi = 0;
    switch (number) {
      case CSR.fflags:
        oldLo = this.fflags;
        break;
      case CSR.frm:
        oldLo = this.frm;
        break;
      case CSR.fcsr:
        oldLo = (this.frm << 5) | this.fflags;
        break;
      case CSR.cycle:
      case CSR.time:
      case CSR.instret:
        if (writes) return false; // read-only (csr[11:10] = 11)
        if (number !== CSR.time && !this.countersReadable) return false; // perf_user_access = 1
        oldLo = (retired % TWO32) | 0;
        oldHi = Math.floor(retired / TWO32) | 0;
        break;
      default:
        return false;
    }
    if (writes) {
      const v = kind === Op.Csrrw ? srcLo : kind === Op.Csrrs ? oldLo | srcLo : oldLo & ~srcLo;
      if (number === CSR.fflags) this.fflags = v & 31;
      else if (number === CSR.frm) this.frm = v & 7;
      else {
        this.fflags = v & 31;
        this.frm = (v >>> 5) & 7;
      }
    }
    if (reads) {
      this.lo[rd] = oldLo;
      this.hi[rd] = oldHi;
    }
    return true;
  }
}

/** Internal fault code: a misaligned LR/SC/AMO (SIGBUS `BUS_ADRALN`). */
const MISALIGNED = -100;
