import type { MmEvent } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import type { DemoStepRecord } from './demo.js';
import { memoryIo } from './memory-io.js';

/** The escape character that starts every ANSI colour sequence. */
const ESC = '\u001b[';

type Line =
  | MmEvent
  | DemoStepRecord
  | { kind: 'demo.boot'; framesInUse: number; options: Record<string, unknown> };

async function demoJson(...argv: string[]) {
  const io = memoryIo();
  const code = await run([...argv, 'demo', '--json'], io);
  const lines = io
    .out()
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Line);
  return { code, err: io.err(), lines };
}

const ofKind = <K extends Line['kind']>(lines: Line[], kind: K) =>
  lines.filter((l) => l.kind === kind) as Extract<Line, { kind: K }>[];

/** The events between the end of step n-1 and the `demo.step` line of step n. */
function eventsOfStep(lines: Line[], title: RegExp): MmEvent[] {
  const end = lines.findIndex((l) => l.kind === 'demo.step' && title.test((l as DemoStepRecord).title));
  expect(end, `a step titled ${title}`).toBeGreaterThan(0);
  let start = end - 1;
  while (start >= 0 && lines[start]!.kind !== 'demo.step' && lines[start]!.kind !== 'demo.boot') start--;
  return lines.slice(start + 1, end) as MmEvent[];
}

describe('pagewright demo --json', () => {
  it('tells the story in real events: faults, a COW break, splits and merges, a SIGSEGV, no leaked frame', async () => {
    const { code, err, lines } = await demoJson();
    expect(code).toBe(0);
    expect(err).toBe('');
    const boot = lines[0] as Extract<Line, { kind: 'demo.boot' }>;
    expect(boot.kind).toBe('demo.boot');
    expect(boot.options).toMatchObject({ arch: 'sv39', allocator: 'buddy', harts: 2, tlb: '16x4:lru' });
    expect(boot.options.memoryBytes).toBe(256 * 1024 * 1024);

    const steps = ofKind(lines, 'demo.step');
    expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));

    // Demand faults: every first touch of the heap is a handled fault.
    const demand = eventsOfStep(lines, /demand faults/).filter((e) => e.kind === 'fault');
    expect(demand.length).toBeGreaterThanOrEqual(3);
    expect(demand.every((f) => f.kind === 'fault' && f.outcome === 'handled')).toBe(true);

    // fork then a COW break in the child: at least one copy, and one reuse of a frame left with one mapper.
    const forkStep = steps.find((s) => /fork/.test(s.title))!;
    expect(forkStep.processes).toHaveLength(2);
    const [parentPid, childPid] = forkStep.processes.map((p) => p.pid);
    const cow = eventsOfStep(lines, /COW break/).filter((e) => e.kind === 'cow.break');
    expect(
      cow.some((c) => c.kind === 'cow.break' && c.pid === childPid && !c.reused && c.newPfn !== c.oldPfn),
    ).toBe(true);
    expect(cow.some((c) => c.kind === 'cow.break' && c.reused && c.newPfn === c.oldPfn)).toBe(true);
    expect(cow.some((c) => c.kind === 'cow.break' && c.pid === parentPid)).toBe(true);

    // mprotect splits a VMA, then merges it back.
    expect(eventsOfStep(lines, /mprotect splits/).some((e) => e.kind === 'vma.split')).toBe(true);
    expect(eventsOfStep(lines, /re-merges/).some((e) => e.kind === 'vma.merge')).toBe(true);
    const afterSplit = steps.find((s) => /mprotect splits/.test(s.title))!.processes[0]!.maps.length;
    const afterMerge = steps.find((s) => /re-merges/.test(s.title))!.processes[0]!.maps.length;
    expect(afterMerge).toBe(afterSplit - 2);

    // The guard gap: a store below the stack ends in SIGSEGV.
    const guard = eventsOfStep(lines, /guard gap/).filter((e) => e.kind === 'fault');
    expect(guard.some((f) => f.kind === 'fault' && f.outcome === 'handled')).toBe(true); // the stack grew
    expect(guard.some((f) => f.kind === 'fault' && f.outcome === 'SEGV_MAPERR')).toBe(true);

    // The system calls answered as the story says.
    const calls = ofKind(lines, 'syscall');
    for (const name of ['brk', 'mmap', 'mprotect', 'mremap', 'munmap'])
      expect(calls.some((c) => c.name === name)).toBe(true);
    const mremap = calls.find((c) => c.name === 'mremap')!;
    expect(mremap.errno).toBeUndefined();
    expect(mremap.ret).not.toBe(mremap.args[0]); // it moved

    // Exit: no process left and every frame back (only the shared zero page, as at boot).
    const last = steps[steps.length - 1]!;
    expect(last.processes).toEqual([]);
    expect(last.framesInUse).toBe(boot.framesInUse);
    expect(Math.max(...steps.map((s) => s.framesInUse))).toBeGreaterThan(boot.framesInUse);
  });

  it('runs with every other plug-in and still returns every frame', async () => {
    const { code, lines } = await demoJson(
      '--allocator',
      'stack',
      '--vma',
      'list',
      '--arch',
      'sv48',
      '--tlb',
      '1x8:fifo',
      '--ad',
      'svade',
      '--placement',
      'bottomup',
      '--flush',
      'full',
      '--check-tlb',
    );
    expect(code).toBe(0);
    const boot = lines[0] as Extract<Line, { kind: 'demo.boot' }>;
    expect(boot.options).toMatchObject({
      allocator: 'stack',
      vmaIndex: 'list',
      arch: 'sv48',
      ad: 'svade',
      flush: 'full',
      checkTlb: true,
    });
    const steps = ofKind(lines, 'demo.step');
    expect(steps[steps.length - 1]!.framesInUse).toBe(boot.framesInUse);
    expect(ofKind(lines, 'cow.break').length).toBeGreaterThan(0);
  });
});

