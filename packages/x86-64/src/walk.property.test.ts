import { SparsePhysicalMemory } from '@pagewright/frames';
import { NoTlb, SetAssociativeTlb } from '@pagewright/tlb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PfError } from './fault.js';
import { createX86WalkResult, QEMU_WALK_OPTIONS, SDM_WALK_OPTIONS, walkX86 } from './walk.js';
import { createX86Arch } from './x86-arch.js';
import { X86Cpu } from './x86-cpu.js';

// ---------------------------------------------------------------------------------------------------------------
// A naive reference walker, written independently from walk.ts: BigInt everywhere, a Map as memory, following the
// numbered rules of conformance/FORMAT.md (Intel SDM Vol. 3A §4.5-4.8) literally, with the two SDM/QEMU switches.
// ---------------------------------------------------------------------------------------------------------------

const TABLES = 24; // table frames 0..23
const RAM_FRAMES = 64;
const ONES = (1n << 64n) - 1n;

interface RefConfig {
  levels: 4 | 5;
  maxPhy: number;
  gbPages: boolean;
  nxe: boolean;
  wp: boolean;
  smep: boolean;
  smap: boolean;
  ac: boolean;
  pke: boolean;
  pge: boolean;
  pkru: number;
  cpl: 0 | 3;
  qemu: boolean;
}

type RefResult = { pa: bigint } | { vector: number; error: number };

function refWalk(
  mem: Map<bigint, bigint>,
  cfg: RefConfig,
  va: bigint,
  access: 'load' | 'store' | 'fetch',
): RefResult {
  const L = cfg.levels;
  const top = BigInt(12 + 9 * L - 1); // bit 47 or 56
  const upper = va >> top;
  if (upper !== 0n && upper !== (1n << (64n - top)) - 1n) return { vector: 13, error: 0 };
  const read = (a: bigint) => (a >= 0n && a + 8n <= BigInt(RAM_FRAMES * 4096) ? (mem.get(a) ?? 0n) : ONES);
  const write = (a: bigint, v: bigint) => {
    if (a >= 0n && a + 8n <= BigInt(RAM_FRAMES * 4096)) mem.set(a, v);
  };
  const bit = (x: bigint, n: number) => ((x >> BigInt(n)) & 1n) === 1n;
  const user = cfg.cpl === 3;
  const W = access === 'store' ? 2 : 0;
  const U = user ? 4 : 0;
  const I = access === 'fetch' && (cfg.nxe || cfg.smep) ? 16 : 0;
  const base = W | U | I;
  const rsvd = { vector: 14, error: base | 8 | (cfg.qemu ? 0 : 1) };
  const addrMask = ((1n << 52n) - 1n) & ~0xfffn;
  let table = 0n; // CR3 root: frame 0
  let rw = true;
  let us = true;
  let xd = false;
  const used: bigint[] = [];
  for (let l: number = L; l >= 1; l--) {
    const idx = (va >> BigInt(12 + 9 * (l - 1))) & 0x1ffn;
    const addr = table + 8n * idx;
    let e = read(addr);
    if (!bit(e, 0)) return { vector: 14, error: base };
    // Reserved: bits 51:MAXPHYADDR, XD without NXE, PS at the root levels or in a PDPTE without 1 GiB pages.
    if ((e >> BigInt(cfg.maxPhy)) & ((1n << BigInt(52 - cfg.maxPhy)) - 1n)) return rsvd;
    if (!cfg.nxe && bit(e, 63)) return rsvd;
    if (l >= 4 && bit(e, 7)) return rsvd;
    if (l === 3 && bit(e, 7) && !cfg.gbPages) return rsvd;
    rw &&= bit(e, 1);
    us &&= bit(e, 2);
    if (cfg.nxe) xd ||= bit(e, 63);
    const leaf = l === 1 || ((l === 2 || l === 3) && bit(e, 7));
    if (!leaf) {
      if (cfg.qemu) {
        if (!bit(e, 5)) write(addr, e | 0x20n);
      } else used.push(addr);
      table = e & addrMask;
      continue;
    }
    if (l === 3 && cfg.qemu && !bit(e, 5)) {
      e |= 0x20n;
      write(addr, e);
    }
    if (l > 1) {
      const hiBit = 12 + 9 * (l - 1) - 1; // 20 or 29
      if ((e >> 13n) & ((1n << BigInt(hiBit - 12)) - 1n)) return rsvd;
    }
    const P = 1;
    if (user && !us) return { vector: 14, error: base | P };
    if (cfg.pke && us && access !== 'fetch') {
      const k = Number((e >> 59n) & 0xfn);
      const ad = (cfg.pkru >>> (2 * k)) & 1;
      const wd = (cfg.pkru >>> (2 * k + 1)) & 1;
      if (ad || (wd && access === 'store' && (user || cfg.wp))) return { vector: 14, error: base | P | 32 };
    }
    if (user) {
      if ((access === 'store' && !rw) || (access === 'fetch' && xd)) return { vector: 14, error: base | P };
    } else {
      const smapBlock = cfg.smap && us && !cfg.ac;
      if (access === 'load' && smapBlock) return { vector: 14, error: base | P };
      if (access === 'store' && (smapBlock || (!rw && cfg.wp))) return { vector: 14, error: base | P };
      if (access === 'fetch' && (xd || (cfg.smep && us))) return { vector: 14, error: base | P };
    }
    for (const a of used) {
      const t = read(a);
      if (!bit(t, 5)) write(a, t | 0x20n);
    }
    const want = e | 0x20n | (access === 'store' ? 0x40n : 0n);
    if (want !== e) write(addr, want);
    const size = 1n << BigInt(12 + 9 * (l - 1));
    return { pa: (e & addrMask & ((1n << BigInt(cfg.maxPhy)) - 1n) & ~(size - 1n)) | (va & (size - 1n)) };
  }
  throw new Error('unreachable');
}

