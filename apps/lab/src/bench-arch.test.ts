import { describe, expect, it } from 'vitest';
import { benchProgram } from './bench-cli.js';
import { QUICK_SIZES } from './bench-sizes.js';
import { spawn } from './sim-process-cases.js';

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

describe('pnpm bench --arch', () => {
  it.each(['sv39', 'x86-64', 'x86-64-la57'] as const)('builds the process benchmarks on %s', (arch) => {
    const p = spawn({ ...QUICK_SIZES, arch });
    expect(p.machine.arch.name).toBe(arch);
    // The CPU is the architecture's own model: an x86-64 CPU has INVLPG, a RISC-V hart has not.
    expect(typeof (p.machine.harts[0] as unknown as { invlpgAt?: unknown }).invlpgAt).toBe(
      arch.startsWith('x86') ? 'function' : 'undefined',
    );
  });

  it('measures process benchmarks on an x86-64 machine', async () => {
    const out = await runCli([
      '--json',
      '--quick',
      '--no-native',
      '--no-isolate',
      '--arch',
      'x86-64',
      '--only',
      'sys/mmap-touch-munmap,cow/break',
    ]);
    const objs = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(objs.map((o) => o.name)).toEqual(['sys/mmap-touch-munmap', 'cow/break']);
    for (const o of objs) expect(o.ops_per_s).toBeGreaterThan(0);
  });

  it('rejects an unknown architecture', async () => {
    await expect(runCli(['--arch', 'arm64', '--only', 'mmu/walk'])).rejects.toThrow(/unknown architecture/);
  });
});
