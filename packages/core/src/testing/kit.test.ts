import { describe, expect, it } from 'vitest';
import { assertContract, type ContractRule, ContractViolationError, ensure, runContract } from './kit.js';

const rules: ContractRule<() => number>[] = [
  { id: 'positive', text: 'returns a positive number', check: (f) => ensure(f() > 0, `got ${f()}`) },
  { id: 'even', text: 'returns an even number', check: (f) => ensure(f() % 2 === 0, `got ${f()}`) },
];

describe('contract kit runner', () => {
  it('reports each broken rule by id and passes the others', () => {
    const r = runContract('Number', rules, () => 3, { name: 'three' });
    expect(r.passed).toEqual(['positive']);
    expect(r.failed.map((f) => f.rule)).toEqual(['even']);
    expect(() => assertContract(r)).toThrow(ContractViolationError);
    expect(() => assertContract(r)).toThrow(/three[\s\S]*even: returns an even number[\s\S]*got 3/);
  });
  it('passes a conforming subject and honours `only`', () => {
    expect(() => assertContract(runContract('Number', rules, () => 4))).not.toThrow();
    expect(runContract('Number', rules, () => -2, { only: ['even'] }).failed).toEqual([]);
  });
  it('reports a non-RuleFailure exception with its name', () => {
    const r = runContract('Number', rules, () => {
      throw new TypeError('boom');
    });
    expect(r.failed[0]?.message).toBe('TypeError: boom');
  });
});
