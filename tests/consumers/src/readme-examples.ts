/**
 * The runnable examples of the documentation, and what their comments promise.
 *
 * Convention: a fenced block opened with ` ```ts `, ` ```js ` (or ` ```typescript `, ` ```javascript `) that imports
 * a `@pagewright/…` package is runnable: it must run as it stands, against the published packages, from the
 * repository root, and exit 0; it may import the example plug-ins as `./NAME.mjs` or `./examples/plugins/NAME.mjs`.
 * A block whose first line is a comment ending in `(abridged)` or `(excerpt)` shows part of a file and is not run. A `console.log(…);` line that ends with a
 * comment states what it prints:
 * - `// → TEXT`: exactly `TEXT`;
 * - `// "TEXT"` or `// 'TEXT'`: exactly `TEXT` (quotes show spaces or a string); a quoted text followed by prose:
 *   the output starts with `TEXT`;
 * - any other comment: the output itself, or the output followed by an explanation after `:`, `(` or `—`
 *   (`// -1: a store walks`, `// 1 0  (freed on the last put)`).
 *
 * @module
 */

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './workspace.js';

/** One runnable block. */
export interface Example {
  /** The document, relative to the root. */
  readonly file: string;
  /** Line of the opening fence (1-based). */
  readonly line: number;
  readonly lang: 'ts' | 'js';
  readonly code: string;
}

/** One stated output. */
export interface Claim {
  /** Line in the document (1-based). */
  readonly line: number;
  readonly comment: string;
}

/** The documents whose examples are checked: every package's and app's README, and docs/PLUGINS.md. */
export function documents(): string[] {
  const found: string[] = [];
  for (const group of ['packages', 'apps']) {
    if (!existsSync(join(ROOT, group))) continue;
    for (const name of readdirSync(join(ROOT, group)).sort())
      if (existsSync(join(ROOT, group, name, 'README.md'))) found.push(`${group}/${name}/README.md`);
  }
  if (existsSync(join(ROOT, 'docs/PLUGINS.md'))) found.push('docs/PLUGINS.md');
  return found;
}

/** The runnable blocks of `file`. */
export function examplesOf(file: string): Example[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|js|typescript|javascript)\s*$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    const code = body.join('\n');
    const abridged = /^\s*\/\/.*\((abridged|excerpt)\)\s*:?/i.test(body[0] ?? '');
    if (!abridged && /from\s+['"]@pagewright\//.test(code))
      out.push({ file, line: start + 1, lang: open[1]?.startsWith('t') ? 'ts' : 'js', code });
  }
  return out;
}

const LOG_WITH_COMMENT = /^(\s*)console\.log\((.*)\);\s*\/\/\s?(.*?)\s*$/;

/**
 * The block with every `console.log(…); // …` line replaced by a call that prints the same thing and records it
 * against the comment, and the claims in order.
 */
export function instrument(example: Example): { code: string; claims: Claim[] } {
  const claims: Claim[] = [];
  const lines = example.code.split('\n').map((text, k) => {
    const m = LOG_WITH_COMMENT.exec(text);
    if (m === null) return text;
    const line = example.line + 1 + k;
    claims.push({ line, comment: m[3] ?? '' });
    return `${m[1]}__pagewrightCheck(${line}, ${m[2]});`;
  });
  const prelude = [
    "import { format as __pagewrightFormat } from 'node:util';",
    "import { writeFileSync as __pagewrightWrite } from 'node:fs';",
    'const __pagewrightSeen = [];',
    'function __pagewrightCheck(line, ...args) {',
    '  const printed = __pagewrightFormat(...args);',
    '  console.log(printed);',
    '  __pagewrightSeen.push({ line, printed });',
    '}',
    "process.on('exit', () => __pagewrightWrite(process.env.PAGEWRIGHT_README_RECORD, JSON.stringify(__pagewrightSeen)));",
  ];
  return { code: `${prelude.join('\n')}\n${lines.join('\n')}\n`, claims };
}

/** Why `printed` does not keep the promise of `comment`, or null when it does. */
export function brokenPromise(comment: string, printed: string): string | null {
  const arrow = /^→\s?(.*)$/.exec(comment);
  if (arrow !== null)
    return printed === arrow[1] ? null : `prints ${JSON.stringify(printed)}, not ${JSON.stringify(arrow[1])}`;
  const quoted = /^(["'])(.*?)\1(.*)$/.exec(comment);
  if (quoted !== null) {
    const [, , text = '', rest = ''] = quoted;
    if (rest.trim() === '')
      return printed === text ? null : `prints ${JSON.stringify(printed)}, not ${JSON.stringify(text)}`;
    return printed.startsWith(text)
      ? null
      : `prints ${JSON.stringify(printed)}, which does not start with ${JSON.stringify(text)}`;
  }
  if (printed === comment) return null;
  if (comment.startsWith(printed) && /^(:|\s+\(|\s+—)/.test(comment.slice(printed.length))) return null;
  return `prints ${JSON.stringify(printed)}; the comment says ${JSON.stringify(comment)}`;
}
