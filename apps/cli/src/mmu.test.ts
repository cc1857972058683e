import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { conformanceSet, parseJsonLines, REPO_ROOT } from './conformance-helpers.js';
import { memoryIo } from './memory-io.js';

const vectors = conformanceSet(join(REPO_ROOT, 'packages/sv39/conformance'), '.vec');

describe('pagewright mmu FILE.vec', () => {
  it('finds the public vector set', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(10);
  });

  for (const { file, expected } of vectors) {
    it(`reproduces QEMU's answers for ${file.split('/').pop()}`, async () => {
      const io = memoryIo();
      expect(await run(['mmu', file], io)).toBe(0);
      expect(io.err()).toBe('');
      expect(parseJsonLines(io.out())).toEqual(expected);
    });
  }

  it('gives the spec answer (access fault) for a PTE outside memory with --pte-read-fault access', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-mmu-'));
    const file = join(dir, 'x.vec');
    // Root table outside memory (PPN 0x200000 = PA 0x200000000): the first PTE read is not memory.
    writeFileSync(file, 'case t.one\nsatp 0 0x200000\nload 0x1000\nend\n');
    const page = memoryIo();
    await run(['mmu', file], page);
    expect(parseJsonLines(page.out())).toEqual([
      { case: 't.one', i: 2, op: 'load', ret: 'fault', cause: 13, tval: '0x1000' },
    ]);
    const access = memoryIo();
    await run(['mmu', '--pte-read-fault', 'access', file], access);
    expect(parseJsonLines(access.out())).toEqual([
      { case: 't.one', i: 2, op: 'load', ret: 'fault', cause: 5, tval: '0x1000' },
    ]);
  });

  it('a missing file is bad input: one line on stderr, exit 2', async () => {
    const io = memoryIo();
    expect(await run(['mmu', '/nonexistent/x.vec'], io)).toBe(2);
    expect(io.err()).toMatch(/^pagewright: cannot read '\/nonexistent\/x.vec': no such file\n$/);
    expect(io.out()).toBe('');
  });

  it('a malformed vector file is bad input with its line number', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pw-mmu-'));
    const file = join(dir, 'bad.vec');
    writeFileSync(file, 'case a\nfrobnicate 1\nend\n');
    const io = memoryIo();
    expect(await run(['mmu', file], io)).toBe(2);
    expect(io.err()).toMatch(/^pagewright: .*line 2[^\n]*\n$/);
  });

  it('needs a file argument', async () => {
    const io = memoryIo();
    expect(await run(['mmu'], io)).toBe(2);
    expect(io.err()).toMatch(/^pagewright: [^\n]*missing required argument[^\n]*\n$/);
  });
});
