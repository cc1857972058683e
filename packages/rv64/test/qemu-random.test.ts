import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProgram } from './program.js';

const DIR = join(import.meta.dirname, '../fixtures/random');
const NAMES = readdirSync(DIR).filter((f) => /^(random|fp)-\d\d$/.test(f));

describe('seeded random RV64IMAC and F/D programs against qemu-riscv64 (fixtures/random, recorded by build.sh)', () => {
  it('has the programs', () => expect(NAMES.length).toBeGreaterThanOrEqual(20));
  for (const name of NAMES) {
    it(`${name}: the same registers and memory (dumped through write) and exit status`, () => {
      const r = runProgram(join('../random', name));
      const expected = readFileSync(join(DIR, `${name}.qemu.stdout`));
      expect(Buffer.from(r.stdout, 'latin1').toString('hex')).toBe(expected.toString('hex'));
      expect(r.status).toBe(Number(readFileSync(join(DIR, `${name}.qemu.status`), 'utf8').trim()));
    });
  }
});