// ---------------------------------------------------------------------------------------------------------------

const INDICES = [0, 1, 2, 255, 256, 510, 511];
const lowBitsArb = fc.integer({ min: 0, max: 0xfff });
const hiBitsArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(0, 0x8000_0000, 0x1800_0000, 0x7800_0000, 0x8800_0000) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff_ffff }) },
);
const frameArb = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 0x3ffff }) },
  { weight: 1, arbitrary: fc.constantFrom(0x40000, 0x200, 0x201, 0x202, 0x3fe00) },
);

const mappingArb = fc.record({
  indices: fc.array(fc.constantFrom(...INDICES), { minLength: 5, maxLength: 5 }),
  tables: fc.array(fc.integer({ min: 1, max: TABLES - 1 }), { minLength: 5, maxLength: 5 }),
  tableLow: fc.array(
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(0x7, 0x27, 0x5, 0x3, 0x1, 0x67) },
      { weight: 1, arbitrary: lowBitsArb },
    ),
    { minLength: 5, maxLength: 5 },
  ),
  tableHi: fc.array(fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: hiBitsArb }), {
    minLength: 5,
    maxLength: 5,
  }),
  leafLevel: fc.integer({ min: 0, max: 2 }),
  leafLow: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(0x7, 0x67, 0x27, 0x5, 0x107, 0x1, 0x63) },
    { weight: 2, arbitrary: lowBitsArb },
  ),
  leafHi: hiBitsArb,
  frame: frameArb,
});

const accessArb = fc.record({
  mapping: fc.nat(),
  indices: fc.array(fc.constantFrom(...INDICES), { minLength: 5, maxLength: 5 }),
  offset: fc.integer({ min: 0, max: 4095 }),
  nonCanonical: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  access: fc.constantFrom('load' as const, 'store' as const, 'fetch' as const),
  cpl: fc.constantFrom(0 as const, 3 as const),
  ac: fc.boolean(),
});

const configArb = fc.record({
  levels: fc.constantFrom(4 as const, 5 as const),
  maxPhy: fc.constantFrom(36, 40, 46, 52),
  gbPages: fc.boolean(),
  nxe: fc.boolean(),
  wp: fc.boolean(),
  smep: fc.boolean(),
  smap: fc.boolean(),
  pke: fc.boolean(),
  pge: fc.boolean(),
  pkru: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff_ffff })),
  qemu: fc.boolean(),
  tlb: fc.boolean(),
});

const noiseArb = fc.record({
  frame: fc.integer({ min: 0, max: TABLES - 1 }),
  index: fc.constantFrom(...INDICES),
  word: fc.bigInt({ min: 0n, max: ONES }),
});

function buildVa(levels: number, indices: number[], offset: number, nonCanonical: boolean): bigint {
  let v = BigInt(offset);
  for (let i = 0; i < levels; i++) v |= BigInt(indices[i] as number) << BigInt(12 + 9 * i);
  const top = BigInt(12 + 9 * levels - 1);
  if ((v >> top) & 1n) v |= ONES ^ ((1n << (top + 1n)) - 1n);
  if (nonCanonical) v ^= 1n << 60n;
  return v;
}

const runs = process.env.PAGEWRIGHT_SOAK === '1' ? 8000 : 400;

