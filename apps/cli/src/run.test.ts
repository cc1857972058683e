/**
 * `pagewright run`: the fixture programs of @pagewright/linux run with their output, status, statistics and trace;
 * the plug-in options reach the machine; bad input is a usage error.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { REPO_ROOT } from './conformance-helpers.js';
import { memoryIo } from './memory-io.js';

const PROGRAMS = join(REPO_ROOT, 'packages/linux/fixtures/programs');
const recorded = (id: string) => readFileSync(join(PROGRAMS, 'recorded', `${id}.native.stdout`), 'latin1');

describe('pagewright run', () => {
  it("prints the program's output and exits with its status", async () => {
    const io = memoryIo();
    const code = await run(['run', join(PROGRAMS, 'hello'), 'world'], io);
    expect(io.out()).toBe(recorded('hello_world'));
    expect(code).toBe(1);
  });

  it('a program killed by a signal exits 128 + the signal', async () => {
    const io = memoryIo();
    expect(await run(['run', join(PROGRAMS, 'hostile'), 'wild-store'], io)).toBe(139);
    expect(io.out()).toBe('storing\n');
  });

  it('--stats counts faults, TLB hits and misses per hart, walks, COW breaks and frames', async () => {
    const io = memoryIo();
    const code = await run(
      ['--tlb', '8x2:fifo', '--harts', '1', 'run', '--stats', join(PROGRAMS, 'fork_cow')],
      io,
    );
    expect(code).toBe(0);
    expect(io.out()).toBe(recorded('fork_cow'));
    const err = io.err();
    const minor = Number(/page faults: +(\d+) minor/.exec(err)?.[1]);
    expect(minor).toBeGreaterThan(10);
    expect(Number(/COW breaks: +(\d+)/.exec(err)?.[1])).toBeGreaterThan(0);
    const hart = /hart 0: TLB (\d+) hits, (\d+) misses; (\d+) walks/.exec(err);
    expect(Number(hart?.[1])).toBeGreaterThan(Number(hart?.[2]));
    expect(Number(hart?.[3])).toBeGreaterThanOrEqual(Number(hart?.[2]));
    expect(err).not.toContain('hart 1:');
    // At the end: the shared zero page and the page cache of the program's file.
    const pages = Math.ceil(readFileSync(join(PROGRAMS, 'fork_cow')).length / 4096);
    const frames = /frames: +(\d+) peak, (\d+) in use at the end/.exec(err);
    expect(Number(frames?.[2])).toBe(1 + pages);
    expect(Number(frames?.[1])).toBeGreaterThan(1 + pages);
  });

  it('--trace writes page-fault, TLB-miss and system-call events as JSON lines', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pw-run-')), 'trace.jsonl');
    expect(await run(['run', '--trace', file, join(PROGRAMS, 'hello')], memoryIo())).toBe(0);
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const kinds = new Set(events.map((e) => e.kind));
    expect(kinds).toEqual(new Set(['page-fault', 'tlb-miss', 'syscall']));
    const last = events.filter((e) => e.kind === 'syscall').at(-1);
    expect(last).toMatchObject({ name: 'exit_group', number: 94, ret: null });
  });

  it('--max-instructions stops an endless loop with status 124', async () => {
    const io = memoryIo();
    const code = await run(['run', '--max-instructions', '200000', join(PROGRAMS, 'hostile'), 'loop'], io);
    expect(code).toBe(124);
    expect(io.err()).toContain('stopped after 200000 instructions');
  });

  it('bad input is a usage error', async () => {
    const io = memoryIo();
    expect(await run(['run', '/no/such/program'], io)).toBe(2);
    expect(io.err()).toContain('no such file');
    expect(await run(['run', '--max-instructions', 'lots', join(PROGRAMS, 'hello')], memoryIo())).toBe(2);
    const text = memoryIo();
    expect(await run(['run', join(PROGRAMS, 'hello.c')], text)).toBe(126);
    expect(text.err()).toContain('errno 8');
  });
});
