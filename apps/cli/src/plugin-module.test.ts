import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { REPO_ROOT } from './conformance-helpers.js';
import { memoryIo } from './memory-io.js';

const EXAMPLES = join(REPO_ROOT, 'examples/plugins');

async function pagewright(...args: string[]) {
  const io = memoryIo('');
  const code = await run(args, io);
  return { code, out: io.out(), err: io.err() };
}

describe('plug-ins loaded by module path', () => {
  it('runs the demo with the example allocator, TLB policy and VMA index', async () => {
    const r = await pagewright(
      '--allocator',
      join(EXAMPLES, 'next-fit-allocator.mjs'),
      '--tlb',
      '8x2',
      '--tlb-policy',
      join(EXAMPLES, 'clock-policy.mjs'),
      '--vma',
      join(EXAMPLES, 'sorted-array-vma-index.mjs'),
      'demo',
      '--json',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const boot = JSON.parse(r.out.split('\n')[0] ?? '{}') as { options?: Record<string, unknown> };
    expect(boot.options).toMatchObject({ allocator: 'next-fit', vmaIndex: 'sorted-array' });
  });

  it('runs the demo on the example two-level paging architecture', async () => {
    const r = await pagewright('--arch', join(EXAMPLES, 'two-level-paging-arch.mjs'), 'demo', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const boot = JSON.parse(r.out.split('\n')[0] ?? '{}') as { options?: Record<string, unknown> };
    expect(boot.options).toMatchObject({ arch: 'two-level' });
  });

  const dir = mkdtempSync(join(tmpdir(), 'pagewright-plugins-'));
  writeFileSync(join(dir, 'no-default.mjs'), 'export const x = 1;\n');
  writeFileSync(join(dir, 'a-class.mjs'), 'export default class Alloc {}\n');
  writeFileSync(join(dir, 'not-a-function.mjs'), 'export default 42;\n');
  writeFileSync(join(dir, 'throws.mjs'), "export default () => { throw new Error('no frames for you'); };\n");
  writeFileSync(join(dir, 'broken-syntax.mjs'), 'export default (;\n');
  const cases: [string, RegExp][] = [
    [join(dir, 'missing.mjs'), /--allocator .*missing\.mjs: no such file/],
    [join(dir, 'no-default.mjs'), /has no default export/],
    [join(dir, 'a-class.mjs'), /is a class; export a factory/],
    [join(dir, 'not-a-function.mjs'), /is not a factory function/],
    [join(dir, 'throws.mjs'), /the factory threw: no frames for you/],
    [join(dir, 'broken-syntax.mjs'), /cannot load the module/],
  ];
  for (const [file, message] of cases) {
    it(`answers ${file.split('/').pop()} with one line and exit code 2`, async () => {
      const r = await pagewright('--allocator', file, 'demo', '--json');
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^pagewright: [^\n]+\n$/);
      expect(r.err).toMatch(message);
    });
  }

  it('refuses a value that is neither a built-in nor a path', async () => {
    const r = await pagewright('--vma', 'splay', 'demo');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Allowed choices are tree, btree, treap, list/);
  });
});

describe('option combinations the machine refuses', () => {
  it('--arch x86-64 --ad svade is bad input: one line and exit code 2', async () => {
    const r = await pagewright('--arch', 'x86-64', '--ad', 'svade', 'demo');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(
      'pagewright: x86-64 always sets A and D in hardware: the A/D policy must be "hardware"\n',
    );
  });
});
