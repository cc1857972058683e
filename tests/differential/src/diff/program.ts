/**
 * Random programs for the differential tests: short sequences of scenario lines (the language of
 * `packages/process-vm/conformance/FORMAT.md`) aimed at a small region, each tagged with the process slot it runs
 * in. `fork` adds a process, `exit` removes one; slots are taken modulo the live processes at run time so that a
 * shrunk program stays meaningful.
 *
 * @module
 */

import fc from 'fast-check';

/** Pages in the hot test region (the region starts at the scenario base): most addresses fall here. */
export const REGION_PAGES = 24;
/** Pages in the wide region (256 MiB from the scenario base): large mappings and many-VMA phases live here. */
export const WIDE_PAGES = 65536;

/** One step of a program. */
export interface Step {
  /** Process slot (taken modulo the number of live processes). */
  slot: number;
  /** A scenario line (`mmap +0x3000 0x2000 rw- PRIVATE|ANONYMOUS|FIXED`), or `fork` / `exit`. */
  line: string;
}

const hex = (n: number) => `0x${n.toString(16)}`;
const page = fc.integer({ min: 0, max: REGION_PAGES - 1 });
const widePage = fc.integer({ min: 0, max: WIDE_PAGES - 1 });
/** An address in the region, usually page-aligned. */
const addr = fc.oneof(
  { weight: 12, arbitrary: page.map((p) => `+${hex(p * 4096)}`) },
  { weight: 1, arbitrary: widePage.map((p) => `+${hex(p * 4096)}`) },
  { weight: 1, arbitrary: page.map((p) => `+${hex(p * 4096 + 1)}`) },
  // around the program break, so that brk meets mappings placed next to the heap (not at the break itself: the
  // program image's data VMA ends there, and whether it may merge depends on how the image was mapped)
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 8 }).map((p) => `b+${hex(p * 4096)}`) },
);
/** A length, usually a few whole pages. */
const len = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: 1, max: 6 }).map((n) => hex(n * 4096)) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 6 }).map((n) => hex(n * 4096 - 1)) },
  { weight: 1, arbitrary: fc.integer({ min: 7, max: 64 }).map((n) => hex(n * 4096)) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 1024 }).map((n) => hex(n * 4096)) },
  { weight: 1, arbitrary: fc.constantFrom('0', '0xfffffffffffff001', '0x1') },
);
const prot = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('rw-', 'r--', '---', 'rw-') },
  { weight: 3, arbitrary: fc.constantFrom('-w-', 'r-x', 'rwx', '--x', '-wx') },
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
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '|POPULATE',
          '|NORESERVE',
          '|LOCKED',
          '|NORESERVE|POPULATE',
          '|LOCKED|NORESERVE',
        ),
      },
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
/** An instruction address (4-byte aligned) inside a region page. */
const fetchAddr = fc.tuple(page, fc.constantFrom(0, 0x7fc, 0xffc)).map(([p, o]) => `+${hex(p * 4096 + o)}`);
/** A hart: processes run on and migrate between up to four harts (taken modulo the machine's hart count). */
const hartLine = fc.integer({ min: 0, max: 3 }).map((h) => `hart ${h}`);

/** A descriptor number: one of the first few a program opens, or one never opened. */
const fdArb = fc.constantFrom('0', '0', '1', '2', '9');
/** A file offset: page-aligned, sometimes not, sometimes huge. */
const fileOff = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 8 }).map((n) => hex(n * 4096)) },
  { weight: 1, arbitrary: fc.constantFrom('0x800', '0x7ffffffffffff000') },
);
/**
 * The files programs open, in the scenario directory (`FILE_NAMES`, which a teardown unlinks). File lines: opening the one or two files of the scenario directory, sizing and writing them, and mapping them
 * shared or private over the region (so that processes share pages through them), closing descriptors.
 */
