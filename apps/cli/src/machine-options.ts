/**
 * From the command line's plug-in options to the library's `MachineOptions`.
 *
 * @module
 */
import type { EventSink } from '@pagewright/core';
import type { MachineOptions } from '@pagewright/process-vm';
import type { PlugInOptions } from './options.js';

/**
 * The `MachineOptions` for the given plug-in choices on top of `base` (choices given on the command line win;
 * the rest keep `base`'s value or the library's default).
 */
export function machineOptions(
  plugIns: PlugInOptions,
  base: MachineOptions = {},
  events?: EventSink | undefined,
): MachineOptions {
  const o: MachineOptions = { ...base };
  // Names were checked against the registries and module paths loaded into factories by the option parser.
  if (plugIns.allocator !== undefined) o.allocator = plugIns.allocator as MachineOptions['allocator'];
  if (plugIns.arch !== undefined) o.arch = plugIns.arch as MachineOptions['arch'];
  if (plugIns.tlb !== undefined) o.tlb = plugIns.tlb;
  if (plugIns.tlbPolicy !== undefined) o.tlbPolicy = plugIns.tlbPolicy as MachineOptions['tlbPolicy'];
  if (plugIns.vma !== undefined) o.vmaIndex = plugIns.vma as MachineOptions['vmaIndex'];
  if (plugIns.placement !== undefined) o.placement = plugIns.placement as MachineOptions['placement'];
  if (plugIns.flush !== undefined) o.flush = plugIns.flush as MachineOptions['flush'];
  if (plugIns.ad !== undefined) o.ad = plugIns.ad;
  if (plugIns.seed !== undefined) o.seed = plugIns.seed;
  if (plugIns.harts !== undefined) o.harts = plugIns.harts;
  if (plugIns.memory !== undefined) o.memoryBytes = plugIns.memory;
  if (plugIns.aslr !== undefined) o.aslr = plugIns.aslr;
  if (plugIns.checkTlb !== undefined) o.checkTlb = plugIns.checkTlb;
  if (events !== undefined) o.events = events;
  return o;
}
