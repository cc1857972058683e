/**
 * `execFile`/`execElf` of real ELF files: the layout Linux 6.18 gave the repository's fixtures (recorded under gdb,
 * `packages/elf/fixtures/*.linux.txt`), the auxiliary vector and strings on the initial stack, and the outcome Linux
 * had for each of the 26 valid and broken programs of `exec-cases.linux.txt` — with the old address space, the
 * frames and the invariants untouched whenever `execve` returns.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Access } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { CASE_DIR, EXEC_CASES } from '../../elf/test/exec-cases.js';
import { errnoOf } from './errno.js';
import { AT, readInitStack } from './init-stack.js';
import { checkInvariants } from './invariants.js';
import { Machine, type MachineOptions } from './machine.js';
import type { Process } from './process.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'elf', 'fixtures');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));

/** The maps lines Linux printed for a fixture, without the device, inode and path of file lines. */
function recordedMaps(name: string): { lines: string[]; startBrk: number; aux: Map<string, number> } {
  const text = readFileSync(join(FIXTURES, `${name}.linux.txt`), 'utf8');
  const lines = [...text.matchAll(/^([0-9a-f]+-[0-9a-f]+ \S{4} [0-9a-f]+) (\S+) (\d+)[ \t]*(.*)$/gm)]
    .filter((m) => m[4] !== '[vsyscall]') // the x86-64 gate page is no VMA (the replay preset prints it)
    .map((m) => `${m[1]} ${m[4]!.startsWith('[') || m[4] === '' ? m[4] : 'FILE'}`.trim());
  const aux = new Map(
    [...text.matchAll(/^\d+\s+(AT_\w+)\s.*0x([0-9a-f]+)$/gm)].map((m) => [m[1]!, Number.parseInt(m[2]!, 16)]),
  );
  return { lines, startBrk: Number.parseInt(/^=== start_brk 0x([0-9a-f]+)$/m.exec(text)![1]!, 16), aux };
}

/** This model's maps in the same form. */
function modelMaps(p: Process): string[] {
  return p
    .maps()
    .trimEnd()
    .split('\n')
    .map((l) => {
      const m = /^(\S+ \S{4} [0-9a-f]+) \S+ \d+\s*(.*)$/.exec(l)!;
      return `${m[1]} ${m[2]!.startsWith('[') || m[2] === '' ? m[2] : 'FILE'}`.trim();
    });
}

function auxvOf(p: Process): Map<number, number> {
  const stack = readInitStack(p.vm.startStack, (a, n) => {
    const r = p.copyFromUser(a, n);
    return typeof r === 'number' ? null : r;
  });
  expect(stack).not.toBeNull();
  return new Map(stack!.auxv);
}

function machine(options: MachineOptions = {}) {
  return new Machine({ arch: 'x86-64', memoryBytes: 32 << 20, checkTlb: true, ...options });
}

