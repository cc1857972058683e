import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { conformanceSet, parseJsonLines, REPO_ROOT } from './conformance-helpers.js';
import { memoryIo } from './memory-io.js';

const scenarios = conformanceSet(join(REPO_ROOT, 'packages/process-vm/conformance'), '.scn');

function scenarioFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pw-scn-')), 't.scn');
  writeFileSync(file, text);
  return file;
}

describe('pagewright conform FILE.scn', () => {
  it('finds the public scenario set', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(10);
  });

  for (const { file, expected } of scenarios) {
    it(`reproduces Linux's answers for ${file.split('/').pop()}`, async () => {
      const io = memoryIo();
      expect(await run(['conform', file], io)).toBe(0);
      expect(io.err()).toBe('');
      expect(parseJsonLines(io.out())).toEqual(expected);
    });
  }

  it('gives the same answers with other plug-ins (stack allocator, list index, FIFO TLB, Sv39)', async () => {
    const { file, expected } = scenarios.find((s) => s.file.endsWith('p10-fork-cow.scn'))!;
    const io = memoryIo();
    const argv = [
      '--allocator',
      'stack',
      '--vma',
      'list',
      '--tlb',
      '8x2:fifo',
      '--arch',
      'sv39',
      'conform',
      file,
    ];
    expect(await run(argv, io)).toBe(0);
    expect(parseJsonLines(io.out())).toEqual(expected);
  });

  it('exits 0 and prints the simulator answer when it is not what a caller expected', async () => {
    // An unaligned munmap is EINVAL on Linux: the runner reports it, and the exit code stays 0.
    const io = memoryIo();
    expect(await run(['conform', scenarioFile('munmap +0x1 0x1000\n')], io)).toBe(0);
    expect(parseJsonLines(io.out())).toEqual([{ i: 1, op: 'munmap', ret: 'EINVAL' }]);
  });

  it('a malformed scenario is bad input: one line on stderr, exit 2', async () => {
    const io = memoryIo();
    expect(
      await run(['conform', scenarioFile('mmap +0 0x1000 rw- PRIVATE|ANONYMOUS\nexplode now\n')], io),
    ).toBe(2);
    expect(io.err()).toMatch(/^pagewright: [^\n]*line 2[^\n]*\n$/);
  });

  it('a missing file is bad input', async () => {
    const io = memoryIo();
    expect(await run(['conform', '/nonexistent.scn'], io)).toBe(2);
    expect(io.err()).toMatch(/^pagewright: cannot read[^\n]*\n$/);
  });
});
