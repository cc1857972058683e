import { assertContract, ContractViolationError } from '@pagewright/core/testing';
import { describe, expect, it } from 'vitest';
import { type MappingIndex, type MappingRange, MappingTree } from '../mapping-tree.js';
import { checkMappingIndex, MAPPING_INDEX_RULES } from './mapping-index-kit.js';

/** Delegates to a MappingTree; each broken variant overrides one method. */
class Wrapper implements MappingIndex<string> {
  readonly inner = new MappingTree<string>();
  get size(): number {
    return this.inner.size;
  }
  insert(h: string, a: number, b: number): void {
    this.inner.insert(h, a, b);
  }
  remove(h: string): boolean {
    return this.inner.remove(h);
  }
  update(h: string, a: number, b: number): boolean {
    return this.inner.update(h, a, b);
  }
  get(h: string): MappingRange<string> | undefined {
    return this.inner.get(h);
  }
  overlapping(a: number, b: number): MappingRange<string>[] {
    return this.inner.overlapping(a, b);
  }
  all(): readonly MappingRange<string>[] {
    return this.inner.all();
  }
}

const BROKEN: Record<string, () => MappingIndex<string>> = {
  'insert-duplicate': () =>
    new (class extends Wrapper {
      override insert(h: string, a: number, b: number): void {
        if (this.inner.get(h) !== undefined) this.inner.remove(h);
        this.inner.insert(h, a, b);
      }
    })(),
  'insert-bad-range': () =>
    new (class extends Wrapper {
      override insert(h: string, a: number, b: number): void {
        if (b === a) return; // silently accepts an empty range
        this.inner.insert(h, a, b);
      }
    })(),
  'overlap-exact': () =>
    new (class extends Wrapper {
      override overlapping(a: number, b: number): MappingRange<string>[] {
        return a < b ? this.inner.overlapping(Math.max(0, a - 1), b + 1) : []; // touching ranges too
      }
    })(),
  'overlap-order': () =>
    new (class extends Wrapper {
      override overlapping(a: number, b: number): MappingRange<string>[] {
        return this.inner.overlapping(a, b).reverse();
      }
    })(),
  'empty-query': () =>
    new (class extends Wrapper {
      override overlapping(a: number, b: number): MappingRange<string>[] {
        return b <= a ? this.inner.overlapping(a, a + 1) : this.inner.overlapping(a, b);
      }
    })(),
  remove: () =>
    new (class extends Wrapper {
      override remove(h: string): boolean {
        this.inner.remove(h);
        return false;
      }
    })(),
  update: () =>
    new (class extends Wrapper {
      override update(h: string): boolean {
        return this.inner.get(h) !== undefined; // moves nothing
      }
    })(),
  get: () =>
    new (class extends Wrapper {
      override get(): MappingRange<string> | undefined {
        return undefined;
      }
    })(),
  all: () =>
    new (class extends Wrapper {
      override all(): readonly MappingRange<string>[] {
        return this.inner.all().slice().reverse();
      }
    })(),
  size: () =>
    new (class extends Wrapper {
      override get size(): number {
        return this.inner.all().length === 0 ? 0 : this.inner.size + 1;
      }
    })(),
};

describe('MappingIndex contract kit', () => {
  it('passes MappingTree', () => {
    const report = checkMappingIndex(() => new MappingTree<string>(), { name: 'MappingTree' });
    expect(report.failed).toEqual([]);
    expect(report.passed).toEqual(MAPPING_INDEX_RULES.map((r) => r.id));
  });

  it('has one broken index per rule', () => {
    expect(Object.keys(BROKEN).sort()).toEqual(MAPPING_INDEX_RULES.map((r) => r.id).sort());
  });

  it.each(Object.keys(BROKEN))('names exactly the rule %s when only it is broken', (rule) => {
    const report = checkMappingIndex(BROKEN[rule]!, { name: rule });
    expect(report.failed.map((f) => f.rule)).toEqual([rule]);
    expect(() => assertContract(report)).toThrow(ContractViolationError);
  });

  it('reports a factory that returns nothing on every rule', () => {
    const report = checkMappingIndex(() => undefined as unknown as MappingIndex<string>);
    expect(report.passed).toEqual([]);
    expect(report.failed).toHaveLength(MAPPING_INDEX_RULES.length);
  });
});
