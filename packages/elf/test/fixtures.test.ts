import { PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import {
  checkElfConformance,
  EM_RISCV,
  EM_X86_64,
  ET_DYN,
  ET_EXEC,
  PF_R,
  PF_W,
  PF_X,
  PT_DYNAMIC,
  PT_GNU_PROPERTY,
  PT_GNU_RELRO,
  PT_GNU_STACK,
  PT_INTERP,
  PT_LOAD,
  PT_NOTE,
  PT_PHDR,
  PT_RISCV_ATTRIBUTES,
  PT_TLS,
  parseElf,
  planExec,
  RISCV64_SV39_LOAD_PROFILE,
  RISCV64_SV48_LOAD_PROFILE,
  X86_64_LOAD_PROFILE,
} from '../src/index.js';
import { FIXTURES, fixture, readelf } from './fixtures.js';

const TYPE_NAMES: Record<string, number> = {
  LOAD: PT_LOAD,
  PHDR: PT_PHDR,
  INTERP: PT_INTERP,
  DYNAMIC: PT_DYNAMIC,
  TLS: PT_TLS,
  NOTE: PT_NOTE,
  GNU_STACK: PT_GNU_STACK,
  GNU_RELRO: PT_GNU_RELRO,
  GNU_PROPERTY: PT_GNU_PROPERTY,
  RISCV_ATTRIBUT: PT_RISCV_ATTRIBUTES,
};

function flagsOf(text: string): number {
  return (text[0] === 'R' ? PF_R : 0) | (text[1] === 'W' ? PF_W : 0) | (text[2] === 'E' ? PF_X : 0);
}

const page = (x: bigint) => x & ~0xfffn;
const pageUp = (x: bigint) => (x + 0xfffn) & ~0xfffn;

describe('fixtures against the readelf output recorded at build time', () => {
  for (const name of FIXTURES) {
    it(`${name}: header and program headers`, () => {
      const elf = parseElf(fixture(name));
      const want = readelf(name);
      expect(elf.header.type).toBe(want.type === 'EXEC' ? ET_EXEC : ET_DYN);
      expect(elf.header.machine).toBe(want.machine === 'RISC-V' ? EM_RISCV : EM_X86_64);
      expect(elf.header.entry).toBe(want.entry);
      expect(elf.header.phoff).toBe(want.phoff);
      expect(elf.header.phentsize).toBe(want.phentsize);
      expect(elf.header.phnum).toBe(want.phnum);
      expect(elf.interpreter).toBe(want.interpreter);
      expect(elf.programHeaders.length).toBe(want.phdrs.length);
      elf.programHeaders.forEach((ph, i) => {
        const w = want.phdrs[i]!;
        expect(ph.type).toBe(TYPE_NAMES[w.type]);
        expect([ph.offset, ph.vaddr, ph.paddr, ph.filesz, ph.memsz, ph.align]).toEqual([
          w.offset,
          w.vaddr,
          w.paddr,
          w.filesz,
          w.memsz,
          w.align,
        ]);
        expect(ph.flags).toBe(flagsOf(w.flags));
      });
      expect(checkElfConformance(elf)).toEqual([]);
    });

    it(`${name}: the load plan follows the program headers`, () => {
      const want = readelf(name);
      const riscv = want.machine === 'RISC-V';
      const plan = planExec(fixture(name), {
        profile: riscv ? RISCV64_SV39_LOAD_PROFILE : X86_64_LOAD_PROFILE,
        interpreter:
          want.interpreter !== null ? fixture(riscv ? 'riscv64-static-pie' : 'x86_64-static') : undefined,
        placeImage: () => 0x20_0000_0000,
      });
      const bias = BigInt(plan.loadBias);
      const loads = want.phdrs.filter((p) => p.type === 'LOAD');
      const files = plan.steps.filter((s) => s.kind === 'map-file');
      const withFile = loads.filter((p) => p.filesz > 0n);
      expect(files.length).toBe(withFile.length);
      withFile.forEach((p, i) => {
        const s = files[i]!;
        expect(BigInt(s.start)).toBe(page(p.vaddr + bias));
        expect(BigInt(s.length)).toBe(pageUp(p.filesz + (p.vaddr & 0xfffn)));
        expect(BigInt(s.filePage)).toBe(page(p.offset) / 4096n);
        expect(s.prot).toBe(
          (p.flags[0] === 'R' ? PROT_READ : 0) |
            (p.flags[1] === 'W' ? PROT_WRITE : 0) |
            (p.flags[2] === 'E' ? PROT_EXEC : 0),
        );
        expect(s.placement).toBe(i === 0 ? 'noreplace' : 'fixed');
      });
      // The bss: the anonymous part starts at the page after the file data and ends at the page after memsz.
      for (const p of loads.filter((q) => q.memsz > q.filesz)) {
        const anon = plan.steps
          .filter((s) => s.kind === 'map-anonymous')
          .find((s) => s.segment === want.phdrs.indexOf(p));
        const fileEnd = pageUp(p.vaddr + bias + p.filesz);
        const memEnd = pageUp(p.vaddr + bias + p.memsz);
        if (memEnd > fileEnd) {
          expect(anon && BigInt(anon.start)).toBe(fileEnd);
          expect(anon && BigInt(anon.start + anon.length)).toBe(memEnd);
        }
        const tail = plan.steps
          .filter((s) => s.kind === 'zero-tail')
          .find((s) => s.segment === want.phdrs.indexOf(p));
        expect(tail && BigInt(tail.start)).toBe(p.vaddr + bias + p.filesz);
      }
      let maxEnd = 0n;
      for (const p of loads) if (p.vaddr + p.memsz > maxEnd) maxEnd = p.vaddr + p.memsz;
      expect(BigInt(plan.imageEnd)).toBe(maxEnd + bias);
      const holder = loads.find((p) => p.offset <= want.phoff && want.phoff < p.offset + p.filesz)!;
      expect(BigInt(plan.phdrAddress)).toBe(want.phoff - holder.offset + holder.vaddr + bias);
      expect(plan.programEntry).toBe(want.entry + bias);
      expect(plan.phnum).toBe(want.phnum);
      expect(plan.executableStack).toBe(want.phdrs.some((p) => p.type === 'GNU_STACK' && p.flags[2] === 'E'));
      expect(plan.tls?.memsz ?? null).toBe(want.phdrs.find((p) => p.type === 'TLS')?.memsz ?? null);
    });
  }

  it('ET_EXEC loads at its own addresses; the break is the page after the image', () => {
    const plan = planExec(fixture('riscv64-static'), { profile: RISCV64_SV39_LOAD_PROFILE });
    expect(plan.loadBias).toBe(0);
    expect(plan.startBrk).toBe(Math.ceil(plan.imageEnd / 4096) * 4096);
    expect(plan.startPc).toBe(plan.entry);
    expect(plan.interpreter).toBeNull();
  });

  it('a PIE with PT_INTERP loads at ELF_ET_DYN_BASE: 0x555555554000 on x86-64, 0x2aaaaaa000 on Sv39', () => {
    const placeImage = () => 0x7f00_0000_0000;
    const x86 = planExec(fixture('x86_64-pie-interp'), {
      profile: X86_64_LOAD_PROFILE,
      interpreter: fixture('x86_64-static'),
      placeImage,
    });
    expect(x86.loadBias).toBe(0x5555_5555_4000);
    const rv = planExec(fixture('riscv64-pie-interp'), {
      profile: RISCV64_SV39_LOAD_PROFILE,
      interpreter: fixture('riscv64-static-pie'),
      placeImage: () => 0x3f_0000_0000,
    });
    expect(rv.loadBias).toBe(0x2a_aaaa_a000);
    expect(rv.interpreter?.path).toBe('/lib/ld-linux-riscv64-lp64d.so.1');
    expect(rv.interpreterBase).toBe(0x3f_0000_0000);
    expect(rv.startPc).toBe(0x3f_0000_0000 + Number(parseElf(fixture('riscv64-static-pie')).header.entry));
    const sv48 = planExec(fixture('riscv64-pie-interp'), {
      profile: RISCV64_SV48_LOAD_PROFILE,
      interpreter: fixture('riscv64-static-pie'),
      placeImage,
    });
    expect(sv48.loadBias).toBe(0x5555_5555_5000);
  });

  it('an ET_EXEC interpreter maps at its own addresses with MAP_FIXED', () => {
    const plan = planExec(fixture('x86_64-pie-interp'), {
      profile: X86_64_LOAD_PROFILE,
      interpreter: fixture('x86_64-static'),
    });
    expect(plan.interpreterBase).toBe(0);
    expect(plan.interpreter?.steps.every((s) => s.kind !== 'map-file' || s.placement === 'fixed')).toBe(true);
    expect(plan.startPc).toBe(Number(parseElf(fixture('x86_64-static')).header.entry));
  });

  it('a static PIE goes where mmap places it, its break at ELF_ET_DYN_BASE', () => {
    const calls: number[][] = [];
    const plan = planExec(fixture('riscv64-static-pie'), {
      profile: RISCV64_SV39_LOAD_PROFILE,
      placeImage: (len, align, hint) => {
        calls.push([len, align, hint]);
        return 0x3f_c000_0000;
      },
    });
    const elf = parseElf(fixture('riscv64-static-pie'));
    const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD);
    const last = loads[loads.length - 1]!;
    expect(calls).toEqual([[Number(pageUp(last.vaddr + last.memsz)), 4096, 0]]);
    expect(plan.loadBias).toBe(0x3f_c000_0000);
    expect(plan.steps[0]).toMatchObject({
      kind: 'map-file',
      reserveLength: calls[0]![0],
      placement: 'noreplace',
    });
    expect(plan.startBrk).toBe(0x2a_aaaa_b000);
    expect(plan.brkMoved).toBe(true);
  });

  it('the execstack fixture asks for an executable stack, the others not', () => {
    expect(parseElf(fixture('riscv64-execstack')).stack).toBe('executable');
    expect(parseElf(fixture('riscv64-static')).stack).toBe('non-executable');
  });
});
