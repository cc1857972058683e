/**
 * Summary tables for the terminal.
 *
 * @module
 */

import Table from 'cli-table3';
import type { Row } from './csv.js';

/** Formats a number for a table: integers with thousands separators, others with 3 significant digits. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(3)).toString();
}

/** Renders rows as a boxed table with the given columns (default: the keys of the first row). */
export function renderTable(rows: readonly Row[], columns?: readonly string[]): string {
  const cols = columns ?? (rows[0] ? Object.keys(rows[0]) : []);
  const table = new Table({ head: [...cols], style: { head: [], border: [], compact: true } });
  for (const row of rows) {
    table.push(
      cols.map((c) => {
        const v = row[c];
        return typeof v === 'number' ? formatNumber(v) : v === null || v === undefined ? '—' : String(v);
      }),
    );
  }
  return table.toString();
}
