/**
 * `PageMapper`: page tables that live in simulated physical memory, for any {@link PagingArch} and any
 * {@link FrameAllocator} (DragonOS's `PageMapper`, the x86_64 crate's `Mapper`, Asterinas's cursor).
 *
 * @module
 */

import {
  type FrameAllocator,
  NO_FRAME,
  PAGE_SIZE,
  type PagingArch,
  type PhysicalMemory,
  PteFlag,
  type PteFlags,
  PteKind,
  type TlbFlusher,
  type U64Pair,
} from '@pagewright/core';
import { MapperCursor } from './cursor.js';
import {
  MapperError,
  type MapperErrorInfo,
  MapperFailure,
  mapperErrorName,
  PageTableCorruption,
} from './errors.js';
import { InactiveFlusher } from './inactive-flusher.js';
import type { MmContext } from './mm-context.js';
import type { StaleTlbDetector } from './stale-tlb-detector.js';
import type { CowCopyOptions, FrameRelease, LeafInfo, LeafVisitor } from './types.js';

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
  kernel?: PageMapper | undefined;
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

interface TableInfo {
  /** Occupied entries in the table: valid ones, and inaccessible (PROT_NONE) level-0 entries. */
  count: number;
  /** The parent table's frame, -1 for the root. */
  parent: number;
  /** The index of this table's entry in the parent. */
  index: number;
  /** The level of this table (root = levels - 1). */
  level: number;
  /** Never reclaimed (the root, the kernel's shared top-level children). */
  pinned: boolean;
}

const AD = PteFlag.Accessed | PteFlag.Dirty;
const RWX = PteFlag.Read | PteFlag.Write | PteFlag.Exec;
/** The flags an inaccessible (PROT_NONE) entry keeps ({@link PagingArch.encodeProtNone}). */
const PROT_NONE_FLAGS = PteFlag.User | PteFlag.Accessed | PteFlag.Dirty;
/** Internal: the fast path declines; take the general path. */
const FALLBACK = -100;
const ALL_FLAGS = 0x7f;

/**
 * `LEAF_FLAGS_OK[f]` is 1 when `f` (< 128) is a valid set of leaf flags: R or X, and W only with R. One table load
 * replaces the checks of {@link PageMapper} `flagsOk` on the one-page fast paths.
 */
const LEAF_FLAGS_OK = new Uint8Array(ALL_FLAGS + 1);
for (let f = 0; f <= ALL_FLAGS; f++) {
  const rwx = f & 7;
  LEAF_FLAGS_OK[f] = rwx !== 0 && (rwx & (PteFlag.Write | PteFlag.Read)) !== PteFlag.Write ? 1 : 0;
}

const NO_LEAVES: Float64Array = new Float64Array(0);
/** True when the host stores a `Uint32Array` element little-endian, as the simulated memory stores words. */
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** Copies of one source / destination level-0 table for {@link PageMapper.copyRangeForCow} (8-byte entries). */
const LEAF_SRC = new Uint8Array(PAGE_SIZE);
const LEAF_SRC_WORDS = new Uint32Array(LEAF_SRC.buffer);
const LEAF_DST = new Uint8Array(PAGE_SIZE);
const LEAF_DST_WORDS = new Uint32Array(LEAF_DST.buffer);
/**
 * The leaf buffer of {@link PageMapper.copyRangeForCow} (4 numbers per copied leaf: vpn, pfn, level, flags), kept
 * between calls and shared by every mapper: a fork reuses it instead of growing a fresh array per child. A call
 * takes it (a nested call, from an `onShared` callback, then gets a new one) and gives it back when done.
 */
let spareLeaves: Float64Array | null = null;

function takeLeafBuffer(): Float64Array {
  const b = spareLeaves ?? new Float64Array(4096);
  spareLeaves = null;
  return b;
}

