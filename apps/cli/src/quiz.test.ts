import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { memoryIo } from './memory-io.js';
import { generateQuestions, QUIZ_KINDS } from './quiz-questions.js';

async function quiz(stdin: string, ...argv: string[]) {
  const io = memoryIo(stdin);
  const code = await run(['quiz', ...argv], io);
  return { code, out: io.out(), err: io.err() };
}

describe('quiz questions', () => {
  it('are deterministic for a seed and differ between seeds', () => {
    const a = generateQuestions(7, 8);
    const b = generateQuestions(7, 8);
    expect(a.map((q) => [q.prompt, q.answer])).toEqual(b.map((q) => [q.prompt, q.answer]));
    const c = generateQuestions(8, 8);
    expect(c.map((q) => q.prompt.join('\n'))).not.toEqual(a.map((q) => q.prompt.join('\n')));
    expect(a.map((q) => q.kind)).toEqual([...QUIZ_KINDS, ...QUIZ_KINDS]);
  });

  for (const kind of QUIZ_KINDS) {
    it(`${kind}: the answer is accepted, a different one refused`, () => {
      const qs = generateQuestions(3, 12, kind);
      expect(qs.every((q) => q.kind === kind)).toBe(true);
      for (const q of qs) {
        expect(q.check(q.answer), `${q.prompt.at(-1)} → ${q.answer}`).toBe(true);
        expect(q.check('0x1'), q.answer).toBe(q.answer === '0x1');
        expect(q.check('banana')).toBe(false);
      }
      // The answers vary with the machine (they are computed, not fixed).
      expect(new Set(qs.map((q) => q.answer)).size).toBeGreaterThan(1);
    });
  }

  it('translate: the answer is the frame shown for the page plus the offset', () => {
    for (const q of generateQuestions(11, 10, 'translate')) {
      const va = Number(/load from (0x[0-9a-f]+)/.exec(q.prompt.at(-1)!)![1]);
      const row = q.prompt.find((l) =>
        l.trim().startsWith(`0x${(Math.floor(va / 4096) * 4096).toString(16)} `),
      )!;
      const frame = Number(/frame (0x[0-9a-f]+)/.exec(row)![1]);
      expect(Number(q.answer)).toBe(frame * 4096 + (va % 4096));
    }
  });

  it('maps: the answer is the line count of the maps shown in the explanation', () => {
    for (const q of generateQuestions(5, 10, 'maps')) {
      const shown = q.why.slice(1).length;
      expect(Number(q.answer)).toBe(shown);
    }
  });

  it('fault: every outcome occurs across seeds (no, handled, MAPERR, ACCERR)', () => {
    const answers = new Set(generateQuestions(1, 60, 'fault').map((q) => q.answer));
    expect(answers).toContain('no');
    expect(answers).toContain('handled');
    expect(answers).toContain('SIGSEGV SEGV_MAPERR');
    expect(answers).toContain('SIGSEGV SEGV_ACCERR');
  });

  it('tlb: the evicted page was in the TLB’s set before and the LRU/FIFO answer follows the sequence', () => {
    for (const q of generateQuestions(9, 12, 'tlb')) {
      if (q.answer === 'none') continue;
      expect(q.why[0]).toContain(q.answer);
      const seq = q.prompt[1]!.trim().split(' ');
      expect(seq).toContain(q.answer);
      if (/FIFO/.test(q.prompt[0]!)) continue;
      // LRU: among the set's residents, the evicted page is the one whose last use comes first.
      const residents = q.why[0]!.replace(/^before: set \d+ held /, '')
        .replace(' (full)', '')
        .split(', ');
      const lastUse = (p: string) => seq.lastIndexOf(p);
      const lru = residents.reduce((a, b) => (lastUse(a) <= lastUse(b) ? a : b));
      expect(q.answer).toBe(lru);
    }
  });
});

describe('pagewright quiz', () => {
  it('-c shows every answer and why', async () => {
    const { code, out } = await quiz('', '--seed', '4', '--count', '4', '-c');
    expect(code).toBe(0);
    const qs = generateQuestions(4, 4);
    for (const q of qs) expect(out).toContain(`answer: ${q.answer}`);
    expect(out).toMatch(/^pagewright quiz — seed 4, 4 questions\n/);
  });

  it('hides answers without -c, checks typed answers from stdin and scores them', async () => {
    const qs = generateQuestions(6, 4, 'translate');
    const typed = [qs[0]!.answer, '0x1', qs[2]!.answer].join('\n');
    const { code, out } = await quiz(typed, '--seed', '6', '--kind', 'translate', '--count', '4');
    expect(code).toBe(0);
    expect(out).not.toContain('answer: ');
    expect(out).toContain(`> ${qs[0]!.answer}: right`);
    expect(out).toContain(`> 0x1: wrong — the answer is ${qs[1]!.answer}`);
    expect(out).toMatch(/score: 2\/3 \(1 unanswered\)\n$/);
  });

  it('without answers on stdin it prints the questions and says how to see the answers', async () => {
    const { out } = await quiz('', '--seed', '2', '--kind', 'tlb', '--count', '2');
    expect(out).not.toContain('answer: ');
    expect(out).toMatch(/answers hidden/);
  });

  it('builds its machines with the plug-in options: --arch sv48 and x86-64 change the addresses, answers still hold', async () => {
    const sv39 = generateQuestions(5, 4, 'translate');
    for (const arch of ['sv48', 'x86-64'] as const) {
      const other = generateQuestions(5, 4, 'translate', { arch });
      expect(other.map((q) => q.prompt.join())).not.toEqual(sv39.map((q) => q.prompt.join()));
      for (const q of other) expect(q.check(q.answer)).toBe(true);
      const { out } = await quiz(
        '',
        '--arch',
        arch,
        '--seed',
        '5',
        '--kind',
        'translate',
        '--count',
        '4',
        '-c',
      );
      for (const q of other) expect(out).toContain(`answer: ${q.answer}`);
    }
  });

  it('refuses an unknown kind and a bad count (exit 2)', async () => {
    expect((await quiz('', '--kind', 'pagerank')).code).toBe(2);
    expect((await quiz('', '--count', '0')).code).toBe(2);
  });
});
