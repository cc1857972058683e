/**
 * `pagewright replay`: the recorded run of packages/process-vm/fixtures/replay/memtrace (strace -f and
 * /proc/self/maps at its start and end, on Linux 6.18) replays with every return value and every final maps line
 * the kernel had; the differences of a changed log are reported; bad input is a usage error.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { REPO_ROOT } from './conformance-helpers.js';
import { memoryIo } from './memory-io.js';
import { argValue, diffLines, replayTrace } from './replay-run.js';
import { parseStrace, splitArgs } from './replay-strace.js';

const DIR = join(REPO_ROOT, 'packages/process-vm/fixtures/replay');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
const fixture = {
  trace: read('trace.txt'),
  mapsStart: read('maps-start.txt'),
  mapsEnd: read('maps-end.txt'),
};

function temp(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pw-replay-')), name);
  writeFileSync(file, text);
  return file;
}

describe('the recorded memtrace run', () => {
  it('reproduces every return value and every final maps line', () => {
    const r = replayTrace({ ...fixture, cwd: '/replay' });
    expect(r.mismatches).toEqual([]);
    expect(r.mapsDiff).toEqual([]);
    expect(r.maps).toBe(fixture.mapsEnd);
    // Every memory call of the log was replayed (the reads and writes of the maps copies are not memory calls).
    const memory = parseStrace(fixture.trace).filter((c) =>
      [
        'mmap',
        'munmap',
        'mprotect',
        'brk',
        'mremap',
        'madvise',
        'mincore',
        'mlock',
        'munlock',
        'msync',
      ].includes(c.name),
    );
    expect(memory.length).toBeGreaterThanOrEqual(30);
    expect(r.replayed).toBeGreaterThanOrEqual(memory.length);
    expect(r.skipped).toEqual({ read: 4, write: 2, exit: 1 });
  });

  it('through the CLI: exit 0 and a summary', async () => {
    const io = memoryIo();
    const argv = ['replay', '--strace', join(DIR, 'trace.txt'), '--maps-start', join(DIR, 'maps-start.txt')];
    expect(await run([...argv, '--maps-end', join(DIR, 'maps-end.txt'), '--cwd', '/replay'], io)).toBe(0);
    expect(io.err()).toBe('');
    expect(io.out()).toMatch(/^\d+ calls replayed, 0 results differ, 0 maps lines differ \(not replayed: /m);
  });

  it('reports a result that differs from the recorded one, and the maps lines that differ', async () => {
    // Claim the kernel placed the 2 MiB mapping elsewhere and that the final maps had another line.
    const trace = fixture.trace.replace('= 0x7ffff7c00000', '= 0x7ffff7a00000');
    const mapsEnd = fixture.mapsEnd.replace('200001000-200002000 r--p', '200001000-200002000 rw-p');
    const io = memoryIo();
    const argv = ['replay', '--strace', temp('t.txt', trace), '--maps-start', join(DIR, 'maps-start.txt')];
    expect(await run([...argv, '--maps-end', temp('m.txt', mapsEnd), '--cwd', '/replay'], io)).toBe(1);
    const out = io.out();
    expect(out).toContain('recorded 0x7ffff7a00000, replayed 0x7ffff7c00000');
    expect(out).toContain('- 200001000-200002000 rw-p 00000000 00:00 0 ');
    expect(out).toContain('+ 200001000-200002000 r--p 00000000 00:00 0 ');
    expect(out).toMatch(/1 results differ, 2 maps lines differ/);
  });

  it('without the start maps, the same calls replay on an empty space (and their answers differ)', () => {
    const r = replayTrace({ trace: fixture.trace, cwd: '/replay' });
    expect(r.replayed).toBeGreaterThan(30);
    expect(r.mismatches.length).toBeGreaterThan(0);
  });
});

describe('bad input', () => {
  const cases: [string, string[], RegExp][] = [
    ['no --strace', ['replay'], /--strace/],
    ['a missing log', ['replay', '--strace', '/nonexistent/trace'], /cannot read/],
    ['a log without system calls', ['replay', '--strace', temp('e.txt', 'hello\n')], /no system call/],
    [
      'an unknown preset',
      ['replay', '--strace', join(DIR, 'trace.txt'), '--preset', 'vax'],
      /unknown preset/,
    ],
    [
      'a pid that is not in the log',
      ['replay', '--strace', join(DIR, 'trace.txt'), '--pid', '1'],
      /no system call of pid 1/,
    ],
    ['a bad pid', ['replay', '--strace', join(DIR, 'trace.txt'), '--pid', 'x'], /--pid/],
    [
      'a malformed maps file',
      ['replay', '--strace', join(DIR, 'trace.txt'), '--maps-start', temp('m.txt', 'not maps\n')],
      /maps line 1/,
    ],
    [
      'an unknown constant',
      ['replay', '--strace', temp('c.txt', '1 mmap(NULL, 4096, PROT_BOGUS, MAP_PRIVATE, -1, 0) = 0x1000\n')],
      /unknown constant PROT_BOGUS/,
    ],
  ];
  it.each(cases)('%s: exit 2 with a message', async (_name, argv, message) => {
    const io = memoryIo();
    expect(await run(argv, io)).toBe(2);
    expect(io.err()).toMatch(message);
  });
});

describe('the pieces', () => {
  it('splitArgs keeps strings, arrays and structs whole', () => {
    expect(splitArgs('3, {st_mode=S_IFREG|0644, st_size=5}, "a, b", [0, 1]')).toEqual([
      '3',
      '{st_mode=S_IFREG|0644, st_size=5}',
      '"a, b"',
      '[0, 1]',
    ]);
  });
  it('argValue reads numbers, NULL, octal modes and constant names', () => {
    expect(argValue('NULL')).toBe(0n);
    expect(argValue('0x7ffff7c00000')).toBe(0x7ffff7c00000n);
    expect(argValue('-1')).toBe(-1n);
    expect(argValue('0644')).toBe(0o644n);
    expect(argValue('PROT_READ|PROT_WRITE')).toBe(3n);
    expect(argValue('MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE')).toBe(0x100022n);
    expect(argValue('O_RDWR|O_CREAT|O_TRUNC')).toBe(0o1102n);
  });
  it('parseStrace joins unfinished and resumed halves', () => {
    const calls = parseStrace(
      '7 mmap(NULL, 4096, PROT_READ, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n8 brk(NULL) = 0x1000\n7 <... mmap resumed>) = 0x7f0000000000\n',
    );
    expect(calls.map((c) => [c.pid, c.name, c.args.length, c.ret])).toEqual([
      [8, 'brk', 1, '0x1000'],
      [7, 'mmap', 6, '0x7f0000000000'],
    ]);
  });
  it('diffLines lists what only one side has', () => {
    expect(diffLines('a\nb\nc\n', 'a\nx\nc\n')).toEqual(['- b', '+ x']);
  });
});
