/**
 * Every experiment, by name.
 *
 * @module
 */

import type { Experiment } from '../experiment.js';
import { allocatorsExperiment } from './allocators.js';
import { flushExperiment } from './flush.js';
import { pageReplacementExperiment } from './page-replacement.js';
import { placementExperiment } from './placement.js';
import { realAllocExperiment } from './real-alloc.js';
import { realTlbExperiment } from './real-tlb.js';
import { tlbExperiment } from './tlb.js';
import { vmaIndexExperiment } from './vma-index.js';

/** The experiments `pnpm lab <name>` knows, in the order of the README. */
export const EXPERIMENTS: readonly Experiment[] = [
  allocatorsExperiment,
  tlbExperiment,
  vmaIndexExperiment,
  flushExperiment,
  placementExperiment,
  pageReplacementExperiment,
  realTlbExperiment,
  realAllocExperiment,
];
