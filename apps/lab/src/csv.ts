/**
 * CSV writing for experiment results (RFC 4180: comma-separated, CRLF-free, fields quoted when they need it).
 *
 * @module
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One row of a result table: column name → value. `null` and `undefined` are written as an empty field. */
export type Row = Readonly<Record<string, string | number | boolean | null | undefined>>;

function field(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text =
    typeof value === 'number' && !Number.isInteger(value)
      ? String(Number(value.toPrecision(6)))
      : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Renders rows as CSV text with a header line. The columns are `columns` when given, otherwise the keys of the
 * first row in their order; a row missing a column gets an empty field. Non-integer numbers keep 6 significant digits.
 */
export function toCsv(rows: readonly Row[], columns?: readonly string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  const lines = [cols.map((c) => field(c)).join(',')];
  for (const row of rows) lines.push(cols.map((c) => field(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Writes `rows` as CSV to `path`, creating the directory if needed. */
export function writeCsv(path: string, rows: readonly Row[], columns?: readonly string[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toCsv(rows, columns));
}