function giveLeafBuffer(b: Float64Array): void {
  if (b.length !== 0 && (spareLeaves === null || spareLeaves.length < b.length)) spareLeaves = b;
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

  private root: number;
  private readonly levels: number;
  private readonly entries: number;
  private readonly pteSize: number;
  private readonly reclaim: boolean;
  private readonly maxPfn: number;
  /** True when the kernel half of the root is borrowed from a kernel template. */
  private readonly sharesKernel: boolean;
  /** End (exclusive) of the pages the one-page fast paths may edit (the kernel half is excluded when shared). */
  private readonly fastEnd: number;
  /** Flags every leaf gets (Global for a kernel space). */
  protected forcedFlags = 0;
  private readonly tables = new Map<number, TableInfo>();
  private readonly usedFlushers = new Set<TlbFlusher>();
  private lastFlusher: TlbFlusher | null = null;

  // Transaction state (one operation at a time).
  private readonly undoLog: number[] = [];
  /** Used length of `undoLog` (kept separately: shrinking an array's `length` reallocates it on every operation). */
  private undoLen = 0;
  private readonly txTables: number[] = [];
  private readonly txData: number[] = [];
  private readonly txFlushPages: number[] = [];
  private txFlushLen = 0;
  private txFlushAll = false;
  private readonly txFrees: number[] = [];
  private readonly txFreeFns: FrameRelease[] = [];
  private readonly maybeEmpty: number[] = [];
  private readonly freedTables: number[] = [];
  private readonly collected: number[] = [];
  private collecting = false;
  /** During {@link PageMapper.copyRangeForCow}: record each copied leaf in `collected` (only when asked for). */
  private collectShared = false;
  /** Leaves copied by the running {@link PageMapper.copyRangeForCow}. */
  private copied = 0;
  /** During {@link PageMapper.copyRangeForCow}: its leaf buffer (see {@link takeLeafBuffer}); else empty. */
  private sharedLeaves: Float64Array = NO_LEAVES;
  /** Set by `ensureTable`: the table it returned was created by that call (all its entries are zero). */
  private ensuredFresh = false;
  private lastPfn = 0;
  /** One-entry cache of the last leaf (level-0) table: it covers pages `[leafTag · entries, (leafTag + 1) · entries)`. */
  private leafTag = -1;
  private leafTable = -1;
  private leafInfo: TableInfo | null = null;
  /** `arch.kind(0, 0, level)` is Invalid at every level: an all-zero entry (what unmapping writes) needs no `kind` call. */
  private readonly zeroIsInvalid: boolean;
  /** The arch encodes inaccessible (PROT_NONE) level-0 entries ({@link PagingArch.encodeProtNone}). */
  private readonly protNone: boolean;
  /**
   * The last leaf written by the one-page map path: the entry `(memoLo, memoHi)` is a level-0 leaf of frame
   * `memoPfn` (`encodeLeaf`'s contract), so an unmap that reads exactly these words skips `kind` and `ppn`.
   * -1 (no 32-bit half is -1 after `>>> 0` normalisation by the memory): empty.
   */
  private memoLo = -1;
  private memoHi = -1;
  private memoPfn = -1;

  private readonly scratch: U64Pair = { lo: 0, hi: 0 };
  private readonly old: U64Pair = { lo: 0, hi: 0 };
  private readonly pte: U64Pair = { lo: 0, hi: 0 };
  private readonly freeTableFn = (pfn: number): void => this.allocator.free(pfn, 0);

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
    this.entries = arch.entriesPerTable;
    this.pteSize = arch.pteSize;
    this.reclaim = options.reclaimTables ?? true;
    this.maxPfn = 2 ** arch.ppnBits;
    this.vpnCount = 2 ** (arch.vaBits - 12);
    this.kernelStartVpn = this.vpnCount / 2;
    const spans: number[] = [];
    for (let l = 0; l < arch.levels; l++) spans.push(arch.entriesPerTable ** l);
    this.spans = spans;
    this.detector = options.detector ?? null;
    this.sharesKernel = options.kernel !== undefined;
    this.fastEnd = this.sharesKernel ? this.kernelStartVpn : this.vpnCount;
    let zeroInvalid = true;
    for (let l = 0; l < arch.levels; l++) zeroInvalid &&= arch.kind(0, 0, l) === PteKind.Invalid;
    this.zeroIsInvalid = zeroInvalid;
    this.protNone = typeof arch.encodeProtNone === 'function' && typeof arch.isProtNone === 'function';

    if (options.rootPpn !== undefined) {
      this.root = options.rootPpn;
      this.adopt(options.rootPpn, this.levels - 1, -1, 0);
    } else {
      const root = allocator.alloc();
      if (root === NO_FRAME)
        throw new MapperFailure(
          MapperError.FrameAllocationFailed,
          0,
          'PageMapper: no frame for the root table',
        );
      memory.zeroFrame(root);
      this.root = root;
      this.tables.set(root, { count: 0, parent: -1, index: 0, level: this.levels - 1, pinned: true });
    }
    if (options.kernel) this.copyKernelHalf(options.kernel);
    const f = options.flusher;
    this.flusher = typeof f === 'function' ? f(this) : (f ?? new InactiveFlusher(this.context));
  }

  /** The root table's frame (what goes into `satp.PPN` or CR3); -1 after {@link PageMapper.destroy}. */
  get rootPpn(): number {
    return this.root;
  }

  /** Number of table frames this mapper owns (root included, the kernel's shared tables excluded). */
  get tableFrames(): number {
    return this.tables.size;
  }

  /** Number of page-table changes queued on a flusher and not yet dispatched. */
  get pendingChanges(): number {
    let n = 0;
    for (const f of this.usedFlushers) n += f.pending;
    return n;
  }

  /** True after {@link PageMapper.destroy}. */
  get destroyed(): boolean {
    return this.root < 0;
  }

  // ───────────────────────────── queries ─────────────────────────────

  /**
   * The frame that page `vpn` maps to, or {@link MapperError.NotMapped} (or `InvalidArgument` for a VPN outside the
   * address space). Details of the leaf go to {@link PageMapper.found}. Never allocates or throws.
   *
   * An inaccessible (PROT_NONE) entry is reported too, as a level-0 leaf whose flags lack Read, Write and Exec
   * (only User/Accessed/Dirty): it owns its frame, though every hardware access faults on it (Linux's
   * `pte_present()` is true for it). Use {@link PageMapper.translate} for the MMU's view.
   */
  lookup(vpn: number): number {
    if (!(vpn >= 0 && vpn < this.vpnCount) || this.root < 0) return MapperError.InvalidArgument;
    const s = this.scratch;
    const { arch, memory } = this;
    let table = this.root;
    for (let level = this.levels - 1; level >= 0; level--) {
      memory.read64(table * PAGE_SIZE + arch.indexAt(vpn, level) * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, level);
      if (kind === PteKind.Table) {
        table = arch.ppn(s.lo, s.hi, level);
        continue;
      }
      if (kind !== PteKind.Leaf) {
        if (level !== 0 || !this.isProtNoneEntry(s.lo, s.hi)) return MapperError.NotMapped;
        const f = this.found;
        f.vpn = vpn;
        f.pfn = arch.ppn(s.lo, s.hi);
        f.level = 0;
        f.flags = arch.flags(s.lo, s.hi) & PROT_NONE_FLAGS;
        return f.pfn;
      }
      const span = this.spans[level] as number;
      const f = this.found;
      f.vpn = vpn - (vpn % span);
      f.pfn = arch.ppn(s.lo, s.hi, level);
      f.level = level;
      f.flags = arch.flags(s.lo, s.hi);
      return f.pfn + (vpn - f.vpn);
    }
    return MapperError.NotMapped;
  }

  /**
   * The physical address that virtual address `va` (truncated to `vaBits`, as {@link PageMapper.lookup}'s VPNs)
   * maps to, or a negative {@link MapperError}. The leaf goes to {@link PageMapper.found}. An inaccessible
   * (PROT_NONE) entry translates nothing, as for the MMU: `NotMapped` (its details still go to `found`).
   */
  translate(va: number): number {
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
  visit(start: number, end: number, visitor: LeafVisitor): number {
    if (!this.rangeOk(start, end, 0, false)) return this.lastError();
    return this.visitIn(this.root, this.levels - 1, 0, start, end, visitor);
  }

  // ─────────────────────────── single pages ───────────────────────────

  /**
   * Maps page `vpn` (a `512^level`-page leaf at `level`) to a fresh zeroed frame (a `2^(9·level)` block for a huge
   * page) and returns its frame number, or a negative {@link MapperError}. No flush is needed (invalid → valid).
   */
  map(vpn: number, flags: PteFlags, level = 0): number {
    if (level === 0) {
      const r = this.fastMap(vpn, Number.NaN, flags);
      if (r !== FALLBACK) return r;
    }
    if (
      !this.rangeOk(vpn, vpn + (this.spans[level] ?? 1), level, true) ||
      !this.flagsOk(flags, vpn, level, false)
    ) {
      return this.lastError();
    }
    const r = this.mapIn(
      this.root,
      this.levels - 1,
      0,
      vpn,
      vpn + (this.spans[level] as number),
      level,
      Number.NaN,
      flags,
    );
    return this.finish(r, this.flusher) < 0 ? this.lastError() : this.lastPfn;
  }

  /**
   * Maps page `vpn` to frame `pfn` with a leaf at `level` (both aligned to `512^level`). Returns `pfn` or a
   * negative {@link MapperError}.
   *
   * Flags without Read/Write/Exec write an *inaccessible* (PROT_NONE) entry at level 0: it keeps `pfn` (and the
   * User/Accessed/Dirty flags) but every hardware access faults on it ({@link PagingArch.encodeProtNone}; Linux
   * RISC-V's V = 0 + `_PAGE_PROT_NONE` PTE). `InvalidArgument` at `level > 0` or when the arch cannot encode it.
   */
  mapPhys(vpn: number, pfn: number, flags: PteFlags, level = 0): number {
    if (level === 0 && Number.isInteger(pfn) && pfn >= 0 && pfn < this.maxPfn) {
      const r = this.fastMap(vpn, pfn, flags);
      if (r !== FALLBACK) return r;
    }
    if (
      !this.rangeOk(vpn, vpn + (this.spans[level] ?? 1), level, true) ||
      !this.flagsOk(flags, vpn, level, true)
    ) {
      return this.lastError();
    }
    if (!this.pfnOk(pfn, level, vpn)) return this.lastError();
    const span = this.spans[level] as number;
    const r = this.mapIn(this.root, this.levels - 1, 0, vpn, vpn + span, level, pfn - vpn, flags);
    return this.finish(r, this.flusher) < 0 ? this.lastError() : pfn;
  }

  /**
   * Unmaps page `vpn` (a leaf or an inaccessible entry) and queues its flush; returns its frame or a negative
   * {@link MapperError}.
   * At `level` 0 a huge leaf covering `vpn` is split first (needs a table frame: may fail with
   * `FrameAllocationFailed`); at `level > 0` there must be a leaf of exactly that level at `vpn`.
   * `release`, when given, receives the frame after the flush is dispatched.
   */
  unmap(vpn: number, release?: FrameRelease, level = 0): number {
    if (level === 0) {
      const r = this.fastUnmap(vpn, release);
      if (r !== FALLBACK) return r;
    }
    if (!this.rangeOk(vpn, vpn + (this.spans[level] ?? 1), level, true)) return this.lastError();
    if (level > 0 && (this.lookup(vpn) < 0 || this.found.level !== level)) {
      return this.fail(MapperError.NotMapped, vpn, level, `no ${level}-level leaf here`);
    }
    const span = this.spans[level] as number;
    const r = this.unmapIn(this.root, this.levels - 1, 0, vpn, vpn + span, release);
    if (r === 0) {
      this.rollback();
      return this.fail(MapperError.NotMapped, vpn, level, 'page is not mapped');
    }
    return this.finish(r, this.flusher) < 0 ? this.lastError() : this.lastPfn;
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
  protect(vpn: number, flags: PteFlags, level = 0): number {
    if (
      !this.rangeOk(vpn, vpn + (this.spans[level] ?? 1), level, true) ||
      !this.flagsOk(flags, vpn, level, true)
    ) {
      return this.lastError();
    }
    if (this.lookup(vpn) < 0) return this.fail(MapperError.NotMapped, vpn, level, 'page is not mapped');
    if (level > 0 && this.found.level !== level) {
      return this.fail(MapperError.NotMapped, vpn, level, `no ${level}-level leaf here`);
    }
    const span = this.spans[level] as number;
    const r = this.protectIn(this.root, this.levels - 1, 0, vpn, vpn + span, flags);
    if (this.finish(r, this.flusher) < 0) return this.lastError();
    return this.lookup(vpn);
  }

  // ─────────────────────────── ranges ───────────────────────────

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
  ): number {
    if (!this.rangeOk(start, end, level, true) || !this.flagsOk(flags, start, level, firstPfn >= 0))
      return this.lastError();
    if (firstPfn >= 0 && !this.pfnOk(firstPfn, level, start)) return this.lastError();
    const r = this.mapIn(
      this.root,
      this.levels - 1,
      0,
      start,
      end,
      level,
      firstPfn >= 0 ? firstPfn - start : Number.NaN,
      flags,
    );
    return this.finish(r, flusher) < 0 ? this.lastError() : end - start;
  }

  /**
   * Unmaps every mapped page of `[start, end)` (pages not mapped are skipped, as `munmap` does), splitting huge
   * leaves that straddle an edge. All or nothing. Returns the number of 4 KiB pages unmapped or a negative
   * {@link MapperError}.
   */
  unmapRange(start: number, end: number, release?: FrameRelease, flusher = this.flusher): number {
    if (!this.rangeOk(start, end, 0, true)) return this.lastError();
    const r = this.unmapIn(this.root, this.levels - 1, 0, start, end, release);
    return this.finish(r, flusher);
  }

  /**
   * Replaces the rights of every mapped page of `[start, end)` (see {@link PageMapper.protect}), splitting huge
   * leaves that straddle an edge (and huge leaves that become inaccessible: flags without R/W/X). All or nothing.
   * Returns the number of 4 KiB pages covered or a negative error.
   */
  protectRange(start: number, end: number, flags: PteFlags, flusher = this.flusher): number {
    if (!this.rangeOk(start, end, 0, true) || !this.flagsOk(flags, start, 0, true)) return this.lastError();
    const r = this.protectIn(this.root, this.levels - 1, 0, start, end, flags);
    return this.finish(r, flusher);
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
  ): number {
    if (src === this) return this.fail(MapperError.InvalidArgument, start, 0, 'source is this mapper');
    if (src.arch !== this.arch)
      return this.fail(MapperError.InvalidArgument, start, 0, 'different architectures');
    if (!this.rangeOk(start, end, 0, true)) return this.lastError();
    if (!src.rangeOk(start, end, 0, true))
      return this.fail(src.error.code, src.error.vpn, 0, src.error.message);
    const keepWrite = options.keepWrite ?? false;
    const clearA = options.clearAccessed ?? true;
    this.collectShared = onShared !== undefined;
    this.copied = 0;
    if (onShared) this.sharedLeaves = takeLeafBuffer();
    try {
      const r = this.copyIn(src, src.root, this.levels - 1, 0, start, end, keepWrite, clearA);
      this.collectShared = false;
      if (r < 0) {
        src.rollback();
        this.rollback();
        return r;
      }
      src.commit(src.flusher);
      this.commit(this.flusher);
      const n = this.copied;
      if (onShared) {
        const out = this.sharedLeaves;
        for (let i = 0; i < 4 * n; i += 4) {
          onShared(out[i] as number, out[i + 1] as number, out[i + 2] as number, out[i + 3] as number);
        }
      }
      return n;
    } finally {
      this.collectShared = false;
      if (onShared) {
        giveLeafBuffer(this.sharedLeaves);
        this.sharedLeaves = NO_LEAVES;
      }
    }
  }

  /**
   * mremap's page-table half: moves the entries of `[srcVpn, srcVpn + pages)` to `[dstVpn, dstVpn + pages)`
   * (the data stays in its frames), queueing flushes for the old pages. The ranges may overlap. Huge leaves stay
   * huge when the distance keeps them aligned, else they become smaller leaves. The destination must be empty
   * (outside the source). Inaccessible entries move as they are. All or nothing. Returns the number of 4 KiB pages
   * moved or a negative error.
   */
  moveRange(srcVpn: number, dstVpn: number, pages: number, flusher = this.flusher): number {
    if (!this.rangeOk(srcVpn, srcVpn + pages, 0, true) || !this.rangeOk(dstVpn, dstVpn + pages, 0, true)) {
      return this.lastError();
    }
    const delta = dstVpn - srcVpn;
    const moved = this.collected;
    moved.length = 0;
    this.collecting = true;
    let r = this.unmapIn(this.root, this.levels - 1, 0, srcVpn, srcVpn + pages, undefined);
    this.collecting = false;
    const top = this.levels - 1;
    for (let i = 0; r >= 0 && i < moved.length; i += 4) {
      const vpn = moved[i] as number;
      const pfn = moved[i + 1] as number;
      let level = moved[i + 2] as number;
      const flags = moved[i + 3] as number;
      const span = this.spans[level] as number;
      while (level > 0 && delta % (this.spans[level] as number) !== 0) level--;
      const dst = vpn + delta;
      const m = this.mapIn(this.root, top, 0, dst, dst + span, level, pfn - dst, flags);
      if (m < 0) r = m;
    }
    moved.length = 0;
    return this.finish(r, flusher) < 0 ? this.lastError() : pages;
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
  freeTables(start: number, end: number, floor: number, ceiling: number, flusher = this.flusher): number {
    if (!this.rangeOk(start, end, 0, true)) return this.lastError();
    if (
      !(
        Number.isInteger(floor) &&
        floor >= 0 &&
        floor <= start &&
        typeof ceiling === 'number' &&
        ceiling >= end
      )
    )
      return this.fail(MapperError.InvalidArgument, start, 0, 'floor and ceiling must enclose the range');
    const top = Math.min(ceiling, this.fastEnd);
    const n = this.freeTablesIn(this.root, this.levels - 1, 0, start, end, floor, top);
    if (n > 0) this.dropLeafCache();
    return this.finish(n, flusher);
  }

  /**
   * Calls `visitor(pfn, level, startVpn, pages)` for every table below the root that this mapper owns (the kernel's
   * shared tables excluded), parents before children: its frame, its level (0 holds leaves), the first page its
   * span covers and the span's size in pages. Cold (checks and reports).
   */
  visitTables(visitor: (pfn: number, level: number, startVpn: number, pages: number) => void): void {
    if (this.root < 0) return;
    const walk = (table: number, level: number, base: number): void => {
      if (level === 0) return;
      const span = this.spans[level] as number;
      const s = this.scratch;
      for (let i = 0; i < this.entries; i++) {
        this.memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
        if (this.arch.kind(s.lo, s.hi, level) !== PteKind.Table) continue;
        const child = this.arch.ppn(s.lo, s.hi, level);
        if (!this.tables.has(child)) continue;
        const start = base + i * span;
        visitor(child, level - 1, start, span);
        walk(child, level - 1, start);
      }
    };
    walk(this.root, this.levels - 1, 0);
  }

  // ─────────────────────────── flushing ───────────────────────────

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
    const n = this.pendingChanges;
    if (n > 0) {
      throw new Error(
        `PageMapper: ${n} page-table change(s) queued but never flushed (call flush() or close the cursor)`,
      );
    }
  }

  /**
   * Tears the address space down: unmaps every leaf and inaccessible entry this mapper owns (calling `release(pfn, level)` for each after
   * the flush), frees every owned table frame after a full flush, and dispatches. The mapper is unusable after.
   */
  destroy(release?: FrameRelease): void {
    if (this.root < 0) return;
    const f = this.flusher;
    const end = this.sharesKernel ? this.kernelStartVpn : this.vpnCount;
    // The leaves go to a buffer (pfn, level pairs), released once the full flush below is dispatched: the same
    // order guarantee as one deferred free per leaf, without queueing a closure per leaf.
    let leaves = NO_LEAVES;
    let n = 0;
    if (release) {
      leaves = takeLeafBuffer();
      this.visitIn(this.root, this.levels - 1, 0, 0, end, (_vpn, pfn, level) => {
        if (n === leaves.length) {
          const grown = new Float64Array(leaves.length * 2);
          grown.set(leaves);
          leaves = grown;
        }
        leaves[n] = pfn;
        leaves[n + 1] = level;
        n += 2;
      });
    }
    f.flushAll();
    const tables = [...this.tables.keys()];
    this.tables.clear();
    this.dropLeafCache();
    this.root = -1;
    // After the flush (and the frees queued before it): the leaves, then the table frames, as before.
    try {
      this.flush(f);
    } finally {
      try {
        if (release) this.releaseLeaves(leaves, n, release);
      } finally {
        for (const t of tables) this.allocator.free(t, 0);
      }
    }
  }

  /**
   * Runs `release` on the `n / 2` (pfn, level) pairs of `leaves` in order, then gives the buffer back. When a release
   * throws, the others still run and the first error is rethrown afterwards (as a flusher's deferred frees).
   */
  private releaseLeaves(leaves: Float64Array, n: number, release: FrameRelease): void {
    let failure: unknown;
    let failed = false;
    for (let i = 0; i < n; i += 2) {
      const pfn = leaves[i] as number;
      const level = leaves[i + 1] as number;
      try {
        if (level === 0) release(pfn);
        else release(pfn, level);
      } catch (e) {
        if (!failed) failure = e;
        failed = true;
      }
    }
    giveLeafBuffer(leaves);
    if (failed) throw failure;
  }

  // ─────────────────────────── internals used by subclasses and the cursor ───────────────────────────

  /**
   * Allocates a zeroed table for the root entry `index` and pins it (it is never reclaimed). Used by kernel spaces
   * to pre-create the top-level tables that user roots share.
   */
  protected pinTopLevelTable(index: number): void {
    const s = this.scratch;
    const top = this.levels - 1;
    this.memory.read64(this.root * PAGE_SIZE + index * this.pteSize, s);
    const kind = this.arch.kind(s.lo, s.hi, top);
    if (kind === PteKind.Table) {
      const info = this.tables.get(this.arch.ppn(s.lo, s.hi, top));
      if (info) info.pinned = true;
      return;
    }
    if (kind !== PteKind.Invalid)
      throw new PageTableCorruption(`root entry ${index} is a leaf; cannot pin a table`);
    const t = this.newTable(this.root, index, top);
    this.undoLen = 0;
    this.txTables.length = 0;
    if (t < 0) throw new Error('KernelSpace: no frame for a top-level kernel table');
    (this.tables.get(t) as TableInfo).pinned = true;
  }

  // ─────────────────────────── one-page fast paths ───────────────────────────

  /**
   * The level-0 table holding page `vpn`'s entry when it exists, else -1 (walks from the root and fills the
   * one-entry cache; callers test the cache first). Never allocates.
   */
  private leafTableOf(vpn: number, tag: number): number {
    const { arch, memory } = this;
    const s = this.scratch;
    let table = this.root;
    for (let level = this.levels - 1; level > 0; level--) {
      memory.read64(table * PAGE_SIZE + arch.indexAt(vpn, level) * this.pteSize, s);
      if (arch.kind(s.lo, s.hi, level) !== PteKind.Table) return -1;
      table = arch.ppn(s.lo, s.hi, level);
    }
    const info = this.tables.get(table);
    if (info === undefined) return -1;
    this.leafTag = tag;
    this.leafTable = table;
    this.leafInfo = info;
    return table;
  }

  /**
   * Maps one 4 KiB page whose leaf table exists, without a transaction (nothing to undo: the only failure point,
   * the frame allocation, comes before any write). {@link FALLBACK} sends the caller to the general path, which
   * also produces the error details of bad arguments. `pfn` NaN: allocate a zeroed frame.
   *
   * Kept small on purpose, so that V8 inlines the memory accesses into it.
   */
  private fastMap(vpn: number, pfn: number, flags: PteFlags): number {
    // Integer VPN inside the editable half, integer flags < 128 that make a valid leaf, a live mapper.
    if (
      !(vpn >= 0 && vpn < this.fastEnd && Number.isInteger(vpn)) ||
      (flags & ALL_FLAGS) !== flags ||
      LEAF_FLAGS_OK[flags] === 0 ||
      this.root < 0
    ) {
      return FALLBACK;
    }
    const entries = this.entries;
    const tag = Math.floor(vpn / entries);
    const table = tag === this.leafTag ? this.leafTable : this.leafTableOf(vpn, tag);
    if (table < 0) return FALLBACK;
    const { arch, memory } = this;
    const addr = table * PAGE_SIZE + (vpn - tag * entries) * this.pteSize;
    const s = this.scratch;
    memory.read64(addr, s);
    if (
      !(s.lo === 0 && s.hi === 0 && this.zeroIsInvalid) &&
      (arch.kind(s.lo, s.hi, 0) !== PteKind.Invalid || this.isProtNoneEntry(s.lo, s.hi))
    ) {
      return this.fail(MapperError.PageAlreadyMapped, vpn, 0, 'page is already mapped');
    }
    if (Number.isNaN(pfn)) {
      // NaN: allocate (the general path's `allocData` without the transaction record).
      pfn = this.allocator.alloc();
      if (pfn === NO_FRAME)
        return this.fail(MapperError.FrameAllocationFailed, vpn, 0, 'no frame for the page');
      memory.zeroFrame(pfn);
    }
    const pte = this.pte;
    arch.encodeLeaf(pfn, flags | this.forcedFlags, 0, pte);
    memory.write64(addr, pte.lo, pte.hi);
    (this.leafInfo as TableInfo).count++;
    this.memoLo = pte.lo >>> 0;
    this.memoHi = pte.hi >>> 0;
    this.memoPfn = pfn;
    return pfn;
  }

  /** Unmaps one 4 KiB leaf whose table keeps other entries, without a transaction; else {@link FALLBACK}. */
  private fastUnmap(vpn: number, release: FrameRelease | undefined): number {
    if (!(vpn >= 0 && vpn < this.fastEnd && Number.isInteger(vpn)) || this.root < 0) return FALLBACK;
    const entries = this.entries;
    const tag = Math.floor(vpn / entries);
    const table = tag === this.leafTag ? this.leafTable : this.leafTableOf(vpn, tag);
    if (table < 0) return FALLBACK;
    const info = this.leafInfo as TableInfo;
    if (info.count <= 1 && this.reclaim) return FALLBACK; // the table empties: the general path reclaims it
    const { arch, memory } = this;
    const addr = table * PAGE_SIZE + (vpn - tag * entries) * this.pteSize;
    const s = this.scratch;
    memory.read64(addr, s);
    let pfn: number;
    if (s.lo === this.memoLo && s.hi === this.memoHi) pfn = this.memoPfn;
    else {
      if (arch.kind(s.lo, s.hi, 0) !== PteKind.Leaf) return FALLBACK;
      pfn = arch.ppn(s.lo, s.hi);
    }
    memory.write64(addr, 0, 0);
    info.count--;
    const f = this.flusher;
    f.flushPage(vpn);
    if (release !== undefined) f.deferFree(pfn, release);
    if (f !== this.lastFlusher) this.noteFlusher(f);
    return pfn;
  }

  /** Records that `f` received changes (for {@link PageMapper.pendingChanges}); out of line, rarely taken. */
  private noteFlusher(f: TlbFlusher): void {
    this.usedFlushers.add(f);
    this.lastFlusher = f;
  }

  /** Forgets the cached leaf table (a table was freed or the tree rebuilt). */
  private dropLeafCache(): void {
    this.leafTag = -1;
    this.leafTable = -1;
    this.leafInfo = null;
  }

  // ─────────────────────────── engines ───────────────────────────

  private visitIn(
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    fn: LeafVisitor,
  ): number {
    const { arch, memory } = this;
    const s = this.scratch;
    if (level === 0) return this.visitLeafTable(table, base, start, end, fn);
    const span = this.spans[level] as number;
    let n = 0;
    // Occupied entries not yet seen: none left ends the scan early (see visitLeafTable).
    let left = this.occupiedCount(table);
    for (let i = Math.floor((start - base) / span); i < this.entries && left !== 0; i++) {
      const eStart = base + i * span;
      if (eStart >= end) break;
      memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, level);
      if (kind === PteKind.Invalid) continue;
      left--;
      if (kind === PteKind.Leaf) {
        n++;
        fn(eStart, arch.ppn(s.lo, s.hi, level), level, arch.flags(s.lo, s.hi));
      } else if (kind === PteKind.Table && level > 0) {
        n += this.visitIn(
          arch.ppn(s.lo, s.hi, level),
          level - 1,
          eStart,
          Math.max(start, eStart),
          Math.min(end, eStart + span),
          fn,
        );
      }
    }
    return n;
  }

  /**
   * {@link PageMapper.freeTables} below `table` (at `level`, covering pages from `base`): frees every empty child
   * table whose span meets `[start, end)` and lies inside `[floor, ceiling)`, deepest first. Returns the count.
   */
  private freeTablesIn(
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    floor: number,
    ceiling: number,
  ): number {
    if (level === 0) return 0;
    const { arch, memory } = this;
    const s = this.scratch;
    const span = this.spans[level] as number;
    let n = 0;
    for (let i = Math.floor((start - base) / span); i < this.entries; i++) {
      const eStart = base + i * span;
      if (eStart >= end) break;
      memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
      if (arch.kind(s.lo, s.hi, level) !== PteKind.Table) continue;
      const lo = s.lo;
      const hi = s.hi;
      const child = arch.ppn(lo, hi, level);
      n += this.freeTablesIn(
        child,
        level - 1,
        eStart,
        Math.max(start, eStart),
        Math.min(end, eStart + span),
        floor,
        ceiling,
      );
      const info = this.tables.get(child);
      if (info === undefined || info.pinned || info.count !== 0) continue;
      if (eStart < floor || eStart + span > ceiling) continue;
      this.setKnownEntry(table, i, level, lo, hi, true, 0, 0);
      this.tables.delete(child);
      this.freedTables.push(child);
      // As reclaimEmptyTables: a freed table needs a whole-space flush before its frame is reused.
      this.txFlushAll = true;
      n++;
    }
    return n;
  }

  /** {@link PageMapper.visitIn} at level 0: one 4 KiB leaf per entry, addresses stepped instead of recomputed. */
  private visitLeafTable(table: number, base: number, start: number, end: number, fn: LeafVisitor): number {
    const { arch, memory } = this;
    const s = this.scratch;
    const step = this.pteSize;
    const last = Math.min(end, base + this.entries);
    let n = 0;
    let addr = table * PAGE_SIZE + (start - base) * step;
    // The table's occupied-entry count, taken before the visitor runs (it may unmap the leaf it is given): once
    // that many occupied entries were seen, the rest of the table is empty. Entries before `start` are not seen,
    // so the count only ends the scan early, never too early.
    let left = this.occupiedCount(table);
    for (let vpn = start; vpn < last && left !== 0; vpn++, addr += step) {
      memory.read64(addr, s);
      const kind = arch.kind(s.lo, s.hi, 0);
      if (kind === PteKind.Leaf) {
        left--;
        n++;
        fn(vpn, arch.ppn(s.lo, s.hi), 0, arch.flags(s.lo, s.hi));
      } else if (kind !== PteKind.Invalid) left--;
      else if (this.isProtNoneEntry(s.lo, s.hi)) {
        left--;
        n++;
        fn(vpn, arch.ppn(s.lo, s.hi), 0, arch.flags(s.lo, s.hi) & PROT_NONE_FLAGS);
      }
    }
    return n;
  }

  /** Maps `[start, end)` with leaves at `target`; frame = page + `pfnDelta`, or fresh frames when `pfnDelta` is NaN. */
  private mapIn(
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    target: number,
    pfnDelta: number,
    flags: PteFlags,
  ): number {
    const { arch, memory } = this;
    const s = this.scratch;
    const pte = this.pte;
    const span = this.spans[level] as number;
    const allocate = Number.isNaN(pfnDelta);
    flags |= this.forcedFlags;
    for (let i = Math.floor((start - base) / span); i < this.entries; i++) {
      const eStart = base + i * span;
      if (eStart >= end) break;
      memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, level);
      if (level === target) {
        if (kind !== PteKind.Invalid || (level === 0 && this.isProtNoneEntry(s.lo, s.hi))) {
          return this.fail(MapperError.PageAlreadyMapped, eStart, level, 'page is already mapped');
        }
        const oldLo = s.lo;
        const oldHi = s.hi;
        let pfn: number;
        if (allocate) {
          pfn = this.allocData(level);
          if (pfn < 0)
            return this.fail(MapperError.FrameAllocationFailed, eStart, level, 'no frame for the page');
        } else {
          pfn = eStart + pfnDelta;
        }
        if ((flags & RWX) === 0) this.encodeProtNone(pfn, flags, pte);
        else arch.encodeLeaf(pfn, flags, level, pte);
        this.setKnownEntry(table, i, level, oldLo, oldHi, false, pte.lo, pte.hi);
        this.lastPfn = pfn;
        continue;
      }
      let child: number;
      if (kind === PteKind.Table) child = arch.ppn(s.lo, s.hi, level);
      else if (kind === PteKind.Invalid) {
        child = this.newTable(table, i, level);
        if (child < 0)
          return this.fail(MapperError.FrameAllocationFailed, eStart, level, 'no frame for a table');
      } else if (kind === PteKind.Leaf) {
        return this.fail(
          MapperError.ParentEntryHugePage,
          Math.max(start, eStart),
          level,
          'a huge page covers it',
        );
      } else throw malformedEntry(level, eStart);
      const r = this.mapIn(
        child,
        level - 1,
        eStart,
        Math.max(start, eStart),
        Math.min(end, eStart + span),
        target,
        pfnDelta,
        flags,
      );
      if (r < 0) return r;
    }
    return 0;
  }

  private unmapIn(
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    release: FrameRelease | undefined,
  ): number {
    const { arch, memory } = this;
    const s = this.scratch;
    const span = this.spans[level] as number;
    let n = 0;
    for (let i = Math.floor((start - base) / span); i < this.entries; i++) {
      const eStart = base + i * span;
      if (eStart >= end) break;
      memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, level);
      let pn = false;
      if (kind === PteKind.Invalid) {
        if (level !== 0 || !this.isProtNoneEntry(s.lo, s.hi)) continue;
        pn = true;
      }
      let child: number;
      if (kind === PteKind.Leaf || pn) {
        if (eStart >= start && eStart + span <= end) {
          const pfn = arch.ppn(s.lo, s.hi, level);
          if (this.collecting) {
            const flags = arch.flags(s.lo, s.hi);
            this.collected.push(eStart, pfn, level, pn ? flags & PROT_NONE_FLAGS : flags);
          }
          this.setKnownEntry(table, i, level, s.lo, s.hi, true, 0, 0);
          // One flush per leaf at its first page, as Linux flushes a huge PMD with a PMD_SIZE stride. An
          // inaccessible entry is flushed too: Linux's zap_pte_range treats it as present (pte_present()).
          this.txFlushPages[this.txFlushLen++] = eStart;
          if (release) {
            this.txFrees.push(pfn, level);
            this.txFreeFns.push(release);
          }
          this.lastPfn = pfn;
          n += span;
          continue;
        }
        child = this.splitLeaf(table, i, level, s.lo, s.hi);
        if (child < 0)
          return this.fail(MapperError.FrameAllocationFailed, eStart, level, 'no frame to split');
      } else if (kind === PteKind.Table) child = arch.ppn(s.lo, s.hi, level);
      else throw malformedEntry(level, eStart);
      const r = this.unmapIn(
        child,
        level - 1,
        eStart,
        Math.max(start, eStart),
        Math.min(end, eStart + span),
        release,
      );
      if (r < 0) return r;
      n += r;
    }
    return n;
  }

  private protectIn(
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    flags: number,
  ): number {
    const { arch, memory } = this;
    const s = this.scratch;
    const pte = this.pte;
    const span = this.spans[level] as number;
    const rights = (flags | this.forcedFlags) & ~AD;
    // No R/W/X: the leaves become inaccessible (PROT_NONE) entries, which exist only at level 0.
    const toProtNone = (flags & RWX) === 0;
    let n = 0;
    for (let i = Math.floor((start - base) / span); i < this.entries; i++) {
      const eStart = base + i * span;
      if (eStart >= end) break;
      memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, level);
      if (kind === PteKind.Invalid) {
        if (level !== 0 || !this.isProtNoneEntry(s.lo, s.hi)) continue;
        // An inaccessible entry: rewrite it (still inaccessible, or a leaf again). No flush: no TLB can hold an
        // entry the hardware never loads (the flush that removed its rights was queued when it lost them).
        n++;
        const old = arch.flags(s.lo, s.hi) & PROT_NONE_FLAGS;
        const next = rights | (old & AD) | (flags & AD);
        if (toProtNone) {
          if ((next & PROT_NONE_FLAGS) === old) continue;
          this.encodeProtNone(arch.ppn(s.lo, s.hi), next, pte);
        } else arch.encodeLeaf(arch.ppn(s.lo, s.hi), next, 0, pte);
        this.replaceEntry(table, i, 0, s.lo, s.hi, pte.lo, pte.hi);
        continue;
      }
      let child: number;
      if (kind === PteKind.Leaf) {
        const old = arch.flags(s.lo, s.hi);
        const next = rights | (old & AD) | (flags & AD);
        if (next === old) {
          n += Math.min(end, eStart + span) - Math.max(start, eStart);
          continue;
        }
        if (eStart >= start && eStart + span <= end && (level === 0 || !toProtNone)) {
          if (toProtNone) {
            // A present leaf loses every right: it keeps its frame in an inaccessible entry (count unchanged).
            this.encodeProtNone(arch.ppn(s.lo, s.hi), next, pte);
            this.replaceEntry(table, i, 0, s.lo, s.hi, pte.lo, pte.hi);
          } else {
            arch.withFlags(s.lo, s.hi, next, pte);
            this.setKnownEntry(table, i, level, s.lo, s.hi, true, pte.lo, pte.hi);
          }
          this.txFlushPages[this.txFlushLen++] = eStart;
          n += span;
          continue;
        }
        child = this.splitLeaf(table, i, level, s.lo, s.hi);
        if (child < 0)
          return this.fail(MapperError.FrameAllocationFailed, eStart, level, 'no frame to split');
      } else if (kind === PteKind.Table) child = arch.ppn(s.lo, s.hi, level);
      else throw malformedEntry(level, eStart);
      const r = this.protectIn(
        child,
        level - 1,
        eStart,
        Math.max(start, eStart),
        Math.min(end, eStart + span),
        flags,
      );
      if (r < 0) return r;
      n += r;
    }
    return n;
  }

  private copyIn(
    src: PageMapper,
    table: number,
    level: number,
    base: number,
    start: number,
    end: number,
    keepWrite: boolean,
    clearA: boolean,
  ): number {
    if (level === 0 && this.pteSize === 8 && this.entries * 8 === PAGE_SIZE && HOST_LITTLE_ENDIAN) {
      return this.copyLeafTable(src, table, base, start, end, keepWrite, clearA);
    }
    const { arch, memory } = this;
    const s = src.scratch;
    const pte = this.pte;
    const span = this.spans[level] as number;
    let dstTable = -1;
    // A destination table created by this copy is all zeros: its entries need no check, and no undo record (a
    // rollback frees it whole, after restoring the parent entry that points to it).
    let dstInfo: TableInfo | undefined;
    // The source table's occupied entries not yet seen (splits and write-protects keep the count): none left ends
    // the scan early, so a sparse table is not read to its end.
    let left = src.occupiedCount(table);
    for (let i = Math.floor((start - base) / span); i < this.entries && left !== 0; i++) {
      const eStart = base + i * span;
      if (eStart >= end) break;
      memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, level);
      let pn = false;
      if (kind === PteKind.Invalid) {
        if (level !== 0 || !src.isProtNoneEntry(s.lo, s.hi)) continue;
        // An inaccessible entry is copied as one (Linux copy_present_pte: pte_present() is true for it); the
        // frame is then shared, so it is reported to `onShared` like a leaf.
        pn = true;
      }
      left--;
      let child: number;
      if (kind === PteKind.Leaf || pn) {
        if (eStart >= start && eStart + span <= end) {
          const lo = s.lo;
          const hi = s.hi;
          const pfn = arch.ppn(lo, hi, level);
          const flags = pn ? arch.flags(lo, hi) & PROT_NONE_FLAGS : arch.flags(lo, hi);
          let srcFlags = flags;
          if (!keepWrite && flags & PteFlag.Write) {
            srcFlags = flags & ~PteFlag.Write;
            arch.withFlags(lo, hi, srcFlags, pte);
            // A valid leaf stays a valid leaf: no count change, and the old words are the ones just read.
            src.replaceEntry(table, i, level, lo, hi, pte.lo, pte.hi);
            src.txFlushPages[src.txFlushLen++] = eStart;
          }
          let childFlags = srcFlags;
          if (clearA) childFlags &= ~PteFlag.Accessed;
          if (keepWrite) childFlags &= ~PteFlag.Dirty;
          if (dstTable < 0) {
            dstTable = this.ensureTable(eStart, level);
            if (dstTable < 0) return dstTable;
            if (this.ensuredFresh) dstInfo = this.tables.get(dstTable);
          }
          const at = dstTable * PAGE_SIZE + i * this.pteSize;
          if (pn) this.encodeProtNone(pfn, childFlags, pte);
          else arch.encodeLeaf(pfn, childFlags | this.forcedFlags, level, pte);
          if (dstInfo !== undefined) {
            memory.write64(at, pte.lo, pte.hi);
            dstInfo.count++;
          } else {
            memory.read64(at, this.old);
            if (this.occupied(this.old.lo, this.old.hi, level)) {
              return this.fail(
                MapperError.PageAlreadyMapped,
                eStart,
                level,
                'destination page is already mapped',
              );
            }
            this.setEntry(dstTable, i, level, pte.lo, pte.hi);
          }
          if (this.collectShared) {
            let out = this.sharedLeaves;
            const at4 = 4 * this.copied;
            if (at4 === out.length) out = this.growSharedLeaves();
            out[at4] = eStart;
            out[at4 + 1] = pfn;
            out[at4 + 2] = level;
            out[at4 + 3] = childFlags;
          }
          this.copied++;
          continue;
        }
        child = src.splitLeaf(table, i, level, s.lo, s.hi);
        if (child < 0)
          return this.fail(MapperError.FrameAllocationFailed, eStart, level, 'no frame to split');
      } else if (kind === PteKind.Table) child = arch.ppn(s.lo, s.hi, level);
      else throw malformedEntry(level, eStart);
      const r = this.copyIn(
        src,
        child,
        level - 1,
        eStart,
        Math.max(start, eStart),
        Math.min(end, eStart + span),
        keepWrite,
        clearA,
      );
      if (r < 0) return r;
    }
    return 0;
  }

  /**
   * {@link PageMapper.copyIn} at level 0 (8-byte entries, little-endian host): the same result, computed on copies
   * of the tables. The source table is read once into {@link LEAF_SRC}, write-protected there and written back
   * whole; a destination table created by this copy is built in {@link LEAF_DST} and written once. A destination
   * table that already existed is written entry by entry, checked as in `copyIn`. Every changed source entry is
   * still in the undo log (a rollback restores its words; on failure the copy is simply not written back).
   */
  private copyLeafTable(
    src: PageMapper,
    table: number,
    base: number,
    start: number,
    end: number,
    keepWrite: boolean,
    clearA: boolean,
  ): number {
    const { arch, memory } = this;
    const srcWords = LEAF_SRC_WORDS;
    if (!memory.readBytes(table * PAGE_SIZE, LEAF_SRC)) {
      throw new PageTableCorruption(`table 0x${table.toString(16)} is outside memory`);
    }
    const pte = this.pte;
    const zeroInvalid = this.zeroIsInvalid;
    const forced = this.forcedFlags;
    const undo = src.undoLog;
    const flushPages = src.txFlushPages;
    let dstTable = -1;
    /** The destination table was created by this copy: entries go to `LEAF_DST`, written at the end. */
    let fresh = false;
    let freshCount = 0;
    let srcChanged = false;
    let left = src.occupiedCount(table);
    const last = Math.min(this.entries, end - base);
    for (let i = start - base; i < last && left !== 0; i++) {
      const lo = srcWords[2 * i] as number;
      const hi = srcWords[2 * i + 1] as number;
      if (lo === 0 && hi === 0 && zeroInvalid) continue;
      const kind = arch.kind(lo, hi, 0);
      let pn = false;
      if (kind !== PteKind.Leaf) {
        if (kind === PteKind.Invalid) {
          if (!src.isProtNoneEntry(lo, hi)) continue;
          pn = true;
        } else {
          throw malformedEntry(0, base + i);
        }
      }
      left--;
      const vpn = base + i;
      const pfn = arch.ppn(lo, hi);
      const flags = pn ? arch.flags(lo, hi) & PROT_NONE_FLAGS : arch.flags(lo, hi);
      let srcFlags = flags;
      if (!keepWrite && flags & PteFlag.Write) {
        srcFlags = flags & ~PteFlag.Write;
        arch.withFlags(lo, hi, srcFlags, pte);
        srcWords[2 * i] = pte.lo;
        srcWords[2 * i + 1] = pte.hi;
        srcChanged = true;
        // src.replaceEntry's undo record (the write itself happens with the whole table below).
        const u = src.undoLen;
        undo[u] = table;
        undo[u + 1] = i;
        undo[u + 2] = 0;
        undo[u + 3] = lo;
        undo[u + 4] = hi;
        src.undoLen = u + 5;
        flushPages[src.txFlushLen++] = vpn;
      }
      let childFlags = srcFlags;
      if (clearA) childFlags &= ~PteFlag.Accessed;
      if (keepWrite) childFlags &= ~PteFlag.Dirty;
      if (dstTable < 0) {
        dstTable = this.ensureTable(vpn, 0);
        if (dstTable < 0) return dstTable;
        fresh = this.ensuredFresh;
        if (fresh) LEAF_DST.fill(0);
      }
      if (pn) this.encodeProtNone(pfn, childFlags, pte);
      else arch.encodeLeaf(pfn, childFlags | forced, 0, pte);
      if (fresh) {
        LEAF_DST_WORDS[2 * i] = pte.lo;
        LEAF_DST_WORDS[2 * i + 1] = pte.hi;
        freshCount++;
      } else {
        memory.read64(dstTable * PAGE_SIZE + i * 8, this.old);
        if (this.occupied(this.old.lo, this.old.hi, 0)) {
          return this.fail(MapperError.PageAlreadyMapped, vpn, 0, 'destination page is already mapped');
        }
        this.setEntry(dstTable, i, 0, pte.lo, pte.hi);
      }
      if (this.collectShared) {
        let out = this.sharedLeaves;
        const at4 = 4 * this.copied;
        if (at4 === out.length) out = this.growSharedLeaves();
        out[at4] = vpn;
        out[at4 + 1] = pfn;
        out[at4 + 2] = 0;
        out[at4 + 3] = childFlags;
      }
      this.copied++;
    }
    if (srcChanged) memory.writeBytes(table * PAGE_SIZE, LEAF_SRC);
    if (freshCount > 0) {
      memory.writeBytes(dstTable * PAGE_SIZE, LEAF_DST);
      (this.tables.get(dstTable) as TableInfo).count += freshCount;
    }
    return 0;
  }

  /** Doubles {@link PageMapper.sharedLeaves} (keeping its contents) and returns the new buffer. */
  private growSharedLeaves(): Float64Array {
    const old = this.sharedLeaves;
    const grown = new Float64Array(Math.max(4096, old.length * 2));
    grown.set(old);
    this.sharedLeaves = grown;
    return grown;
  }

  /** The table at `level` holding page `vpn`'s entry, creating missing tables; or a negative error. */
  private ensureTable(vpn: number, level: number): number {
    const { arch, memory } = this;
    const s = this.scratch;
    let table = this.root;
    this.ensuredFresh = false;
    for (let l = this.levels - 1; l > level; l--) {
      const idx = arch.indexAt(vpn, l);
      memory.read64(table * PAGE_SIZE + idx * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, l);
      if (kind === PteKind.Table) table = arch.ppn(s.lo, s.hi, l);
      else if (kind === PteKind.Invalid) {
        const t = this.newTable(table, idx, l);
        if (t < 0) return this.fail(MapperError.FrameAllocationFailed, vpn, l, 'no frame for a table');
        table = t;
        // Every table below a new one is new too, so the returned table is fresh exactly when this happened.
        this.ensuredFresh = true;
      } else if (kind === PteKind.Leaf) {
        return this.fail(MapperError.ParentEntryHugePage, vpn, l, 'a huge page covers it');
      } else throw malformedEntry(l, vpn);
    }
    return table;
  }

  /**
   * Occupied entries of `table` ({@link TableInfo.count}), or `entries` for a table this mapper does not own (the
   * kernel's shared ones: no count known, scan everything).
   */
  private occupiedCount(table: number): number {
    const info = this.tables.get(table);
    return info === undefined ? this.entries : info.count;
  }

  /** True when the level-0 words are an inaccessible (PROT_NONE) entry; never for zero words. */
  private isProtNoneEntry(lo: number, hi: number): boolean {
    return (lo | hi) !== 0 && this.protNone && this.arch.isProtNone?.(lo, hi) === true;
  }

  /**
   * True when the entry at `level` counts in its table's {@link TableInfo.count}: valid, or an inaccessible level-0
   * entry (it owns a frame, so its table must not be reclaimed).
   */
  private occupied(lo: number, hi: number, level: number): boolean {
    if (lo === 0 && hi === 0 && this.zeroIsInvalid) return false;
    return this.arch.kind(lo, hi, level) !== PteKind.Invalid || (level === 0 && this.isProtNoneEntry(lo, hi));
  }

  /** Encodes an inaccessible entry (callers checked {@link PageMapper.protNone} through `flagsOk`). */
  private encodeProtNone(pfn: number, flags: PteFlags, out: U64Pair): void {
    const encode = this.arch.encodeProtNone;
    if (encode === undefined) throw new PageTableCorruption('the architecture has no inaccessible entries');
    encode.call(this.arch, pfn, flags, out);
  }

  private splitLeaf(table: number, index: number, level: number, lo: number, hi: number): number {
    const { arch, memory } = this;
    const pfn = arch.ppn(lo, hi, level);
    const flags = arch.flags(lo, hi);
    const child = this.allocator.alloc();
    if (child === NO_FRAME) return -1;
    memory.zeroFrame(child);
    this.txTables.push(child);
    const sub = this.spans[level - 1] as number;
    const pte = this.pte;
    for (let j = 0; j < this.entries; j++) {
      arch.encodeLeaf(pfn + j * sub, flags, level - 1, pte);
      memory.write64(child * PAGE_SIZE + j * this.pteSize, pte.lo, pte.hi);
    }
    this.tables.set(child, { count: this.entries, parent: table, index, level: level - 1, pinned: false });
    arch.encodeTable(child, pte);
    // Same translations before and after: the split itself needs no flush; the caller flushes what it changes next.
    this.setEntry(table, index, level, pte.lo, pte.hi);
    return child;
  }

  private newTable(parent: number, index: number, parentLevel: number): number {
    const t = this.allocator.alloc();
    if (t === NO_FRAME) return -1;
    this.memory.zeroFrame(t);
    this.tables.set(t, { count: 0, parent, index, level: parentLevel - 1, pinned: false });
    this.txTables.push(t);
    const pte = this.pte;
    this.arch.encodeTable(t, pte);
    this.setEntry(parent, index, parentLevel, pte.lo, pte.hi);
    return t;
  }

  private allocData(level: number): number {
    const { allocator, memory } = this;
    const pfn = level === 0 ? allocator.alloc() : allocator.allocContiguous(this.arch.bitsPerLevel * level);
    if (pfn === NO_FRAME) return -1;
    const n = this.spans[level] as number;
    for (let j = 0; j < n; j++) memory.zeroFrame(pfn + j);
    this.txData.push(pfn, level);
    return pfn;
  }

  /** Writes an entry, keeping the table's occupied-entry count and the undo log. */
  private setEntry(table: number, index: number, level: number, lo: number, hi: number): void {
    const old = this.old;
    this.memory.read64(table * PAGE_SIZE + index * this.pteSize, old);
    const was = this.occupied(old.lo, old.hi, level);
    this.setKnownEntry(table, index, level, old.lo, old.hi, was, lo, hi);
  }

  /**
   * {@link PageMapper.setEntry} when the caller has just read the entry: `(oldLo, oldHi)` are its current words
   * and `was` tells whether they are occupied (no second read, no second `kind` of the old words).
   */
  private setKnownEntry(
    table: number,
    index: number,
    level: number,
    oldLo: number,
    oldHi: number,
    was: boolean,
    lo: number,
    hi: number,
  ): void {
    const now = this.occupied(lo, hi, level);
    this.memory.write64(table * PAGE_SIZE + index * this.pteSize, lo, hi);
    const log = this.undoLog;
    const u = this.undoLen;
    log[u] = table;
    log[u + 1] = index;
    log[u + 2] = level;
    log[u + 3] = oldLo;
    log[u + 4] = oldHi;
    this.undoLen = u + 5;
    if (was !== now) {
      const info = this.tables.get(table);
      if (!info) throw new PageTableCorruption(`table 0x${table.toString(16)} is not owned by this mapper`);
      if (now) info.count++;
      else if (--info.count === 0 && !info.pinned && info.parent >= 0) this.maybeEmpty.push(table);
    }
  }

  /**
   * Replaces an occupied entry whose current words `(oldLo, oldHi)` the caller has just read with another valid one
   * (`withFlags` of a leaf, or a leaf ↔ inaccessible entry): no read back, no count change; the undo log keeps
   * the old words.
   */
  private replaceEntry(
    table: number,
    index: number,
    level: number,
    oldLo: number,
    oldHi: number,
    lo: number,
    hi: number,
  ): void {
    this.memory.write64(table * PAGE_SIZE + index * this.pteSize, lo, hi);
    const log = this.undoLog;
    const u = this.undoLen;
    log[u] = table;
    log[u + 1] = index;
    log[u + 2] = level;
    log[u + 3] = oldLo;
    log[u + 4] = oldHi;
    this.undoLen = u + 5;
  }

  /** Ends an operation: commits when `r ≥ 0`, else rolls back. Returns `r`. */
  private finish(r: number, flusher: TlbFlusher): number {
    if (r < 0) this.rollback();
    else this.commit(flusher);
    return r;
  }

  private rollback(): void {
    const log = this.undoLog;
    const { memory } = this;
    for (let k = this.undoLen - 5; k >= 0; k -= 5) {
      const table = log[k] as number;
      const index = log[k + 1] as number;
      const level = log[k + 2] as number;
      const lo = log[k + 3] as number;
      const hi = log[k + 4] as number;
      const addr = table * PAGE_SIZE + index * this.pteSize;
      memory.read64(addr, this.old);
      const was = this.occupied(this.old.lo, this.old.hi, level);
      const now = this.occupied(lo, hi, level);
      memory.write64(addr, lo, hi);
      if (was !== now) {
        const info = this.tables.get(table);
        if (info) info.count += now ? 1 : -1;
      }
    }
    this.undoLen = 0;
    if (this.txTables.length !== 0) this.dropLeafCache();
    for (const t of this.txTables) {
      this.tables.delete(t);
      this.allocator.free(t, 0);
    }
    const data = this.txData;
    for (let k = 0; k < data.length; k += 2) {
      this.allocator.free(data[k] as number, this.arch.bitsPerLevel * (data[k + 1] as number));
    }
    this.clearTx();
  }

  private commit(flusher: TlbFlusher): void {
    if (this.reclaim) this.reclaimEmptyTables();
    const pages = this.txFlushPages;
    const frees = this.txFrees;
    const changed = this.txFlushLen > 0 || this.txFlushAll;
    if (this.txFlushAll) flusher.flushAll();
    else for (let k = 0; k < this.txFlushLen; k++) flusher.flushPage(pages[k] as number);
    for (let k = 0; k < frees.length; k += 2) {
      const pfn = frees[k] as number;
      const level = frees[k + 1] as number;
      const release = this.txFreeFns[k >> 1] as FrameRelease;
      if (level === 0) flusher.deferFree(pfn, release);
      else flusher.deferFree(pfn, (p) => release(p, level));
    }
    for (const t of this.freedTables) flusher.deferFree(t, this.freeTableFn);
    if (changed && flusher !== this.lastFlusher) {
      this.usedFlushers.add(flusher);
      this.lastFlusher = flusher;
    }
    this.clearTx();
  }

  private reclaimEmptyTables(): void {
    const list = this.maybeEmpty;
    for (let k = 0; k < list.length; k++) {
      const t = list[k] as number;
      const info = this.tables.get(t);
      if (info === undefined || info.count !== 0 || info.pinned || info.parent < 0) continue;
      this.setEntry(info.parent, info.index, info.level + 1, 0, 0);
      this.tables.delete(t);
      this.dropLeafCache();
      this.freedTables.push(t);
      // A table was freed: flush the whole address space, as Linux's RISC-V tlb_flush() does when
      // mmu_gather.freed_tables is set (arch/riscv/include/asm/tlb.h); the spec asks rs1 = x0 for non-leaf changes.
      this.txFlushAll = true;
    }
  }

  private clearTx(): void {
    // Only touch `length` when needed: setting it costs more than the rest of a one-page operation.
    if (this.txTables.length !== 0) this.txTables.length = 0;
    if (this.txData.length !== 0) this.txData.length = 0;
    this.txFlushLen = 0;
    this.txFlushAll = false;
    if (this.txFrees.length !== 0) {
      this.txFrees.length = 0;
      this.txFreeFns.length = 0;
    }
    if (this.maybeEmpty.length !== 0) this.maybeEmpty.length = 0;
    if (this.freedTables.length !== 0) this.freedTables.length = 0;
    this.undoLen = 0;
  }

  // ─────────────────────────── validation ───────────────────────────

  /** True when `[start, end)` is a non-empty range of pages aligned to `level`; else records the error. */
  private rangeOk(start: number, end: number, level: number, mutate: boolean): boolean {
    if (this.root < 0) return this.bad(start, level, 'the mapper was destroyed');
    if (!Number.isInteger(level) || level < 0 || level > this.arch.maxLeafLevel || level >= this.levels) {
      return this.bad(start, level, `bad level ${level}`);
    }
    const span = this.spans[level] as number;
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end > this.vpnCount ||
      start >= end
    ) {
      return this.bad(start, level, `bad page range [0x${start.toString(16)}, 0x${end.toString(16)})`);
    }
    if (start % span !== 0 || end % span !== 0)
      return this.bad(start, level, `range not aligned to level ${level}`);
    if (mutate && this.sharesKernel && end > this.kernelStartVpn) {
      this.fail(
        MapperError.KernelShared,
        Math.max(start, this.kernelStartVpn),
        level,
        'the kernel half is shared',
      );
      return false;
    }
    return true;
  }

  /**
   * Flags of a leaf at `level`: R or X (W needs R), or — when `protNone` is allowed (an existing frame is placed or
   * kept) — none of R/W/X for an inaccessible level-0 entry.
   */
  private flagsOk(flags: number, vpn: number, level: number, protNone: boolean): boolean {
    const rwx = flags & 7;
    if (!Number.isInteger(flags) || (flags & ~ALL_FLAGS) !== 0) {
      return this.bad(vpn, 0, `bad leaf flags 0x${flags.toString(16)} (need R or X; W needs R)`);
    }
    if (rwx === 0) {
      if (!protNone) {
        return this.bad(vpn, level, `bad leaf flags 0x${flags.toString(16)} (need R or X; W needs R)`);
      }
      if (!this.protNone) {
        return this.bad(vpn, level, `${this.arch.name} cannot encode an inaccessible (PROT_NONE) entry`);
      }
      if (level !== 0) return this.bad(vpn, level, 'inaccessible (PROT_NONE) entries exist only at level 0');
      return true;
    }
    if ((rwx & (PteFlag.Write | PteFlag.Read)) === PteFlag.Write) {
      return this.bad(vpn, 0, `bad leaf flags 0x${flags.toString(16)} (W needs R)`);
    }
    return true;
  }

  private pfnOk(pfn: number, level: number, vpn: number): boolean {
    const span = this.spans[level] as number;
    if (!Number.isInteger(pfn) || pfn < 0 || pfn + span > 2 ** this.arch.ppnBits) {
      return this.bad(vpn, level, `bad frame 0x${pfn.toString(16)}`);
    }
    if (pfn % span !== 0)
      return this.bad(vpn, level, `frame 0x${pfn.toString(16)} not aligned to level ${level}`);
    return true;
  }

  private bad(vpn: number, level: number, message: string): false {
    this.fail(MapperError.InvalidArgument, vpn, level, message);
    return false;
  }

  private fail(code: number, vpn: number, level: number, message: string): number {
    const e = this.error;
    e.code = code;
    e.vpn = vpn;
    e.level = level;
    e.message = message;
    return code;
  }

  private lastError(): number {
    return this.error.code;
  }

  // ─────────────────────────── construction helpers ───────────────────────────

  private adopt(table: number, level: number, parent: number, index: number): void {
    const { arch, memory } = this;
    const s = this.scratch;
    const info: TableInfo = { count: 0, parent, index, level, pinned: parent < 0 };
    this.tables.set(table, info);
    for (let i = 0; i < this.entries; i++) {
      memory.read64(table * PAGE_SIZE + i * this.pteSize, s);
      const kind = arch.kind(s.lo, s.hi, level);
      if (kind === PteKind.Invalid) {
        if (level === 0 && this.isProtNoneEntry(s.lo, s.hi)) info.count++;
        continue;
      }
      info.count++;
      const borrowed = parent < 0 && this.sharesKernel && i >= this.entries / 2;
      if (kind === PteKind.Table && !borrowed) this.adopt(arch.ppn(s.lo, s.hi, level), level - 1, table, i);
    }
  }

  private copyKernelHalf(kernel: PageMapper): void {
    if (kernel.arch !== this.arch)
      throw new Error('PageMapper: the kernel template uses another architecture');
    const s = this.scratch;
    const top = this.levels - 1;
    const info = this.tables.get(this.root) as TableInfo;
    for (let i = this.entries / 2; i < this.entries; i++) {
      this.memory.read64(kernel.root * PAGE_SIZE + i * this.pteSize, s);
      if (this.arch.kind(s.lo, s.hi, top) === PteKind.Invalid) continue;
      const at = this.root * PAGE_SIZE + i * this.pteSize;
      this.memory.read64(at, this.old);
      if (this.arch.kind(this.old.lo, this.old.hi, top) === PteKind.Invalid) info.count++;
      this.memory.write64(at, s.lo, s.hi);
    }
  }

  /** @internal Formats the error record (used in messages). */
  describeError(): string {
    return `${mapperErrorName(this.error.code)} at vpn 0x${this.error.vpn.toString(16)}: ${this.error.message}`;
  }
}

/** The error for a PTE the arch calls malformed where the mapper walks: its own tables are corrupt. */
function malformedEntry(level: number, vpn: number): PageTableCorruption {
  return new PageTableCorruption(`malformed entry at level ${level} for vpn 0x${vpn.toString(16)}`);
}
