import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '@pagewright/core';
import { expect, it } from 'vitest';
import { parseElf, planExec, RISCV64_SV39_LOAD_PROFILE } from '../src/index.js';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'fixtures', name)));

it('the README example runs as written', () => {
  const elf = parseElf(fixture('riscv64-pie-interp'));
  expect(elf.interpreter).toBe('/lib/ld-linux-riscv64-lp64d.so.1');
  const plan = planExec(elf, {
    profile: RISCV64_SV39_LOAD_PROFILE,
    interpreter: fixture('riscv64-static-pie'),
    randomize: true,
    rng: createRng(1),
    placeImage: () => 0x3f_0000_0000,
  });
  expect(plan.steps.length).toBeGreaterThan(0);
  expect(plan.startPc).toBe(
    plan.interpreterBase + Number(parseElf(fixture('riscv64-static-pie')).header.entry),
  );
  expect(plan.loadBias).toBeGreaterThanOrEqual(0x2a_aaaa_a000);
});
