/**
 * Benchmarks of the process layer (not run by `test`): `npx tsx bench/run.ts`. Prints the median of 7 samples of each
 * case (after a 200 ms warm-up) in operations per second.
 */
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE } from '@pagewright/core';
import { Machine } from '../src/machine.js';

const BASE = 0x2000000000;
const P = 4096;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Median rate of 7 samples after a warm-up; a sample repeats `run` until it has taken at least 100 ms. */
function bench(name: string, ops: number, run: () => void): void {
  const warmUntil = performance.now() + 200;
  while (performance.now() < warmUntil) run();
  const rates: number[] = [];
  for (let k = 0; k < 7; k++) {
    let done = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < 100) {
      run();
      done += ops;
      t = performance.now();
    }
    rates.push(done / ((t - t0) / 1000));
  }
  console.log(`${name.padEnd(40)} ${Math.round(median(rates)).toLocaleString('en')} ops/s`);
}

const m = new Machine({ memoryBytes: 256 * 1024 * 1024 });
const p = m.spawn();
bench('mmap+munmap 1 page', 2000, () => {
  for (let i = 0; i < 2000; i++) {
    const a = p.mmap(0, P, 3, MAP_PRIVATE | MAP_ANONYMOUS);
    p.munmap(a, P);
  }
});
bench('demand-zero fault (store, 256 pages)', 256, () => {
  p.mmap(BASE, 256 * P, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
  for (let i = 0; i < 256; i++) p.store8(BASE + i * P, 1);
  p.munmap(BASE, 256 * P);
});
p.mmap(BASE, 64 * P, 3, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED);
p.fill(BASE, 64 * P, 1);
bench('load8 (TLB-hot)', 100000, () => {
  for (let i = 0; i < 100000; i++) p.load8(BASE + (i & 0xfff));
});
bench('fork + COW write 64 pages + exit', 64, () => {
  const c = p.fork();
  if (typeof c === 'number') throw new Error('fork failed');
  for (let i = 0; i < 64; i++) c.store8(BASE + i * P, 2);
  c.exit(0);
});
bench('mprotect split + merge', 1000, () => {
  for (let i = 0; i < 1000; i++) {
    p.mprotect(BASE + 4 * P, P, 1);
    p.mprotect(BASE + 4 * P, P, 3);
  }
});
