import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ElfError, planExec, X86_64_LOAD_PROFILE } from '../src/index.js';
import { EXEC_CASES } from './exec-cases.js';

/** What Linux's execve did with each case (fixtures/record-exec.ts, on an x86-64 Linux 6.18 host). */
const recorded = new Map(
  readFileSync(join(import.meta.dirname, '..', 'fixtures', 'exec-cases.linux.txt'), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [name, ...rest] = l.split(' ');
      return [name!, rest.join(' ')] as const;
    }),
);

/** What planExec predicts execve does: an error before the point of no return, a SIGSEGV after it, or a run. */
function predicted(name: string): string {
  const c = EXEC_CASES.find((x) => x.name === name)!;
  const interpreter = c.interpreter ? EXEC_CASES.find((x) => x.name === c.interpreter)!.bytes : undefined;
  try {
    planExec(c.bytes, { profile: X86_64_LOAD_PROFILE, interpreter, placeImage: () => 0x7f00_0000_0000 });
    return 'exit 42';
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    return e.pointOfNoReturn ? 'signal SIGSEGV' : `errno ${e.errno}`;
  }
}

describe('exec cases against Linux 6.18', () => {
  it('every case was recorded', () => {
    expect([...recorded.keys()].sort()).toEqual(EXEC_CASES.map((c) => c.name).sort());
  });
  it.each(EXEC_CASES.map((c) => c.name))('%s', (name) => {
    expect(predicted(name)).toBe(recorded.get(name));
  });
});
