/**
 * The runner every contract kit is built on. A kit is a list of {@link ContractRule}s; each rule builds fresh
 * subjects from the user's factory and checks one rule of an interface's contract. Kits depend on no test
 * framework: {@link runContract} returns a report, {@link assertContract} throws one {@link ContractViolationError}
 * naming every broken rule, so they work under vitest, `node:test`, jest or plain node.
 *
 * @module
 */

/** Thrown inside a rule's check when the subject breaks the rule (caught by {@link runContract}). */
export class RuleFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RuleFailure';
  }
}

/** Fails the current rule with `message` unless `condition` holds. */
export function ensure(condition: unknown, message: string): asserts condition {
  if (!condition) throw new RuleFailure(message);
}

/** Fails the current rule unless `actual === expected` (`Object.is`), with both values in the message. */
export function ensureEqual<T>(actual: T, expected: T, what: string): void {
  if (!Object.is(actual, expected))
    throw new RuleFailure(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

/** Runs `f` and returns what it threw, or fails the rule when it threw nothing. */
export function ensureThrows(f: () => unknown, what: string): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new RuleFailure(`${what}: expected a throw, returned normally`);
}

/** One rule of an interface's contract. */
export interface ContractRule<F> {
  /** A short stable id (`"alloc-unique"`), used in reports and to select rules. */
  readonly id: string;
  /** The rule in words, as the interface's TSDoc states it. */
  readonly text: string;
  /** Checks the rule on subjects made by `factory`; throws {@link RuleFailure} (or anything) when it is broken. */
  check(factory: F): void;
}

/** One broken rule in a {@link ContractReport}. */
export interface ContractViolation {
  /** The rule's id. */
  readonly rule: string;
  /** The rule in words. */
  readonly text: string;
  /** What the subject did. */
  readonly message: string;
}

/** The outcome of running a kit. */
export interface ContractReport {
  /** The kit (`"FrameAllocator"`). */
  readonly kit: string;
  /** The subject's name as the user gave it. */
  readonly subject: string;
  /** Ids of the rules that held. */
  readonly passed: readonly string[];
  /** The rules that were broken. */
  readonly failed: readonly ContractViolation[];
}

/** Options of every kit. */
export interface KitOptions {
  /** The subject's name in reports (default `"subject"`). */
  name?: string | undefined;
  /** Run only the rules with these ids (default: every rule). */
  only?: readonly string[] | undefined;
}

/**
 * Runs every rule of a kit on `factory` and reports; never throws for a broken rule.
 *
 * @example
 * ```ts
 * import { assertContract, type ContractRule, ensure, runContract } from '@pagewright/core/testing';
 *
 * interface Counter {
 *   next(): number;
 * }
 * const rules: ContractRule<() => Counter>[] = [
 *   {
 *     id: 'starts-at-one',
 *     text: 'the first next() returns 1',
 *     check: (make) => ensure(make().next() === 1, 'not 1'),
 *   },
 *   {
 *     id: 'increases',
 *     text: 'each next() is greater than the one before',
 *     check: (make) => {
 *       const c = make();
 *       const first = c.next();
 *       ensure(c.next() > first, 'not increasing');
 *     },
 *   },
 * ];
 * const report = runContract('Counter', rules, () => ({ next: () => 1 }), { name: 'stuck' });
 * const broken = report.failed.map((f) => f.rule);
 * console.log(report.passed, broken); // [ 'starts-at-one' ] [ 'increases' ]
 * assertContract(
 *   runContract('Counter', rules, () => {
 *     let n = 0;
 *     return { next: () => ++n };
 *   }),
 * ); // passes: throws ContractViolationError only when a rule is broken
 * ```
 */
export function runContract<F>(
  kit: string,
  rules: readonly ContractRule<F>[],
  factory: F,
  options: KitOptions = {},
): ContractReport {
  const passed: string[] = [];
  const failed: ContractViolation[] = [];
  for (const rule of rules) {
    if (options.only !== undefined && !options.only.includes(rule.id)) continue;
    try {
      rule.check(factory);
      passed.push(rule.id);
    } catch (e) {
      const message =
        e instanceof Error ? `${e.name === 'RuleFailure' ? '' : `${e.name}: `}${e.message}` : String(e);
      failed.push({ rule: rule.id, text: rule.text, message });
    }
  }
  return { kit, subject: options.name ?? 'subject', passed, failed };
}

/** Thrown by {@link assertContract}: every broken rule of one report. */
export class ContractViolationError extends Error {
  constructor(readonly report: ContractReport) {
    super(
      `${report.kit} contract broken by ${report.subject}:\n` +
        report.failed.map((f) => `  - ${f.rule}: ${f.text}\n      ${f.message}`).join('\n'),
    );
    this.name = 'ContractViolationError';
  }
}

/** Throws {@link ContractViolationError} when the report has a broken rule. */
export function assertContract(report: ContractReport): void {
  if (report.failed.length > 0) throw new ContractViolationError(report);
}
