import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rng } from '@pagewright/core';
import { describe, expect, it } from 'vitest';
import { planExec, X86_64_LOAD_PROFILE } from '../src/index.js';

const dir = join(import.meta.dirname, '..', 'fixtures');
const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));

/** Where Linux put the image and the break in each ASLR run recorded by fixtures/record-linux.sh. */
function runs(name: string): { base: number; startBrk: number }[] {
  return [
    ...readFileSync(join(dir, `${name}.aslr.txt`), 'utf8').matchAll(
      /^base 0x([0-9a-f]+) start_brk 0x([0-9a-f]+)$/gm,
    ),
  ].map((m) => ({ base: Number.parseInt(m[1]!, 16), startBrk: Number.parseInt(m[2]!, 16) }));
}

/**
 * An Rng that hands out given values: `nextU32` the page offset of arch_mmap_rnd(), `nextInt(bound)` the page
 * offset of arch_randomize_brk() (which must be asked for with Linux's range).
 */
function scripted(mmapPages: number | undefined, brkPages: number, brkBound: number): Rng {
  const u32 = mmapPages === undefined ? [] : [mmapPages];
  return {
    nextU32: () => u32.shift() ?? 0,
    nextFloat: () => 0,
    nextInt: (bound: number) => {
      expect(bound).toBe(brkBound);
      return brkPages;
    },
    fork(): Rng {
      return this;
    },
  };
}

describe('ASLR against Linux 6.18 (32 recorded runs each)', () => {
  const brkPagesRange = X86_64_LOAD_PROFILE.brkRandomRange / 4096;

  it('every PIE load address and break is one the plan gives for some random draw, and only such', () => {
    const noAslr = planExec(file('x86_64-pie-interp'), {
      profile: X86_64_LOAD_PROFILE,
      interpreter: file('x86_64-static'),
    });
    const recorded = runs('x86_64-pie-interp');
    expect(recorded).toHaveLength(32);
    for (const r of recorded) {
      const mmapPages = (r.base - noAslr.loadBias) / 4096;
      expect(
        Number.isInteger(mmapPages) && mmapPages >= 0 && mmapPages < 2 ** X86_64_LOAD_PROFILE.mmapRndBits,
      ).toBe(true);
      const imageEnd = noAslr.imageEnd - noAslr.loadBias + r.base;
      const brkPages = (r.startBrk - (Math.ceil(imageEnd / 4096) * 4096 + 4096)) / 4096; // the gap page, then the draw
      expect(Number.isInteger(brkPages) && brkPages >= 0 && brkPages < brkPagesRange).toBe(true);
      const plan = planExec(file('x86_64-pie-interp'), {
        profile: X86_64_LOAD_PROFILE,
        interpreter: file('x86_64-static'),
        randomize: true,
        rng: scripted(mmapPages, brkPages, brkPagesRange),
      });
      expect([plan.loadBias, plan.startBrk]).toEqual([r.base, r.startBrk]);
    }
    // 28 bits of pages really are used: the spread of 32 draws reaches far beyond 2^24 pages.
    const spread = Math.max(...recorded.map((r) => r.base)) - Math.min(...recorded.map((r) => r.base));
    expect(spread).toBeGreaterThan(2 ** 36);
  });

  it('an ET_EXEC stays put and only its break moves, by a page and up to 1 GiB', () => {
    const fixed = planExec(file('x86_64-static'), { profile: X86_64_LOAD_PROFILE });
    // The range is 1 GiB (x86-64 since 6.9), not the older 32 MiB: the recorded breaks go far past 32 MiB.
    expect(Math.max(...runs('x86_64-static').map((r) => r.startBrk - fixed.startBrk))).toBeGreaterThan(
      2 ** 25,
    );
    for (const r of runs('x86_64-static')) {
      expect(r.base).toBe(0x400000);
      const brkPages = (r.startBrk - fixed.startBrk - 4096) / 4096;
      expect(Number.isInteger(brkPages) && brkPages >= 0 && brkPages < brkPagesRange).toBe(true);
      const plan = planExec(file('x86_64-static'), {
        profile: X86_64_LOAD_PROFILE,
        randomize: true,
        rng: scripted(undefined, brkPages, brkPagesRange),
      });
      expect(plan.startBrk).toBe(r.startBrk);
    }
  });
});
