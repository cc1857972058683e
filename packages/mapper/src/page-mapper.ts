/**
 * `PageMapper`: page tables that live in simulated physical memory, for any {@link PagingArch} and any
 * {@link FrameAllocator} (DragonOS's `PageMapper`, the x86_64 crate's `Mapper`, Asterinas's cursor).
 *
 * The public face of the mapper: it validates arguments ({@link ArgumentChecks}), tries the one-page fast paths
 * ({@link LeafTableCache}), runs the general path as a step over the {@link RangeWalk}, and ends every operation by
 * committing or rolling back its {@link PageTableTransaction}. The table frames and their counts are the
 * {@link TableStore}'s.
 *
 * @module
 */

import {
  type FrameAllocator,
  PAGE_SIZE,
  type PagingArch,
  type PhysicalMemory,
  PteFlag,
  type PteFlags,
  type TlbFlusher,
} from '@pagewright/core';
import { copyForCow, LeafTableCopies } from './cow-copy.js';
import { MapperCursor } from './cursor.js';
import { RWX } from './entry-facts.js';
import { recordError } from './error-record.js';
import {
  MapperError,
  type MapperErrorInfo,
  MapperFailure,
  type MapperResult,
  mapperErrorName,
} from './errors.js';
import { FlusherRecord } from './flusher-record.js';
import { InactiveFlusher } from './inactive-flusher.js';
import { LeafList } from './leaf-buffer-pool.js';
import { FALLBACK, type LeafTableCache } from './leaf-table-cache.js';
import { MapperParts } from './mapper-parts.js';
import type { MmContext } from './mm-context.js';
import type { StaleTlbDetector } from './stale-tlb-detector.js';
import { findLeaf, freeEmptyTables, pinTopLevelTable, setUpRoot, visitOwnedTables } from './table-tree.js';
import type { CowCopyOptions, FrameRelease, LeafInfo, LeafVisitor } from './types.js';

/**
 * What a user table needs of the kernel's table to share its upper half: its architecture and root frame (a
 * {@link KernelSpace}, or any {@link PageMapper}).
 */
export interface KernelTemplate {
  readonly arch: PagingArch;
  readonly rootPpn: number;
}

/** How to build a {@link PageMapper}. */
export interface PageMapperOptions {
  /** The paging architecture that encodes the entries. */
  arch: PagingArch;
  /** The memory the tables live in. */
  memory: PhysicalMemory;
  /** Where table frames (and the data frames of {@link PageMapper.map}) come from. */
  allocator: FrameAllocator;
  /**
   * Adopt an existing root table in this frame (allocated from `allocator`): its subtree is scanned and owned from
   * now on. Default: a fresh zeroed root is allocated.
   */
  rootPpn?: number | undefined;
  /**
   * A kernel template: its top-level entries for the upper (kernel) half are copied into the new root, so every
   * user table shares the kernel's lower tables (DragonOS). The kernel half can then not be edited through this
   * mapper ({@link MapperError.KernelShared}).
   */
  kernel?: KernelTemplate | undefined;
  /**
   * Every leaf this mapper writes gets the Global flag (the kernel's own table: {@link KernelSpace} sets it). Default
   * false.
   */
  globalLeaves?: boolean | undefined;
  /**
   * The flusher of the single-page operations and of cursors opened without one (default: an
   * {@link InactiveFlusher} over `context`). A function receives the new mapper (its `rootPpn` is known then).
   */
  flusher?: TlbFlusher | ((mapper: PageMapper) => TlbFlusher) | undefined;
  /** The address space's TLB bookkeeping, for flushers and the stale-TLB detector. */
  context?: MmContext | undefined;
  /** Stale-TLB detector run after every {@link PageMapper.flush}; `null`/absent: off. */
  detector?: StaleTlbDetector | null | undefined;
  /** Free page tables when their last entry goes (default true). */
  reclaimTables?: boolean | undefined;
}

