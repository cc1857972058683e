import { createRng } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import {
  checkElfConformance,
  ElfError,
  EM_X86_64,
  ET_DYN,
  ET_EXEC,
  ET_REL,
  type ExecPlanOptions,
  PF_R,
  PF_W,
  PF_X,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  parseElf,
  planExec,
  RISCV64_SV39_LOAD_PROFILE,
  X86_64_LOAD_PROFILE,
} from '../src/index.js';
import { buildElf, cString, type ElfSpec } from './build-elf.js';
import { fixture } from './fixtures.js';

const SV39 = RISCV64_SV39_LOAD_PROFILE;
const TASK = BigInt(SV39.taskSize);

function outcome(bytes: Uint8Array, options: Partial<ExecPlanOptions> = {}): string {
  try {
    planExec(bytes, { profile: SV39, placeImage: () => 0x10_0000_0000, ...options });
    return 'ok';
  } catch (e) {
    if (e instanceof ElfError) return `${e.errno}:${e.reason}${e.pointOfNoReturn ? '!' : ''}`;
    throw e;
  }
}

const code = { type: PT_LOAD, flags: PF_R | PF_X, offset: 0, vaddr: 0x10000, filesz: 0x100, memsz: 0x100 };
const ok = (spec: Partial<ElfSpec> = {}) => buildElf({ phdrs: [code], size: 0x200, ...spec });

