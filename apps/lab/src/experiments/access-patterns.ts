/**
 * Synthetic access patterns for the TLB experiment: several processes, each with its own address space (ASID),
 * take turns on one hart for a fixed quantum of accesses.
 *
 * @module
 */

import type { Rng } from '@pagewright/core';
import { type AccessTrace, TraceRecorder } from '../trace.js';

/** The synthetic patterns. */
export const PATTERN_NAMES = ['sequential', 'strided', 'random', 'working-set'] as const;
/** One of {@link PATTERN_NAMES}. */
export type PatternName = (typeof PATTERN_NAMES)[number];

/** Shape of a generated trace. */
export interface PatternOptions {
  /** Accesses in total. */
  accesses: number;
  /** Processes taking turns (ASIDs 1..processes). */
  processes: number;
  /** Accesses per turn before a context switch. */
  quantum: number;
}

/** A per-process page generator. */
type Generator = (i: number) => number;

/** Each process's pages start at a different base, as separate heaps would. */
const BASE = 0x10000;

function generatorFor(pattern: PatternName, rng: Rng, proc: number): Generator {
  const base = BASE + proc * 0x100000;
  switch (pattern) {
    case 'sequential':
      // A scan over 1024 pages, 8 accesses per page (word-by-word), again and again.
      return (i) => base + (Math.floor(i / 8) % 1024);
    case 'strided':
      // 17-page stride over a 128-page array (a column walk of a row-major matrix).
      return (i) => base + ((i * 17) % 128);
    case 'random':
      // Uniform over 4096 pages (16 MiB): a hash table much larger than any TLB.
      return () => base + rng.nextInt(4096);
    case 'working-set': {
      // 95 % of accesses in a 40-page working set, 5 % anywhere in 8192 pages; the set moves every 20 000 accesses.
      const ws = new Float64Array(40);
      let phase = -1;
      return (i) => {
        const p = Math.floor(i / 20_000);
        if (p !== phase) {
          phase = p;
          for (let k = 0; k < ws.length; k++) ws[k] = base + rng.nextInt(8192);
        }
        return rng.nextFloat() < 0.95 ? (ws[rng.nextInt(ws.length)] as number) : base + rng.nextInt(8192);
      };
    }
  }
}

/** Generates a pattern's trace (deterministic for the rng's seed). */
export function generatePattern(pattern: PatternName, options: PatternOptions, rng: Rng): AccessTrace {
  const gens: Generator[] = [];
  const counters: number[] = [];
  for (let p = 0; p < options.processes; p++) {
    gens.push(generatorFor(pattern, rng, p));
    counters.push(0);
  }
  const rec = new TraceRecorder();
  for (let i = 0; i < options.accesses; i++) {
    const p = Math.floor(i / options.quantum) % options.processes;
    const k = counters[p] as number;
    counters[p] = k + 1;
    rec.record(p + 1, (gens[p] as Generator)(k));
  }
  return rec.finish(pattern);
}