/**
 * A page table in simulated physical memory.
 *
 * Invariants:
 * - Every table frame reachable from {@link PageMapper.rootPpn} (except the kernel's shared ones) was taken from
 *   the allocator by this mapper and is counted in {@link PageMapper.tableFrames}; with table reclaiming on, no
 *   table except the root (and pinned kernel tables) is empty after an operation returns.
 * - An operation either succeeds completely or returns a negative {@link MapperError} with the tables, the table
 *   count, the allocator and the flush queue exactly as before (frames taken by the failed call are given back).
 * - Every change that can leave a stale TLB entry (a leaf removed, moved or given fewer rights, a table freed)
 *   queues a flush on the operation's flusher; freed table frames go back to the allocator only after that flush
 *   is dispatched. {@link PageMapper.pendingChanges} counts changes not yet dispatched.
 * - Inaccessible (PROT_NONE) entries exist only at level 0, only when the arch has
 *   {@link PagingArch.encodeProtNone}; they count as occupied entries of their table (it is not reclaimed under
 *   them) and are leaves for every query except {@link PageMapper.translate} and the hardware.
 * - Data frames belong to the caller: `map` hands out a zeroed frame, `unmap` passes it back through a
 *   {@link FrameRelease} (run after the flush) or returns it.
 *
 * Page numbers are `vaBits - 12`-bit VPNs: the virtual address truncated to `vaBits` bits, divided by 4096, so the
 * kernel half of Sv39 is `[2^26, 2^27)` and that of x86-64 (4-level) `[2^35, 2^36)`.
 *
 * Architecture-neutral: everything about the entries goes through {@link PagingArch} — its geometry, `kind` and
 * `ppn` at each level, `flags`, `encodeLeaf` at the leaf's level (x86-64 sets PS on 2 MiB / 1 GiB leaves),
 * `encodeTable`, `withFlags` (keeps what makes a leaf of its level), and the optional inaccessible-entry encoding.
 * Cache attributes are not modelled: `withFlags` keeps whatever the entry has (x86 PAT/PWT/PCD, Svpbmt), while a
 * split huge leaf and a copy-on-write child are encoded from the arch-neutral flags.
 *
 * @example
 * ```ts
 * import { Access, PteFlag } from '@pagewright/core';
 * import { BuddyFrameAllocator, SparsePhysicalMemory } from '@pagewright/frames';
 * import { MmContext, PageMapper } from '@pagewright/mapper';
 * import { Hart, Sv39 } from '@pagewright/sv39';
 *
 * const memory = new SparsePhysicalMemory({ size: 16 * 2 ** 20 });
 * const allocator = new BuddyFrameAllocator({ firstFrame: memory.baseFrame, frameCount: memory.frameCount });
 * const mapper = new PageMapper({ arch: Sv39, memory, allocator, context: new MmContext() });
 * const URW = PteFlag.Read | PteFlag.Write | PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
 * const pfn = mapper.map(0x10, URW); // a zeroed frame at page 0x10
 * console.log(mapper.lookup(0x10) === pfn); // true
 * const hart = new Hart({ id: 0, memory, arch: Sv39, privilege: 0 });
 * hart.writeSatp('sv39', 1, mapper.rootPpn);
 * console.log(hart.translate(0x10 * 4096 + 8, Access.Store) === pfn * 4096 + 8); // true
 * mapper.unmap(0x10, mapper.freeDataFrame);
 * mapper.flush(); // the frame goes back once the TLBs are flushed
 * ```
 */
export class PageMapper {
  /** The paging architecture. */
  readonly arch: PagingArch;
  /** The memory holding the tables. */
  readonly memory: PhysicalMemory;
  /** The frame allocator. */
  readonly allocator: FrameAllocator;
  /** The address space's TLB bookkeeping (may be shared with the flushers). */
  readonly context: MmContext | undefined;
  /** The flusher of single-page operations. */
  flusher: TlbFlusher;
  /** Stale-TLB detector run after each {@link PageMapper.flush} (null: off). */
  detector: StaleTlbDetector | null;
  /** Details of the last failure (overwritten on every failure). */
  readonly error: MapperErrorInfo = { code: 0, vpn: 0, level: 0, message: '' };
  /** Details of the leaf found by the last successful {@link PageMapper.lookup} / {@link PageMapper.translate}. */
  readonly found: LeafInfo = { vpn: 0, pfn: 0, level: 0, flags: 0 };
  /** Number of pages (`2^(vaBits-12)`). */
  readonly vpnCount: number;
  /** First page of the kernel half (`vpnCount / 2`). */
  readonly kernelStartVpn: number;
  /** `512^level` for every level. */
  readonly spans: readonly number[];

