import { describe, expect, it } from 'vitest';
import { hexU64, readVectorCases, type VectorLine } from './vector-file.js';

class TestSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

function read(text: string): string[] {
  const seen: string[] = [];
  readVectorCases(text, (line, message) => new TestSyntaxError(line, message), {
    startCase(name) {
      seen.push(`case ${name}`);
    },
    command(l: VectorLine, index, name) {
      if (l.cmd === 'num') seen.push(`${name}.${index} ${l.u64(0)}`);
      else if (l.cmd === 'bit') seen.push(`${name}.${index} ${l.bit()}`);
      else l.fail(`unknown command ${l.cmd}`);
    },
  });
  return seen;
}

describe('readVectorCases', () => {
  it('hands cases and numbered commands to the runner, skipping comments and blank lines', () => {
    expect(
      read('# header\ncase a\n num 0x10 # sixteen\n\n bit 1\nend\ncase b\nnum 18446744073709551615\nend\n'),
    ).toEqual(['case a', 'a.1 16', 'a.2 true', 'case b', 'b.1 18446744073709551615']);
  });

  it.each([
    ['case a\ncase b\nend', 'line 2: case a has no end'],
    ['num 1', 'line 1: num outside a case'],
    ['case a\nnum 1', 'case a has no end'],
    ['case a b\nend', 'line 1: case takes 1 argument(s)'],
    ['case a/b\nend', 'line 1: bad case name a/b'],
    ['case a\nend 1', 'line 2: end takes 0 argument(s)'],
    ['case a\nnum\nend', 'line 2: num: missing argument 1'],
    ['case a\nnum zz\nend', 'line 2: num: not a number: zz'],
    ['case a\nnum -1\nend', 'line 2: num: not a u64: -1'],
    ['case a\nnum 0x10000000000000000\nend', 'not a u64'],
    ['case a\nbit 2\nend', 'line 2: bit: expected 0 or 1'],
    ['case a\nbit 1 1\nend', 'line 2: bit takes 1 argument(s)'],
    ['case a\nfoo\nend', 'line 2: unknown command foo'],
  ])('refuses %j with the runner error: %s', (text, message) => {
    expect(() => read(text)).toThrow(TestSyntaxError);
    expect(() => read(text)).toThrow(message);
  });

  it('formats u64 halves as the vectors do', () => {
    expect(hexU64(0x1000, 0)).toBe('0x1000');
    expect(hexU64(-1, 0x8000_0000)).toBe('0x80000000ffffffff');
  });
});
