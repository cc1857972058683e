import {
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_PRIVATE,
  MREMAP_MAYMOVE,
  PROT_READ,
  PROT_WRITE,
} from '@pagewright/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBrk } from './brk.js';
import { NegErrno } from './errno.js';
import { Machine } from './machine.js';
import { decodeMadvise } from './madvise.js';
import { decodeMincore } from './mincore.js';
import { decodeMlock, decodeMunlock } from './mlock.js';
import { decodeMmap } from './mmap.js';
import { decodeMprotect } from './mprotect.js';
import { decodeMremap } from './mremap.js';
import { decodeMsync } from './msync.js';
import { decodeMunmap } from './munmap.js';
import { syscallText } from './syscall-text.js';
import { SYSCALL_LIST, SYSCALLS, syscallNamed } from './syscalls.js';

const P = 4096;
const BASE = 0x2000000000;
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;

describe('the table of system calls', () => {
  it('names every entry by its key, once', () => {
    for (const [key, d] of Object.entries(SYSCALLS)) expect(d.name).toBe(key);
    expect(new Set(SYSCALL_LIST.map((d) => d.name)).size).toBe(SYSCALL_LIST.length);
    expect(syscallNamed('constructor')).toBeUndefined();
    expect(syscallNamed('mmap')).toBe(SYSCALLS.mmap);
  });

  it('Process.syscall(name) is the named method: the same answers and the same events', () => {
    const run = (byName: boolean) => {
      const events: unknown[] = [];
      const m = new Machine({
        events: { enabled: true, emit: (kind, data) => events.push({ kind, ...data }) },
      });
      const p = m.spawn();
      const call = (name: keyof typeof SYSCALLS, args: (number | bigint)[], direct: () => number) =>
        byName ? p.syscall(name, args) : direct();
      const a = call('mmap', [BASE, 4 * P, RW, ANON | MAP_FIXED], () =>
        p.mmap(BASE, 4 * P, RW, ANON | MAP_FIXED),
      );
      const answers = [
        a,
        call('mprotect', [a + P, P, PROT_READ], () => p.mprotect(a + P, P, PROT_READ)),
        call('mremap', [a, P, 8 * P, MREMAP_MAYMOVE], () => p.mremap(a, P, 8 * P, MREMAP_MAYMOVE)),
        call('munmap', [a + 1, P], () => p.munmap(a + 1, P)),
        call('brk', [0], () => p.brk(0)),
        call('mlock', [a + 2 * P, P], () => p.mlock(a + 2 * P, P)),
        call('msync', [a, P, 99], () => p.msync(a, P, 99)),
      ];
      return { answers, events: events.filter((e) => (e as { kind: string }).kind === 'syscall') };
    };
    const direct = run(false);
    const byName = run(true);
    expect(byName).toEqual(direct);
    expect(direct.answers[3]).toBe(NegErrno.EINVAL);
    expect(direct.events).toHaveLength(7);
  });

  it('a dead process answers every call ESRCH', () => {
    const p = new Machine().spawn();
    p.exit(0);
    for (const d of SYSCALL_LIST)
      expect(p.syscall(d.name as keyof typeof SYSCALLS, []), d.name).toBe(NegErrno.ESRCH);
  });

  it('writes a call as strace does, arguments by kind', () => {
    expect(syscallText('mmap', [0, 16 * P, RW, ANON | MAP_FIXED], 0x3ff7ff0000)).toBe(
      'mmap(0x0, 0x10000, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS, -1, 0x0) = 0x3ff7ff0000',
    );
    expect(syscallText('mprotect', [0x1001, P, 0], NegErrno.EINVAL)).toBe(
      'mprotect(0x1001, 0x1000, PROT_NONE) = -1 EINVAL',
    );
    expect(syscallText('mremap', [0x1000, P, 2 * P, MREMAP_MAYMOVE], NegErrno.EFAULT)).toBe(
      'mremap(0x1000, 0x1000, 0x2000, MREMAP_MAYMOVE, 0x0) = -1 EFAULT',
    );
    expect(syscallText('brk', [0], 0x1000)).toBe('brk(0x0) = 0x1000');
  });
});

describe('decode, then do: decoding reads the address space and never changes it', () => {
  const u64 = fc.oneof(
    fc.constantFrom(0n, 1n, 0xfffn, 0x1000n, BigInt(BASE), BigInt(BASE + P), BigInt(BASE + 3 * P + 1)),
    fc.constantFrom(0xfffffffffffff000n, 0xffffffffffffffffn, 1n << 47n, (1n << 47n) - 4096n),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  );
  const small = fc.integer({ min: -1, max: 0x40 });
  it('every decodeX, for any arguments, leaves maps, smaps and the break as they were', () => {
    const m = new Machine({ arch: 'x86-64' });
    const p = m.spawn();
    p.mmap(BASE, 8 * P, RW, ANON | MAP_FIXED);
    p.mprotect(BASE + 2 * P, P, PROT_READ);
    p.store8(BASE, 1);
    p.mlock(BASE + 4 * P, P);
    const before = [p.maps(), p.smaps(), p.vm.brk];
    fc.assert(
      fc.property(u64, u64, small, small, u64, (a, l, x, y, n) => {
        const vm = p.vm;
        const answers = [
          decodeMmap(vm, a, l, x, y, -1, 0),
          decodeMunmap(vm, a, l),
          decodeMprotect(vm, a, l, x),
          decodeMremap(vm, a, l, n, y, n),
          decodeMadvise(vm, a, l, x),
          decodeMincore(vm, a, l, new Uint8Array(16)),
          decodeMlock(vm, a, l),
          decodeMunlock(vm, a, l),
          decodeMsync(vm, a, l, x),
          decodeBrk(vm, a),
        ];
        for (const r of answers) if (typeof r === 'number') expect(r).toBeLessThanOrEqual(2 ** 53);
        expect([p.maps(), p.smaps(), p.vm.brk]).toEqual(before);
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
