import { describe, expect, it } from 'vitest';
import { benchProgram } from './bench-cli.js';
import { BENCHMARK_NAMES } from './bench-format.js';

async function runCli(args: string[]): Promise<string> {
  let out = '';
  await benchProgram((t) => {
    out += t;
  })
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
    .parseAsync(['node', 'bench', ...args]);
  return out;
}

describe('pnpm bench --json', () => {
  it('prints one JSON object per benchmark with exactly the five fields', async () => {
    const out = await runCli(['--json', '--quick', '--no-native']);
    const lines = out.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).name)).toEqual([...BENCHMARK_NAMES]);
    for (const line of lines) {
      const obj = JSON.parse(line);
      expect(Object.keys(obj)).toEqual(['name', 'ops_per_s', 'native_ops_per_s', 'ratio', 'limit_fraction']);
      expect(obj.native_ops_per_s).toBeNull();
      expect(obj.ratio).toBeNull();
      for (const k of ['ops_per_s', 'limit_fraction']) {
        expect(obj[k] === null || (typeof obj[k] === 'number' && obj[k] > 0)).toBe(true);
      }
    }
  });

  it('runs the native program and fills native numbers and ratios where it can', async () => {
    const out = await runCli(['--json', '--quick', '--only', 'sys/mmap-munmap,sys/brk-grow-shrink']);
    const objs = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs.map((o) => o.name)).toEqual(['sys/mmap-munmap', 'sys/brk-grow-shrink']);
    for (const o of objs) {
      // A machine without cc prints null; this one has one (the lab's README says so).
      expect(o.native_ops_per_s).toBeGreaterThan(0);
      if (o.ops_per_s !== null) expect(o.ratio).toBeCloseTo(o.ops_per_s / o.native_ops_per_s, 2);
    }
  });

  it('measures the x86-64 MMU benchmarks against the same bare loop as the RISC-V ones', async () => {
    const names = 'mmu/tlb-hit,mmu/walk,mmu/x86-tlb-hit,mmu/x86-walk';
    const out = await runCli(['--json', '--quick', '--no-native', '--no-isolate', '--only', names]);
    const objs = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs.map((o) => o.name)).toEqual(names.split(','));
    for (const o of objs) {
      expect(o.ops_per_s).toBeGreaterThan(0);
      expect(o.native_ops_per_s).toBeNull();
      expect(o.ratio).toBeNull();
      expect(o.limit_fraction).toBeGreaterThan(0);
    }
    // One bare-loop measurement serves all four: limit = ops / fraction is the same number for each.
    const limits = objs.map((o) => o.ops_per_s / o.limit_fraction);
    for (const l of limits) expect(l / (limits[0] as number)).toBeCloseTo(1, 2);
  });

  it('rejects an unknown benchmark name', async () => {
    await expect(runCli(['--only', 'nope'])).rejects.toThrow(/unknown benchmark/);
  });
});
