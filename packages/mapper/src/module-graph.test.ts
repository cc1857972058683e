import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The package's source modules (tests excluded) and the sibling modules each imports (type imports included). */
function moduleGraph(): Map<string, string[]> {
  const dir = dirname(fileURLToPath(import.meta.url));
  const graph = new Map<string, string[]>();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.ts') || name.endsWith('.test.ts')) continue;
    const text = readFileSync(join(dir, name), 'utf8');
    graph.set(
      name,
      [...text.matchAll(/from '\.\/([^']+)\.js'/g)].map((m) => `${m[1]}.ts`),
    );
  }
  return graph;
}

/** Every import cycle of `graph`, each as the list of modules on it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const dfs = (n: string): void => {
    state.set(n, 1);
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 1) found.push([...stack.slice(stack.indexOf(m)), m]);
      else if (!state.has(m)) dfs(m);
    }
    stack.pop();
    state.set(n, 2);
  };
  for (const n of graph.keys()) if (!state.has(n)) dfs(n);
  return found;
}

describe('module graph', () => {
  it('finds a cycle when there is one (the check can fail)', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['a.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(cycles(g)).toEqual([['a.ts', 'b.ts', 'a.ts']]);
  });

  it('has no import cycle between the source modules', () => {
    const g = moduleGraph();
    expect(g.has('page-mapper.ts')).toBe(true);
    expect(g.get('cursor.ts')).not.toContain('page-mapper.ts');
    expect(cycles(g)).toEqual([]);
  });
});

describe('module size', () => {
  const dir = dirname(fileURLToPath(import.meta.url));
  const sources = readdirSync(dir)
    .filter((n) => n.endsWith('.ts') && !n.endsWith('.test.ts'))
    .map((n) => [n, readFileSync(join(dir, n), 'utf8').trimEnd().split('\n')] as const);
  it('keeps every source module at 600 lines of code or fewer (doc comments and blank lines aside)', () => {
    const isDoc = (l: string) => /^\s*(\/\*\*|\*|\/\/|$)/.test(l);
    const long = sources
      .map(([n, lines]) => [n, lines.filter((l) => !isDoc(l)).length] as const)
      .filter(([, code]) => code > 600);
    expect(long).toEqual([]);
  });
  it('keeps every source module, its documentation included, at 650 lines or fewer', () => {
    expect(sources.filter(([, lines]) => lines.length > 650).map(([n]) => n)).toEqual([]);
  });
});