describe('the layout Linux 6.18 gave the fixtures', () => {
  for (const name of ['x86_64-static', 'x86_64-static-pie', 'x86_64-execstack']) {
    it(name, () => {
      const m = machine();
      const p = m.spawn();
      expect(p.execElf(fixture(name), { path: `/bin/${name}` })).toBe(0);
      const want = recordedMaps(name);
      expect(modelMaps(p)).toEqual(want.lines);
      expect(p.vm.startBrk).toBe(want.startBrk);
      const auxv = auxvOf(p);
      expect(auxv.get(AT.PHDR)).toBe(want.aux.get('AT_PHDR'));
      expect(auxv.get(AT.ENTRY)).toBe(want.aux.get('AT_ENTRY'));
      expect(auxv.get(AT.BASE)).toBe(0);
      expect(p.maps()).toContain(`/bin/${name}\n`);
      checkInvariants(m);
    });
  }

  it('x86_64-pie-interp: the program at ELF_ET_DYN_BASE, the interpreter from the filesystem at the top', () => {
    const m = machine();
    m.files.mkdir('/lib64');
    // The recorded run used the host's ld.so; the static PIE stands in for it (another size, same placement rule).
    m.files.createFile('/lib64/ld-linux-x86-64.so.2', fixture('x86_64-static-pie'), 0o755);
    const p = m.spawn();
    expect(p.execElf(fixture('x86_64-pie-interp'), { path: '/bin/pie' })).toBe(0);
    const want = recordedMaps('x86_64-pie-interp');
    const program = (lines: string[]) => lines.filter((l) => l.startsWith('5555'));
    expect(program(modelMaps(p))).toEqual(program(want.lines));
    expect(p.vm.startBrk).toBe(want.startBrk);
    const auxv = auxvOf(p);
    expect(auxv.get(AT.PHDR)).toBe(want.aux.get('AT_PHDR'));
    expect(auxv.get(AT.ENTRY)).toBe(want.aux.get('AT_ENTRY'));
    // ld.so's image ends at mmap_base (0x7ffff7fff000, as recorded), the vDSO right below it.
    const ld = p
      .maps()
      .split('\n')
      .filter((l) => l.endsWith('/lib64/ld-linux-x86-64.so.2'));
    expect(ld[0]!.startsWith((auxv.get(AT.BASE) as number).toString(16))).toBe(true);
    expect(p.maps()).toContain('7ffff7fff000 rw-p 00000000 00:00 0 \n');
    expect(auxv.get(AT.SYSINFO_EHDR)).toBe(auxv.get(AT.BASE)! - 2 * 4096);
    // Execution starts at the interpreter's entry, which holds the static PIE's first instruction.
    const entry = auxv.get(AT.BASE)! + 0x1000;
    expect(p.translate(entry, Access.Fetch)).toBeGreaterThanOrEqual(0);
    checkInvariants(m);
  });

  it('RISC-V: a static executable on Sv39 (generic mmap_base: 128 MiB plus the guard gap below the top)', () => {
    const m = new Machine({ arch: 'sv39', memoryBytes: 32 << 20, checkTlb: true });
    const p = m.spawn();
    expect(p.execElf(fixture('riscv64-static'))).toBe(0);
    expect(p.vm.mmapBase).toBe(2 ** 38 - (128 + 1) * 2 ** 20);
    const maps = p.maps();
    expect(maps).toContain('[vvar]');
    expect(maps).toMatch(/^3ff7efe000-3ff7f00000 r-xp 00000000 00:00 0 +\[vdso\]$/m);
    expect(maps).toMatch(/^3ffffdf000-4000000000 rw-p 00000000 00:00 0 +\[stack\]$/m);
    checkInvariants(m);
  });
});

describe('the initial stack', () => {
  it('holds argc, argv, envp, the strings and the auxiliary vector create_elf_tables writes', () => {
    const m = machine();
    const p = m.spawn();
    const argv = ['prog', 'one', 'two'];
    const envp = ['HOME=/root', 'LANG=C'];
    expect(p.execElf(fixture('x86_64-static'), { path: '/bin/prog', argv, envp })).toBe(0);
    const stack = readInitStack(p.vm.startStack, (a, n) => {
      const r = p.copyFromUser(a, n);
      return typeof r === 'number' ? null : r;
    })!;
    expect(stack.argv).toEqual(argv);
    expect(stack.envp).toEqual(envp);
    const types = stack.auxv.map(([t]) => t);
    // The order of fs/binfmt_elf.c create_elf_tables on x86-64 (ARCH_DLINFO first, AT_NULL last).
    expect(types).toEqual([
      AT.SYSINFO_EHDR,
      AT.MINSIGSTKSZ,
      AT.HWCAP,
      AT.PAGESZ,
      AT.CLKTCK,
      AT.PHDR,
      AT.PHENT,
      AT.PHNUM,
      AT.BASE,
      AT.FLAGS,
      AT.ENTRY,
      AT.UID,
      AT.EUID,
      AT.GID,
      AT.EGID,
      AT.SECURE,
      AT.RANDOM,
      AT.HWCAP2,
      AT.EXECFN,
      AT.PLATFORM,
      AT.RSEQ_FEATURE_SIZE,
      AT.RSEQ_ALIGN,
      AT.NULL,
    ]);
    const aux = new Map(stack.auxv);
    expect(aux.get(AT.PAGESZ)).toBe(4096);
    expect(aux.get(AT.PHENT)).toBe(56);
    expect(aux.get(AT.PHNUM)).toBe(6); // x86_64-static.readelf.txt: "There are 6 program headers"
    const str = (a: number) => {
      let out = '';
      for (let c = p.load8(a); c !== 0; c = p.load8(++a)) out += String.fromCharCode(c);
      return out;
    };
    expect(str(aux.get(AT.EXECFN)!)).toBe('/bin/prog');
    expect(str(aux.get(AT.PLATFORM)!)).toBe('x86_64');
    expect((p.copyFromUser(aux.get(AT.RANDOM)!, 16) as Uint8Array).length).toBe(16);
    // The strings end 8 bytes below the stack top; sp is 16-byte aligned; [stack] holds it all.
    expect(p.vm.startStack % 16).toBe(0);
    expect(p.vm.envEnd).toBe(aux.get(AT.EXECFN));
    expect(p.vm.argStart).toBeLessThan(p.vm.argEnd);
    expect(p.vm.argEnd).toBe(p.vm.envStart);
    // The AT_PHDR address holds the program headers: p_type of the first is PT_LOAD (1).
    expect(p.load32(aux.get(AT.PHDR)!)).toBe(1);
  });

  it('execfn sets AT_EXECFN; the bss tail is zero and the data is the file', () => {
    const m = machine();
    const p = m.spawn();
    expect(p.execElf(fixture('x86_64-static'), { path: '/bin/x', execfn: './x' })).toBe(0);
    const aux = auxvOf(p);
    const b = p.copyFromUser(aux.get(AT.EXECFN)!, 4) as Uint8Array;
    expect(new TextDecoder().decode(b.subarray(0, 3))).toBe('./x');
    // The ELF magic at the start of the first (read-only) mapping: the file's bytes through the page cache.
    expect(p.load32(0x400000)).toBe(0x464c457f);
  });

  it('under ASLR the stack, the mmap base and the break move, deterministically per seed', () => {
    const layout = (seed: number) => {
      const m = machine({ aslr: true, seed });
      const p = m.spawn();
      expect(p.execElf(fixture('x86_64-static-pie'))).toBe(0);
      checkInvariants(m);
      return { base: p.vm.mmapBase, stack: p.vm.startStack, brk: p.vm.startBrk, maps: p.maps() };
    };
    const a = layout(1);
    expect(layout(1)).toEqual(a);
    const b = layout(2);
    expect(b.base).not.toBe(a.base);
    expect(b.stack).not.toBe(a.stack);
    // x86-64 mmap_base: below TASK_SIZE by at least RLIMIT_STACK + the guard gap + 16 GiB of stack randomness.
    expect(a.base).toBeLessThanOrEqual(2 ** 47 - 4096 - (8 + 1) * 2 ** 20 - 0x3fffff000);
    expect(a.base % 4096).toBe(0);
  });
});

