import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runVectors, VectorSyntaxError } from './vector-runner.js';

const DIR = join(import.meta.dirname, '..', 'conformance');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.vec'))
  .sort();

describe('conformance vectors (QEMU 7.2 answers)', () => {
  it('finds the public vector files', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(16);
  });

  it.each(FILES)('%s matches its expected output line by line', (file) => {
    const actual = runVectors(readFileSync(join(DIR, file), 'utf8')).map((l) => JSON.parse(l));
    const expected = readFileSync(join(DIR, file.replace(/\.vec$/, '.expected.jsonl')), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
    expect(actual.length).toBe(expected.length);
    for (let k = 0; k < expected.length; k++) expect(actual[k], `line ${k + 1}`).toEqual(expected[k]);
  });
});

describe('runVectors', () => {
  const PT = `
case t.root_outside
mode sv39
pte 0x80400000 0x80000001   # root[0] -> table at 0x200000000 (not memory)
satp 0 0x80400
load 0x0
fetch 0x0
end
`;

  it('follows QEMU (page fault) by default and the spec (access fault) as an option', () => {
    expect(runVectors(PT).map((l) => JSON.parse(l).cause)).toEqual([13, 12]);
    expect(runVectors(PT, { pteReadFault: 'access' }).map((l) => JSON.parse(l).cause)).toEqual([5, 1]);
  });

  it('reports A/D updates in later peeks and Svade faults as an option', () => {
    const text = `
case t.ad
pte 0x80400000 0x20100401
pte 0x80401000 0x20100801
pte 0x80402000 0x20180007   # R W V, A = D = 0, PPN 0x80600
satp 0 0x80400
store 0x10
peek 0x80402000
load 0x10
end
`;
    expect(runVectors(text)).toEqual([
      '{"case":"t.ad","i":5,"op":"store","ret":"ok"}',
      '{"case":"t.ad","i":6,"op":"peek","ret":"0x201800c7"}',
      '{"case":"t.ad","i":7,"op":"load","ret":"ok","value":"0xbadc0de0badc0de"}',
    ]);
    const svade = runVectors(text, { adPolicy: 'svade' }).map((l) => JSON.parse(l));
    expect(svade[0]).toMatchObject({ ret: 'fault', cause: 15, tval: '0x10' });
    expect(svade[1]).toMatchObject({ ret: '0x20180007' });
  });

  it.each([
    ['load 0x0', /outside a case/],
    ['case a\nfrob 1\nend', /unknown command frob/],
    ['case a\nload zz\nend', /not a number/],
    ['case a\nload 0x10000000000000000\nend', /not a u64/],
    ['case a\nmode sv57\nend', /expected sv39 or sv48/],
    ['case a\npte 0x1000 0\nend', /not memory/],
    ['case a\nload 0x0', /has no end/],
  ])('rejects %j', (text, message) => {
    expect(() => runVectors(text)).toThrow(VectorSyntaxError);
    expect(() => runVectors(text)).toThrow(message);
  });
});
