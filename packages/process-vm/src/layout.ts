/**
 * The layout of an address space: where a program's parts lie (`AddressSpaceLayout`, the layout fields of Linux's
 * `mm_struct`) and the fixed limits it is laid out within (`AddressSpaceLimits`, Linux's sysctls and rlimits).
 *
 * @module
 */

import type { ThpPlacement } from './placement.js';

/** The fixed parameters of an address space's layout, in bytes (Linux's sysctls and rlimits). */
export interface AddressSpaceLimits {
  /** One past the highest user address (Linux `TASK_SIZE`). */
  taskSize: number;
  /** Lowest address a mapping may use (`vm.mmap_min_addr`, default 0x10000). */
  mmapMinAddr: number;
  /** Gap kept below a `VM_GROWSDOWN` VMA, in pages (`stack_guard_gap`, default 256). */
  stackGuardGapPages: number;
  /** `RLIMIT_STACK` in bytes (default 8 MiB). */
  stackLimit: number;
  /** `RLIMIT_MEMLOCK` in bytes (default unlimited: the reference runs had `CAP_IPC_LOCK`). */
  memlockLimit: number;
  /** `vm.max_map_count` (default 65530). */
  maxMapCount: number;
  /**
   * Bytes a single accounted (private writable) mapping may not exceed under `vm.overcommit_memory = 0` (Linux's
   * heuristic compares with RAM + swap; default 16 GiB, a typical reference machine).
   */
  overcommitBytes: number;
  /** Where placement aligns to 2 MiB for transparent huge pages (default: the kernel's, see `placement.ts`). */
  thp?: ThpPlacement | undefined;
}

/** Where a program's parts lie in its address space, in bytes (the layout fields of Linux's `mm_struct`). */
export interface AddressSpaceLayout {
  /** Start of the heap (`mm->start_brk`). */
  startBrk: number;
  /** Current break (`mm->brk`); may be unaligned. */
  brk: number;
  /** Start and end of the program's code (`mm->start_code`, `end_code`). */
  startCode: number;
  endCode: number;
  /** Start and end of the program's data (`mm->start_data`, `end_data`). */
  startData: number;
  endData: number;
  /** Top of the initial stack as set up by exec (`mm->start_stack`): the VMA containing it is `[stack]`. */
  startStack: number;
  /** Argument and environment strings (`mm->arg_start` …). */
  argStart: number;
  argEnd: number;
  envStart: number;
  envEnd: number;
  /** Highest address of the top-down mmap area (`mm->mmap_base`). */
  mmapBase: number;
}

/** An empty layout (every field 0), as a fresh space has before exec fills it in. */
export function newLayout(): AddressSpaceLayout {
  return {
    startBrk: 0,
    brk: 0,
    startCode: 0,
    endCode: 0,
    startData: 0,
    endData: 0,
    startStack: 0,
    argStart: 0,
    argEnd: 0,
    envStart: 0,
    envEnd: 0,
    mmapBase: 0,
  };
}