describe('what execve answers for bad input, with nothing changed', () => {
  function setup() {
    const m = machine();
    const p = m.spawn();
    expect(p.store8(0x401000, 42)).toBe(0);
    m.files.mkdir('/bin');
    m.files.createFile('/bin/ok', fixture('x86_64-static'), 0o755);
    return { m, p, maps: p.maps(), frames: m.framesInUse() };
  }
  const unchanged = (s: ReturnType<typeof setup>) => {
    expect(s.p.exitCode).toBeNull();
    expect(s.p.maps()).toBe(s.maps);
    expect(s.p.load8(0x401000)).toBe(42);
    checkInvariants(s.m);
  };

  const cases: [string, (s: ReturnType<typeof setup>) => number, string][] = [
    ['a missing file', (s) => s.p.execFile('/bin/none'), 'ENOENT'],
    ['a path through a file', (s) => s.p.execFile('/bin/ok/x'), 'ENOTDIR'],
    ['a directory', (s) => s.p.execFile('/bin'), 'EACCES'],
    ['/dev/zero', (s) => s.p.execFile('/dev/zero'), 'EACCES'],
    [
      'a file without an execute bit',
      (s) => {
        s.m.files.createFile('/bin/rw', fixture('x86_64-static'), 0o644);
        return s.p.execFile('/bin/rw');
      },
      'EACCES',
    ],
    ['a path that is not a string', (s) => s.p.execFile(7 as unknown as string), 'EFAULT'],
    ['argv that is not strings', (s) => s.p.execFile('/bin/ok', [1] as unknown as string[]), 'EFAULT'],
    ['envp that is not an array', (s) => s.p.execFile('/bin/ok', [], 'X=1' as unknown as string[]), 'EFAULT'],
    ['an argument past MAX_ARG_STRLEN', (s) => s.p.execFile('/bin/ok', ['x'.repeat(32 * 4096)]), 'E2BIG'],
    ['bytes that are not a Uint8Array', (s) => s.p.execElf([0x7f] as unknown as Uint8Array), 'EFAULT'],
    ['an empty file', (s) => s.p.execElf(new Uint8Array(0)), 'ENOEXEC'],
    ['a truncated header', (s) => s.p.execElf(fixture('x86_64-static').subarray(0, 40)), 'ENOEXEC'],
    ['a text file', (s) => s.p.execElf(new TextEncoder().encode('#!/bin/sh\necho hi\n')), 'ENOEXEC'],
    ['a RISC-V program on x86-64', (s) => s.p.execElf(fixture('riscv64-static')), 'ENOEXEC'],
    ['a missing interpreter', (s) => s.p.execElf(fixture('x86_64-pie-interp')), 'ENOENT'],
    [
      'an interpreter that is not ELF',
      (s) => {
        s.m.files.mkdir('/lib64');
        s.m.files.createFile('/lib64/ld-linux-x86-64.so.2', new Uint8Array(4096), 0o755);
        return s.p.execElf(fixture('x86_64-pie-interp'));
      },
      'ELIBBAD',
    ],
    [
      'a file installed over a directory',
      (s) => s.p.execElf(fixture('x86_64-static'), { path: '/bin' }),
      'EISDIR',
    ],
  ];
  it.each(cases)('%s: %s', (_name, run, errno) => {
    const s = setup();
    const ret = run(s);
    // ELIBBAD (80) has no name in the memory system calls' errno table.
    expect(errno === 'ELIBBAD' ? ret : errnoOf(ret)).toBe(errno === 'ELIBBAD' ? -80 : errno);
    unchanged(s);
  });

  it('a machine whose architecture has no exec layout answers ENOEXEC unless given one', () => {
    const m = new Machine({ arch: 'sv39', limits: { taskSize: 2 ** 30 } });
    const p = m.spawn();
    const maps = p.maps();
    expect(errnoOf(p.execElf(fixture('riscv64-static')))).toBe('ENOEXEC');
    expect(p.maps()).toBe(maps);
  });

  it('a dead process answers ESRCH', () => {
    const s = setup();
    s.p.exit(0);
    expect(errnoOf(s.p.execFile('/bin/ok'))).toBe('ESRCH');
    expect(errnoOf(s.p.execElf(fixture('x86_64-static')))).toBe('ESRCH');
  });

  it('after a failed exec the process still runs the next one, and close-on-exec applies only on success', () => {
    const s = setup();
    expect(errnoOf(s.p.execFile('/bin/none'))).toBe('ENOENT');
    expect(s.p.execFile('/bin/ok')).toBe(0);
    s.p.exit(0);
    expect(s.m.framesInUse()).toBeLessThan(s.frames);
  });
});

