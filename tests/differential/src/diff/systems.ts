/**
 * The two systems a differential test compares, built from a {@link pairFor} pair, and the statistics of what the
 * programs reached.
 *
 * @module
 */

import { checkInvariants } from '@pagewright/process-vm';
import { implTarget, type pairFor } from '../impl/impl-target.js';
import { modelTarget } from '../scenario/model-target.js';
import type { VmTarget } from '../scenario/target.js';
import type { RunStats, System } from './compare.js';

/** Free frames below which the implementation's machine counts as out of memory (a fault needs a data frame and up
 * to one page-table frame per level). */
export const OOM_FREE_FRAMES = 16;

/** What every differential program of this test file reached (reported by the suites' last test). */
export const STATS: RunStats & { programs: number } = {
  maxVmas: 0,
  oomKills: 0,
  oomStops: 0,
  harts: 0,
  programs: 0,
};

/** The model and the implementation of `p` as {@link System}s. */
export function systemsOf(p: ReturnType<typeof pairFor>): [System, System] {
  const procs = new Map<VmTarget, ReturnType<typeof p.machine.spawn>>();
  const wrap = (proc: ReturnType<typeof p.machine.spawn>): VmTarget => {
    const t = implTarget(proc, wrap);
    procs.set(t, proc);
    return t;
  };
  const root = wrap(p.process);
  return [
    { root: modelTarget(p.model, p.modelPid), check: () => {} },
    {
      root,
      check: () => checkInvariants(p.machine),
      outOfMemory: () => p.machine.allocator.freeFrames < OOM_FREE_FRAMES,
      killed: (t) => procs.get(t)?.exitCode != null,
    },
  ];
}
