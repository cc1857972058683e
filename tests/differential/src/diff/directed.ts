/**
 * Directed program generators: short programs aimed at one family of rules that the general generator reaches only
 * by luck.
 *
 * - {@link anonVmaProgramArb}: Linux's anon_vma merge rules (mm/vma.c `is_mergeable_anon_vma`,
 *   `are_anon_vmas_compatible`; mm/rmap.c `anon_vma_prepare` / `find_mergeable_anon_vma`). Neighbouring one-page
 *   VMAs are made different (madvise flag advice, mprotect), given anon_vmas of their own by write faults (a fork
 *   gives every faulted VMA of the child a distinct one), and then made equal again, so that only the anon_vmas
 *   decide whether they merge.
 * - {@link errnoProgramArb}: the errno mappings of populate and its callers — mlock (`__mlock_posix_error_return`:
 *   EFAULT → ENOMEM, ENOMEM → EAGAIN), MADV_POPULATE_READ/WRITE (EFAULT, EINVAL, ENOMEM for holes), MAP_POPULATE
 *   (errors ignored), mremap growth of a shared object past its end (SIGBUS on access), PROT_NONE, holes.
 *
 * @module
 */

import fc from 'fast-check';
import type { Step } from './program.js';

const hex = (n: number) => `0x${n.toString(16)}`;
const pg = (n: number) => `+${hex(n * 4096)}`;

/** Steps on an 8-page region with one- and two-page ranges: the anon_vma rules. */
export function anonVmaProgramArb(max: number): fc.Arbitrary<Step[]> {
  const p = fc.integer({ min: 0, max: 7 });
  const n = fc.integer({ min: 1, max: 2 });
  const line = fc.oneof(
    { weight: 3, arbitrary: fc.constant('mmap +0x0 0x8000 rw- PRIVATE|ANONYMOUS|FIXED') },
    {
      weight: 2,
      arbitrary: fc.tuple(p, n).map(([a, l]) => `mmap ${pg(a)} ${hex(l * 4096)} rw- PRIVATE|ANONYMOUS|FIXED`),
    },
    {
      weight: 5,
      arbitrary: fc
        .tuple(p, n, fc.constantFrom('RANDOM', 'NORMAL', 'SEQUENTIAL', 'DONTFORK', 'DOFORK', 'DONTNEED'))
        .map(([a, l, adv]) => `madvise ${pg(a)} ${hex(l * 4096)} ${adv}`),
    },
    { weight: 2, arbitrary: fc.constant('madvise +0x0 0x8000 NORMAL') },
    {
      weight: 3,
      arbitrary: fc
        .tuple(p, n, fc.constantFrom('r--', 'rw-', '---'))
        .map(([a, l, pr]) => `mprotect ${pg(a)} ${hex(l * 4096)} ${pr}`),
    },
    { weight: 2, arbitrary: fc.constant('mprotect +0x0 0x8000 rw-') },
    {
      weight: 6,
      arbitrary: fc.tuple(p, fc.integer({ min: 1, max: 255 })).map(([a, v]) => `w ${pg(a)} ${v}`),
    },
    { weight: 2, arbitrary: p.map((a) => `r ${pg(a)}`) },
    {
      weight: 2,
      arbitrary: fc.tuple(p, p).map(([a, d]) => `mremap ${pg(a)} 0x1000 0x1000 MAYMOVE|RFIXED ${pg(d + 16)}`),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(p, p).map(([a, d]) => `mremap ${pg(a + 16)} 0x1000 0x1000 MAYMOVE|RFIXED ${pg(d)}`),
    },
    { weight: 1, arbitrary: fc.tuple(p, n).map(([a, l]) => `munmap ${pg(a)} ${hex(l * 4096)}`) },
    { weight: 1, arbitrary: fc.tuple(p, n).map(([a, l]) => `mlock ${pg(a)} ${hex(l * 4096)}`) },
  );
  // Structured: the eight pages mapped as one VMA; single pages made different (their own VMAs); pages faulted
  // (each VMA then gets its own anon_vma where its neighbours' flags differ), maybe in a fork child; the differences
  // undone over ranges (only the anon_vmas now decide the merges); then anything.
  const at = (slot: number) => (l: string) => ({ slot, line: l });
  const distinguish = fc
    .tuple(p, fc.constantFrom('madvise RANDOM', 'madvise SEQUENTIAL', 'madvise DONTFORK', 'mprotect r--'))
    .map(([a, op]) => {
      const [call, arg] = op.split(' ');
      return `${call} ${pg(a)} 0x1000 ${arg}`;
    });
  const fault = fc.tuple(p, fc.integer({ min: 1, max: 255 })).map(([a, v]) => `w ${pg(a)} ${v}`);
  const equalize = fc.oneof(
    fc.constantFrom('madvise +0x0 0x8000 NORMAL', 'madvise +0x0 0x8000 DOFORK', 'mprotect +0x0 0x8000 rw-'),
    fc.tuple(p, n, fc.constantFrom('madvise NORMAL', 'madvise DOFORK', 'mprotect rw-')).map(([a, l, op]) => {
      const [call, arg] = op.split(' ');
      return `${call} ${pg(a)} ${hex(l * 4096)} ${arg}`;
    }),
  );
  return fc
    .tuple(
      fc.array(distinguish, { minLength: 1, maxLength: 4 }),
      fc.array(fault, { minLength: 1, maxLength: 5 }),
      fc.boolean(),
      fc.array(equalize, { minLength: 1, maxLength: 3 }),
      fc.array(
        fc.record({
          slot: fc.nat({ max: 2 }),
          line: fc.oneof({ weight: 8, arbitrary: line }, { weight: 2, arbitrary: fc.constant('fork') }),
        }),
        { maxLength: Math.max(0, max - 12) },
      ),
    )
    .map(([d, f, fork, e, rest]) => {
      const slot = fork ? 1 : 0;
      return [
        { slot: 0, line: 'mmap +0x0 0x8000 rw- PRIVATE|ANONYMOUS|FIXED' },
        ...d.map(at(0)),
        ...f.map(at(0)),
        ...(fork ? [{ slot: 0, line: 'fork' }] : []),
        ...e.map(at(slot)),
        ...rest,
      ];
    });
}

