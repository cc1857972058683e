import { SparsePhysicalMemory } from '@pagewright/frames';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSv39, createSv48 } from './riscv-arch.js';
import { createWalkResult, type WalkOptions, walk } from './walk.js';

// ---------------------------------------------------------------------------------------------------------------
// A naive reference walker, written independently from walk.ts: BigInt everywhere, a Map as memory, following the
// numbered steps of conformance/FORMAT.md and the privileged spec §4.3.2 literally.
// ---------------------------------------------------------------------------------------------------------------

const RAM_BASE = 0x8000_0000n;
const TABLES = 24; // table frames at the start of RAM
const RAM_SIZE = 64n * 4096n;
const M44 = (1n << 44n) - 1n;

interface RefConfig {
  levels: number;
  napot: boolean;
  pbmt: boolean;
  svade: boolean;
  pteAccessFault: boolean;
}

type RefResult = { pa: bigint } | { cause: number };

function refWalk(
  mem: Map<bigint, bigint>,
  cfg: RefConfig,
  rootPpn: bigint,
  va: bigint,
  access: 'load' | 'store' | 'fetch',
  priv: 'U' | 'S',
  sum: boolean,
  mxr: boolean,
): RefResult {
  const pf = { load: 13, store: 15, fetch: 12 }[access];
  const af = { load: 5, store: 7, fetch: 1 }[access];
  const vaBits = BigInt(12 + 9 * cfg.levels);
  const upper = va >> (vaBits - 1n);
  if (upper !== 0n && upper !== (1n << (65n - vaBits)) - 1n) return { cause: pf };
  const bit = (x: bigint, n: number) => (x >> BigInt(n)) & 1n;
  let a = rootPpn << 12n;
  for (let i = cfg.levels - 1; i >= 0; i--) {
    const addr = a + ((va >> BigInt(12 + 9 * i)) & 511n) * 8n;
    if (addr < RAM_BASE || addr + 8n > RAM_BASE + RAM_SIZE) return { cause: cfg.pteAccessFault ? af : pf };
    const pte = mem.get(addr) ?? 0n;
    const [v, r, w, x, u, , aBit, d] = [0, 1, 2, 3, 4, 5, 6, 7].map((n) => bit(pte, n) === 1n);
    if (!v || (!r && w)) return { cause: pf };
    if (((pte >> 54n) & 0x7fn) !== 0n) return { cause: pf };
    const leaf = r || x;
    const n = bit(pte, 63) === 1n;
    const pbmt = (pte >> 61n) & 3n;
    if (n && !(cfg.napot && leaf && i === 0 && ((pte >> 10n) & 15n) === 8n)) return { cause: pf };
    if (pbmt !== 0n && !(cfg.pbmt && pbmt !== 3n && leaf)) return { cause: pf };
    if (!leaf) {
      if (d || aBit || u) return { cause: pf };
      a = ((pte >> 10n) & M44) << 12n;
      continue;
    }
    let ppn = (pte >> 10n) & M44;
    if (i > 0 && (ppn & ((1n << BigInt(9 * i)) - 1n)) !== 0n) return { cause: pf };
    if (priv === 'U' && !u) return { cause: pf };
    if (priv === 'S' && u && (access === 'fetch' || !sum)) return { cause: pf };
    if (access === 'fetch' && !x) return { cause: pf };
    if (access === 'store' && !w) return { cause: pf };
    if (access === 'load' && !(r || (mxr && x))) return { cause: pf };
    if (!aBit || (access === 'store' && !d)) {
      if (cfg.svade) return { cause: pf };
      mem.set(addr, pte | 0x40n | (access === 'store' ? 0x80n : 0n));
    }
    if (n) ppn = (ppn & ~15n) | ((va >> 12n) & 15n);
    const offBits = BigInt(12 + 9 * i);
    return { pa: (ppn << 12n) | (va & ((1n << offBits) - 1n)) };
  }
  return { cause: pf };
}

// ---------------------------------------------------------------------------------------------------------------
// Random page-table trees.
// ---------------------------------------------------------------------------------------------------------------

const INDICES = [0, 1, 2, 255, 511];
const tableFrame = fc.integer({ min: 0, max: TABLES - 1 });
const lowBits = fc.integer({ min: 0, max: 0x3ff }); // V R W X U G A D + RSW

