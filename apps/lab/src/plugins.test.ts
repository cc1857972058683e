import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPERIMENTS } from './experiments/index.js';
import { labExitCode, labProgram, runExperiment } from './lab-cli.js';
import { LabUsageError, loadLabPlugin } from './plugin-module.js';

const REPO = resolve(import.meta.dirname, '../../..');
const example = (f: string) => join(REPO, 'examples/plugins', f);
const experiment = (name: string) => EXPERIMENTS.find((e) => e.name === name)!;

/** Runs `experiment` tiny with the plug-in at `path` into a fresh folder; returns the CSV text and the summary. */
async function runWith(name: string, path: string) {
  const out = mkdtempSync(join(tmpdir(), `lab-with-${name}-`));
  const plugin = await loadLabPlugin(path);
  const r = await runExperiment(experiment(name), {
    seed: 3,
    size: 'tiny',
    out,
    progress: false,
    plugins: [plugin],
  });
  return { csv: readFileSync(r.csv, 'utf8'), svg: readFileSync(r.svg, 'utf8'), text: r.text };
}

describe('pnpm lab --with a user plug-in', () => {
  it('allocators: the next-fit example runs on the same work as every built-in', async () => {
    const { csv, svg, text } = await runWith('allocators', example('next-fit-allocator.mjs'));
    for (const name of ['stack', 'bitmap', 'buddy', 'next-fit']) {
      expect(csv).toMatch(new RegExp(`^${name},alloc-free pairs/s,0,`, 'm'));
      expect(csv).toMatch(new RegExp(`^${name},contiguous yield after churn,9,`, 'm'));
      expect(svg).toContain(`>${name}<`); // in the legend
    }
    expect(text).toContain('next-fit');
  });

  it('tlb: the CLOCK example is compared with every built-in policy', async () => {
    const { csv } = await runWith('tlb', example('clock-policy.mjs'));
    const [header = '', ...lines] = csv.split('\n').filter(Boolean);
    const column = header.split(',').indexOf('policy');
    // The replays of the TLB alone (the live rows run each architecture's machine with its default LRU TLB).
    const policies = new Set(lines.filter((l) => l.startsWith('any')).map((l) => l.split(',')[column]));
    expect([...policies].sort()).toEqual(['clock', 'fifo', 'lru', 'plru', 'random'].sort());
  });

  it('vma-index: the sorted-array example runs beside tree, btree, treap and list (selectable by name)', async () => {
    const { csv } = await runWith('vma-index', example('sorted-array-vma-index.mjs'));
    const indexes = new Set(
      csv
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((l) => l.split(',')[0]),
    );
    expect([...indexes].sort()).toEqual(['btree', 'list', 'sorted-array', 'tree', 'treap'].sort());
  });

  describe('bad plug-ins are clear errors with exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-bad-'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const cases: [string, string, RegExp][] = [
      ['a missing file', join(dir, 'nope.mjs'), /nope\.mjs: no such file/],
      ['no default export', write('none.mjs', 'export const x = 1;\n'), /has no default export/],
      [
        'a class',
        write('cls.mjs', 'export default class X { constructor() {} }\n'),
        /is a class; export a factory/,
      ],
      ['not a function', write('obj.mjs', 'export default { name: "x" };\n'), /not a factory function/],
      [
        'a factory that throws',
        write('throws.mjs', 'export default () => { throw new Error("boom"); };\n'),
        /the factory threw: boom/,
      ],
      [
        'a factory of garbage',
        write('garbage.mjs', 'export default () => ({ name: "g" });\n'),
        /did not return a FrameAllocator/,
      ],
      ['a module that fails to load', write('syntax.mjs', 'export default (;\n'), /cannot load the module/],
    ];
    for (const [what, path, message] of cases) {
      it(what, async () => {
        const program = labProgram(() => {}).exitOverride();
        const error = await program
          .parseAsync(['allocators', '--tiny', '--out', dir, '--with', path], { from: 'user' })
          .then(
            () => null,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(LabUsageError);
        expect((error as Error).message).toMatch(message);
        expect((error as Error).message).not.toContain('\n');
        expect(labExitCode(error)).toBe(2);
      });
    }

    it('an experiment that takes no plug-in refuses --with', async () => {
      const error = await labProgram(() => {})
        .exitOverride()
        .parseAsync(['flush', '--tiny', '--with', example('clock-policy.mjs')], { from: 'user' })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect((error as Error).message).toMatch(/takes no --with plug-in/);
      expect(labExitCode(error)).toBe(2);
      expect(labExitCode(new Error('x'))).toBe(1);
    });
  });
});