  private forced = 0;
  private root: number;
  private readonly levels: number;
  private readonly pteSize: number;
  private readonly reclaim: boolean;
  private readonly maxPfn: number;
  /** True when the kernel half of the root is borrowed from a kernel template. */
  private readonly sharesKernel: boolean;
  /** The mapper's parts: its table store, transaction, walk, steps, caches and checks (see `mapper-parts.ts`). */
  private readonly parts: MapperParts;
  /** The one-page fast paths (also in `parts`; a field of its own for the hot path). */
  private readonly leafCache: LeafTableCache;
  /** The flushers this mapper has queued changes on. */
  private readonly flushers = new FlusherRecord();

  /**
   * Releases a data frame obtained from {@link PageMapper.map} back to the allocator (a {@link FrameRelease}).
   * Pass it to `unmap` when the mapper's allocator owns the page.
   */
  readonly freeDataFrame: FrameRelease = (pfn: number, level = 0): void =>
    this.allocator.free(pfn, this.arch.bitsPerLevel * level);

  /**
   * Builds a mapper with a fresh zeroed root (or adopts `options.rootPpn`).
   * @throws {@link MapperFailure} with code `FrameAllocationFailed` when the allocator has no frame for the root.
   */
  constructor(options: PageMapperOptions) {
    const { arch, memory, allocator } = options;
    this.arch = arch;
    this.memory = memory;
    this.allocator = allocator;
    this.context = options.context;
    this.levels = arch.levels;
    this.pteSize = arch.pteSize;
    this.reclaim = options.reclaimTables ?? true;
    this.maxPfn = 2 ** arch.ppnBits;
    this.vpnCount = 2 ** (arch.vaBits - 12);
    this.kernelStartVpn = this.vpnCount / 2;
    this.detector = options.detector ?? null;
    this.sharesKernel = options.kernel !== undefined;
    const parts = new MapperParts(arch, memory, allocator, this.error, {
      vpnCount: this.vpnCount,
      sharedFrom: this.sharesKernel ? this.kernelStartVpn : Number.POSITIVE_INFINITY,
      reclaim: this.reclaim,
    });
    this.parts = parts;
    this.leafCache = parts.leafCache;
    this.spans = parts.walker.spans;
    if (options.kernel && options.kernel.arch !== arch)
      throw new Error('PageMapper: the kernel template uses another architecture');
    this.root = setUpRoot(parts.tree, allocator, options.rootPpn, options.kernel?.rootPpn);
    this.leafCache.root = this.root;
    const f = options.flusher;
    this.flusher = typeof f === 'function' ? f(this) : (f ?? new InactiveFlusher(this.context));
    if (options.globalLeaves === true) {
      this.forced = PteFlag.Global;
      this.leafCache.forced = PteFlag.Global;
    }
  }

  /** The root table's frame (what goes into `satp.PPN` or CR3); -1 after {@link PageMapper.destroy}. */
  get rootPpn(): number {
    return this.root;
  }

  /** Number of table frames this mapper owns (root included, the kernel's shared tables excluded). */
  get tableFrames(): number {
    return this.parts.store.size;
  }

  /** Number of page-table changes queued on a flusher and not yet dispatched. */
  get pendingChanges(): number {
    return this.flushers.pending;
  }

  /** True after {@link PageMapper.destroy}. */
  get destroyed(): boolean {
    return this.root < 0;
  }

  /**
   * The frame that page `vpn` maps to, or {@link MapperError.NotMapped} (or `InvalidArgument` for a VPN outside the
   * address space). Details of the leaf go to {@link PageMapper.found}. Never allocates or throws.
   *
   * An inaccessible (PROT_NONE) entry is reported too, as a level-0 leaf whose flags lack Read, Write and Exec
   * (only User/Accessed/Dirty): it owns its frame, though every hardware access faults on it (Linux's
   * `pte_present()` is true for it). Use {@link PageMapper.translate} for the MMU's view.
   */
  lookup(vpn: number): MapperResult {
    if (!(vpn >= 0 && vpn < this.vpnCount) || this.root < 0) return MapperError.InvalidArgument;
    return findLeaf(this.parts.tree, this.root, vpn, this.found);
  }