/** A PTE word: a pointer to a table, a leaf, or garbage (including reserved bits, N, PBMT, huge PPNs). */
const pteWord = fc.oneof(
  { weight: 4, arbitrary: tableFrame.map((f) => ((RAM_BASE / 4096n + BigInt(f)) << 10n) | 1n) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 511 }), lowBits)
      .map(([region, sub, bits]) => {
        // Aligned superpage frames, 4 KiB frames in RAM, frames outside RAM, NAPOT-shaped frames.
        const base = [0x80000n, 0x80000n + BigInt(sub), 0x200000n + BigInt(sub), 0x80008n][region] as bigint;
        return (base << 10n) | BigInt(bits | 1);
      }),
  },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(tableFrame, fc.integer({ min: 0, max: 0x3ff }), fc.bigInt({ min: 0n, max: 0x3ffn }))
      .map(([f, bits, high]) => (high << 54n) | ((RAM_BASE / 4096n + BigInt(f)) << 10n) | BigInt(bits)),
  },
);

const entry = fc.record({
  frame: tableFrame,
  index: fc.constantFrom(...INDICES),
  word: pteWord,
});

/** A leaf PTE word for `level`: random low bits with V set, a frame that is usually aligned and in RAM. */
const leafBits = fc.oneof(
  fc.integer({ min: 0, max: 0x3ff }),
  fc.constantFrom(0xcf, 0xdf, 0x4b, 0x5b, 0x07, 0x17, 0x0f, 0x1f, 0x09, 0xc7, 0xd7, 0x2cf),
);
const leafWord = fc
  .tuple(fc.integer({ min: 0, max: 4 }), leafBits, fc.integer({ min: 1, max: 511 }))
  .map(([kind, bits, sub]) => {
    const frame = [0x80000n, 0x8000000n, 0x80000n + BigInt(sub), 0x200000n, 0x80008n][kind] as bigint;
    return (frame << 10n) | BigInt(bits | 1);
  });

/** A mapping: a path of table frames from the root down to a leaf at `leafLevel`. */
const mappingArb = fc.record({
  indices: fc.array(fc.constantFrom(...INDICES), { minLength: 4, maxLength: 4 }),
  tables: fc.array(fc.integer({ min: 1, max: TABLES - 1 }), { minLength: 4, maxLength: 4 }),
  leafLevel: fc.integer({ min: 0, max: 3 }),
  leaf: fc.oneof({ weight: 9, arbitrary: leafWord }, { weight: 1, arbitrary: pteWord }),
  globalTable: fc.boolean(),
});

const accessArb = fc.record({
  mapping: fc.nat(),
  indices: fc.array(fc.constantFrom(...INDICES), { minLength: 4, maxLength: 4 }),
  offset: fc.integer({ min: 0, max: 4095 }),
  nonCanonical: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  access: fc.constantFrom('load' as const, 'store' as const, 'fetch' as const),
  priv: fc.constantFrom('U' as const, 'S' as const),
  sum: fc.boolean(),
  mxr: fc.boolean(),
});

const configArb = fc.record({
  levels: fc.constantFrom(3, 4),
  napot: fc.boolean(),
  pbmt: fc.boolean(),
  svade: fc.boolean(),
  pteAccessFault: fc.boolean(),
});

function buildVa(levels: number, indices: number[], offset: number, nonCanonical: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < levels; i++) v |= BigInt(indices[i] as number) << BigInt(12 + 9 * i);
  v |= BigInt(offset);
  const vaBits = BigInt(12 + 9 * levels);
  if ((v >> (vaBits - 1n)) & 1n) v |= ((1n << 64n) - 1n) ^ ((1n << vaBits) - 1n); // sign-extend
  if (nonCanonical) v ^= 1n << 62n;
  return v;
}

function toSigned(va: bigint, levels: number): number {
  const vaBits = BigInt(12 + 9 * levels);
  const s = BigInt.asIntN(64, va);
  return s >= -(1n << (vaBits - 1n)) && s < 1n << (vaBits - 1n) ? Number(s) : Number.NaN;
}

