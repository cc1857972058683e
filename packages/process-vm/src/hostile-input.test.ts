/**
 * Hostile input: every system-call method and accessor of `Process`, called with odd JavaScript values in every
 * argument position, answers (an errno, a sentinel, a refused outcome) and never throws; a call that failed leaves
 * the maps, the break, the frame accounting and the invariants exactly as before.
 */
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from './invariants.js';
import { Machine } from './machine.js';
import type { Process } from './process.js';

const P = 4096;
const R = 0x20000000; // a pre-touched private read/write region of 4 pages

const ODD: readonly [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['-0', -0],
  ['-1', -1],
  ['2**53', 2 ** 53],
  ['2**64', 2 ** 64],
  ['1.5', 1.5],
  ['0n', 0n],
  ['-1n', -1n],
  ['2n**64n+5n', 2n ** 64n + 5n],
  ['"0x1000"', '0x1000'],
  ['""', ''],
  ['{}', {}],
  ['[]', []],
  ['[4096]', [4096]],
  ['true', true],
  ['Symbol', Symbol('odd')],
  ['a function', () => 4096],
  [
    'an object whose valueOf throws',
    {
      valueOf() {
        throw new Error('valueOf called');
      },
    },
  ],
];

/** How a method's result says it failed (so that nothing may have changed). */
type Failed = (r: unknown, before: { brk: number }) => boolean;
const errno: Failed = (r) => typeof r === 'number' && r < 0 && r >= -4095;
const outcome: Failed = (r) => (r as { ok: boolean }).ok === false;
const never: Failed = () => false;
/** mprotect, madvise and (un)lock apply up to a hole and then fail ENOMEM, as Linux does: only other errnos are clean. */
const errnoPastHole: Failed = (r, b) => errno(r, b) && r !== -12;

/** Every method with its well-formed arguments and how it reports failure. */
const METHODS: readonly [keyof Process, () => unknown[], Failed][] = [
  ['mmap', () => [0, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0], errno],
  ['munmap', () => [R, P], errno],
  ['mprotect', () => [R, P, PROT_READ], errnoPastHole],
  ['mremap', () => [R, P, 2 * P, 1, 0], errno],
  ['brk', () => [0], (r, b) => r === b.brk],
  ['sbrk', () => [P], (r) => r === -1],
  ['madvise', () => [R, P, 0], errnoPastHole],
  ['mincore', () => [R, P, new Uint8Array(1)], errno],
  ['mlock', () => [R, P], errnoPastHole],
  ['mlock2', () => [R, P, 0], errnoPastHole],
  ['munlock', () => [R, P], errnoPastHole],
  ['mlockall', () => [1], errno],
  ['munlockall', () => [], errno],
  ['msync', () => [R, P, 4], errno],
  ['fork', () => [], errno],
  ['exec', () => [undefined], errno],
  ['exit', () => [0], never],
  ['kill', () => ['SIGKILL'], errno],
  ['maps', () => [], never],
  ['smaps', () => [], never],
  ['status', () => [], never],
  ['translate', () => [R, 0], errno],
  ['load8', () => [R], errno],
  ['load16', () => [R], errno],
  ['load32', () => [R], errno],
  ['load64', () => [R, { lo: 0, hi: 0 }], errno],
  ['fetch', () => [R], errno],
  ['store8', () => [R, 1], errno],
  ['store16', () => [R, 1], errno],
  ['store32', () => [R, 1], errno],
  ['store64', () => [R, 1, 2], errno],
  ['read', () => [R, 8], outcome],
  ['write', () => [R, new Uint8Array(8)], outcome],
  ['fill', () => [R, 8, 1], outcome],
  ['copyFromUser', () => [R, 8], errno],
  ['copyToUser', () => [R, new Uint8Array(8)], errno],
];

function fresh(): { m: Machine; p: Process } {
  const m = new Machine({ memoryBytes: 16 << 20, checkTlb: true });
  const p = m.spawn();
  expect(p.mmap(R, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED)).toBe(R);
  for (let i = 0; i < 4; i++) expect(p.store8(R + i * P, i + 1)).toBe(0);
  return { m, p };
}

describe('hostile input to every Process method', () => {
  const calls: [string, keyof Process, number, string][] = [];
  for (const [name, args] of METHODS) {
    const n = Math.max(args().length, 1);
    for (let pos = 0; pos < n; pos++)
      for (const [label] of ODD) calls.push([`${name} #${pos} ${label}`, name, pos, label]);
  }

  it(`answers ${calls.length} odd calls without throwing; failed calls change nothing`, () => {
    let failed = 0;
    for (const [what, name, pos, label] of calls) {
      const { m, p } = fresh();
      const [, argsOf, didFail] = METHODS.find(([n]) => n === name)!;
      const args = argsOf();
      args[pos] = ODD.find(([l]) => l === label)![1];
      const before = { maps: p.maps(), frames: m.framesInUse(), brk: p.vm.brk, live: m.refs.live };
      let r: unknown;
      try {
        r = (p[name] as (...a: unknown[]) => unknown).apply(p, args);
      } catch (e) {
        throw new Error(`${what} threw ${String(e)}`);
      }
      expect(r, what).not.toBeInstanceOf(Error);
      if (typeof r === 'number') expect(Number.isFinite(r), `${what} → ${r}`).toBe(true);
      try {
        checkInvariants(m);
      } catch (e) {
        throw new Error(`${what}: ${String(e)}`);
      }
      if (didFail(r, before)) {
        failed++;
        expect(p.maps(), what).toBe(before.maps);
        expect(m.framesInUse(), what).toBe(before.frames);
        expect(m.refs.live, what).toBe(before.live);
        expect(p.vm.brk, what).toBe(before.brk);
      }
    }
    expect(calls.length).toBeGreaterThan(800);
    expect(failed).toBeGreaterThan(calls.length / 3);
  });
});
