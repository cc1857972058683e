/**
 * The simulator side of the benchmarks measured against the native kernel: the same system calls and accesses as
 * `native/native-bench.c`, on a `@pagewright/process-vm` process.
 *
 * @module
 */

import { MAP_ANONYMOUS, MAP_PRIVATE, MREMAP_MAYMOVE, PROT_READ, PROT_WRITE } from '@pagewright/core';
import { Machine, type MachineOptions, type Process } from '@pagewright/process-vm';
import type { BenchmarkName } from './bench-format.js';
import type { BenchSizes } from './bench-sizes.js';
import type { MeasureOptions } from './measure.js';
import type { SimFactory } from './sim-cases.js';

const PAGE = 4096;
const RW = PROT_READ | PROT_WRITE;
const ANON = MAP_PRIVATE | MAP_ANONYMOUS;
/** Pages per mremap in `sys/mremap-grow` (as in the C program). */
const MREMAP_PAGES = 16;

/**
 * A machine of the sizes' architecture (`pnpm bench --arch`, default Sv39) with room for 256 MiB touched twice
 * over (fork + COW copies) and for 1 M VMAs.
 */
export function spawn(sizes: BenchSizes, options: MachineOptions = {}): Process {
  const machine = new Machine({
    arch: sizes.arch,
    memoryBytes: 2 ** 30,
    harts: 1,
    limits: { maxMapCount: 2_000_000, overcommitBytes: 2 ** 40 },
    ...options,
  });
  return machine.spawn();
}

function check(ret: number, what: string): number {
  if (ret < 0) throw new Error(`${what} failed: ${ret}`);
  return ret;
}

/** Maps `2n` pages and unmaps every other one: `n` one-page VMAs that cannot merge (as the C program does). */
export function makeVmas(p: Process, n: number): number {
  const base = check(p.mmap(0, 2 * n * PAGE, RW, ANON), 'mmap (VMA set-up)');
  for (let i = 0; i < n; i++) check(p.munmap(base + (2 * i + 1) * PAGE, PAGE), 'munmap (VMA set-up)');
  return base;
}

/**
 * `mmap` one untouched page and `munmap` it, `perCall` times per call, with `vmas` extra VMAs present. Cases with
 * many VMAs use small calls and a short time budget: their set-up dominates and one pair can take milliseconds.
 */
function mmapMunmap(vmas: (s: BenchSizes) => number, perCall: number, touch = false): SimFactory {
  return (sizes) => {
    const p = spawn(sizes);
    const n = vmas(sizes);
    if (n > 0) makeVmas(p, n);
    return {
      opsPerCall: perCall,
      ...(perCall === 1 && !sizes.quick ? { measure: { timeMs: 300, minSamples: 5, warmupMs: 1 } } : {}),
      run() {
        for (let i = 0; i < perCall; i++) {
          const a = p.mmap(0, PAGE, RW, ANON);
          if (a < 0) throw new Error(`mmap failed: ${a}`);
          if (touch && p.store8(a, 1) < 0) throw new Error('store faulted');
          if (p.munmap(a, PAGE) < 0) throw new Error('munmap failed');
        }
      },
    };
  };
}

/** Few samples for the slow, big calls (a 256 MiB pass). */
function bigMeasure(sizes: BenchSizes): MeasureOptions {
  return sizes.quick ? sizes.measure : { timeMs: 1, minSamples: 5, warmupMs: 1 };
}

/** Writes one byte in every page of `[base, base + bytes)`. */
function touchAll(p: Process, base: number, bytes: number): void {
  for (let off = 0; off < bytes; off += PAGE) {
    if (p.store8(base + off, 1) < 0) throw new Error(`store at ${(base + off).toString(16)} faulted`);
  }
}

/** A process with `bytes` of private anonymous memory, every page touched. */
function touchedProcess(sizes: BenchSizes, bytes: number): { p: Process; base: number } {
  const p = spawn(sizes);
  const base = check(p.mmap(0, bytes, RW, ANON), 'mmap');
  touchAll(p, base, bytes);
  return { p, base };
}

