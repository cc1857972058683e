import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { conformanceSet, parseJsonLines, REPO_ROOT } from './conformance-helpers.js';
import { memoryIo } from './memory-io.js';
import { runMmu } from './mmu.js';
import { ARCHES } from './options.js';

const x86Vectors = conformanceSet(join(REPO_ROOT, 'packages/x86-64/conformance'), '.vec');

/**
 * Whether an actual line matches an expected one as `compare.mjs` judges: equal, or equal to one of the expected
 * line's `alt` answers merged with its identifying keys (case, i, op).
 */
function matchesExpected(expected: unknown, actual: unknown): boolean {
  const e = expected as Record<string, unknown> | undefined;
  if (e === undefined || !('alt' in e)) return JSON.stringify(sorted(e)) === JSON.stringify(sorted(actual));
  const { alt, ...main } = e;
  if (JSON.stringify(sorted(main)) === JSON.stringify(sorted(actual))) return true;
  const id: Record<string, unknown> = {};
  for (const k of ['case', 'i', 'op']) if (k in e) id[k] = e[k];
  return (
    Array.isArray(alt) &&
    alt.some((x) => JSON.stringify(sorted({ ...id, ...x })) === JSON.stringify(sorted(actual)))
  );
}

/** A copy with keys in sorted order (so key order does not matter). */
function sorted(v: unknown): unknown {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)));
}

/** The first line where `actual` does not match `expected`, or null. */
function firstMismatch(expected: unknown[], actual: unknown[]): { k: number; e: unknown; a: unknown } | null {
  for (let k = 0; k < Math.max(expected.length, actual.length); k++)
    if (!matchesExpected(expected[k], actual[k])) return { k, e: expected[k], a: actual[k] };
  return null;
}

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

  it('--explain walks each access level by level, and its result lines are the plain output', async () => {
    for (const { file } of vectors) {
      const plain = memoryIo();
      await run(['mmu', file], plain);
      const io = memoryIo();
      expect(await run(['mmu', '--explain', file], io)).toBe(0);
      const lines = io.out().split('\n');
      const json = lines.map((l) => l.trim()).filter((l) => l.startsWith('{'));
      expect(json.join('\n')).toBe(plain.out().trim());
      // Each access's outcome line agrees with its result line.
      for (let k = 0; k < lines.length; k++) {
        const m = /^\s+→ (load|store|fetch) fault \(cause (\d+)\)/.exec(lines[k]!);
        if (!m) continue;
        const result = JSON.parse(lines[k + 1]!.trim()) as { ret: string; cause: number };
        expect(result.ret).toBe('fault');
        expect(result.cause).toBe(Number(m[2]));
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'pw-mmu-'));
    const file = join(dir, 'e.vec');
    writeFileSync(
      file,
      'case e.one\npte 0x80400008 0x20100401\npte 0x80401000 0x20100801\npte 0x80402000 0x201800c7\n' +
        'satp 0 0x80400\nload 0x40000000\nload 0x80000000\nend\n',
    );
    const io = memoryIo();
    await run(['mmu', '--explain', file], io);
    expect(io.out()).toMatch(
      /level 2: table 0x80400\[1\] at 0x80400008 = 0x0000000020100401 v-------: points to the next table, frame 0x80401/,
    );
    expect(io.out()).toMatch(
      /level 0: table 0x80402\[0\] at 0x80402000 = 0x00000000201800c7 vrw---ad: a leaf \(4 KiB page\) → frame 0x80600/,
    );
    expect(io.out()).toMatch(/→ a leaf at level 0 maps a 4 KiB page: PA 0x80600000/);
    expect(io.out()).toMatch(
      /level 2: table 0x80400\[2\] at 0x80400010 = 0x0000000000000000 --------: not valid\n\s+→ load fault \(cause 13\): V = 0/,
    );
  });

  it('runs every public x86-64 vector file and matches the expected lines (alt answers accepted)', () => {
    expect(x86Vectors.length).toBeGreaterThanOrEqual(10);
    for (const { file, expected } of x86Vectors) {
      const actual = parseJsonLines(runMmu(readFileSync(file, 'utf8'), file, { arch: 'x86-64' }).join('\n'));
      expect(firstMismatch(expected, actual), file).toBeNull();
    }
  });

  it('the alt comparison can fail: a changed value is a mismatch', () => {
    const { file, expected } = x86Vectors.find((v) => v.file.endsWith('tlb.vec'))!;
    const actual = parseJsonLines(runMmu(readFileSync(file, 'utf8'), file, { arch: 'x86-64' }).join('\n'));
    const k = expected.findIndex((e) => 'alt' in (e as object));
    const broken = [...actual];
    broken[k] = { ...(actual[k] as object), value: '0x1' };
    expect(firstMismatch(expected, broken)?.k).toBe(k);
  });

  it.skipIf(!(ARCHES as readonly string[]).includes('x86-64'))(
    'pagewright mmu --arch x86-64 FILE.vec prints the expected lines for every public x86-64 file',
    async () => {
      for (const { file, expected } of x86Vectors) {
        const io = memoryIo();
        expect(await run(['--arch', 'x86-64', 'mmu', file], io)).toBe(0);
        expect(firstMismatch(expected, parseJsonLines(io.out())), file).toBeNull();
      }
    },
  );

  it('--explain for x86-64: result lines unchanged, and each outcome agrees with its line', () => {
    for (const { file } of x86Vectors) {
      const text = readFileSync(file, 'utf8');
      const plain = runMmu(text, file, { arch: 'x86-64' });
      const lines = runMmu(text, file, { arch: 'x86-64', explain: true });
      expect(lines.map((l) => l.trim()).filter((l) => l.startsWith('{'))).toEqual(plain);
      for (let k = 0; k < lines.length; k++) {
        if (/tlb manual/.test(lines[k]!)) k = lines.findIndex((l, j) => j > k && l.trim().startsWith('{'));
        const m = /→ (?:load|store|fetch) #PF \(vector 14, error code ([A-Z|0]+)\)/.exec(lines[k]!);
        const okLine = /→ a leaf at level/.test(lines[k]!);
        if (!m && !okLine) continue;
        const result = JSON.parse(lines[k + 1]!.trim()) as { ret: string; error?: number };
        if (okLine) {
          expect(result.ret, `${file}: ${lines[k]}`).toBe('ok');
          continue;
        }
        expect(result.ret, `${file}: ${lines[k]}`).toBe('fault');
        const bits: Record<string, number> = { P: 1, W: 2, U: 4, RSVD: 8, I: 16, PK: 32 };
        const code = m![1] === '0' ? 0 : m![1]!.split('|').reduce((n, b) => n | (bits[b] ?? 0), 0);
        expect(result.error, `${file}: ${lines[k]}`).toBe(code);
      }
    }
  });
});
