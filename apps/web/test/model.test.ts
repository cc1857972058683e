/**
 * The visualizer's model in node: scenario prefixes replay exactly the states the Linux oracle saw, sessions
 * round-trip through the URL, and the people's walk agrees with the mapper.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PAGE_SIZE } from '@pagewright/core';
import { Machine } from '@pagewright/process-vm';
import { describe, expect, it } from 'vitest';
import { DEMO_STEPS, demoContext } from '../src/model/demo.js';
import { DEFAULT_OPTIONS, machineOptions, optionsFromQuery, type WebOptions } from '../src/model/options.js';
import { runScenarioPrefix, scenarioMachineOptions, scenarioOps, typedLine } from '../src/model/scenario.js';
import { type Session, sessionFromQuery, sessionToQuery } from '../src/model/session.js';
import { diffSnapshots, mapsLines, snapshot } from '../src/model/snapshot.js';
import { walkAddress } from '../src/model/walk.js';

const CONFORMANCE = resolve(import.meta.dirname, '../../../packages/process-vm/conformance');
const BASE = 0x2000000000;
const SPAN = 0x40000000;

/** The lines of `/proc/PID/maps` inside the scenario region, written as the oracle's `maps` operation does. */
function regionMaps(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const [range = '', perms = ''] = l.split(' ');
    const [s = '', e = ''] = range.split('-');
    const start = Number.parseInt(s, 16);
    const end = Number.parseInt(e, 16);
    if (end <= BASE || start >= BASE + SPAN) continue;
    out.push(`+0x${(start - BASE).toString(16)}-+0x${(end - BASE).toString(16)} ${perms}`);
  }
  return out;
}

