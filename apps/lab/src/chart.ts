/**
 * SVG charts rendered headless with vega-lite → vega (no browser, no hand-built SVG).
 *
 * @module
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec };

/** Renders a vega-lite specification to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders `spec` and writes the SVG to `path`, creating the directory if needed. */
export async function writeSvg(path: string, spec: TopLevelSpec): Promise<void> {
  const svg = await renderSvg(spec);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
}

/** Point shapes, one per series, so a series is told apart without its colour. */
const SHAPES = [
  'circle',
  'square',
  'triangle-up',
  'diamond',
  'cross',
  'triangle-down',
  'triangle-right',
  'wedge',
];
/** Dash patterns, one per series. */
const DASHES = [
  [1, 0],
  [6, 3],
  [2, 2],
  [8, 3, 2, 3],
  [1, 3],
  [10, 4],
  [4, 2, 1, 2],
  [3, 6],
];

/**
 * The encodings that identify the series of `field` in a line chart: colour, point shape and dash pattern, all
 * on one legend titled `title` (vega-lite merges channels of the same field into one legend). `values` fixes the
 * order, so each series keeps its shape and dash in every panel.
 */
export function seriesEncoding(
  field: string,
  title: string,
  values: readonly string[],
): Record<string, unknown> {
  const domain = [...values];
  const legend = { title, titleLimit: 400, labelLimit: 400, symbolStrokeWidth: 2, symbolSize: 90 };
  return {
    color: { field, type: 'nominal', title, scale: { domain }, legend },
    shape: {
      field,
      type: 'nominal',
      title,
      scale: { domain, range: SHAPES.slice(0, domain.length) },
      legend,
    },
    strokeDash: {
      field,
      type: 'nominal',
      title,
      scale: { domain, range: DASHES.slice(0, domain.length) },
      legend,
    },
  };
}

/** An axis of counts: integer ticks only, thousands separated (`1,000`), never a decimal. */
export function countAxis(title: string): Record<string, unknown> {
  return { title, format: ',d', tickMinStep: 1 };
}
