import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './conformance-helpers.js';

// These tests run the built executable as a user does (the workspace's `test` builds it first).
const BIN = join(REPO_ROOT, 'apps/cli/dist/bin.js');

function pagewright(args: string[], input = '') {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO_ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('the built pagewright executable', () => {
  it('exists, starts with a shebang and is the package bin', () => {
    expect(existsSync(BIN), 'apps/cli/dist/bin.js is missing: build the CLI first').toBe(true);
    expect(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/cli/package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(pkg.bin.pagewright).toBe('./dist/bin.js');
  });

  for (const args of [['frobnicate'], ['--arch', 'sv57'], ['mmu'], ['mmu', 'missing.vec'], ['--seed', 'x']]) {
    it(`${args.join(' ')} → one line on stderr and exit code 2`, () => {
      const r = pagewright(args);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^pagewright: [^\n]+\n$/);
    });
  }

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'apps/cli/package.json'), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-V']) {
      const r = pagewright([flag]);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${pkg.version}\n`);
    }
  });

  it('help NAME prints that command’s help with the global options; an unknown NAME is an error', () => {
    const ok = pagewright(['help', 'demo']);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^Usage: pagewright demo/);
    expect(ok.out).toMatch(/Global Options:[\s\S]*--allocator <name|file>/);
    const bad = pagewright(['help', 'dmeo']);
    expect(bad.code).toBe(2);
    expect(bad.out).toBe('');
    expect(bad.err).toBe("pagewright: unknown command 'dmeo' (Did you mean demo?)\n");
  });

  it('mmu prints only JSON lines', () => {
    const r = pagewright(['mmu', 'packages/sv39/conformance/leaf.vec']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
  });
});
