/**
 * Benchmarks of the interpreter (not run by `test`): `npx tsx bench/run.ts` from packages/rv64. Prints the median of
 * 7 samples (each ≥ 200 ms, after a 300 ms warm-up) of guest instructions per second.
 */
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { SparsePhysicalMemory } from '@pagewright/frames';
import { Machine } from '@pagewright/process-vm';
import { BareMemory } from '../src/bare-memory.js';
import { type GuestMemory, processMemory } from '../src/guest-memory.js';
import { Rv64Hart } from '../src/hart.js';
import { A, words } from '../test/asm.js';

const CODE = 0x10000;
const DATA = 0x20000;
const DATA_BYTES = 16 * 4096;

/** A loop over 16 pages of data: ld, add, addi, sd, mul, shifts, a branch — 10 instructions per element. */
function program(): Uint8Array {
  const n = DATA_BYTES / 8;
  return words([
    A.lui(5, DATA >>> 12), // 0: t0 = DATA
    A.lui(6, n >>> 12), // 4: t1 = n (n is a multiple of 4096)
    A.addi(6, 6, n & 0xfff), // 8
    A.ld(7, 5, 0), // 12: loop
    A.add(28, 28, 7),
    A.mul(29, 7, 28),
    A.srli(29, 29, 3),
    A.xor(7, 7, 29),
    A.sd(7, 5, 0),
    A.addi(5, 5, 8),
    A.addi(6, 6, -1),
    A.bne(6, 0, -32),
    A.jal(0, -48), // restart
  ]);
}

/** A floating-point loop, f1 ← (f1·2 + 1) / 3 (converges to 1, stays inexact): fmul.d, fadd.d, fdiv.d, addi, j. */
function fpProgram(): Uint8Array {
  const R = (f7: number, rs2: number, rs1: number, rd: number) =>
    ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (7 << 12) | (rd << 7) | 0x53) >>> 0;
  return words([
    R(0x09, 2, 1, 3), // fmul.d f3, f1, f2
    R(0x01, 5, 3, 4), // fadd.d f4, f3, f5
    R(0x0d, 6, 4, 1), // fdiv.d f1, f4, f6
    A.addi(5, 5, 1),
    A.jal(0, -16),
  ]);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function bench(name: string, hart: Rv64Hart): void {
  const step = 200_000;
  const warm = performance.now() + 300;
  while (performance.now() < warm) hart.run(step);
  const rates: number[] = [];
  for (let k = 0; k < 7; k++) {
    let done = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 200) {
      done += hart.run(step).instructions;
      t = performance.now();
    }
    rates.push(done / ((t - t0) / 1000));
  }
  console.log(`${name.padEnd(52)} ${(median(rates) / 1e6).toFixed(2)} M instructions/s`);
}

function onProcess(tlb: string, decodeCache: boolean, code: Uint8Array = program()): Rv64Hart {
  const machine = new Machine({ arch: 'sv39', tlb });
  const p = machine.spawn({
    entry: CODE,
    segments: [
      { vaddr: CODE, memsz: 4096, prot: PROT_READ | PROT_EXEC, data: code },
      { vaddr: DATA, memsz: DATA_BYTES, prot: PROT_READ | PROT_WRITE },
    ],
  });
  return new Rv64Hart(processMemory(p), { pc: CODE, decodeCache });
}

function onBare(decodeCache: boolean): Rv64Hart {
  const memory = new BareMemory(new SparsePhysicalMemory({ size: 64 * 4096 }));
  memory.map(CODE, 4096, PROT_READ | PROT_EXEC);
  memory.map(DATA, DATA_BYTES, PROT_READ | PROT_WRITE);
  memory.write(CODE, program());
  return new Rv64Hart(memory as GuestMemory, { pc: CODE, decodeCache });
}

/** 64-bit adds: two Int32 halves vs BigInt64Array, to justify the register representation. */
function registerRepresentation(): void {
  const n = 2_000_000;
  const lo = new Int32Array(32);
  const hi = new Int32Array(32);
  const big = new BigInt64Array(32);
  const time = (f: () => void) => {
    f();
    const t0 = performance.now();
    f();
    return n / ((performance.now() - t0) / 1000);
  };
  const halves = time(() => {
    for (let k = 0; k < n; k++) {
      const d = k & 31;
      const a = lo[(k + 1) & 31] as number;
      const l = (a + (lo[(k + 2) & 31] as number) + k) | 0;
      hi[d] = ((hi[(k + 1) & 31] as number) + (hi[(k + 2) & 31] as number) + (l >>> 0 < a >>> 0 ? 1 : 0)) | 0;
      lo[d] = l;
    }
  });
  const bigint = time(() => {
    for (let k = 0; k < n; k++) {
      big[k & 31] = BigInt.asIntN(
        64,
        (big[(k + 1) & 31] as bigint) + (big[(k + 2) & 31] as bigint) + BigInt(k),
      );
    }
  });
  console.log(`${'64-bit add, Int32 halves'.padEnd(52)} ${(halves / 1e6).toFixed(1)} M/s`);
  console.log(`${'64-bit add, BigInt64Array'.padEnd(52)} ${(bigint / 1e6).toFixed(1)} M/s`);
}

bench('process-vm Process, Sv39, TLB 16x4 lru, decode cache', onProcess('16x4:lru', true));
bench('process-vm Process, Sv39, TLB 16x4 lru, no decode cache', onProcess('16x4:lru', false));
bench('process-vm Process, Sv39, no TLB (walk every access)', onProcess('off', true));
bench('BareMemory (no MMU walk), decode cache', onBare(true));
const fp = onProcess('16x4:lru', true, fpProgram());
fp.setFreg(1, 0x4059000000000000n); // 100
fp.setFreg(2, 0x4000000000000000n); // 2
fp.setFreg(5, 0x3ff0000000000000n); // 1
fp.setFreg(6, 0x4008000000000000n); // 3
bench('process-vm Process, D loop (RNE fast path)', fp);
registerRepresentation();
