/**
 * `KernelSpace`: the kernel's page table, whose top-level kernel entries every user table shares.
 *
 * @module
 */

import { PteFlag, type PteFlags } from '@pagewright/core';
import { PageMapper, type PageMapperOptions } from './page-mapper.js';

/** How to build a {@link KernelSpace}. */
export interface KernelSpaceOptions extends Omit<PageMapperOptions, 'kernel' | 'rootPpn'> {
  /**
   * Root indices (in the upper half) whose next-level tables are created up front and pinned, so that later kernel
   * mappings there appear in every user table built from this template. Default: the whole upper half
   * (DragonOS preallocates the kernel half's top-level tables the same way).
   */
  sharedRootIndices?: readonly number[] | undefined;
}

/**
 * The kernel's address space and the template of every user table (DragonOS's kernel mapper; rCore's
 * `KERNEL_SPACE`). Every leaf it maps is Global. The next-level tables of its upper-half root entries are created
 * up front and never reclaimed, so a user root that copies those entries (`new PageMapper({ kernel })`) sees every
 * later kernel mapping without being edited.
 *
 * Kernel changes must be flushed in every tag, global entries included, on every hart (RISC-V `rs2 = x0`, x86-64
 * INVLPG / INVPCID type 2): give it a global flusher
 * (`new TlbShootdown({ harts, global: true })`).
 */
export class KernelSpace extends PageMapper {
  /** The page of rCore's trampoline: the highest page of the address space (`usize::MAX - PAGE_SIZE + 1`). */
  readonly trampolineVpn: number;

  constructor(options: KernelSpaceOptions) {
    const { sharedRootIndices, ...rest } = options;
    super(rest);
    this.forcedFlags = PteFlag.Global;
    const n = options.arch.entriesPerTable;
    const indices = sharedRootIndices ?? Array.from({ length: n / 2 }, (_, i) => n / 2 + i);
    for (const i of indices) {
      if (!Number.isInteger(i) || i < n / 2 || i >= n) {
        this.destroy(); // the root (and tables pinned so far) go back: a refused kernel space leaks nothing
        throw new RangeError(`shared root index ${i} not in the upper half`);
      }
      try {
        this.pinTopLevelTable(i);
      } catch (e) {
        this.destroy();
        throw e; // a MapperFailure (FrameAllocationFailed)
      }
    }
    this.trampolineVpn = this.vpnCount - 1;
  }

  /**
   * Maps rCore's trampoline page (the trap entry/exit code) at the highest page to frame `pfn`, readable and
   * executable by the kernel only; every user table built from this template then has it at the same address.
   * Returns `pfn` or a negative {@link MapperError}.
   */
  mapTrampoline(pfn: number, flags: PteFlags = PteFlag.Read | PteFlag.Exec | PteFlag.Accessed): number {
    return this.mapPhys(this.trampolineVpn, pfn, flags);
  }
}