describe('header and program-header validation (before the point of no return)', () => {
  it('accepts a minimal static program', () => {
    expect(outcome(ok())).toBe('ok');
  });

  it('answers ENOEXEC for what load_elf_binary refuses', () => {
    expect(outcome(new Uint8Array(0))).toBe('ENOEXEC:bad-magic');
    expect(outcome(ok().subarray(0, 3))).toBe('ENOEXEC:bad-magic');
    // A short file reads as zero-padded (bprm->buf): e_type, then e_phentsize, are zero.
    expect(outcome(ok().subarray(0, 16))).toBe('ENOEXEC:bad-type');
    expect(outcome(ok().subarray(0, 40))).toBe('ENOEXEC:bad-phentsize');
    expect(outcome(ok({ type: ET_REL }))).toBe('ENOEXEC:bad-type');
    expect(outcome(ok({ machine: EM_X86_64 }))).toBe('ENOEXEC:bad-machine');
    expect(outcome(ok({ phentsize: 32 }))).toBe('ENOEXEC:bad-phentsize');
    expect(outcome(ok({ phnum: 0 }))).toBe('ENOEXEC:bad-phnum');
    expect(outcome(buildElf({ phdrs: Array(1171).fill(code) }))).toBe('ENOEXEC:bad-phnum');
    expect(outcome(buildElf({ phdrs: Array(1170).fill(code) }))).toBe('ok');
    expect(outcome(ok({ phoff: 0x1000 }))).toBe('ENOEXEC:phdrs-unreadable');
    expect(outcome(ok({ phoff: 2n ** 63n }))).toBe('ENOEXEC:phdrs-unreadable');
    const wrongClass = ok();
    wrongClass[4] = 1;
    expect(outcome(wrongClass)).toBe('ENOEXEC:bad-class');
    // x86-64's elf_check_arch does not look at EI_CLASS (and nobody looks at EI_DATA or the versions).
    const x86 = ok({ machine: EM_X86_64 });
    x86[4] = 1;
    x86[5] = 2;
    x86[6] = 0;
    expect(outcome(x86, { profile: X86_64_LOAD_PROFILE })).toBe('ok');
    expect(checkElfConformance(parseElf(x86)).map((i) => i.code)).toEqual([
      'class-not-64',
      'data-not-lsb',
      'ident-version',
    ]);
  });

  it('PT_INTERP: size, readability and termination', () => {
    const interp = (filesz: number | bigint, offset: number | bigint, bytes = cString('/lib/ld.so')) =>
      buildElf({
        phdrs: [{ type: PT_INTERP, offset, filesz }, code],
        data: [{ at: 0x100, bytes }],
        size: 0x200,
      });
    expect(outcome(interp(1, 0x100))).toBe('ENOEXEC:interp-size');
    expect(outcome(interp(4097, 0x100))).toBe('ENOEXEC:interp-size');
    expect(outcome(interp(10, 0x100))).toBe('ENOEXEC:interp-not-terminated');
    expect(outcome(interp(11, 0x1f8))).toBe('EIO:interp-unreadable');
    expect(outcome(interp(11, 2n ** 63n))).toBe('EINVAL:interp-unreadable');
    expect(parseElf(interp(11, 0x100)).interpreter).toBe('/lib/ld.so');
    expect(() => planExec(interp(11, 0x100), { profile: SV39 })).toThrow(TypeError); // the caller must open it
  });

  it('the interpreter: EIO when unreadable, ELIBBAD when not a loadable ELF, then EPERM/EINVAL', () => {
    const prog = buildElf({
      type: ET_DYN,
      phdrs: [
        { type: PT_INTERP, offset: 0x100, filesz: 3 },
        { ...code, vaddr: 0 },
      ],
      data: [{ at: 0x100, bytes: cString('/i') }],
      size: 0x200,
    });
    expect(outcome(prog, { interpreter: new Uint8Array(63) })).toBe('EIO:interp-header-unreadable');
    expect(outcome(prog, { interpreter: new Uint8Array(64) })).toBe('ELIBBAD:interp-bad-magic');
    expect(outcome(prog, { interpreter: ok({ machine: EM_X86_64 }) })).toBe('ELIBBAD:interp-bad-machine');
    expect(outcome(prog, { interpreter: ok({ phentsize: 0 }) })).toBe('ELIBBAD:interp-phdrs');
    expect(outcome(prog, { interpreter: ok({ type: ET_REL }) })).toBe('EPERM:interp-bad-type!');
    expect(outcome(prog, { interpreter: buildElf({ phdrs: [{ type: PT_NOTE }] }) })).toBe(
      'EINVAL:empty-image!',
    );
    expect(outcome(prog, { interpreter: ok({ type: ET_DYN }) })).toBe('ok');
    // load_elf_interp answers ENOMEM where load_elf_binary answers EINVAL.
    const far = buildElf({
      type: ET_EXEC,
      phdrs: [{ ...code, vaddr: TASK - 0x1000n, memsz: 0x2000 }],
      size: 0x200,
    });
    expect(outcome(prog, { interpreter: far })).toBe('ENOMEM:segment-address-range!');
    const inverted = buildElf({
      type: ET_EXEC,
      phdrs: [{ ...code, filesz: 0x200, memsz: 0x100 }],
      size: 0x300,
    });
    expect(outcome(prog, { interpreter: inverted })).toBe('ENOMEM:segment-bounds!');
  });
});