describe('X86Cpu translation against a naive BigInt reference walker', () => {
  it('agrees on PA, vector, error code and every A/D write-back, for random tables, accesses and registers', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(mappingArb, { minLength: 1, maxLength: 6 }),
        fc.array(noiseArb, { maxLength: 6 }),
        fc.array(accessArb, { minLength: 1, maxLength: 10 }),
        (cfg, mappings, noise, accesses) => {
          const memory = new SparsePhysicalMemory({ base: 0, size: RAM_FRAMES * 4096 });
          const ref = new Map<bigint, bigint>();
          const put = (frame: number, index: number, word: bigint) => {
            const addr = BigInt(frame * 4096 + index * 8);
            ref.set(addr, word);
            memory.write64(Number(addr), Number(word & 0xffffffffn), Number(word >> 32n));
          };
          for (const m of mappings) {
            let table = 0;
            for (let i = cfg.levels - 1; i > m.leafLevel; i--) {
              const next = m.tables[i] as number;
              const lo = BigInt(((m.tableLow[i] as number) | 1) & ~0x80); // present, not PS
              put(
                table,
                m.indices[i] as number,
                (BigInt(m.tableHi[i] as number) << 32n) | (BigInt(next) << 12n) | lo,
              );
              table = next;
            }
            let low = BigInt(m.leafLow);
            if (m.leafLevel > 0) low |= 0x80n; // PS
            put(
              table,
              m.indices[m.leafLevel] as number,
              (BigInt(m.leafHi) << 32n) | (BigInt(m.frame) << 12n) | low,
            );
          }
          for (const n of noise) put(n.frame, n.index, n.word);
          const arch = createX86Arch({
            la57: cfg.levels === 5,
            maxPhyAddr: cfg.maxPhy,
            gbPages: cfg.gbPages,
          });
          const cpu = new X86Cpu({
            id: 0,
            memory,
            arch,
            la57: cfg.levels === 5,
            tlb: cfg.tlb ? new SetAssociativeTlb({ sets: 4, ways: 2 }) : new NoTlb(),
            walkOptions: cfg.qemu ? QEMU_WALK_OPTIONS : SDM_WALK_OPTIONS,
            wp: cfg.wp,
            nxe: cfg.nxe,
            smep: cfg.smep,
            smap: cfg.smap,
            pke: cfg.pke,
            pge: cfg.pge,
          });
          cpu.pkru = cfg.pkru;
          expect(cpu.loadCr3(0, 0)).toBe(true);
          for (const acc of accesses) {
            const m = mappings[acc.mapping % mappings.length] as (typeof mappings)[number];
            const indices = acc.indices.map((x, i) => (i >= m.leafLevel ? (m.indices[i] as number) : x));
            const va = buildVa(cfg.levels, indices, acc.offset, acc.nonCanonical);
            const access = acc.access;
            cpu.cpl = acc.cpl;
            cpu.ac = acc.ac;
            // With a TLB, flush before each access: the reference has none (the TLB's own tests cover caching).
            if (cfg.tlb) cpu.tlb.flushAll();
            const expected = refWalk(ref, { ...cfg, cpl: acc.cpl, ac: acc.ac }, va, access);
            const code = { load: 0, store: 1, fetch: 2 }[access];
            const got = arch.isCanonical(va)
              ? cpu.translateAt(arch.toSignedVpn(va), Number(va & 0xfffn), code)
              : cpu.translate(Number.NaN, code);
            if ('pa' in expected) expect(got).toBe(Number(expected.pa));
            else {
              expect(got).toBe(-expected.vector);
              expect(cpu.fault.vector).toBe(expected.vector);
              expect(cpu.fault.errorCode).toBe(expected.error);
            }
          }
          const word = { lo: 0, hi: 0 };
          for (const [addr, value] of ref) {
            memory.read64(Number(addr), word);
            expect((BigInt(word.hi) << 32n) | BigInt(word.lo)).toBe(value);
          }
        },
      ),
      { numRuns: runs, seed: 0x8664 },
    );
  });
});

describe('walkX86 on garbage', () => {
  it('never throws on arbitrary entry words at every level and answers a PA or #PF with a consistent error code', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 0xffff_ffff }), fc.integer({ min: 0, max: 0xffff_ffff })),
          {
            minLength: 5,
            maxLength: 5,
          },
        ),
        fc.constantFrom(0, 1, 2),
        fc.constantFrom(4, 5),
        fc.integer({ min: 0, max: 0x7f }),
        (words, access, levels, ctl) => {
          const memory = new SparsePhysicalMemory({ base: 0, size: RAM_FRAMES * 4096 });
          // Level l's table is frame 5 - l, the garbage word at index 0 of each.
          for (let i = 0; i < words.length; i++) {
            const [lo, hi] = words[i] as [number, number];
            memory.write64(i * 4096, lo, hi);
          }
          const arch = createX86Arch({ la57: levels === 5 });
          const out = createX86WalkResult();
          const got = walkX86(arch, memory, 0, 0, 0, access, ctl, 0xffff_ffff, SDM_WALK_OPTIONS, out);
          if (got >= 0) expect(out.vector).toBe(0);
          else {
            expect(got).toBe(-14);
            expect((out.errorCode & PfError.W) !== 0).toBe(access === 1);
            expect((out.errorCode & PfError.U) !== 0).toBe((ctl & 1) !== 0);
            if ((out.errorCode & PfError.RSVD) !== 0) expect(out.errorCode & PfError.P).toBe(PfError.P);
          }
        },
      ),
      { numRuns: runs, seed: 0x6486 },
    );
  });
});
