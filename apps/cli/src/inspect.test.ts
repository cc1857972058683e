import { SYSCALL_LIST } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { Inspector } from './inspect.js';
import { memoryIo } from './memory-io.js';

/** Runs `pagewright inspect` with `script` on stdin; returns the exit code and output lines. */
async function inspect(script: string, ...options: string[]) {
  const io = memoryIo(script);
  const code = await run(['inspect', ...options], io);
  return { code, lines: io.out().trimEnd().split('\n'), err: io.err() };
}

describe('inspect walk ADDR', () => {
  it('gives the TLB answer, each level and the PA, agreeing with pt, and changes nothing', async () => {
    const { code, lines, err } = await inspect(
      [
        'mmap 0 0x4000 rw- PRIVATE|ANONYMOUS',
        'w $ 0x41',
        'pt $ 1',
        'tlb',
        'walk $+0x10',
        'walk $+0x1000 store',
        'tlb',
      ].join('\n'),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const frame = /→ frame (0x[0-9a-f]+)$/.exec(lines[2]!)?.[1];
    expect(frame).toBeDefined();
    const walk1 = lines.indexOf(lines.find((l) => l.startsWith('TLB of hart 0'))!);
    expect(lines[walk1]).toMatch(
      new RegExp(`^TLB of hart 0: a hit in set \\d+ \\(rw-u-ad\\) → frame ${frame}$`),
    );
    expect(lines[walk1 + 1]).toMatch(/^page walk \(sv39, root frame 0x[0-9a-f]+, user-mode load\):$/);
    const levels = lines.slice(walk1 + 2, walk1 + 5);
    expect(levels.map((l) => /level (\d)/.exec(l)?.[1])).toEqual(['2', '1', '0']);
    expect(levels[2]).toMatch(new RegExp(`a leaf \\(4 KiB page\\) → frame ${frame}$`));
    expect(lines[walk1 + 5]).toBe(
      `  → a leaf at level 0 maps a 4 KiB page: PA 0x${(Number(frame) * 4096 + 0x10).toString(16)}`,
    );
    // The untouched next page: a TLB miss, then a walk that ends at an invalid level-0 entry.
    const walk2 = lines.findIndex((l, k) => k > walk1 && l.startsWith('TLB of hart 0'));
    expect(lines[walk2]).toMatch(/^TLB of hart 0: a miss \(a 4 KiB entry would go to set \d+\)$/);
    expect(lines[walk2 + 4]).toMatch(/level 0: .* not valid$/);
    expect(lines[walk2 + 5]).toMatch(/^ {2}→ store fault \(cause 15\): V = 0/);
    // Nothing changed: the counters are as before the two walks.
    const counters = lines.filter((l) => l.startsWith('hart 0:'));
    expect(counters).toHaveLength(2);
    expect(counters[1]).toBe(counters[0]);
  });

  it('names the way when the set is full: four pages in a 1×4 TLB sit in four distinct ways', async () => {
    const { lines } = await inspect(
      [
        'mmap 0 0x4000 rw- PRIVATE|ANONYMOUS',
        'w $ 1',
        'w $+0x1000 1',
        'w $+0x2000 1',
        'w $+0x3000 1',
        'walk $',
        'walk $+0x1000',
        'walk $+0x2000',
        'walk $+0x3000',
      ].join('\n'),
      '--tlb',
      '1x4:fifo',
    );
    const ways = lines
      .filter((l) => l.startsWith('TLB of hart 0'))
      .map((l) => Number(/a hit in set 0, way (\d)/.exec(l)?.[1] ?? Number.NaN));
    expect(ways.sort()).toEqual([0, 1, 2, 3]);
  });

  it('with --tlb off every answer is a miss', async () => {
    const { lines } = await inspect(
      ['mmap 0 0x1000 rw- PRIVATE|ANONYMOUS', 'w $ 1', 'walk $'].join('\n'),
      '--tlb',
      'off',
    );
    expect(lines[2]).toBe('TLB of hart 0: a miss');
    expect(lines.at(-1)).toMatch(/PA 0x/);
  });

  it('on x86-64 it shows the CPU’s own walk: PML4E to PTE, and a #PF with its error code', async () => {
    const { code, lines } = await inspect(
      ['mmap 0 0x2000 rw- PRIVATE|ANONYMOUS', 'w $ 1', 'pt $ 1', 'walk $+8', 'walk $+0x1000 store'].join(
        '\n',
      ),
      '--arch',
      'x86-64',
    );
    expect(code).toBe(0);
    const frame = /→ frame (0x[0-9a-f]+)$/.exec(lines[2]!)![1]!;
    const k = lines.findIndex((l) => l.startsWith('page walk (x86-64'));
    expect(lines.slice(k + 1, k + 5).map((l) => /^ {2}(\w+):/.exec(l)?.[1])).toEqual([
      'PML4E',
      'PDPTE',
      'PDE',
      'PTE',
    ]);
    expect(lines[k + 4]).toMatch(new RegExp(`a leaf \\(4 KiB page\\) → frame ${frame}$`));
    expect(lines[k + 5]).toBe(
      `  → a leaf at level 0 maps a 4 KiB page: PA 0x${(Number(frame) * 4096 + 8).toString(16)}`,
    );
    expect(lines.find((l) => /#PF/.test(l))).toMatch(
      /store #PF \(vector 14, error code W\|U\): P = 0 at level 0/,
    );
  });

  it('refuses a bad access kind', async () => {
    const { code, err } = await inspect('walk 0x1000 poke');
    expect(code).toBe(1);
    expect(err).toMatch(/access must be load, store or fetch/);
  });
});

describe('pagewright inspect driven through stdin', () => {
  it('runs system calls and accesses against two processes and shows copy-on-write', async () => {
    const { code, lines, err } = await inspect(
      [
        'mmap 0 0x4000 rw- PRIVATE|ANONYMOUS',
        'w $ 0x41',
        'fork',
        'switch 2',
        'w $ 0x42',
        'r $',
        'switch 1',
        'r $',
        'pt $ 1',
        'check',
      ].join('\n'),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    const addr = /^= (0x[0-9a-f]+)$/.exec(lines[0]!)?.[1];
    expect(addr).toBeDefined();
    expect(lines[1]).toBe('ok');
    expect(lines[2]).toMatch(/^child pid 2$/);
    expect(lines).toContain(`${addr}: 42`); // the child's byte after its COW break
    expect(lines).toContain(`${addr}: 41`); // the parent still sees its own
    expect(lines.find((l) => l.startsWith(`${addr} →`))).toMatch(/→ vr--u-ad → frame 0x[0-9a-f]+$/); // W dropped by fork
    expect(lines).toContain('invariants hold');
  });

  it('reports errnos and signals as answers, not errors', async () => {
    const { code, lines } = await inspect(
      ['munmap 0x1001 0x1000', 'r 0x10', 'mmap 0 0x1000 r-- PRIVATE|ANONYMOUS', 'w $ 1'].join('\n'),
    );
    expect(code).toBe(0);
    expect(lines[0]).toBe('= -1 EINVAL');
    expect(lines[1]).toBe('SIGSEGV (SEGV_MAPERR) at 0x10');
    expect(lines[3]).toMatch(/^SIGSEGV \(SEGV_ACCERR\) at 0x[0-9a-f]+$/);
  });

  it('exit returns every frame; a bad line is reported on stderr with its line number, exit code 1', async () => {
    const { code, lines, err } = await inspect(
      [
        'frames',
        'mmap 0 0x8000 rw- PRIVATE|ANONYMOUS',
        'w $ 9 0x8000',
        'mmap 0',
        'exit',
        'frames',
        'frobnicate',
      ].join('\n'),
    );
    expect(code).toBe(1);
    const inUse = (l: string) => Number(/^(\d+) in use/.exec(l)?.[1]);
    const atStart = lines[0]!;
    const atEnd = lines.find((l, i) => i > 0 && / in use, /.test(l))!;
    // Process 1 itself (image, stack, page tables) goes too: fewer frames than at the start.
    expect(inUse(atEnd)).toBeLessThan(inUse(atStart));
    expect(inUse(atEnd)).toBe(1); // only the shared zero page
    expect(err.split('\n')).toEqual([
      'pagewright inspect: line 4: missing LEN',
      "pagewright inspect: line 7: unknown command 'frobnicate' (type help)",
      '',
    ]);
    expect(lines.some((l) => l.startsWith('error:'))).toBe(false);
  });

  it('suggests the command meant by a typo', async () => {
    const { code, err } = await inspect('mmpa 0 0x1000 rw- PRIVATE|ANONYMOUS\nmaps\n');
    expect(code).toBe(1);
    expect(err).toBe("pagewright inspect: line 1: unknown command 'mmpa' (Did you mean maps or mmap?)\n");
  });

  it('reports errors as `error: …` lines in the conversation when driven directly', () => {
    const out: string[] = [];
    const ins = new Inspector({}, (l) => out.push(l));
    ins.exec('frobnicate');
    ins.exec('constructor');
    expect(out).toEqual([
      "error: unknown command 'frobnicate' (type help)",
      "error: unknown command 'constructor' (type help)",
    ]);
    expect(ins.errors).toBe(2);
  });

  it('uses the plug-in options and stops at quit', async () => {
    const { lines } = await inspect(
      'frames\ntlb\nquit\nframes\n',
      '--allocator',
      'bitmap',
      '--tlb',
      '8x2:fifo',
    );
    expect(lines[0]).toMatch(/\(bitmap allocator/);
    expect(lines[1]).toMatch(/^hart 0: 16 entries;/);
    expect(lines.filter((l) => / in use, /.test(l))).toHaveLength(1);
  });

  it('--echo prints each command before its output', async () => {
    const { lines } = await inspect('brk\n', '--echo');
    expect(lines[0]).toBe('pid 1> brk');
    expect(lines[1]).toMatch(/^= 0x[0-9a-f]+$/);
  });
});

describe('tab completion', () => {
  const ins = new Inspector({}, () => {});
  it('completes command names', () => {
    expect(ins.complete('mp')).toEqual([['mprotect'], 'mp']);
    expect(ins.complete('m')[0]).toEqual(expect.arrayContaining(['mmap', 'munmap', 'mremap', 'maps']));
  });
  it('completes flag names after the last |', () => {
    expect(ins.complete('mmap 0 0x1000 rw- PRIVATE|ANON')).toEqual([['PRIVATE|ANONYMOUS'], 'PRIVATE|ANON']);
    expect(ins.complete('madvise $ 0x1000 DONT')[0]).toEqual(
      expect.arrayContaining(['DONTNEED', 'DONTFORK']),
    );
  });
  it('completes pids after switch', () => {
    expect(ins.complete('switch ')).toEqual([['1'], '']);
  });
});

describe('inspect: the system-call commands come from process-vm’s table', () => {
  it('has one command per call of SYSCALLS that takes no buffer, with its usage and summary', () => {
    const ins = new Inspector({}, () => {});
    const expected = SYSCALL_LIST.filter((d) => d.args.every((a) => a.kind !== 'buffer')).map((d) => d.name);
    expect(ins.commandNames).toEqual(expect.arrayContaining(expected));
    const out: string[] = [];
    new Inspector({}, (l) => out.push(l)).exec('help mremap');
    expect(out[0]).toMatch(
      /^ {2}mremap OLD_ADDRESS OLD_SIZE NEW_SIZE FLAGS \[NEW_ADDRESS\] +resize or move a mapping; sets \$$/,
    );
  });

  it('maps a file through open and mmap with a descriptor, and the store reaches the file', async () => {
    const { code, lines, err } = await inspect(
      [
        'open /f RDWR|CREAT 600',
        'ftruncate 0 0x1000',
        'mmap 0 0x1000 rw- SHARED 0 0',
        'w $ 0x41',
        'maps',
      ].join('\n'),
    );
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(lines[0]).toBe('= 0x0'); // the lowest free descriptor: a spawned process has no stdio
    expect(lines[1]).toBe('= 0x0');
    expect(lines[2]).toMatch(/^= 0x[0-9a-f]+$/);
    expect(lines[3]).toBe('ok');
    expect(lines.some((l) => / rw-s 00000000 .* \/f$/.test(l))).toBe(true);
  });
});
