/**
 * Random programs for the differential tests: short sequences of scenario lines (the language of
 * `packages/process-vm/conformance/FORMAT.md`) aimed at a small region, each tagged with the process slot it runs
 * in. `fork` adds a process, `exit` removes one; slots are taken modulo the live processes at run time so that a
 * shrunk program stays meaningful.
 *
 * @module
 */

import fc from 'fast-check';

/** Pages in the test region (the region starts at the scenario base). */
export const REGION_PAGES = 24;

/** One step of a program. */
export interface Step {
  /** Process slot (taken modulo the number of live processes). */
  slot: number;
  /** A scenario line (`mmap +0x3000 0x2000 rw- PRIVATE|ANONYMOUS|FIXED`), or `fork` / `exit`. */
  line: string;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const page = fc.integer({ min: 0, max: REGION_PAGES - 1 });
/** An address in the region, usually page-aligned. */
const addr = fc.oneof(
  { weight: 12, arbitrary: page.map((p) => `+${hex(p * 4096)}`) },
  { weight: 1, arbitrary: page.map((p) => `+${hex(p * 4096 + 1)}`) },
  // around the program break, so that brk meets mappings placed next to the heap (not at the break itself: the
  // program image's data VMA ends there, and whether it may merge depends on how the image was mapped)
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((p) => `b+${hex(p * 4096)}`) },
);
/** A length, usually a few whole pages. */
const len = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 6 }).map((n) => hex(n * 4096)) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }).map((n) => hex(n * 4096 - 1)) },
  { weight: 1, arbitrary: fc.constantFrom('0', '0xfffffffffffff001', '0x1') },
);
const prot = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('rw-', 'r--', '---', 'rw-') },
  { weight: 2, arbitrary: fc.constantFrom('-w-', 'r-x', 'rwx') },
  { weight: 1, arbitrary: fc.constant('0x20') },
);
const mmapFlags = fc
  .tuple(
    fc.oneof(
      { weight: 8, arbitrary: fc.constant('PRIVATE|ANONYMOUS|FIXED') },
      { weight: 3, arbitrary: fc.constant('SHARED|ANONYMOUS|FIXED') },
      { weight: 2, arbitrary: fc.constant('PRIVATE|ANONYMOUS|FIXED_NOREPLACE') },
      { weight: 2, arbitrary: fc.constant('PRIVATE|ANONYMOUS') },
      { weight: 1, arbitrary: fc.constant('SHARED|ANONYMOUS') },
      { weight: 1, arbitrary: fc.constantFrom('ANONYMOUS|FIXED', 'PRIVATE|SHARED|ANONYMOUS|FIXED') },
      {
        weight: 1,
        arbitrary: fc.constantFrom('PRIVATE|ANONYMOUS|FIXED|GROWSDOWN', 'SHARED|ANONYMOUS|FIXED|GROWSDOWN'),
      },
    ),
    fc.oneof(
      { weight: 10, arbitrary: fc.constant('') },
      { weight: 1, arbitrary: fc.constantFrom('|POPULATE', '|NORESERVE', '|LOCKED') },
    ),
  )
  .map(([a, b]) => a + b);
const mremapFlags = fc.constantFrom(
  '0',
  'MAYMOVE',
  'MAYMOVE|RFIXED',
  'MAYMOVE|DONTUNMAP',
  'MAYMOVE|RFIXED|DONTUNMAP',
  'RFIXED',
  'MAYMOVE',
);
const advice = fc.oneof(
  { weight: 6, arbitrary: fc.constant('DONTNEED') },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      'WILLNEED',
      'NORMAL',
      'RANDOM',
      'DONTFORK',
      'DOFORK',
      'WIPEONFORK',
      'KEEPONFORK',
      'POPULATE_READ',
      'POPULATE_WRITE',
    ),
  },
  { weight: 1, arbitrary: fc.constant('1212') },
);
/** A byte address inside a region page at an interesting offset. */
const byteAddr = fc.tuple(page, fc.constantFrom(0, 1, 0x7ff, 0xfff)).map(([p, o]) => `+${hex(p * 4096 + o)}`);

/** One scenario line (without fork/exit). */
export const lineArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(addr, len, prot, mmapFlags).map((t) => `mmap ${t.join(' ')}`) },
  {
    weight: 1,
    arbitrary: fc.tuple(len, prot).map(([l, p]) => `mmap 0 ${l} ${p} PRIVATE|ANONYMOUS`),
  },
  { weight: 3, arbitrary: fc.tuple(addr, len).map((t) => `munmap ${t.join(' ')}`) },
  { weight: 4, arbitrary: fc.tuple(addr, len, prot).map((t) => `mprotect ${t.join(' ')}`) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(addr, len, len, mremapFlags, page)
      .map(([a, o, n, f, d]) => `mremap ${a} ${o} ${n} ${f} +${hex(d * 4096)}`),
  },
  { weight: 3, arbitrary: fc.tuple(addr, len, advice).map((t) => `madvise ${t.join(' ')}`) },
  { weight: 1, arbitrary: fc.tuple(addr, len).map((t) => `mincore ${t.join(' ')}`) },
  { weight: 1, arbitrary: fc.tuple(addr, len).map((t) => `mlock ${t.join(' ')}`) },
  { weight: 1, arbitrary: fc.tuple(addr, len).map((t) => `munlock ${t.join(' ')}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(addr, len, fc.constantFrom('SYNC', 'ASYNC', 'INVALIDATE', '5'))
      .map((t) => `msync ${t.join(' ')}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom(0, 0, 1, 0xfff))
      .map(([p, o]) => `brk b+${hex(p * 4096 + o)}`),
  },
  {
    weight: 8,
    arbitrary: fc.tuple(byteAddr, fc.integer({ min: 1, max: 255 })).map(([a, v]) => `w ${a} ${v}`),
  },
  { weight: 6, arbitrary: byteAddr.map((a) => `r ${a}`) },
);

/** A program step: a line, a fork or an exit, in some process slot. */
export const stepArb: fc.Arbitrary<Step> = fc.record({
  slot: fc.nat({ max: 3 }),
  line: fc.oneof(
    { weight: 30, arbitrary: lineArb },
    { weight: 2, arbitrary: fc.constant('fork') },
    { weight: 1, arbitrary: fc.constant('exit') },
  ),
});

/** A program of up to `max` steps. */
export function programArb(max: number): fc.Arbitrary<Step[]> {
  return fc.array(stepArb, { minLength: 1, maxLength: max });
}

/** A program as text (one `@SLOT line` per step), for reports and FINDINGS.md. */
export function programText(steps: readonly Step[]): string {
  return steps.map((s) => `@${s.slot} ${s.line}`).join('\n');
}