  /**
   * The physical address that virtual address `va` (truncated to `vaBits`, as {@link PageMapper.lookup}'s VPNs)
   * maps to, or a negative {@link MapperError}. The leaf goes to {@link PageMapper.found}. An inaccessible
   * (PROT_NONE) entry translates nothing, as for the MMU: `NotMapped` (its details still go to `found`).
   */
  translate(va: number): MapperResult {
    const vpn = Math.floor(va / PAGE_SIZE);
    const pfn = this.lookup(vpn);
    if (pfn >= 0 && (this.found.flags & RWX) === 0) return MapperError.NotMapped;
    return pfn < 0 ? pfn : pfn * PAGE_SIZE + (va - vpn * PAGE_SIZE);
  }

  /**
   * Visits every leaf that intersects `[start, end)` in address order (a huge leaf is reported whole, with its
   * aligned first page). Inaccessible (PROT_NONE) entries are visited as level-0 leaves whose flags lack
   * Read/Write/Exec. Returns the number of leaves, or `InvalidArgument`.
   */
  visit(start: number, end: number, visitor: LeafVisitor): MapperResult {
    if (!this.parts.checks.range(start, end, 0, false, this.root < 0)) return this.error.code;
    return this.parts.visit(this.root, start, end, visitor);
  }

  /**
   * Maps page `vpn` (a `512^level`-page leaf at `level`) to a fresh zeroed frame (a `2^(9·level)` block for a huge
   * page) and returns its frame number, or a negative {@link MapperError}. No flush is needed (invalid → valid).
   */
  map(vpn: number, flags: PteFlags, level = 0): MapperResult {
    if (level === 0) {
      const r = this.leafCache.map(vpn, Number.NaN, flags);
      if (r !== FALLBACK) return r;
    }
    if (!this.pageOk(vpn, level) || !this.parts.checks.flags(flags, vpn, level, false))
      return this.error.code;
    const r = this.parts.map(
      this.root,
      vpn,
      vpn + (this.spans[level] as number),
      level,
      Number.NaN,
      flags | this.forced,
    );
    return this.finish(r, this.flusher) < 0 ? this.error.code : this.parts.mapStep.lastPfn;
  }

  /**
   * Maps page `vpn` to frame `pfn` with a leaf at `level` (both aligned to `512^level`). Returns `pfn` or a
   * negative {@link MapperError}.
   *
   * Flags without Read/Write/Exec write an *inaccessible* (PROT_NONE) entry at level 0: it keeps `pfn` (and the
   * User/Accessed/Dirty flags) but every hardware access faults on it ({@link PagingArch.encodeProtNone}; Linux
   * RISC-V's V = 0 + `_PAGE_PROT_NONE` PTE). `InvalidArgument` at `level > 0` or when the arch cannot encode it.
   */
  mapPhys(vpn: number, pfn: number, flags: PteFlags, level = 0): MapperResult {
    if (level === 0 && Number.isInteger(pfn) && pfn >= 0 && pfn < this.maxPfn) {
      const r = this.leafCache.map(vpn, pfn, flags);
      if (r !== FALLBACK) return r;
    }
    if (!this.pageOk(vpn, level) || !this.parts.checks.flags(flags, vpn, level, true)) return this.error.code;
    if (!this.parts.checks.frame(pfn, level, vpn)) return this.error.code;
    const r = this.parts.map(
      this.root,
      vpn,
      vpn + (this.spans[level] as number),
      level,
      pfn - vpn,
      flags | this.forced,
    );
    return this.finish(r, this.flusher) < 0 ? this.error.code : pfn;
  }