/** The process-vm cases by benchmark name. */
export const PROCESS_CASES: Partial<Record<BenchmarkName, SimFactory>> = {
  'sys/mmap-munmap': mmapMunmap(() => 0, 256),
  'sys/mmap-touch-munmap': mmapMunmap(() => 0, 256, true),
  'sys/mmap-munmap@1k': mmapMunmap(() => 1000, 16),
  'sys/mmap-munmap@64k': mmapMunmap((s) => s.vmas64k, 1),
  'sys/mmap-munmap@1M': mmapMunmap((s) => s.vmas1M, 1),

  // One demand-zero fault per page of a fresh 256 MiB mapping (ops = pages).
  'fault/first-touch': (sizes) => {
    const p = spawn(sizes);
    let base = 0;
    return {
      opsPerCall: sizes.bigBytes / PAGE,
      measure: bigMeasure(sizes),
      beforeEach() {
        base = check(p.mmap(0, sizes.bigBytes, RW, ANON), 'mmap');
      },
      run() {
        touchAll(p, base, sizes.bigBytes);
      },
      afterEach() {
        check(p.munmap(base, sizes.bigBytes), 'munmap');
      },
    };
  },

  // fork() of a process with 256 MiB touched (the child exits outside the timed window).
  'fork/256MiB': (sizes) => {
    const { p } = touchedProcess(sizes, sizes.bigBytes);
    let child: Process | null = null;
    return {
      opsPerCall: 1,
      measure: bigMeasure(sizes),
      run() {
        const c = p.fork();
        if (typeof c === 'number') throw new Error(`fork failed: ${c}`);
        child = c;
      },
      afterEach() {
        child?.exit(0);
        child = null;
      },
    };
  },

  // After a fork, the parent writes every page while the child lives: one COW copy per page (ops = pages).
  'cow/break': (sizes) => {
    const { p, base } = touchedProcess(sizes, sizes.bigBytes);
    let child: Process | null = null;
    return {
      opsPerCall: sizes.bigBytes / PAGE,
      measure: bigMeasure(sizes),
      beforeEach() {
        const c = p.fork();
        if (typeof c === 'number') throw new Error(`fork failed: ${c}`);
        child = c;
      },
      run() {
        touchAll(p, base, sizes.bigBytes);
      },
      afterEach() {
        child?.exit(0);
        child = null;
      },
    };
  },

  // Make the middle page of three read-only (3 VMAs) and writable again (merged back into 1).
  'sys/mprotect-split-merge': (sizes) => {
    const p = spawn(sizes);
    const a = check(p.mmap(0, 3 * PAGE, RW, ANON), 'mmap');
    return {
      opsPerCall: 256,
      run() {
        for (let i = 0; i < 256; i++) {
          if (p.mprotect(a + PAGE, PAGE, PROT_READ) < 0) throw new Error('mprotect failed');
          if (p.mprotect(a + PAGE, PAGE, RW) < 0) throw new Error('mprotect failed');
        }
      },
    };
  },

  // mmap 16 pages, touch them, mremap to 32 pages (it must move), munmap.
  'sys/mremap-grow': (sizes) => {
    const p = spawn(sizes);
    // A read-only page at the top of the mmap area, as the C program has its libraries there: every 16-page mmap
    // then lands right below a mapping, so growing it in place is impossible and mremap moves it (as natively).
    check(p.mmap(0, PAGE, PROT_READ, ANON), 'mmap (top page)');
    return {
      opsPerCall: 64,
      run() {
        for (let i = 0; i < 64; i++) {
          const a = check(p.mmap(0, MREMAP_PAGES * PAGE, RW, ANON), 'mmap');
          touchAll(p, a, MREMAP_PAGES * PAGE);
          const b = check(
            p.mremap(a, MREMAP_PAGES * PAGE, 2 * MREMAP_PAGES * PAGE, MREMAP_MAYMOVE),
            'mremap',
          );
          if (b === a) throw new Error('mremap grew in place: the benchmark wants a move');
          check(p.munmap(b, 2 * MREMAP_PAGES * PAGE), 'munmap');
        }
      },
    };
  },

  // Move the break up one page and back.
  'sys/brk-grow-shrink': (sizes) => {
    const p = spawn(sizes);
    const base = p.brk(0);
    return {
      opsPerCall: 256,
      run() {
        for (let i = 0; i < 256; i++) {
          if (p.brk(base + PAGE) !== base + PAGE) throw new Error('brk grow failed');
          if (p.brk(base) !== base) throw new Error('brk shrink failed');
        }
      },
    };
  },
};
