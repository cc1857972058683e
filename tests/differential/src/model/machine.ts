/**
 * The reference model's machine: a set of {@link ModelProcess}es that share identity counters and shared
 * anonymous objects. fork copies a process (kernel/fork.c `dup_mmap`), exit drops it.
 *
 * @module
 */

import { ModelFiles } from './files.js';
import { type ModelConfig, ModelProcess } from './process.js';

/** Linux x86-64 layout used by the public conformance scenarios (4-level paging, 47-bit user space). */
export const X86_64_SCENARIO_CONFIG: ModelConfig = {
  taskSize: 0x7ffffffff000,
  mmapMinAddr: 0x10000,
  mmapBase: 0x7f0000000000,
  placement: 'topdown',
  stackGuardGapPages: 256,
  startBrk: 0x555555560000,
  stackLimit: 8 * 1024 * 1024,
  execImpliesRead: true,
};

/** A collection of model processes. */
export class ModelMachine {
  private counter = 0;
  private nextPid = 1;
  /** Live processes by pid. */
  readonly processes = new Map<number, ModelProcess>();
  private readonly ids = { next: () => ++this.counter };
  /** The files every process sees (truncation reaches every process's mappings). */
  readonly files = new ModelFiles((file, fromPage) => {
    for (const p of this.processes.values()) p.truncated(file, fromPage);
  });

  /** @param config - layout and architecture facts for every process */
  constructor(readonly config: ModelConfig) {}

  /** Creates an empty process and returns its pid. */
  spawn(): number {
    const pid = this.nextPid++;
    this.processes.set(pid, new ModelProcess(this.config, this.ids));
    return pid;
  }

  /** The process `pid` (throws if it does not exist). */
  get(pid: number): ModelProcess {
    const p = this.processes.get(pid);
    if (!p) throw new Error(`model: no process ${pid}`);
    return p;
  }

  /** fork(): a new process with a copy of `pid`'s address space; returns the child's pid. */
  fork(pid: number): number {
    const child = this.spawn();
    this.get(pid).forkInto(this.get(child));
    return child;
  }

  /** exit(): the process and its private memory are gone; shared objects live on in other processes. */
  exit(pid: number): void {
    this.get(pid);
    this.processes.delete(pid);
  }
}