/** Steps on shared objects grown past their end, PROT_NONE and holes: the errno mappings of populate. */
export function errnoProgramArb(max: number): fc.Arbitrary<Step[]> {
  const p = fc.integer({ min: 0, max: 11 });
  const n = fc.integer({ min: 1, max: 4 });
  const prot = fc.constantFrom('rw-', 'r--', '---', '-w-', '--x');
  const line = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .tuple(p, n, prot, fc.constantFrom('SHARED', 'PRIVATE', 'SHARED', 'PRIVATE|NORESERVE'))
        .map(([a, l, pr, k]) => `mmap ${pg(a)} ${hex(l * 4096)} ${pr} ${k}|ANONYMOUS|FIXED`),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(p, n, n, fc.constantFrom('0', 'MAYMOVE'))
        .map(([a, o, g, f]) => `mremap ${pg(a)} ${hex(o * 4096)} ${hex((o + g) * 4096)} ${f}`),
    },
    { weight: 4, arbitrary: fc.tuple(p, n).map(([a, l]) => `mlock ${pg(a)} ${hex(l * 4096)}`) },
    { weight: 1, arbitrary: fc.tuple(p, n).map(([a, l]) => `munlock ${pg(a)} ${hex(l * 4096)}`) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(p, n, fc.constantFrom('POPULATE_READ', 'POPULATE_WRITE', 'WILLNEED', 'DONTNEED'))
        .map(([a, l, adv]) => `madvise ${pg(a)} ${hex(l * 4096)} ${adv}`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(p, n, prot)
        .map(([a, l, pr]) => `mmap ${pg(a)} ${hex(l * 4096)} ${pr} SHARED|ANONYMOUS|FIXED|POPULATE`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(p, n, prot)
        .map(([a, l, pr]) => `mmap ${pg(a)} ${hex(l * 4096)} ${pr} PRIVATE|ANONYMOUS|FIXED|LOCKED`),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(p, n, prot).map(([a, l, pr]) => `mprotect ${pg(a)} ${hex(l * 4096)} ${pr}`),
    },
    { weight: 1, arbitrary: fc.tuple(p, n).map(([a, l]) => `munmap ${pg(a)} ${hex(l * 4096)}`) },
    { weight: 1, arbitrary: fc.tuple(p, n).map(([a, l]) => `msync ${pg(a)} ${hex(l * 4096)} INVALIDATE`) },
    {
      weight: 3,
      arbitrary: fc.tuple(p, fc.integer({ min: 1, max: 255 })).map(([a, v]) => `w ${pg(a)} ${v}`),
    },
    { weight: 3, arbitrary: p.map((a) => `r ${pg(a)}`) },
  );
  // Most programs start with shared objects grown in place past their end (pages beyond the object: SIGBUS).
  const grown = fc
    .tuple(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }))
    .map(([a, o, g]) => [
      `mmap ${pg(a)} ${hex(o * 4096)} rw- SHARED|ANONYMOUS|FIXED`,
      `mremap ${pg(a)} ${hex(o * 4096)} ${hex((o + g) * 4096)} 0`,
    ]);
  const setup = fc.oneof(
    { weight: 1, arbitrary: fc.constant<string[]>([]) },
    { weight: 3, arbitrary: fc.array(grown, { minLength: 1, maxLength: 2 }).map((x) => x.flat()) },
  );
  const rest = fc.array(
    fc.record({
      slot: fc.nat({ max: 1 }),
      line: fc.oneof({ weight: 12, arbitrary: line }, { weight: 1, arbitrary: fc.constant('fork') }),
    }),
    { minLength: 1, maxLength: max },
  );
  return fc.tuple(setup, rest).map(([s0, r]) => [...s0.map((l): Step => ({ slot: 0, line: l })), ...r]);
}
