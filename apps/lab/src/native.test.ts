import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildNative, parseNativeOutput } from './native.js';

describe('native benchmarks', () => {
  it('explains a missing compiler instead of failing', () => {
    const binary = join(mkdtempSync(join(tmpdir(), 'lab-native-')), 'native-bench');
    const r = buildNative('no-such-c-compiler-xyz', binary);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/no C compiler/);
  });

  it('parses the program output', () => {
    const r = parseNativeOutput(
      '{"kernel":"Linux 6 x86_64","page_size":4096,"vmas_64k":64000,"results":{"sys/mmap-munmap":{"ops_per_s":123.5,"samples":7}}}',
    );
    expect(r).toEqual({
      kernel: 'Linux 6 x86_64',
      vmas64k: 64000,
      opsPerSecond: { 'sys/mmap-munmap': 123.5 },
    });
    expect(() => parseNativeOutput('{"results":{}}')).toThrow(/unexpected/);
  });
});
