/**
 * `seedFromMaps`: a recorded `/proc/PID/maps` becomes an address space whose maps prints the same lines; bad texts
 * are refused with nothing made.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import { MapsSyntaxError, parseMaps, seedFromMaps } from './seed-from-maps.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'replay');
const VSYSCALL = 'ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n';

describe('seedFromMaps', () => {
  for (const name of ['maps-start.txt', 'maps-end.txt']) {
    it(`reproduces every line of the recorded ${name}`, () => {
      const text = readFileSync(join(FIXTURES, name), 'utf8');
      const m = new Machine({ arch: 'x86-64' });
      const p = seedFromMaps(m, text, { startBrk: 0x424000, brk: 0x435800 });
      expect(p.maps() + VSYSCALL).toBe(text);
      checkInvariants(m);
      p.exit(0);
      expect(m.framesInUse()).toBe(1 + m.files.cache.stats.framesHeld);
    });
  }

  it('keeps neighbours Linux kept apart, and mmap then merges as Linux would', () => {
    const text = [
      '10000000-10001000 rw-p 00000000 00:00 0 ',
      '10001000-10002000 rw-p 00000000 00:00 0 ',
      '7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]',
      '',
    ].join('\n');
    const m = new Machine({ arch: 'x86-64' });
    const p = seedFromMaps(m, text);
    expect(p.maps()).toBe(text);
    expect(p.vm.mmapBase).toBe(0x10002000);
    expect(p.mmap(0x10002000, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS)).toBe(0x10002000);
    expect(p.maps().split('\n')[1]).toBe('10001000-10003000 rw-p 00000000 00:00 0 ');
    expect(p.store8(0x7fffffffe000, 1)).toBe(0); // the stack is memory
    checkInvariants(m);
  });

  it('shares one object between /dev/zero (deleted) lines of one inode, and unlinks deleted files', () => {
    const text = [
      '20000000-20002000 rw-s 00000000 00:01 7                                  /dev/zero (deleted)',
      '30000000-30001000 rw-s 00001000 00:01 7                                  /dev/zero (deleted)',
      '40000000-40001000 r--p 00002000 fe:00 99                                 /old/lib.so (deleted)',
      '',
    ].join('\n');
    const m = new Machine({ arch: 'x86-64' });
    const p = seedFromMaps(m, text);
    expect(p.store8(0x30000000, 5)).toBe(0);
    expect(p.load8(0x20001000)).toBe(5); // the same page of the object
    expect(p.maps().split('\n')[2]).toBe(
      '40000000-40001000 r--p 00002000 fe:00 99                                 /old/lib.so (deleted)',
    );
    expect(() => m.files.lookup('/old/lib.so')).toThrow();
    checkInvariants(m);
  });

  const bad: [string, string][] = [
    ['not a maps line', 'hello\n'],
    ['an unaligned start', '10000800-10001000 rw-p 00000000 00:00 0 \n'],
    ['an empty range', '10001000-10001000 rw-p 00000000 00:00 0 \n'],
    [
      'lines out of order',
      '20000000-20001000 rw-p 00000000 00:00 0 \n10000000-10001000 rw-p 00000000 00:00 0 \n',
    ],
    [
      'overlapping lines',
      '10000000-10002000 rw-p 00000000 00:00 0 \n10001000-10003000 rw-p 00000000 00:00 0 \n',
    ],
    ['a line past TASK_SIZE', '800000000000-800000001000 rw-p 00000000 00:00 0 \n'],
    ['a shared line without a file', '10000000-10001000 rw-s 00000000 00:00 0 \n'],
  ];
  it.each(bad)('refuses %s with nothing made', (_name, text) => {
    const m = new Machine({ arch: 'x86-64' });
    const frames = m.framesInUse();
    expect(() => seedFromMaps(m, text)).toThrow(MapsSyntaxError);
    expect(m.processes.size).toBe(0);
    expect(m.framesInUse()).toBe(frames);
  });

  it('parseMaps reads every field', () => {
    expect(
      parseMaps('00400000-00401000 r-xp 00001000 fe:00 2146868                            /bin/x\n'),
    ).toEqual([
      {
        start: 0x400000,
        end: 0x401000,
        perms: 'r-xp',
        offset: 0x1000,
        major: 0xfe,
        minor: 0,
        inode: 2146868,
        name: '/bin/x',
      },
    ]);
  });
});
