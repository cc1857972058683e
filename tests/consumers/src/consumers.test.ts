/**
 * The published packages as a user gets them: every publishable package packed (`pnpm pack`, so `workspace:*` becomes
 * a version), installed with npm into a project in the OS temp folder, then used from an ES module, a CommonJS
 * script, TypeScript under `node16` and `bundler` resolution, and through the CLI's `npx` entry points.
 */

import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConsumerProject, consumerProject } from './consumer-project.js';
import { run, runOk } from './run.js';
import { publishablePackages, ROOT } from './workspace.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

let project: ConsumerProject;
beforeAll(async () => {
  project = await consumerProject();
}, 300_000);

/** Copies fixtures (`name` or `[fixture, asName]`) into a fresh folder of the consumer project. */
function stage(label: string, files: readonly (string | readonly [string, string])[]): string {
  const dir = project.scratch(label);
  for (const f of files) {
    const [from, to] = typeof f === 'string' ? [f, f] : f;
    copyFileSync(join(FIXTURES, from), join(dir, to));
  }
  return dir;
}

interface WorkloadReport {
  allocator: string;
  options: string[];
  framesInUseBeforeExit: number;
  framesInUseAfterExit: number;
  tlb: { hits: number; misses: number; fills: number; evictions: number }[];
  policyCalls: { fill: number; touch: number; victim: number }[];
  policyNames: string[];
  userAllocatorFree: number[];
  machineAllocatorFree: number;
}

function checkReport(stdout: string): void {
  const report = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as WorkloadReport;
  // Both documented example plug-ins are wired in (more may be).
  expect(report.options).toEqual(expect.arrayContaining(['allocator', 'tlbPolicy']));
  expect(report.allocator).toBe('next-fit');
  // Frames come from the user's allocator: the machine's (checked) view and the user's instance agree.
  expect(report.userAllocatorFree).toEqual([report.machineAllocatorFree]);
  expect(report.framesInUseBeforeExit).toBeGreaterThan(16);
  expect(report.framesInUseAfterExit).toBe(1);
  // The TLB statistics come from TLBs driven by the user's policy: one per hart, each fill told to it.
  expect(report.policyNames).toEqual(report.tlb.map(() => 'clock'));
  expect(report.tlb.reduce((n, s) => n + s.fills, 0)).toBeGreaterThan(0);
  expect(report.tlb.reduce((n, s) => n + s.hits, 0)).toBeGreaterThan(0);
  expect(report.tlb.reduce((n, s) => n + s.evictions, 0)).toBeGreaterThan(0);
  report.tlb.forEach((stats, hart) => {
    expect(report.policyCalls[hart]?.fill, `fills on hart ${hart}`).toBe(stats.fills);
    expect(report.policyCalls[hart]?.victim, `victims on hart ${hart}`).toBe(stats.evictions);
  });
}

describe('a project outside the workspace, from the packed tarballs', () => {
  it('packs every publishable package, with its LICENSE and workspace ranges replaced by versions', () => {
    const names = publishablePackages().map((p) => p.manifest.name);
    expect(project.packages.map((p) => p.name).sort()).toEqual([...names].sort());
    for (const pkg of project.packages) {
      const installed = JSON.parse(
        readFileSync(join(project.dir, 'node_modules', pkg.name, 'package.json'), 'utf8'),
      ) as { version: string; dependencies?: Record<string, string> };
      expect(installed.version).toBe(pkg.version);
      for (const [dep, range] of Object.entries(installed.dependencies ?? {}))
        expect(range, `${pkg.name} → ${dep}`).not.toMatch(/^workspace:/);
      expect(readFileSync(join(project.dir, 'node_modules', pkg.name, 'LICENSE'), 'utf8')).toBe(
        readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
      );
    }
  });

  it('runs the workload from an ES module with the example plug-ins', async () => {
    const dir = stage('esm', ['exercise.cjs', 'consumer-esm.mjs']);
    checkReport((await runOk('node', ['consumer-esm.mjs'], { cwd: dir })).stdout);
  }, 120_000);

  it('runs the workload from a CommonJS script with the example plug-ins', async () => {
    const dir = stage('cjs', ['exercise.cjs', 'consumer-cjs.cjs']);
    checkReport((await runOk('node', ['consumer-cjs.cjs'], { cwd: dir })).stdout);
  }, 120_000);

  for (const resolution of ['node16', 'bundler'] as const) {
    it(`type-checks and runs a TypeScript consumer under moduleResolution ${resolution}`, async () => {
      const files = resolution === 'node16' ? ['consumer.mts', 'consumer.cts'] : ['consumer.ts'];
      const dir = stage(
        `ts-${resolution}`,
        resolution === 'node16' ? [['consumer.ts', 'consumer.mts'], 'consumer.cts'] : ['consumer.ts'],
      );
      // The TypeScript program imports the JavaScript plug-ins beside it (tsc emits them into out/ too).
      cpSync(join(project.dir, 'plugins'), join(dir, 'plugins'), { recursive: true });
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'es2022',
            lib: ['es2023'],
            module: resolution === 'node16' ? 'node16' : 'esnext',
            moduleResolution: resolution,
            strict: true,
            exactOptionalPropertyTypes: true,
            // The published declarations are part of what is checked.
            skipLibCheck: false,
            allowJs: true,
            types: ['node'],
            outDir: 'out',
            rootDir: '.',
          },
          files,
        }),
      );
      const tsc = await run('node', [TSC, '-p', 'tsconfig.json'], { cwd: dir });
      expect(tsc.stdout + tsc.stderr, 'tsc output').toBe('');
      expect(tsc.status).toBe(0);
      const main = resolution === 'node16' ? 'out/consumer.mjs' : 'out/consumer.js';
      checkReport((await runOk('node', [main], { cwd: dir })).stdout);
      if (resolution === 'node16') {
        const cjs = await runOk('node', ['out/consumer.cjs'], { cwd: dir });
        expect(cjs.stdout).toContain('"passed":true');
      }
    }, 180_000);
  }

  it('runs the CLI through npx: `npx pagewright demo` and `npx @pagewright/cli --version`', async () => {
    const cli = project.packages.find((p) => p.name === '@pagewright/cli');
    expect(cli, '@pagewright/cli is publishable').toBeDefined();
    // --no: never fetch from the registry; a missing local install must fail, not run a published version. `--`
    // keeps npm from taking `--version` as its own.
    const version = await runOk('npx', ['--no', '--', '@pagewright/cli', '--version'], { cwd: project.dir });
    expect(version.stdout.trim()).toBe(cli?.version);
    const demo = await runOk('npx', ['--no', '--', 'pagewright', 'demo', '--no-color'], { cwd: project.dir });
    expect(demo.stdout).toMatch(/fork/);
    expect(demo.stdout).toMatch(/munmap/);
  }, 120_000);

  it('runs the CLI demo with the example plug-ins given by module path', async () => {
    const demo = await runOk(
      'npx',
      [
        '--no',
        '--',
        'pagewright',
        'demo',
        '--no-color',
        '--allocator',
        './plugins/next-fit-allocator.mjs',
        '--tlb-policy',
        './plugins/clock-policy.mjs',
      ],
      { cwd: project.dir },
    );
    expect(demo.stdout.split('\n').slice(0, 3).join('\n')).toMatch(/next-fit allocator/);
  }, 120_000);
});