describe('segment validation (after the point of no return)', () => {
  const seg = (p: object, spec: Partial<ElfSpec> = {}) =>
    outcome(buildElf({ phdrs: [{ ...code, ...p }], size: 0x200, ...spec }));

  it('answers as vm_mmap and the bounds check do', () => {
    expect(seg({ offset: 0x10 })).toBe('EINVAL:segment-offset-misaligned!');
    expect(seg({ offset: 2n ** 64n - 0x1000n })).toBe('EINVAL:segment-offset-overflow!');
    expect(seg({ offset: 2n ** 63n - 0x1000n })).toBe('EOVERFLOW:segment-offset-overflow!');
    expect(seg({ offset: 2n ** 62n })).toBe('ok'); // a mapping past the end of the file is fine (SIGBUS later)
    expect(seg({ filesz: 0x200, memsz: 0x100 })).toBe('EINVAL:segment-bounds!');
    expect(seg({ vaddr: TASK })).toBe('ENOMEM:segment-address-range!');
    expect(seg({ vaddr: TASK - 0x1000n, memsz: 0x2000 })).toBe('ENOMEM:segment-address-range!');
    expect(seg({ filesz: 0, memsz: 2n ** 63n })).toBe('ENOMEM:segment-address-range!');
    // zero_end wraps below zero_start, so vm_brk_flags maps nothing; the bounds check refuses the segment.
    expect(seg({ filesz: 0, memsz: 2n ** 64n - 1n })).toBe('EINVAL:segment-bounds!');
    expect(seg({ filesz: 0, memsz: 0, vaddr: TASK })).toBe('EINVAL:segment-address-range!');
    expect(seg({}, { entry: TASK })).toBe('EINVAL:bad-entry!');
    expect(outcome(buildElf({ type: ET_DYN, phdrs: [{ type: PT_NOTE }], size: 0x200 }))).toBe('ok');
    expect(
      outcome(
        buildElf({
          type: ET_DYN,
          phdrs: [{ type: PT_INTERP, offset: 0x100, filesz: 3 }],
          data: [{ at: 0x100, bytes: cString('/i') }],
          size: 0x200,
        }),
        { interpreter: ok() },
      ),
    ).toBe('ok'); // total_mapping_size is only computed at the first PT_LOAD: none, no EINVAL
  });

  it('accepts what Linux accepts and reports it: unsorted, overlapping, odd alignment', () => {
    const bytes = buildElf({
      phdrs: [
        {
          type: PT_LOAD,
          flags: PF_R | PF_W,
          offset: 0x1000,
          vaddr: 0x21000,
          filesz: 0x10,
          memsz: 0x10,
          align: 3,
        },
        { ...code, align: 0x1000 },
        { type: PT_LOAD, flags: PF_R, offset: 0, vaddr: 0x10000, filesz: 0x10, memsz: 0x10, align: 0x10000 },
      ],
      size: 0x1100,
    });
    const plan = planExec(bytes, { profile: SV39 });
    expect(plan.steps.map((s) => s.kind === 'map-file' && [s.start, s.placement])).toEqual([
      [0x21000, 'noreplace'],
      [0x10000, 'fixed'],
      [0x10000, 'fixed'],
    ]);
    expect(checkElfConformance(parseElf(bytes)).map((i) => i.code)).toEqual([
      'load-unsorted',
      'load-overlap',
      'align-not-power-of-two',
    ]);
  });

  it('zeroes the bss tail only for writable segments, maps the rest anonymous read-write', () => {
    const bss = (flags: number) =>
      planExec(buildElf({ phdrs: [{ ...code, flags, filesz: 0x100, memsz: 0x3000 }], size: 0x200 }), {
        profile: SV39,
      });
    expect(bss(PF_R | PF_W).steps.map((s) => s.kind)).toEqual(['map-file', 'zero-tail', 'map-anonymous']);
    expect(bss(PF_R | PF_W).steps[1]).toMatchObject({ start: 0x10100, end: 0x11000 });
    const ro = bss(PF_R | PF_X);
    expect(ro.steps.map((s) => s.kind)).toEqual(['map-file', 'map-anonymous']);
    expect(ro.steps[1]).toMatchObject({ start: 0x11000, length: 0x2000, prot: 0x7 });
  });

  it('PT_GNU_STACK: the last one decides', () => {
    const stack = (...flags: number[]) =>
      parseElf(
        buildElf({ phdrs: [code, ...flags.map((f) => ({ type: PT_GNU_STACK, flags: f }))], size: 0x200 }),
      ).stack;
    expect(stack()).toBe('default');
    expect(stack(PF_R | PF_W | PF_X)).toBe('executable');
    expect(stack(PF_R | PF_W | PF_X, PF_R | PF_W)).toBe('non-executable');
  });
});