export const FILE_NAMES = ['data', 'other'] as const;
const fileLine: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom('data', 'data', 'other'),
        fc.constantFrom('CREAT|RDWR', 'CREAT|RDWR', 'RDONLY', 'WRONLY'),
      )
      .map(([n, f]) => `open ${n} ${f}`),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fdArb, fc.integer({ min: 0, max: 8 }), fc.constantFrom(0, 0, 0x800))
      .map(([fd, n, o]) => `ftruncate ${fd} ${hex(n * 4096 + o)}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fdArb, fileOff, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 255 }))
      .map(([fd, o, n, v]) => `write ${fd} ${o} ${hex(n * 4096)} ${v}`),
  },
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        addr,
        len,
        prot,
        fc.constantFrom('SHARED|FIXED', 'PRIVATE|FIXED', 'SHARED', 'PRIVATE|FIXED|POPULATE'),
        fdArb,
        fileOff,
      )
      .map((t) => `mmap ${t.join(' ')}`),
  },
  { weight: 1, arbitrary: fdArb.map((fd) => `close ${fd}`) },
  { weight: 1, arbitrary: fc.tuple(fdArb, fileOff).map(([fd, o]) => `read ${fd} ${o} 0x10`) },
);

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
  { weight: 2, arbitrary: fetchAddr.map((a) => `x ${a}`) },
  { weight: 2, arbitrary: hartLine },
  // Files (shared by every process): descriptors are numbers (the lowest free one, from 0 in both systems)
  { weight: 8, arbitrary: fileLine },
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

// ---------------------------------------------------------------------------------------------------------------
// Large programs: phases that build hundreds to tens of thousands of VMAs in the wide region and cut across them.

const anyProt = fc.constantFrom('rw-', 'r--', '---', '--x', 'r-x', 'rwx', '-w-');
const phaseFlags = fc.constantFrom(
  'PRIVATE|ANONYMOUS|FIXED',
  'PRIVATE|ANONYMOUS|FIXED',
  'PRIVATE|ANONYMOUS|FIXED|NORESERVE',
  'SHARED|ANONYMOUS|FIXED',
  'PRIVATE|ANONYMOUS|FIXED|LOCKED',
  'PRIVATE|ANONYMOUS|FIXED|POPULATE',
  'PRIVATE|ANONYMOUS|FIXED_NOREPLACE',
  'PRIVATE|ANONYMOUS|FIXED|GROWSDOWN',
);

/**
 * One phase step of a large program, for VMAs of `vmas` (count range): a `rep` of mmaps of small VMAs with holes,
 * or a `rep` / one large call across them (munmap, mprotect, madvise, mlock, msync, mincore, mremap), stores that
 * fault many pages in, a fork, a hart change.
 */
function phaseStepArb(maxCount: number): fc.Arbitrary<string> {
  const count = fc.integer({ min: 33, max: maxCount });
  const start = fc.integer({ min: 0, max: 64 }).map((p) => p * 4096);
  const pages = fc.integer({ min: 1, max: 3 });
  const span = fc.integer({ min: 1, max: 3 * maxCount }).map((n) => hex(n * 4096));
  const at = fc.integer({ min: 0, max: 3 * maxCount }).map((p) => `+${hex(p * 4096)}`);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(count, fc.integer({ min: 1, max: 3 }), start, pages, anyProt, phaseFlags)
        .map(([n, gap, s0, len, p, f]) => {
          const stride = (len + gap) * 4096;
          return `rep ${n} ${hex(stride)} mmap +${hex(s0)} ${hex(len * 4096)} ${p} ${f}`;
        }),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(count, fc.integer({ min: 1, max: 4 }), start, anyProt)
        .map(([n, k, s0, p]) => `rep ${n} ${hex(k * 4096)} mprotect +${hex(s0)} 0x1000 ${p}`),
    },
    { weight: 2, arbitrary: fc.tuple(at, span, anyProt).map(([a, l, p]) => `mprotect ${a} ${l} ${p}`) },
    { weight: 2, arbitrary: fc.tuple(at, span).map(([a, l]) => `munmap ${a} ${l}`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(count, fc.integer({ min: 2, max: 5 }), start)
        .map(([n, k, s0]) => `rep ${n} ${hex(k * 4096)} munmap +${hex(s0)} 0x1000`),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          at,
          span,
          fc.constantFrom('DONTNEED', 'RANDOM', 'NORMAL', 'DONTFORK', 'WIPEONFORK', 'POPULATE_WRITE'),
        )
        .map(([a, l, adv]) => `madvise ${a} ${l} ${adv}`),
    },
    { weight: 1, arbitrary: fc.tuple(at, span).map(([a, l]) => `mlock ${a} ${l}`) },
    { weight: 1, arbitrary: fc.tuple(at, span).map(([a, l]) => `munlock ${a} ${l}`) },
    { weight: 1, arbitrary: fc.tuple(at, span).map(([a, l]) => `msync ${a} ${l} SYNC`) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          at,
          span,
          fc.constantFrom('MAYMOVE|RFIXED', 'MAYMOVE', '0'),
          fc.integer({ min: 0, max: 3 * maxCount }),
        )
        .map(([a, l, f, d]) => `mremap ${a} ${l} ${l} ${f} +${hex((4 * maxCount + d) * 4096)}`),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(count, fc.integer({ min: 1, max: 4 }), start, fc.integer({ min: 1, max: 255 }))
        .map(([n, k, s0, v]) => `rep ${n} ${hex(k * 4096)} w +${hex(s0)} ${v}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(count, fc.integer({ min: 1, max: 4 }), start)
        .map(([n, k, s0]) => `rep ${n} ${hex(k * 4096)} r +${hex(s0)}`),
    },
    { weight: 1, arbitrary: fc.tuple(at, span).map(([a, l]) => `mincore ${a} ${l}`) },
    { weight: 1, arbitrary: fc.constant('fork') },
    { weight: 2, arbitrary: hartLine },
  );
}

/**
 * A large program: `phases` phase steps (see {@link phaseStepArb}) over VMA counts up to `maxCount`, mixed with
 * ordinary steps in the hot region.
 */
export function largeProgramArb(phases: number, maxCount: number): fc.Arbitrary<Step[]> {
  const phase = phaseStepArb(maxCount);
  return fc.array(
    fc.record({
      slot: fc.nat({ max: 2 }),
      line: fc.oneof({ weight: 4, arbitrary: phase }, { weight: 1, arbitrary: lineArb }),
    }),
    { minLength: 2, maxLength: phases },
  );
}

/** A program as text (one `@SLOT line` per step), for reports and FINDINGS.md. */
export function programText(steps: readonly Step[]): string {
  return steps.map((s) => `@${s.slot} ${s.line}`).join('\n');
}

/**
 * Unlinks the files programs open (`FILE_NAMES` in the scenario directory) from `machine`'s filesystem, if they
 * exist: with every process gone, their page-cache frames go back too (the teardown's leak check).
 */
export function unlinkProgramFiles(machine: { files: { unlink(path: string): void } }): void {
  for (const name of FILE_NAMES) {
    try {
      machine.files.unlink(`/scenario/${name}`);
    } catch {
      // never created
    }
  }
}
