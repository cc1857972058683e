/**
 * `pagewright replay` of a real program: Debian's /usr/bin/sort (dynamically linked: ld.so maps libc with its
 * reserve-then-MAP_FIXED pattern, protects RELRO, maps and unmaps ld.so.cache, grows the break), recorded with
 * strace -f and /proc/PID/maps at its start and end on Linux 6.18 (packages/process-vm/fixtures/replay-real,
 * record.sh). Every return value and every final maps line the kernel had is reproduced; the stand-in files have the
 * recorded sizes (sizes.txt) and the host's /lib -> /usr/lib link (links.txt), so the host's files are not read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { REPO_ROOT } from './conformance-helpers.js';
import { memoryIo } from './memory-io.js';
import { parseLinks, parseSizes, ReplayError, replayTrace } from './replay-run.js';
import { parseStrace } from './replay-strace.js';

const DIR = join(REPO_ROOT, 'packages/process-vm/fixtures/replay-real');
const read = (name: string) => readFileSync(join(DIR, name), 'utf8');
const fixture = {
  trace: read('trace.txt'),
  mapsStart: read('maps-start.txt'),
  mapsEnd: read('maps-end.txt'),
  links: read('links.txt'),
  sizes: read('sizes.txt'),
  cwd: '/replay',
};
const MEMORY_CALLS = ['mmap', 'munmap', 'mprotect', 'brk', 'mremap', 'madvise', 'mincore', 'msync'];

describe('the recorded run of /usr/bin/sort', () => {
  it('reproduces every return value and every final maps line', () => {
    const r = replayTrace(fixture);
    expect(r.mismatches).toEqual([]);
    expect(r.mapsDiff).toEqual([]);
    expect(r.maps).toBe(fixture.mapsEnd);
    const calls = parseStrace(fixture.trace);
    const memory = calls.filter((c) => MEMORY_CALLS.includes(c.name));
    const files = calls.filter((c) => ['openat', 'close'].includes(c.name));
    // Every memory call and every open/close after the execve was replayed and compared.
    expect(memory.length).toBeGreaterThan(10);
    expect(r.replayed).toBe(memory.length + files.length);
    // libc is mapped from the file opened as /lib/…, which maps names by its target, with its recorded identity.
    expect(r.maps).toMatch(
      /^7ffff7dd5000-7ffff7dfb000 r--p 00000000 fe:00 \d+ +\/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6$/m,
    );
  });

  it('through the CLI: exit 0', async () => {
    const io = memoryIo();
    const f = (n: string) => join(DIR, n);
    const argv = ['replay', '--strace', f('trace.txt'), '--maps-start', f('maps-start.txt')];
    argv.push('--maps-end', f('maps-end.txt'), '--links', f('links.txt'), '--sizes', f('sizes.txt'));
    expect(await run([...argv, '--cwd', '/replay'], io)).toBe(0);
    expect(io.err()).toBe('');
    expect(io.out()).toMatch(/^\d+ calls replayed, 0 results differ, 0 maps lines differ/m);
  });

  it('without the links, libc is named by the path it was opened by, and those maps lines differ', () => {
    const r = replayTrace({ ...fixture, links: undefined });
    expect(r.mismatches).toEqual([]);
    const libc = fixture.mapsEnd.split('\n').filter((l) => l.endsWith('/usr/lib/x86_64-linux-gnu/libc.so.6'));
    expect(libc).toHaveLength(5);
    expect(r.mapsDiff.filter((l) => l.startsWith('- '))).toEqual(libc.map((l) => `- ${l}`));
    expect(
      r.mapsDiff
        .filter((l) => l.startsWith('+ '))
        .every((l) => l.endsWith(' /lib/x86_64-linux-gnu/libc.so.6')),
    ).toBe(true);
  });

  it('sizes.txt agrees with the sizes the log shows (fstat of the opened libc and ld.so.cache)', () => {
    const sizes = parseSizes(fixture.sizes);
    const shown = [
      ...fixture.trace.matchAll(
        /openat\(AT_FDCWD, "([^"]+)"[^\n]*= 3\n(?:.*\n)*?.*fstatat\(3, "", \{[^}]*st_size=(\d+)/g,
      ),
    ];
    expect(shown.length).toBeGreaterThanOrEqual(2);
    const links = parseLinks(fixture.links);
    for (const [, path, size] of shown) {
      const real = [...links].reduce(
        (q, [l, t]) => (q.startsWith(`${l}/`) ? t + q.slice(l.length) : q),
        path as string,
      );
      if (real.startsWith('/')) expect([real, sizes.get(real)]).toEqual([real, Number(size)]);
    }
  });
});

describe('links and sizes files', () => {
  it('parseLinks reads LINK -> TARGET lines and rejects others', () => {
    expect([...parseLinks('# host\n/lib -> /usr/lib\n\n/bin/ -> /usr/bin/\n')]).toEqual([
      ['/lib', '/usr/lib'],
      ['/bin', '/usr/bin'],
    ]);
    expect(() => parseLinks('/lib /usr/lib\n')).toThrow(ReplayError);
    expect(() => parseLinks('lib -> /usr/lib\n')).toThrow(/links line 1/);
  });
  it('parseSizes reads SIZE PATH lines and rejects others', () => {
    expect([...parseSizes('12 /a b\n7 /c\n')]).toEqual([
      ['/a b', 12],
      ['/c', 7],
    ]);
    expect(() => parseSizes('x /a\n')).toThrow(/sizes line 1/);
  });
  it('a cycle of links is an error, not a hang', () => {
    expect(() => replayTrace({ ...fixture, links: '/a -> /b\n/b -> /a\n', cwd: '/a' })).toThrow(
      /too many levels of symbolic links/,
    );
  });
  it('a malformed links file through the CLI: exit 2', async () => {
    const io = memoryIo();
    const argv = ['replay', '--strace', join(DIR, 'trace.txt'), '--links', join(DIR, 'trace.txt')];
    expect(await run(argv, io)).toBe(2);
    expect(io.err()).toMatch(/links line 1/);
  });
});