describe('ASLR', () => {
  const run = (seed: number, randomize = true) =>
    planExec(fixture('x86_64-pie-interp'), {
      profile: X86_64_LOAD_PROFILE,
      interpreter: fixture('x86_64-static'),
      randomize,
      rng: createRng(seed),
    });

  it('offsets a PIE by arch_mmap_rnd pages from ELF_ET_DYN_BASE and the break by up to 1 GiB, reproducibly', () => {
    const base = 0x5555_5555_4000;
    const biases = new Set<number>();
    for (let seed = 1; seed <= 50; seed++) {
      const p = run(seed);
      expect(p).toEqual(run(seed));
      expect(p.loadBias % 4096).toBe(0);
      expect(p.loadBias).toBeGreaterThanOrEqual(base);
      expect(p.loadBias).toBeLessThan(base + 2 ** (28 + 12));
      const noBrkRandom = Math.ceil(p.imageEnd / 4096) * 4096 + 4096;
      expect(p.startBrk).toBeGreaterThanOrEqual(noBrkRandom);
      expect(p.startBrk).toBeLessThan(noBrkRandom + 2 ** 30);
      biases.add(p.loadBias);
    }
    expect(biases.size).toBeGreaterThan(40);
    expect(run(1, false).loadBias).toBe(base);
    expect(() =>
      planExec(fixture('x86_64-static'), { profile: X86_64_LOAD_PROFILE, randomize: true }),
    ).toThrow(TypeError);
  });
});

describe('hostile input', () => {
  it('random truncations, bit flips and field overwrites answer with an ElfError or a valid plan', () => {
    const rng = createRng(20261204);
    const names = [
      'riscv64-static',
      'riscv64-static-pie',
      'riscv64-pie-interp',
      'x86_64-static',
      'x86_64-pie-interp',
    ] as const;
    const soak = process.env.PAGEWRIGHT_SOAK === '1' ? 20 : 1;
    let plans = 0;
    for (let i = 0; i < 3000 * soak; i++) {
      const name = names[rng.nextInt(names.length)]!;
      const original = fixture(name);
      let bytes = original.slice();
      const mutation = rng.nextInt(4);
      if (mutation === 0) bytes = bytes.subarray(0, rng.nextInt(bytes.length + 1));
      else {
        const n = 1 + rng.nextInt(8);
        for (let k = 0; k < n; k++) {
          // Mostly the headers, where the rules are.
          const at =
            rng.nextInt(4) === 0
              ? rng.nextInt(bytes.length)
              : rng.nextInt(Math.min(bytes.length, 64 + 56 * 10));
          if (mutation === 1) bytes[at]! ^= 1 << rng.nextInt(8);
          else if (mutation === 2) bytes[at] = rng.nextInt(256);
          else bytes.fill(rng.nextInt(2) === 0 ? 0 : 0xff, at, at + 1 + rng.nextInt(8));
        }
      }
      const riscv = name.startsWith('riscv');
      const profile = riscv ? SV39 : X86_64_LOAD_PROFILE;
      let interpreter: Uint8Array | undefined = fixture(riscv ? 'riscv64-static-pie' : 'x86_64-static');
      if (rng.nextInt(3) === 0) interpreter = bytes;
      try {
        const plan = planExec(bytes, {
          profile,
          interpreter,
          randomize: rng.nextInt(2) === 0,
          rng: createRng(i),
          placeImage: (len) => Math.max(0, Math.floor((profile.taskSize - len) / 2 / 4096) * 4096),
        });
        plans++;
        for (const s of [...plan.steps, ...(plan.interpreter?.steps ?? [])]) {
          const end = s.kind === 'zero-tail' ? s.end : s.start + s.length;
          expect(Number.isSafeInteger(s.start) && s.start >= 0 && end <= profile.taskSize).toBe(true);
          if (s.kind !== 'zero-tail')
            expect(s.start % 4096 === 0 && s.length % 4096 === 0 && s.length > 0).toBe(true);
        }
        expect(plan.startPc).toBeLessThan(profile.taskSize);
        expect(plan.startBrk % 4096).toBe(0);
      } catch (e) {
        if (!(e instanceof ElfError)) throw e;
        expect(e.errnoNumber).toBeGreaterThan(0);
      }
    }
    expect(plans).toBeGreaterThan(100);
  });
});
