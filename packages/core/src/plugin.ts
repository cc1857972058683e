/**
 * The vocabulary of plug-ins: how an option names a part (a built-in name, an instance, or a factory), the context a
 * factory receives, and the error a part raises when it breaks its interface's contract.
 *
 * @module
 */

import type { EventSink } from './event-sink.js';
import type { PagingArch } from './paging-arch.js';
import type { PhysicalMemory } from './physical-memory.js';
import type { Rng } from './rng.js';

/**
 * What every plug-in factory of a machine receives: the parts built before it. Fields are filled in the order the
 * machine builds them (memory, then the frame range, then the architecture); a factory reads only what it needs.
 */
export interface PluginContext {
  /** The machine's physical memory. */
  readonly memory: PhysicalMemory;
  /** First frame of RAM (the frame allocator manages `[firstFrame, firstFrame + frameCount)`). */
  readonly firstFrame: number;
  /** Frames of RAM. */
  readonly frameCount: number;
  /** The machine's paging architecture. */
  readonly arch: PagingArch;
  /** The machine's seeded generator (use it, never `Math.random`, so runs are reproducible). */
  readonly rng: Rng;
  /** Where the machine's events go. */
  readonly sink: EventSink;
}

/** The context of a per-CPU part (a TLB, a replacement policy): the machine's, plus which CPU it is for. */
export interface HartPluginContext extends PluginContext {
  /** The CPU (hart) index the part is built for, `0 … harts - 1`. */
  readonly hartIndex: number;
}

/** A factory of a plug-in part: called once per machine (or per CPU for per-CPU parts) with its context. */
export type PluginFactory<T, C = PluginContext> = (context: C) => T;

/**
 * How a machine option names a part: a built-in `Name`, a ready instance `T` (where one instance makes sense), or a
 * {@link PluginFactory}. A class is not a factory: pass `(ctx) => new MyPart(…)`.
 */
export type PluginSpec<T, Name extends string = string, C = PluginContext> = Name | T | PluginFactory<T, C>;

/**
 * Thrown when a plug-in breaks its interface's contract (a frame outside its range, a slot out of bounds, an index
 * that lost an entry). It names the plug-in and the rule, so the report points at the part, not at the machine.
 */
export class PluginContractError extends Error {
  /**
   * @param plugin - the interface and the part's name, as `"FrameAllocator next-fit"`
   * @param rule - the contract rule that was broken, in words
   */
  constructor(
    readonly plugin: string,
    readonly rule: string,
  ) {
    super(`${plugin} broke its contract: ${rule}`);
    this.name = 'PluginContractError';
  }
}

/** True when `f` is a class constructor (which must be wrapped in a factory before it is used as one). */
export function isClassConstructor(f: unknown): boolean {
  return typeof f === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(f));
}