describe('scenario prefixes', () => {
  // The scenarios with a `maps` operation (the oracle's view of the VMAs at that point).
  const files = readdirSync(CONFORMANCE).filter(
    (f) => f.endsWith('.scn') && scenarioOps(readFileSync(join(CONFORMANCE, f), 'utf8')).includes('maps'),
  );
  it('finds the public scenarios', () => expect(files.length).toBeGreaterThan(10));
  for (const file of files) {
    it(`${file}: the state before each maps operation is the one Linux printed`, () => {
      const ops = scenarioOps(readFileSync(join(CONFORMANCE, file), 'utf8'));
      const expected = readFileSync(join(CONFORMANCE, file.replace(/\.scn$/, '.expected.jsonl')), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as { i: number; op: string; who?: string; maps?: string[] });
      const machine = scenarioMachineOptions(machineOptions({ ...DEFAULT_OPTIONS, arch: 'sv48' }));
      let checked = 0;
      for (const rec of expected) {
        if (rec.op !== 'maps') continue;
        const { process } = runScenarioPrefix(ops, rec.i, machine);
        expect(process.parent !== null, `op ${rec.i} runs in the ${rec.who ?? 'parent'}`).toBe(
          rec.who === 'child',
        );
        expect(regionMaps(mapsLines(process))).toEqual(rec.maps);
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }

  it('stops after a fork with both processes alive, and after a join with the child gone', () => {
    const ops = ['mmap +0 0x1000 rw- PRIVATE|ANONYMOUS', 'fork', 'w +0 1', 'join'];
    const machine = scenarioMachineOptions(machineOptions(DEFAULT_OPTIONS));
    const afterFork = runScenarioPrefix(ops, 2, machine).process;
    expect(afterFork.parent).not.toBeNull();
    expect(afterFork.machine.processes.size).toBe(2);
    const afterJoin = runScenarioPrefix(ops, 4, machine).process;
    expect(afterJoin.parent).toBeNull();
    expect(afterJoin.machine.processes.size).toBe(1);
  });

  it('maps typed load/store to the language and refuses unknown calls', () => {
    expect(typedLine('store +0x10 7')).toEqual({ line: 'w +0x10 7' });
    expect(typedLine('  load   b+0x0  ')).toEqual({ line: 'r b+0x0' });
    expect(typedLine('mmap +0 0x1000 rw- PRIVATE|ANONYMOUS # a comment')).toEqual({
      line: 'mmap +0 0x1000 rw- PRIVATE|ANONYMOUS',
    });
    expect('error' in typedLine('execve /bin/sh')).toBe(true);
    expect('error' in typedLine('')).toBe(true);
  });
});

describe('sessions in the URL', () => {
  const bundled = new Map([['p01', ['mmap +0 0x1000 rw- PRIVATE|ANONYMOUS']]]);
  const options: WebOptions = {
    allocator: 'stack',
    arch: 'sv48',
    harts: 3,
    tlb: '8x2:plru',
    vmaIndex: 'list',
    placement: 'bottomup',
    flush: 'full',
    ad: 'svade',
    aslr: true,
    seed: 12345,
  };
  const sessions: Session[] = [
    { options: DEFAULT_OPTIONS, source: { kind: 'demo' }, step: 5, pid: null, walk: 0x403000 },
    {
      options,
      source: { kind: 'scenario', name: 'p01', ops: [...(bundled.get('p01') ?? [])] },
      step: 1,
      pid: 2,
      walk: null,
    },
    {
      options,
      source: {
        kind: 'scenario',
        name: 'mine — ünïcode',
        ops: ['mmap +0 0x2000 rw- SHARED|ANONYMOUS', 'fork', 'w +0 1'],
      },
      step: 3,
      pid: null,
      walk: BASE,
    },
  ];
  for (const s of sessions)
    it(`round-trips ${s.source.kind === 'demo' ? 'the demo' : s.source.name}`, () => {
      expect(sessionFromQuery(sessionToQuery(s, bundled), bundled)).toEqual(s);
    });

  it('names a bundled scenario without its lines, and falls back to defaults for bad values', () => {
    expect(sessionToQuery(sessions[1] as Session, bundled)).not.toContain('ops=');
    const o = optionsFromQuery(new URLSearchParams('arch=riscv128&harts=99&tlb=3x4&seed=-1&flush=page'));
    expect(o).toEqual({ ...DEFAULT_OPTIONS, flush: 'page' });
    expect(sessionFromQuery('step=999', bundled).step).toBe(DEMO_STEPS.length);
  });
});

describe.each(['sv39', 'x86-64', 'x86-64-la57'] as const)('the walk and the snapshot on %s', (arch) => {
  it('agree with the mapper on every page of every VMA after each demo step', () => {
    const machine = new Machine(machineOptions({ ...DEFAULT_OPTIONS, arch, ad: 'svade' }));
    expect(machine.options.arch).toBe(arch);
    expect(machine.options.ad).toBe(arch === 'sv39' ? 'svade' : 'hardware'); // x86-64 always sets A/D itself
    const ctx = demoContext(machine);
    let before = snapshot(machine);
    for (const step of DEMO_STEPS.slice(0, -1)) {
      step.act(ctx);
      const after = snapshot(machine);
      const diff = diffSnapshots(before, after);
      for (const p of machine.processes.values()) {
        for (const v of p.vm.vmas) {
          for (let vpn = v.start; vpn < Math.min(v.end, v.start + 64); vpn++) {
            const w = walkAddress(machine.arch, machine.memory, p.vm.pageTable.root, vpn * PAGE_SIZE + 5);
            const pfn = p.vm.pageTable.lookup(vpn);
            const present = pfn >= 0 && (p.vm.pageTable.lastFlags & 0x7) !== 0;
            expect(w.stop === 'leaf', `pid ${p.pid} page ${vpn.toString(16)}`).toBe(present);
            if (present) expect(w.pa).toBe(pfn * PAGE_SIZE + 5);
            expect(w.levels[0]?.tableFrame).toBe(p.vm.pageTable.root);
          }
        }
      }
      // Every changed maps line is a line of the new state that the old one lacked.
      for (const key of diff.maps) {
        const [pid, ...rest] = key.split(':');
        const line = rest.join(':');
        expect(after.processes.find((q) => q.pid === Number(pid))?.maps).toContain(line);
        expect(before.processes.find((q) => q.pid === Number(pid))?.maps ?? []).not.toContain(line);
      }
      // Page-table frames in the snapshot are exactly the mapper's count.
      for (const pv of after.processes)
        expect(pv.tables).toHaveLength(machine.processes.get(pv.pid)?.vm.pageTable.tableFrames ?? -1);
      before = after;
    }
  });
});
