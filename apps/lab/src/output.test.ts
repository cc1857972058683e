import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderSvg, writeSvg } from './chart.js';
import { toCsv, writeCsv } from './csv.js';

describe('CSV writer', () => {
  it('writes a header and rows, quoting what needs it', () => {
    const csv = toCsv([
      { a: 1, b: 'x,y', c: null },
      { a: 2.123456789, b: 'say "hi"', c: true },
    ]);
    expect(csv).toBe('a,b,c\n1,"x,y",\n2.12346,"say ""hi""",true\n');
  });

  it('honours an explicit column order and missing fields', () => {
    expect(toCsv([{ a: 1 }], ['b', 'a'])).toBe('b,a\n,1\n');
    expect(toCsv([])).toBe('\n');
  });

  it('creates the directory and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-csv-'));
    const path = join(dir, 'sub', 'x.csv');
    writeCsv(path, [{ n: 3 }]);
    expect(readFileSync(path, 'utf8')).toBe('n\n3\n');
  });
});

describe('SVG writer', () => {
  it('renders a vega-lite chart with the data in it', async () => {
    const svg = await renderSvg({
      data: {
        values: [
          { x: 'alpha', y: 3 },
          { x: 'beta', y: 5 },
        ],
      },
      mark: 'bar',
      encoding: { x: { field: 'x', type: 'nominal' }, y: { field: 'y', type: 'quantitative' } },
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('alpha');
    expect(svg).toContain('beta');
    expect(svg.match(/<path/g)?.length ?? 0).toBeGreaterThan(1);
  });

  it('writes the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-svg-'));
    const path = join(dir, 'c.svg');
    await writeSvg(path, {
      data: { values: [{ v: 1 }] },
      mark: 'point',
      encoding: { x: { field: 'v', type: 'quantitative' } },
    });
    expect(readFileSync(path, 'utf8')).toMatch(/^<svg[\s\S]*<\/svg>$/);
  });
});
