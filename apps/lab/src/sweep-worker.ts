/**
 * The worker thread of `runSweep` (`sweep.ts`): runs the configurations it was given of one experiment and posts
 * each one's rows back with its index.
 *
 * @module
 */

import { parentPort, workerData } from 'node:worker_threads';
import { EXPERIMENTS } from './experiments/index.js';
import type { SweepConfig, SweepContext } from './sweep.js';

const data = workerData as { experiment: string; context: SweepContext; configs: [number, SweepConfig][] };
const sweep = EXPERIMENTS.find((e) => e.name === data.experiment)?.sweep;
if (sweep === undefined || parentPort === null)
  throw new Error(`no sweep "${data.experiment}" in this worker`);
for (const [index, config] of data.configs)
  parentPort.postMessage({ index, rows: sweep.run(config, data.context) });