  /**
   * Unmaps page `vpn` (a leaf or an inaccessible entry) and queues its flush; returns its frame or a negative
   * {@link MapperError}.
   * At `level` 0 a huge leaf covering `vpn` is split first (needs a table frame: may fail with
   * `FrameAllocationFailed`); at `level > 0` there must be a leaf of exactly that level at `vpn`.
   * `release`, when given, receives the frame after the flush is dispatched.
   */
  unmap(vpn: number, release?: FrameRelease, level = 0): MapperResult {
    if (level === 0) {
      const f = this.flusher;
      const r = this.leafCache.unmap(vpn, release, f);
      if (r !== FALLBACK) {
        if (f !== this.flushers.last) this.flushers.note(f);
        return r;
      }
    }
    if (!this.pageOk(vpn, level)) return this.error.code;
    if (level > 0 && (this.lookup(vpn) < 0 || this.found.level !== level)) {
      return recordError(this.error, MapperError.NotMapped, vpn, level, `no ${level}-level leaf here`);
    }
    const r = this.parts.unmap(this.root, vpn, vpn + (this.spans[level] as number), release, null);
    if (r === 0) {
      this.parts.tx.rollback();
      return recordError(this.error, MapperError.NotMapped, vpn, level, 'page is not mapped');
    }
    return this.finish(r, this.flusher) < 0 ? this.error.code : this.parts.unmapStep.lastPfn;
  }

  /**
   * Replaces the rights of the leaf mapping page `vpn` (Read/Write/Exec/User/Global; Accessed and Dirty are kept,
   * as Linux's `pte_modify`) and queues its flush. Splits a covering huge leaf at `level` 0. Returns the frame or a
   * negative {@link MapperError}.
   *
   * Flags without Read/Write/Exec make the leaf an inaccessible (PROT_NONE) entry that keeps its frame (level 0
   * only: a covering huge leaf is split; its flush is queued since rights are lost); flags with rights turn an
   * inaccessible entry back into a leaf (no flush needed). See {@link PageMapper.mapPhys}.
   */
  protect(vpn: number, flags: PteFlags, level = 0): MapperResult {
    if (!this.pageOk(vpn, level) || !this.parts.checks.flags(flags, vpn, level, true)) return this.error.code;
    if (this.lookup(vpn) < 0)
      return recordError(this.error, MapperError.NotMapped, vpn, level, 'page is not mapped');
    if (level > 0 && this.found.level !== level) {
      return recordError(this.error, MapperError.NotMapped, vpn, level, `no ${level}-level leaf here`);
    }
    const r = this.parts.protect(this.root, vpn, vpn + (this.spans[level] as number), flags, this.forced);
    if (this.finish(r, this.flusher) < 0) return this.error.code;
    return this.lookup(vpn);
  }

  /**
   * Opens a cursor over `[startVpn, endVpn)` for bulk operations that walk each table once. The cursor owns
   * `flusher` (default: the mapper's); close it (or `using`) to dispatch.
   */
  cursor(startVpn: number, endVpn: number, flusher: TlbFlusher = this.flusher): MapperCursor<PageMapper> {
    return new MapperCursor(this, startVpn, endVpn, flusher);
  }

  /**
   * Maps every page of `[start, end)` with leaves at `level` to fresh zeroed frames (or, when `firstPfn ≥ 0`, to
   * the frames from `firstPfn` on). All or nothing. Returns the number of 4 KiB pages mapped or a negative
   * {@link MapperError}. Prefer {@link PageMapper.cursor}.
   */
  mapRange(
    start: number,
    end: number,
    flags: PteFlags,
    level = 0,
    firstPfn = -1,
    flusher = this.flusher,
  ): MapperResult {
    if (!this.mutableRange(start, end, level) || !this.parts.checks.flags(flags, start, level, firstPfn >= 0))
      return this.error.code;
    if (firstPfn >= 0 && !this.parts.checks.frame(firstPfn, level, start)) return this.error.code;
    const r = this.parts.map(
      this.root,
      start,
      end,
      level,
      firstPfn >= 0 ? firstPfn - start : Number.NaN,
      flags | this.forced,
    );
    return this.finish(r, flusher) < 0 ? this.error.code : end - start;
  }

  /**
   * Unmaps every mapped page of `[start, end)` (pages not mapped are skipped, as `munmap` does), splitting huge
   * leaves that straddle an edge. All or nothing. Returns the number of 4 KiB pages unmapped or a negative
   * {@link MapperError}.
   */
  unmapRange(start: number, end: number, release?: FrameRelease, flusher = this.flusher): MapperResult {
    if (!this.mutableRange(start, end, 0)) return this.error.code;
    return this.finish(this.parts.unmap(this.root, start, end, release, null), flusher);
  }

