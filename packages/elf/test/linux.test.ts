import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { type LoadStep, planExec, X86_64_LOAD_PROFILE } from '../src/index.js';

const dir = join(import.meta.dirname, '..', 'fixtures');

/** What fixtures/record-linux.sh recorded when the host's Linux exec'ed a fixture under gdb (ASLR off). */
function recorded(name: string) {
  const text = readFileSync(join(dir, `${name}.linux.txt`), 'utf8');
  const maps = [...text.matchAll(/^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ (\d+)[ \t]*(.*)$/gm)].map(
    (m) => ({
      start: Number.parseInt(m[1]!, 16),
      end: Number.parseInt(m[2]!, 16),
      perms: m[3]!,
      offset: Number.parseInt(m[4]!, 16),
      inode: Number(m[5]),
      name: m[6]!.trim(),
    }),
  );
  const aux = (tag: string) => Number.parseInt(new RegExp(`${tag}\\s.*0x([0-9a-f]+)`).exec(text)![1]!, 16);
  return {
    kernel: /^=== kernel (.*)$/m.exec(text)![1]!,
    maps,
    startBrk: Number.parseInt(/^=== start_brk 0x([0-9a-f]+)$/m.exec(text)![1]!, 16),
    phdr: aux('AT_PHDR'),
    entry: aux('AT_ENTRY'),
  };
}

interface Region {
  start: number;
  end: number;
  prot: number;
  file: boolean;
  pgoff: number;
}

/** Performs the steps on an empty layout the way mmap/munmap/brk would, then merges as Linux's VMAs merge. */
function perform(steps: readonly LoadStep[]): Region[] {
  let regions: Region[] = [];
  const unmap = (a: number, b: number) => {
    const out: Region[] = [];
    for (const r of regions) {
      if (r.end <= a || r.start >= b) out.push(r);
      else {
        if (r.start < a) out.push({ ...r, end: a });
        if (r.end > b) out.push({ ...r, start: b, pgoff: r.pgoff + (b - r.start) / 4096 });
      }
    }
    regions = out;
  };
  for (const s of steps) {
    if (s.kind === 'zero-tail') continue;
    const file = s.kind === 'map-file';
    const len = file ? s.reserveLength : s.length;
    unmap(s.start, s.start + len);
    regions.push({ start: s.start, end: s.start + len, prot: s.prot, file, pgoff: file ? s.filePage : 0 });
    if (file && s.reserveLength > s.length) unmap(s.start + s.length, s.start + s.reserveLength);
  }
  regions.sort((a, b) => a.start - b.start);
  const merged: Region[] = [];
  for (const r of regions) {
    const last = merged[merged.length - 1];
    if (
      last &&
      last.end === r.start &&
      last.file === r.file &&
      last.prot === r.prot &&
      (!r.file || last.pgoff + (last.end - last.start) / 4096 === r.pgoff)
    )
      last.end = r.end;
    else merged.push({ ...r });
  }
  return merged;
}

const perms = (prot: number) =>
  `${prot & PROT_READ ? 'r' : '-'}${prot & PROT_WRITE ? 'w' : '-'}${prot & PROT_EXEC ? 'x' : '-'}p`;

describe("load plans against what Linux did (x86-64 fixtures exec'ed on the host, ASLR off)", () => {
  for (const name of ['x86_64-static', 'x86_64-static-pie', 'x86_64-execstack', 'x86_64-pie-interp']) {
    it(`${name}: mappings, AT_PHDR, AT_ENTRY, start_brk and the stack`, () => {
      const linux = recorded(name);
      expect(linux.kernel).toMatch(/^6\.18\./);
      const own = linux.maps.filter((m) => m.name === name);
      const plan = planExec(new Uint8Array(readFileSync(join(dir, name))), {
        profile: X86_64_LOAD_PROFILE,
        interpreter:
          name === 'x86_64-pie-interp' ? new Uint8Array(readFileSync(join(dir, 'x86_64-static'))) : undefined,
        placeImage: () => own[0]!.start, // where Linux's mmap put the static PIE
      });
      const layout = perform(plan.steps);
      const lo = layout[0]!.start;
      const hi = layout[layout.length - 1]!.end;
      const seen = linux.maps.filter((m) => m.start >= lo && m.end <= hi);
      expect(
        layout.map(
          (r) =>
            `${r.start.toString(16)}-${r.end.toString(16)} ${perms(r.prot)} ${r.file ? r.pgoff * 4096 : 0}`,
        ),
      ).toEqual(
        seen.map((m) => `${m.start.toString(16)}-${m.end.toString(16)} ${m.perms} ${m.inode ? m.offset : 0}`),
      );
      expect(seen.every((m) => m.name === name || (m.name === '' && m.inode === 0))).toBe(true);
      expect(plan.phdrAddress).toBe(linux.phdr);
      expect(Number(plan.programEntry)).toBe(linux.entry);
      expect(plan.startBrk).toBe(linux.startBrk);
      const stack = linux.maps.find((m) => m.name === '[stack]')!;
      expect(plan.executableStack).toBe(stack.perms.includes('x'));
    });
  }
});
