/**
 * Shared bench helpers: a tinybench runner that reports operations per second, and a forced GC for memory probes.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Bench } from 'tinybench';

/** One measured row. */
export interface Row {
  name: string;
  value: number;
  unit: string;
}

/** A benchmark case: `fn` performs `opsPerCall` operations each call. */
export interface Case {
  name: string;
  opsPerCall: number;
  fn: () => void;
}

/** Runs the cases and returns operations per second (the mean of tinybench's throughput times ops per call). */
export async function opsPerSecond(cases: Case[], time = 400): Promise<Row[]> {
  const bench = new Bench({ time, warmupTime: 100 });
  for (const c of cases) bench.add(c.name, c.fn);
  await bench.run();
  return bench.tasks.map((task, i) => {
    const c = cases[i] as Case;
    const r = task.result as { throughput?: { mean: number } } | undefined;
    return { name: c.name, value: (r?.throughput?.mean ?? 0) * c.opsPerCall, unit: 'ops/s' };
  });
}

setFlagsFromString('--expose_gc');
const gcFn = runInNewContext('gc') as () => void;

/** Runs a full garbage collection (twice, to clear weak and finalized objects). */
export function gc(): void {
  gcFn();
  gcFn();
}

/** Host bytes in use now: JS heap plus array buffers (where typed-array contents live). */
export function hostBytes(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Formats rows as an aligned text table. */
export function formatRows(rows: Row[]): string {
  const w = Math.max(...rows.map((r) => r.name.length));
  return rows
    .map((r) => {
      const v =
        r.unit === 'ops/s'
          ? `${(r.value / 1e6).toFixed(2)} M/s`
          : `${r.value.toFixed(r.value < 10 ? 2 : 0)} ${r.unit}`;
      return `${r.name.padEnd(w)}  ${v}`;
    })
    .join('\n');
}