  /**
   * Replaces the rights of every mapped page of `[start, end)` (see {@link PageMapper.protect}), splitting huge
   * leaves that straddle an edge (and huge leaves that become inaccessible: flags without R/W/X). All or nothing.
   * Returns the number of 4 KiB pages covered or a negative error.
   */
  protectRange(start: number, end: number, flags: PteFlags, flusher = this.flusher): MapperResult {
    if (!this.mutableRange(start, end, 0) || !this.parts.checks.flags(flags, start, 0, true))
      return this.error.code;
    return this.finish(this.parts.protect(this.root, start, end, flags, this.forced), flusher);
  }

  /**
   * Fork's page-table half: copies every leaf of `src` in `[start, end)` into this mapper at the same pages, with
   * Write removed on both sides (unless `keepWrite`), queueing `src`'s flushes on `src.flusher`. Huge leaves are
   * copied as huge leaves; one straddling an edge is split in `src` first. All or nothing (this mapper must have
   * nothing mapped there). `onShared(vpn, pfn, level)` is called for every copied leaf after success, so the caller
   * can raise reference counts. Inaccessible (PROT_NONE) entries are copied as such on both sides (the child's made
   * old; the frame is shared, so they are reported to `onShared` too). Returns the number of leaves copied or a
   * negative {@link MapperError}.
   */
  copyRangeForCow(
    src: PageMapper,
    start: number,
    end: number,
    onShared?: LeafVisitor,
    options: CowCopyOptions = {},
  ): MapperResult {
    if (src === this)
      return recordError(this.error, MapperError.InvalidArgument, start, 0, 'source is this mapper');
    if (src.arch !== this.arch)
      return recordError(this.error, MapperError.InvalidArgument, start, 0, 'different architectures');
    if (!this.mutableRange(start, end, 0)) return this.error.code;
    if (!src.mutableRange(start, end, 0))
      return recordError(this.error, src.error.code as MapperError, src.error.vpn, 0, src.error.message);
    src.parts.tableCopies ??= new LeafTableCopies();
    return copyForCow(
      src.parts.cowSide(src.root, src.error, src.forced),
      this.parts.cowSide(this.root, this.error, this.forced),
      start,
      end,
      options,
      onShared,
      () => {
        src.commit(src.flusher);
        this.commit(this.flusher);
      },
    );
  }

  /**
   * mremap's page-table half: moves the entries of `[srcVpn, srcVpn + pages)` to `[dstVpn, dstVpn + pages)`
   * (the data stays in its frames), queueing flushes for the old pages. The ranges may overlap. Huge leaves stay
   * huge when the distance keeps them aligned, else they become smaller leaves. The destination must be empty
   * (outside the source). Inaccessible entries move as they are. All or nothing. Returns the number of 4 KiB pages
   * moved or a negative error.
   */
  moveRange(srcVpn: number, dstVpn: number, pages: number, flusher = this.flusher): MapperResult {
    if (!this.mutableRange(srcVpn, srcVpn + pages, 0) || !this.mutableRange(dstVpn, dstVpn + pages, 0)) {
      return this.error.code;
    }
    const r = this.parts.move(this.root, srcVpn, dstVpn, pages, this.forced);
    return this.finish(r, flusher) < 0 ? this.error.code : pages;
  }

  /**
   * Frees the page tables that `[start, end)` (pages whose leaves are already gone) was using and that nothing can
   * use any more: Linux's `free_pgtables` / `free_pgd_range`. A table is freed when its whole span lies inside
   * `[floor, ceiling)` — the caller passes the end of the mapping below the range and the start of the one above
   * it (`ceiling` past the user range: to its end) — and it holds no entry; tables of higher levels emptied that
   * way go too. The root and pinned tables are never freed. A whole-space flush is queued on `flusher` (RISC-V
   * `tlb_flush` with `freed_tables`) and the frames go back to the allocator only once it is dispatched. Never
   * allocates, so it cannot fail on memory. Returns the number of tables freed or a negative {@link MapperError}
   * (`InvalidArgument` when `floor ≤ start < end ≤ ceiling` does not hold).
   */
  freeTables(
    start: number,
    end: number,
    floor: number,
    ceiling: number,
    flusher = this.flusher,
  ): MapperResult {
    if (!this.mutableRange(start, end, 0) || !this.parts.checks.enclosing(start, end, floor, ceiling))
      return this.error.code;
    const top = Math.min(ceiling, this.sharesKernel ? this.kernelStartVpn : this.vpnCount);
    const n = freeEmptyTables(
      this.parts.tree,
      this.parts.tx,
      this.root,
      this.levels - 1,
      0,
      start,
      end,
      floor,
      top,
    );
    return this.finish(n, flusher);
  }

