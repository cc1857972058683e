/**
 * `pagewright quiz --seed N [--kind translate|fault|maps|tlb] [-c] [--count N]`: questions generated from seeded
 * random machines (what physical address a VA reaches, whether an access faults and how it ends, what
 * `/proc/PID/maps` shows after a call, which TLB entry a miss evicts). The answers are hidden unless `-c`; on a
 * terminal, or with answers on stdin (one line per question), each typed answer is checked and scored.
 *
 * @module
 */

import type { MachineOptions } from '@pagewright/process-vm';
import { Option } from 'commander';
import { type CliIo, EXIT_USAGE } from './io.js';
import { LineReader } from './line-reader.js';
import { machineOptions } from './machine-options.js';
import { parseInteger } from './options.js';
import type { SubcommandSpec } from './program.js';
import { generateQuestions, QUIZ_KINDS, type QuizKind } from './quiz-questions.js';

/** Options of {@link runQuiz}. */
export interface QuizOptions {
  readonly seed: number;
  readonly count: number;
  readonly kind?: QuizKind | undefined;
  /** Show each answer and why (no typed answers are read). */
  readonly showAnswers: boolean;
  /** The plug-in choices of the questions' machines. */
  readonly machine?: MachineOptions | undefined;
}

/**
 * Prints the questions and, unless `showAnswers`, reads one answer line per question from `io.stdin` (a prompt
 * goes to stderr on a terminal), says whether it is right with the machine's reasons, and prints the score.
 * Without any answer on stdin the questions are printed alone. Resolves to 0.
 */
export async function runQuiz(io: CliIo, options: QuizOptions): Promise<number> {
  const out = (line = '') => io.stdout.write(`${line}\n`);
  const questions = generateQuestions(options.seed, options.count, options.kind, options.machine);
  out(
    `pagewright quiz — seed ${options.seed}, ${questions.length} question${questions.length === 1 ? '' : 's'}` +
      (options.kind ? ` about ${options.kind}` : ''),
  );
  const reader = options.showAnswers ? null : new LineReader(io.stdin);
  let answered = 0;
  let right = 0;
  for (const [k, q] of questions.entries()) {
    out();
    out(`Q${k + 1} (${q.kind}).`);
    for (const l of q.prompt) out(l);
    if (reader === null) {
      out(`answer: ${q.answer}`);
      for (const l of q.why) out(`  ${l}`);
      continue;
    }
    if (io.stdin.isTTY) io.stderr.write('> ');
    const typed = await reader.next();
    if (typed === null) continue;
    answered++;
    if (q.check(typed)) {
      right++;
      out(`> ${typed.trim()}: right`);
    } else {
      out(`> ${typed.trim()}: wrong — the answer is ${q.answer}`);
      for (const l of q.why) out(`  ${l}`);
    }
  }
  reader?.close();
  if (answered > 0) {
    out();
    out(
      `score: ${right}/${answered}${answered < questions.length ? ` (${questions.length - answered} unanswered)` : ''}`,
    );
  } else if (!options.showAnswers) {
    out();
    out('(answers hidden: type them on a terminal or one per line on stdin, or show them with -c)');
  }
  return 0;
}

/** The `quiz` subcommand. */
export const quizCommand: SubcommandSpec = {
  description:
    'questions from seeded random machines (translate, fault, maps, tlb); answers checked and scored',
  declare(cmd) {
    cmd
      .addOption(new Option('--kind <kind>', 'only questions of this kind').choices(QUIZ_KINDS))
      .addOption(
        new Option('--count <n>', 'number of questions')
          .argParser((v: string) => parseInteger(v, 'count', 1, 100))
          .default(4),
      )
      .option('-c, --correct', 'show every answer and why (no answers are read)');
  },
  run(ctx, _args, opts) {
    const seed = ctx.plugIns.seed ?? 1;
    if (!Number.isSafeInteger(seed)) return EXIT_USAGE;
    return runQuiz(ctx.io, {
      seed,
      count: Number(opts.count),
      kind: opts.kind as QuizKind | undefined,
      showAnswers: opts.correct === true,
      // The quiz's own machines: one hart and 16 MiB; the other plug-in choices are the command line's.
      machine: (({ seed: _s, harts: _h, memoryBytes: _m, ...rest }) => rest)(machineOptions(ctx.plugIns)),
    });
  },
};