describe('the 26 exec cases Linux 6.18 ran (packages/elf/fixtures/exec-cases.linux.txt)', () => {
  const recorded = new Map(
    readFileSync(join(FIXTURES, 'exec-cases.linux.txt'), 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const [name, ...rest] = l.split(' ');
        return [name!, rest.join(' ')] as const;
      }),
  );
  it.each(EXEC_CASES.map((c) => c.name))('%s', (name) => {
    const m = machine();
    m.files.mkdir('/tmp');
    m.files.mkdir(CASE_DIR);
    for (const c of EXEC_CASES) m.files.createFile(`${CASE_DIR}/${c.name}`, c.bytes, 0o755);
    const p = m.spawn();
    const before = p.maps();
    const ret = p.execFile(`${CASE_DIR}/${name}`);
    let outcome: string;
    if (ret === 0) {
      // Each runnable case's entry holds `mov eax, 60`: fetch it through the new mapping.
      const auxv = auxvOf(p);
      const entry = p.vm.startCode === 0 ? 0 : auxv.get(AT.ENTRY)!;
      const at = auxv.get(AT.BASE) !== 0 ? auxv.get(AT.BASE)! + 0x1800 : entry;
      expect(p.fetch(at) & 0xff).toBe(0xb8);
      outcome = 'exit 42';
    } else if (p.killedBy !== null) {
      expect(p.killedBy).toBe('SIGSEGV');
      expect(p.waitStatus).toBe(11);
      outcome = `signal ${p.killedBy}`;
    } else {
      expect(p.maps()).toBe(before);
      outcome = `errno ${ret === -80 ? 'ELIBBAD' : errnoOf(ret)}`;
    }
    expect(outcome).toBe(recorded.get(name));
    checkInvariants(m);
    for (const q of m.processes.values()) q.exit(0);
    // Every frame back but the zero page and the cached pages of the case files.
    expect(m.framesInUse()).toBe(1 + m.files.cache.stats.framesHeld);
  });
});
