/**
 * `pagewright replay` of real programs: Debian's /usr/bin/sort and /usr/bin/python3 (dynamically linked: ld.so
 * maps libc and the other libraries with its reserve-then-MAP_FIXED pattern, protects RELRO, maps and unmaps
 * ld.so.cache, grows the break; python's allocators map and unmap arenas), recorded with strace -f and
 * /proc/PID/maps at their start and end on Linux 6.18 (packages/process-vm/fixtures/replay-real, record.sh). Every
 * return value and every final maps line the kernel had is reproduced; the stand-in files have the recorded sizes
 * (sizes.txt) and the host's symbolic links (links.txt: /lib -> /usr/lib, libz.so.1 -> libz.so.1.2.13 …), so the
 * host's files are not read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { REPO_ROOT } from './conformance-helpers.js';
import { memoryIo } from './memory-io.js';
import { parseLinks, parseSizes, ReplayError, replayTrace } from './replay-run.js';
import { parseStrace } from './replay-strace.js';

const TOP = join(REPO_ROOT, 'packages/process-vm/fixtures/replay-real');
function load(program: string) {
  const read = (name: string) => readFileSync(join(TOP, program, name), 'utf8');
  return {
    trace: read('trace.txt'),
    mapsStart: read('maps-start.txt'),
    mapsEnd: read('maps-end.txt'),
    links: read('links.txt'),
    sizes: read('sizes.txt'),
    cwd: '/replay',
  };
}
const MEMORY_CALLS = ['mmap', 'munmap', 'mprotect', 'brk', 'mremap', 'madvise', 'mincore', 'msync'];

describe.each(['sort', 'python3'])('the recorded run of /usr/bin/%s', (program) => {
  const DIR = join(TOP, program);
  const fixture = load(program);
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
      /^7ffff7[0-9a-f]{6}-7ffff7[0-9a-f]{6} r--p 00000000 fe:00 \d+ +\/usr\/lib\/x86_64-linux-gnu\/libc\.so\.6$/m,
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

  it('sizes.txt agrees with the sizes the log shows (fstat of every regular file opened as descriptor 3)', () => {
    const sizes = parseSizes(fixture.sizes);
    const shown = [
      ...fixture.trace.matchAll(
        /openat\(AT_FDCWD, "([^"]+)"[^\n]*= 3\n(?:(?!.*close\(3\)).*\n)*?.*fstatat\(3, "", \{st_mode=S_IFREG[^}]*st_size=(\d+)/g,
      ),
    ];
    expect(shown.length).toBeGreaterThanOrEqual(2);
    const links = parseLinks(fixture.links);
    for (const [, path, size] of shown) {
      let real = path as string;
      for (const [l, t] of links) if (real === l || real.startsWith(`${l}/`)) real = t + real.slice(l.length);
      if (real.startsWith('/')) expect([real, sizes.get(real)]).toEqual([real, Number(size)]);
    }
  });
});

describe('the recorded run of /usr/bin/sort without its links file', () => {
  const fixture = load('sort');
  it('libc is named by the path it was opened by, and those maps lines differ', () => {
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
    expect(() => replayTrace({ ...load('sort'), links: '/a -> /b\n/b -> /a\n', cwd: '/a' })).toThrow(
      /too many levels of symbolic links/,
    );
  });
  it('a malformed links file through the CLI: exit 2', async () => {
    const io = memoryIo();
    const trace = join(TOP, 'sort/trace.txt');
    const argv = ['replay', '--strace', trace, '--links', trace];
    expect(await run(argv, io)).toBe(2);
    expect(io.err()).toMatch(/links line 1/);
  });
});
