import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { memoryIo } from './memory-io.js';

/** Runs the CLI in-process and returns its exit code and outputs. */
async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await run(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('bad command-line input', () => {
  const bad: string[][] = [
    ['--bogus'],
    ['--allocator', 'slab'],
    ['--arch', 'sv57'],
    ['--vma', 'skiplist'],
    ['--placement', 'middle'],
    ['--ad', 'none'],
    ['--seed', 'abc'],
    ['--seed', '1.5'],
    ['--seed', '99999999999999999999'],
    ['--harts', '0'],
    ['--memory', '3x'],
    ['--tlb', '0x4'],
    ['--tlb', 'banana'],
    ['--allocator'],
  ];
  for (const argv of bad) {
    it(`${argv.join(' ')} → one line on stderr, exit 2, nothing on stdout`, async () => {
      const r = await cli(...argv);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^pagewright: [^\n]+\n$/);
    });
  }

  it('names the bad value and the allowed choices', async () => {
    const r = await cli('--allocator', 'slab');
    expect(r.err).toContain("'slab'");
    expect(r.err).toContain('stack, bitmap, buddy');
  });
});

describe('help', () => {
  it('--help prints usage on stdout and exits 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage: pagewright');
    for (const flag of [
      '--allocator',
      '--arch',
      '--tlb',
      '--vma',
      '--placement',
      '--ad',
      '--seed',
      '--no-color',
    ])
      expect(r.out).toContain(flag);
    expect(r.err).toBe('');
  });
});
