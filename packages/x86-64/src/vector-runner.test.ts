import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { NoTlb, SetAssociativeTlb } from '@pagewright/tlb';
import { describe, expect, it } from 'vitest';
import { runX86Vectors, X86VectorSyntaxError } from './vector-runner.js';
import { SDM_WALK_OPTIONS } from './walk.js';

const DIR = join(import.meta.dirname, '..', 'conformance');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.vec'))
  .sort();

type Line = Record<string, unknown> & { alt?: Record<string, unknown>[] };

/** The comparison rule of FORMAT.md "Comparing": the main answer, or one of the `alt` answers. */
function accepts(expected: Line | undefined, actual: unknown): boolean {
  if (expected === undefined || !('alt' in expected)) return isDeepStrictEqual(expected, actual);
  const { alt, ...main } = expected;
  if (isDeepStrictEqual(main, actual)) return true;
  const id = { case: expected.case, i: expected.i, op: expected.op };
  return (alt ?? []).some((x) => isDeepStrictEqual({ ...id, ...x }, actual));
}

function expectedOf(file: string): Line[] {
  return readFileSync(join(DIR, file.replace(/\.vec$/, '.expected.jsonl')), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Line);
}

function mismatches(file: string, actualLines: string[]): string[] {
  const actual = actualLines.map((l) => JSON.parse(l) as unknown);
  const expected = expectedOf(file);
  const bad: string[] = [];
  for (let k = 0; k < Math.max(actual.length, expected.length); k++) {
    if (!accepts(expected[k], actual[k]))
      bad.push(`line ${k + 1}: expected ${JSON.stringify(expected[k])}, got ${JSON.stringify(actual[k])}`);
  }
  return bad;
}

describe('x86-64 conformance vectors (QEMU 7.2 answers)', () => {
  it('finds the 12 public vector files', () => {
    expect(FILES.length).toBe(12);
  });

  it.each(FILES)('%s: every line matches (default 16x4 TLB)', (file) => {
    expect(mismatches(file, runX86Vectors(readFileSync(join(DIR, file), 'utf8')))).toEqual([]);
  });

  it.each(FILES)('%s: every line matches with no TLB', (file) => {
    const lines = runX86Vectors(readFileSync(join(DIR, file), 'utf8'), { tlb: () => new NoTlb() });
    expect(mismatches(file, lines)).toEqual([]);
  });

  it('tlb.vec matches with a fully associative TLB too (cached answers through the alts)', () => {
    const lines = runX86Vectors(readFileSync(join(DIR, 'tlb.vec'), 'utf8'), {
      tlb: () => new SetAssociativeTlb({ sets: 1, ways: 64, policy: 'fifo' }),
    });
    expect(mismatches('tlb.vec', lines)).toEqual([]);
  });

  it('the SDM options differ from QEMU exactly where FORMAT.md marks QEMU quirks', () => {
    for (const file of ['rsvd.vec', 'large.vec', 'ad.vec']) {
      const bad = mismatches(
        file,
        runX86Vectors(readFileSync(join(DIR, file), 'utf8'), { walkOptions: SDM_WALK_OPTIONS }),
      );
      expect(bad.length, file).toBeGreaterThan(0);
    }
  });
});

describe('runX86Vectors', () => {
  // A 1 GiB leaf at PDPTE[0] with a misaligned frame (bit 13 set): a reserved-bit #PF.
  const RSVD = `
case t.rsvd
pte 0x2000000 0x2001007
pte 0x2001000 0x40002087   # PS, bit 13 set: reserved
cr3 0x2000000
load 0x8
peek 0x2001000
end
`;

  it('follows QEMU by default: reserved-bit #PF with P = 0, and A set early in a 1 GiB leaf', () => {
    const [load, peek] = runX86Vectors(RSVD).map((l) => JSON.parse(l));
    expect(load).toMatchObject({ ret: 'fault', vector: 14, error: 0x08, cr2: '0x8' });
    expect(peek).toMatchObject({ ret: '0x400020a7' });
  });

  it('follows the SDM as an option: P = 1, and a faulting access writes no A bit', () => {
    const [load, peek] = runX86Vectors(RSVD, { walkOptions: SDM_WALK_OPTIONS }).map((l) => JSON.parse(l));
    expect(load).toMatchObject({ ret: 'fault', vector: 14, error: 0x09 });
    expect(peek).toMatchObject({ ret: '0x40002087' });
  });

  it('reports a non-canonical address as #GP(0) without cr2', () => {
    const text = 'case t.gp\ncr3 0x2000000\nstore 0x0000800000000000\nend\n';
    expect(runX86Vectors(text)).toEqual([
      '{"case":"t.gp","i":2,"op":"store","ret":"fault","vector":13,"error":0}',
    ]);
  });

  it.each([
    ['load 0x0', /outside a case/],
    ['case a\nfrob 1\nend', /unknown command frob/],
    ['case a\nload zz\nend', /not a number/],
    ['case a\nload 0x10000000000000000\nend', /not a u64/],
    ['case a\nwp 2\nend', /expected 0 or 1/],
    ['case a\ncr3 0x2000000\npaging 5\nend', /first command/],
    ['case a\npte 0x1000 0\nend', /not an 8-aligned memory address/],
    ['case a\ncr3 0x8000000002000000\nend', /refused/],
    ['case a\nload 0x0', /has no end/],
  ])('rejects %j', (text, message) => {
    expect(() => runX86Vectors(text)).toThrow(X86VectorSyntaxError);
    expect(() => runX86Vectors(text)).toThrow(message);
  });
});
