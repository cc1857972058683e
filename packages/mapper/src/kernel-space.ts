/**
 * `KernelSpace`: the kernel's page table, whose top-level kernel entries every user table shares.
 *
 * @module
 */

import { type PagingArch, PteFlag, type PteFlags } from '@pagewright/core';
import { type KernelTemplate, PageMapper, type PageMapperOptions } from './page-mapper.js';

/** How to build a {@link KernelSpace}. */
export interface KernelSpaceOptions extends Omit<PageMapperOptions, 'kernel' | 'rootPpn' | 'globalLeaves'> {
  /**
   * Root indices (in the upper half) whose next-level tables are created up front and pinned, so that later kernel
   * mappings there appear in every user table built from this template. Default: the whole upper half
   * (DragonOS preallocates the kernel half's top-level tables the same way).
   */
  sharedRootIndices?: readonly number[] | undefined;
}

/**
 * The kernel's address space and the template of every user table (DragonOS's kernel mapper; rCore's
 * `KERNEL_SPACE`). It owns a {@link PageMapper} (`mapper`) whose every leaf is Global; the next-level tables of its
 * upper-half root entries are created up front and never reclaimed, so a user root that copies those entries
 * (`new PageMapper({ kernel })`) sees every later kernel mapping without being edited. Kernel mappings are made
 * through `mapper`.
 *
 * Kernel changes must be flushed in every tag, global entries included, on every hart (RISC-V `rs2 = x0`, x86-64
 * INVLPG / INVPCID type 2): give it a global flusher
 * (`new TlbShootdown({ harts, global: true })`).
 */
export class KernelSpace implements KernelTemplate {
  /** The kernel's page table (every leaf Global). */
  readonly mapper: PageMapper;
  /** The page of rCore's trampoline: the highest page of the address space (`usize::MAX - PAGE_SIZE + 1`). */
  readonly trampolineVpn: number;

  constructor(options: KernelSpaceOptions) {
    const { sharedRootIndices, ...rest } = options;
    const mapper = new PageMapper({ ...rest, globalLeaves: true });
    const n = options.arch.entriesPerTable;
    const indices = sharedRootIndices ?? Array.from({ length: n / 2 }, (_, i) => n / 2 + i);
    for (const i of indices) {
      if (!Number.isInteger(i) || i < n / 2 || i >= n) {
        mapper.destroy(); // the root (and tables pinned so far) go back: a refused kernel space leaks nothing
        throw new RangeError(`shared root index ${i} not in the upper half`);
      }
      try {
        mapper.pinTopLevelTable(i);
      } catch (e) {
        mapper.destroy();
        throw e; // a MapperFailure (FrameAllocationFailed)
      }
    }
    this.mapper = mapper;
    this.trampolineVpn = mapper.vpnCount - 1;
  }

  /** The paging architecture of the kernel's table (and of every user table built from it). */
  get arch(): PagingArch {
    return this.mapper.arch;
  }

  /** The kernel root's frame; -1 after {@link KernelSpace.destroy}. */
  get rootPpn(): number {
    return this.mapper.rootPpn;
  }

  /**
   * Maps rCore's trampoline page (the trap entry/exit code) at the highest page to frame `pfn`, readable and
   * executable by the kernel only; every user table built from this template then has it at the same address.
   * Returns `pfn` or a negative {@link MapperError}.
   */
  mapTrampoline(pfn: number, flags: PteFlags = PteFlag.Read | PteFlag.Exec | PteFlag.Accessed): number {
    return this.mapper.mapPhys(this.trampolineVpn, pfn, flags);
  }

  /** Frees the kernel's tables (pinned ones included); user tables built from it must be destroyed first. */
  destroy(): void {
    this.mapper.destroy();
  }
}