describe('walk() against a naive reference walker', () => {
  it('agrees on random page-table trees, including A/D write-backs', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(mappingArb, { minLength: 1, maxLength: 6 }),
        fc.array(entry, { maxLength: 8 }),
        fc.array(accessArb, { minLength: 1, maxLength: 8 }),
        (cfg, mappings, noise, accesses) => {
          const memory = new SparsePhysicalMemory({ base: Number(RAM_BASE), size: Number(RAM_SIZE) });
          const ref = new Map<bigint, bigint>();
          const entries: { frame: number; index: number; word: bigint }[] = [];
          for (const m of mappings) {
            const leafLevel = Math.min(m.leafLevel, cfg.levels - 1);
            let table = 0;
            for (let i = cfg.levels - 1; i > leafLevel; i--) {
              const next = m.tables[i] as number;
              const ptr = ((RAM_BASE / 4096n + BigInt(next)) << 10n) | (m.globalTable ? 0x21n : 1n);
              entries.push({ frame: table, index: m.indices[i] as number, word: ptr });
              table = next;
            }
            entries.push({ frame: table, index: m.indices[leafLevel] as number, word: m.leaf });
          }
          entries.push(...noise);
          for (const e of entries) {
            const addr = RAM_BASE + BigInt(e.frame) * 4096n + BigInt(e.index) * 8n;
            ref.set(addr, e.word);
            memory.write64(Number(addr), Number(e.word & 0xffffffffn), Number(e.word >> 32n));
          }
          const arch = (cfg.levels === 3 ? createSv39 : createSv48)({ svnapot: cfg.napot, svpbmt: cfg.pbmt });
          const options: WalkOptions = {
            adPolicy: cfg.svade ? 'svade' : 'hardware',
            pteReadFault: cfg.pteAccessFault ? 'access' : 'page',
          };
          const out = createWalkResult();
          const rootPpn = RAM_BASE / 4096n;
          for (const acc of accesses) {
            const m = mappings[acc.mapping % mappings.length] as (typeof mappings)[number];
            const leafLevel = Math.min(m.leafLevel, cfg.levels - 1);
            // The mapping's indices above its leaf, random ones below it.
            const indices = acc.indices.map((x, i) => (i >= leafLevel ? (m.indices[i] as number) : x));
            const va = buildVa(cfg.levels, indices, acc.offset, acc.nonCanonical);
            const expected = refWalk(ref, cfg, rootPpn, va, acc.access, acc.priv, acc.sum, acc.mxr);
            const accessCode = { load: 0, store: 1, fetch: 2 }[acc.access];
            const ctx = { privilege: acc.priv === 'U' ? 0 : 1, sum: acc.sum, mxr: acc.mxr };
            const got = walk(
              arch,
              memory,
              Number(rootPpn),
              toSigned(va, cfg.levels),
              accessCode,
              ctx,
              options,
              out,
            );
            if ('pa' in expected) expect(got).toBe(Number(expected.pa));
            else expect(got).toBe(-expected.cause);
          }
          // Every write-back the reference made, the walker made too (and no other).
          const word = { lo: 0, hi: 0 };
          for (const [addr, value] of ref) {
            memory.read64(Number(addr), word);
            expect((BigInt(word.hi) << 32n) | BigInt(word.lo)).toBe(value);
          }
        },
      ),
      { numRuns: 400, seed: 0x5139 },
    );
  });

  it('never throws on arbitrary garbage PTE words at every level, and answers with a fault cause or a PA', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 0xffffffff })), {
          minLength: 4,
          maxLength: 4,
        }),
        fc.constantFrom(0, 1, 2),
        fc.constantFrom(3, 4),
        (words, access, levels) => {
          const memory = new SparsePhysicalMemory({ base: Number(RAM_BASE), size: Number(RAM_SIZE) });
          // Chain: each level's table is frame `level`, each garbage word sits at index 0.
          for (let i = 0; i < words.length; i++) {
            const [lo, hi] = words[i] as [number, number];
            memory.write64(Number(RAM_BASE) + i * 4096, lo, hi);
          }
          const arch = levels === 3 ? createSv39() : createSv48();
          const out = createWalkResult();
          const ctx = { privilege: 1, sum: true, mxr: true };
          const got = walk(
            arch,
            memory,
            Number(RAM_BASE / 4096n),
            0,
            access,
            ctx,
            {
              adPolicy: 'hardware',
              pteReadFault: 'access',
            },
            out,
          );
          if (got < 0) expect([1, 5, 7, 12, 13, 15]).toContain(-got);
          else expect(Number.isFinite(got)).toBe(true);
          expect(out.cause).toBe(got < 0 ? -got : 0);
        },
      ),
      { numRuns: 1000, seed: 7 },
    );
  });
});