describe('pagewright demo (the story)', () => {
  it('prints every step with maps, page-table excerpts, TLB counters and frames; plain text off a terminal', async () => {
    const io = memoryIo();
    expect(await run([], io)).toBe(0);
    const out = io.out();
    expect(out).not.toContain(ESC);
    for (const heading of [
      'brk',
      'anonymous mmap',
      'MAP_FIXED',
      'fork',
      'COW break',
      'mremap',
      'munmap',
      'guard gap',
    ])
      expect(out).toContain(heading);
    expect(out).toMatch(/\+ [0-9a-f]+-[0-9a-f]+ rw-p .*\[heap\]/);
    expect(out).toMatch(/→ vr--u-a. → frame 0x[0-9a-f]+ {2}\(shared zero page\)/);
    expect(out).toMatch(/\(shared by 2 mappings\)/);
    expect(out).toMatch(/TLB {5}hart 0: /);
    expect(out).toContain('SIGSEGV (SEGV_MAPERR)');
    expect(out.trimEnd().split('\n').pop()).toMatch(/every frame came back/);
  });

  it('colours with FORCE_COLOR, and not with --no-color or NO_COLOR', async () => {
    const forced = memoryIo('', { FORCE_COLOR: '1' });
    await run(['demo'], forced);
    expect(forced.out()).toContain(ESC);
    const off = memoryIo('', { FORCE_COLOR: '1' });
    await run(['--no-color'], off);
    expect(off.out()).not.toContain(ESC);
    const noColor = memoryIo('', { FORCE_COLOR: '1', NO_COLOR: '1' });
    await run([], noColor);
    expect(noColor.out()).not.toContain(ESC);
  });

  it('--step waits for a line of input between steps (prompts on stderr)', async () => {
    const io = memoryIo('\n'.repeat(20));
    expect(await run(['demo', '--step'], io)).toBe(0);
    expect(io.err().match(/press Enter/g)?.length).toBe(12);
    expect(io.out()).toContain('every frame came back');
  });

  it('rejects stray words and unknown options', async () => {
    const a = memoryIo();
    expect(await run(['dmeo'], a)).toBe(2);
    expect(a.err()).toBe("pagewright: unknown command 'dmeo' (Did you mean demo?)\n");
    const b = memoryIo();
    expect(await run(['demo', '--jsn'], b)).toBe(2);
    expect(b.err()).toMatch(/^pagewright: unknown option '--jsn'[^\n]*\n$/);
    const c = memoryIo();
    expect(await run(['demo', 'extra'], c)).toBe(2);
    expect(c.err()).toMatch(/^pagewright: too many arguments[^\n]*\n$/);
  });
});