  /**
   * Calls `visitor(pfn, level, startVpn, pages)` for every table below the root that this mapper owns (the kernel's
   * shared tables excluded), parents before children: its frame, its level (0 holds leaves), the first page its
   * span covers and the span's size in pages. Cold (checks and reports).
   */
  visitTables(visitor: (pfn: number, level: number, startVpn: number, pages: number) => void): void {
    if (this.root >= 0) visitOwnedTables(this.parts.tree, this.root, visitor);
  }

  /**
   * Dispatches `flusher` (default: the mapper's), then runs the stale-TLB detector. Every change queued on it has
   * then reached the TLBs.
   */
  flush(flusher: TlbFlusher = this.flusher): void {
    flusher.dispatch();
    if (this.detector?.enabled) this.detector.check(this);
  }

  /**
   * Development-mode check: throws when a page-table change was queued on a flusher but never dispatched.
   * Tests call it after each scenario.
   */
  assertNoPendingChanges(): void {
    this.flushers.assertNonePending();
  }

  /**
   * Tears the address space down: unmaps every leaf and inaccessible entry this mapper owns (calling `release(pfn, level)` for each after
   * the flush), frees every owned table frame after a full flush, and dispatches. The mapper is unusable after.
   */
  destroy(release?: FrameRelease): void {
    if (this.root < 0) return;
    const f = this.flusher;
    // The leaves go to a buffer (pfn, level pairs), released once the full flush below is dispatched: the same
    // order guarantee as one deferred free per leaf, without queueing a closure per leaf.
    const leaves = release ? new LeafList(this.parts.leafBuffers) : null;
    if (leaves)
      this.parts.visit(this.root, 0, this.sharesKernel ? this.kernelStartVpn : this.vpnCount, leaves.add);
    f.flushAll();
    const tables = this.parts.store.clear();
    this.root = -1;
    this.leafCache.root = -1;
    // After the flush (and the frees queued before it): the leaves, then the table frames, as before.
    try {
      this.flush(f);
    } finally {
      try {
        if (leaves && release) leaves.release(release);
      } finally {
        for (const t of tables) this.allocator.free(t, 0);
      }
    }
  }

  /** @internal Formats the error record (used in messages). */
  describeError(): string {
    return `${mapperErrorName(this.error.code)} at vpn 0x${this.error.vpn.toString(16)}: ${this.error.message}`;
  }

  /**
   * Allocates a zeroed table for the root entry `index` and pins it (it is never reclaimed). Used by kernel spaces
   * to pre-create the top-level tables that user roots share.
   *
   * @internal
   */
  pinTopLevelTable(index: number): void {
    pinTopLevelTable(this.parts.tree, this.parts.tx, this.root, index);
  }

  /** True when `[vpn, vpn + 512^level)` is a valid range this mapper may edit. */
  private pageOk(vpn: number, level: number): boolean {
    return this.parts.checks.range(vpn, vpn + (this.spans[level] ?? 1), level, true, this.root < 0);
  }

  private mutableRange(start: number, end: number, level: number): boolean {
    return this.parts.checks.range(start, end, level, true, this.root < 0);
  }

  /** Ends an operation: commits when `r ≥ 0`, else rolls back. Returns `r`. */
  private finish(r: number, flusher: TlbFlusher): MapperResult {
    if (r < 0) this.parts.tx.rollback();
    else this.commit(flusher);
    return r;
  }

  private commit(flusher: TlbFlusher): void {
    if (this.parts.tx.commit(flusher, this.reclaim) && flusher !== this.flushers.last)
      this.flushers.note(flusher);
  }
}
