/**
 * `AddressSpace`: one process's memory (Linux `mm_struct`, DragonOS `InnerAddressSpace`, Asterinas `ProcessVm`) —
 * its VMAs (the intent), its page table (the effect), its break and stack, and the page-fault handler that turns
 * intent into effect: demand-zero pages, the shared zero page, copy-on-write, shared anonymous pages and stack growth.
 *
 * The system calls live one per file (`mmap.ts`, `mprotect.ts`, ...) and work on an `AddressSpace` through the
 * methods marked *internal* here; {@link Process} is the public face that exposes them.
 *
 * Invariants (checked by `checkInvariants`):
 * - VMAs are ordered, disjoint and inside `[0, taskSize)`;
 * - every present PTE lies inside a VMA and grants no right the VMA lacks; a writable PTE of a private VMA maps a
 *   frame nobody else maps;
 * - every data frame's reference count equals the PTEs that map it plus the shared objects that hold it.
 *
 * @module
 */

import type { FrameAllocator, PagingArch, PhysicalMemory } from '@pagewright/core';
import {
  Access,
  type EventSink,
  PAGE_SIZE,
  PteFlag,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_LOCKONFAULT,
  VM_MAYSHARE,
  VM_READ,
  VM_SHARED,
  VM_WRITE,
  type VmFlags,
} from '@pagewright/core';
import { type CachedFile, type CachedPageState, type FileSystem, PAGE_BEYOND_EOF } from '@pagewright/files';
import type { VmEvents } from '@pagewright/reclaim';
import type { PlacementPolicy } from '@pagewright/vma';
import { type AnonVmaAllocator, type SharedObject, type Vma, type VmaIndex, VmaSet } from '@pagewright/vma';
import { NegErrno } from './errno.js';
import { accountFault, type TaskFaults } from './fault-stats.js';
import { FILE_MAPPING_OBSERVER, FileMappings, fileOf } from './file-mmap.js';
import type { FrameOwners } from './frame-owners.js';
import { dropGuards, isGuarded } from './guard-regions.js';
import { type AddressSpaceLayout, type AddressSpaceLimits, newLayout } from './layout.js';
import { NOT_MAPPED, type PageTable } from './page-table.js';
import { type PlacementChoice, TOP_DOWN } from './placement.js';
import type { MachineReclaim } from './reclaim-hooks.js';
import type { SharedMemory } from './shared-memory.js';
import { BUS_ADRERR, OOM_KILL, SEGV_ACCERR, SEGV_MAPERR } from './signals.js';
import { swapInFault } from './swap-fault.js';

export type { AddressSpaceLayout, AddressSpaceLimits } from './layout.js';
export { newLayout } from './layout.js';

/** What an address space needs from its machine. */
export interface MachineServices {
  readonly memory: PhysicalMemory;
  readonly allocator: FrameAllocator;
  readonly arch: PagingArch;
  readonly refs: FrameOwners;
  readonly shared: SharedMemory;
  readonly anonVmas: AnonVmaAllocator;
  readonly sink: EventSink;
  /** The filesystem whose files processes map (its page cache holds the frames of file pages). */
  readonly files: FileSystem;
  /** The frame of the shared zero page. */
  readonly zeroPfn: number;
  /** Reclaim and swap (`reclaim-hooks.ts`), or null when the machine has no swap. */
  readonly reclaim: MachineReclaim | null;
  /** The `/proc/vmstat` counters (`pgfault` …, `fault-stats.ts`). */
  readonly vmstat: VmEvents;
  /** A new empty VMA index of the configured kind. */
  newVmaIndex(): VmaIndex;
  /** A fresh empty address space with the given limits, or null when out of memory. */
  newAddressSpaceFor(pid: number, limits: AddressSpaceLimits): AddressSpace | null;
  /** A new page table whose edits are made on hart `initiator()`. @throws Error when out of memory */
  newPageTable(initiator: () => number): PageTable;
}

/** Result of {@link AddressSpace.populate}: 0, `-EFAULT` or `-ENOMEM`. */
export type PopulateResult = 0 | typeof NegErrno.EFAULT | typeof NegErrno.ENOMEM;

/** Result of {@link AddressSpace.handleFault}: 0 when the access can be retried, or a negative signal sentinel. */
export type FaultResult = number;

/**
 * A process's address space.
 */
export class AddressSpace {
  /** The VMAs. */
  readonly vmas: VmaSet;
  /** The page table. */
  readonly pageTable: PageTable;
  /** Layout limits. */
  readonly limits: AddressSpaceLimits;
  /** Where the program, its heap, stack, strings and mmap area lie (fork copies it whole). */
  readonly layout: AddressSpaceLayout = newLayout();
  /** Flags added to every new VMA (`mm->def_flags`: `VM_LOCKED` after `mlockall(MCL_FUTURE)`). */
  defFlags: VmFlags = 0;
  /** Where mappings without `MAP_FIXED` go: Linux's top-down layout (default), bottom-up, or a user's policy. */
  placement: PlacementChoice = TOP_DOWN;
  /** The user policy made for this space's layout (a `'custom'` placement), with the `mmapBase` it was made for. */
  placementPolicy: { mmapBase: number; policy: PlacementPolicy } | null = null;
  /** Highest resident-set size seen, in pages (`VmHWM`). */
  hiwaterRss = 0;
  /** Highest total size seen, in pages (`VmPeak`). */
  hiwaterVm = 0;
  /** The owning task's minor and major faults (`fault-stats.ts`; exec carries them to the new space). */
  faults: TaskFaults = { minor: 0, major: 0 };
  /** Set once {@link AddressSpace.destroy} has run. */
  destroyed = false;
  /** The hart the owning process runs on (the initiator of TLB shootdowns: no IPI to itself). */
  hartId = 0;

  /** @internal */
  readonly m: MachineServices;
  /** The file VMAs as the files' reverse maps know them (see `file-mmap.ts`). @internal */
  readonly fileMaps: FileMappings;
  private readonly pid: number;

  /**
   * @param machine - the machine's shared services
   * @param limits - layout limits
   * @param pid - the owner's pid (for events)
   */
  constructor(machine: MachineServices, limits: AddressSpaceLimits, pid: number) {
    this.m = machine;
    this.limits = limits;
    this.pid = pid;
    this.vmas = new VmaSet({
      index: machine.newVmaIndex(),
      sink: machine.sink,
      pid,
      anonVmas: machine.anonVmas,
    });
    this.pageTable = machine.newPageTable(() => this.hartId);
    this.fileMaps = new FileMappings(this);
  }

  // The fields of {@link AddressSpace.layout}, by name (`as.brk` is `as.layout.brk`).
  /** {@link AddressSpaceLayout.startBrk}. */
  get startBrk(): number {
    return this.layout.startBrk;
  }
  set startBrk(v: number) {
    this.layout.startBrk = v;
  }
  /** {@link AddressSpaceLayout.brk}. */
  get brk(): number {
    return this.layout.brk;
  }
  set brk(v: number) {
    this.layout.brk = v;
  }
  /** {@link AddressSpaceLayout.startCode}. */
  get startCode(): number {
    return this.layout.startCode;
  }
  set startCode(v: number) {
    this.layout.startCode = v;
  }
  /** {@link AddressSpaceLayout.endCode}. */
  get endCode(): number {
    return this.layout.endCode;
  }
  set endCode(v: number) {
    this.layout.endCode = v;
  }
  /** {@link AddressSpaceLayout.startData}. */
  get startData(): number {
    return this.layout.startData;
  }
  set startData(v: number) {
    this.layout.startData = v;
  }
  /** {@link AddressSpaceLayout.endData}. */
  get endData(): number {
    return this.layout.endData;
  }
  set endData(v: number) {
    this.layout.endData = v;
  }
  /** {@link AddressSpaceLayout.startStack}. */
  get startStack(): number {
    return this.layout.startStack;
  }
  set startStack(v: number) {
    this.layout.startStack = v;
  }
  /** {@link AddressSpaceLayout.argStart}. */
  get argStart(): number {
    return this.layout.argStart;
  }
  set argStart(v: number) {
    this.layout.argStart = v;
  }
  /** {@link AddressSpaceLayout.argEnd}. */
  get argEnd(): number {
    return this.layout.argEnd;
  }
  set argEnd(v: number) {
    this.layout.argEnd = v;
  }
  /** {@link AddressSpaceLayout.envStart}. */
  get envStart(): number {
    return this.layout.envStart;
  }
  set envStart(v: number) {
    this.layout.envStart = v;
  }
  /** {@link AddressSpaceLayout.envEnd}. */
  get envEnd(): number {
    return this.layout.envEnd;
  }
  set envEnd(v: number) {
    this.layout.envEnd = v;
  }
  /** {@link AddressSpaceLayout.mmapBase}. */
  get mmapBase(): number {
    return this.layout.mmapBase;
  }
  set mmapBase(v: number) {
    this.layout.mmapBase = v;
  }

  /**
   * Drops the owner a PTE held on frame `pfn` (the page-table release callback): a page-cache frame loses one
   * mapping (`cache.unmapPage`), a data frame one reference. Page-cache frames are the ones the frame pool does not
   * count (their reference count there is 0).
   * @internal
   */
  readonly releaseFrame = (pfn: number): void => {
    if (this.m.refs.count(pfn) === 0) this.m.files.cache.unmapPage(pfn);
    else this.m.refs.put(pfn);
  };

  /** Adds an owner to the frame a PTE is about to share (fork): a cache page's map count, or a data frame's count. @internal */
  readonly shareFrame = (pfn: number): void => {
    if (this.m.refs.count(pfn) === 0) {
      // The cache's page records carry their file (`CachedPage.file`); the state interface does not name it.
      const page = this.m.files.cache.pageOfFrame(pfn) as
        | (CachedPageState & { file?: CachedFile })
        | undefined;
      if (page?.file !== undefined) this.m.files.cache.mapPage(page.file, page.index);
    } else this.m.refs.get(pfn);
  };

  /** Installs the truncation hook on the filesystem (once a file is mapped). @internal */
  watchFiles(): void {
    this.m.files.setMappingObserver(FILE_MAPPING_OBSERVER);
  }

  // ---- accounting -------------------------------------------------------------------------------------------------

  /** Total mapped pages (`total_vm`). O(1): the VMA set's running total. */
  totalPages(): number {
    return this.vmas.totalPages;
  }

  /** Pages of `VM_LOCKED` VMAs (`locked_vm`, what `RLIMIT_MEMLOCK` is checked against). O(1). */
  lockedPages(): number {
    return this.vmas.lockedPages;
  }

  /** Resident pages: present PTEs mapping a normal frame (the zero page does not count, as in Linux). */
  residentPages(): number {
    let n = 0;
    const zero = this.m.zeroPfn;
    this.pageTable.visit(0, this.limits.taskSize / PAGE_SIZE, (_v, pfn) => {
      if (pfn !== zero) n++;
    });
    return n;
  }

  /** Updates the high-water marks (called after operations that grow the space); O(1). @internal */
  updateHiwater(): void {
    const vm = this.vmas.totalPages;
    if (vm > this.hiwaterVm) this.hiwaterVm = vm;
  }

  // ---- page-level operations (internal) ---------------------------------------------------------------------------

  /**
   * Removes every PTE of `[start, end)` (pages) and drops the frames' references after the TLB flush (Linux
   * `zap_page_range`). @internal
   */
  zap(start: number, end: number): void {
    const pt = this.pageTable;
    pt.unmapRange(start, end, this.releaseFrame);
    pt.flush();
  }

  /**
   * Unmaps `[start, end)` (pages): removes the VMAs (splitting at the ends) and their pages (Linux
   * `do_vmi_align_munmap`). Returns the removed VMAs.
   * @internal
   */
  unmapRange(start: number, end: number): Vma[] {
    const removed = this.vmas.removeRange(start, end);
    if (removed.length > 0) {
      dropGuards(this, start, end); // the guard markers go with the page-table entries
      // unmap_region: unmap_vmas, free_pgtables, then one tlb_finish_mmu (the flush before any frame goes back).
      const pt = this.pageTable;
      pt.unmapRange(start, end, this.releaseFrame);
      this.freePageTables(start, end);
      pt.flush();
      this.releaseShared(removed);
      this.fileMaps.sync();
    }
    return removed;
  }

  /**
   * Linux `free_pgtables` for `[start, end)` (pages no VMA covers any more, their PTEs gone): frees the page tables
   * there that no VMA can still use, with the floor and ceiling taken from the neighbouring VMAs (`prev->vm_end`
   * or 0, `next->vm_start` or the top of the user range). The frames go back at the next {@link PageTable.flush}.
   * @internal
   */
  freePageTables(start: number, end: number): void {
    const next = this.vmas.findFrom(start);
    const prev = next === undefined ? this.vmas.index.last() : this.vmas.index.prevOf(next);
    const floor = prev === undefined ? 0 : Math.min(prev.end, start);
    const ceiling = next === undefined ? Number.POSITIVE_INFINITY : Math.max(next.start, end);
    this.pageTable.freeTables(start, end, floor, ceiling);
  }

  /** Releases the shared objects of `removed` (VMAs just unmapped) that no VMA maps any more. @internal */
  releaseShared(removed: readonly Vma[]): void {
    for (let i = 0; i < removed.length; i++) {
      const b = (removed[i] as Vma).backing;
      if (b.kind === 'anon-shared') this.m.shared.releaseIfUnmapped(b.object);
    }
  }

  /**
   * Prefaults `[start, end)` (pages) as `__mm_populate` does: write faults on private writable VMAs, read faults
   * otherwise; `VM_LOCKONFAULT` VMAs and inaccessible ones are skipped (the latter is an error unless
   * `ignoreErrors`). Returns 0, `-EFAULT` (an inaccessible VMA, or a fault that raised a signal) or `-ENOMEM` (no
   * frame), as `populate_vma_page_range` through `vm_fault_to_errno`.
   * @internal
   */
  populate(start: number, end: number, ignoreErrors: boolean): PopulateResult {
    let cur = start;
    while (cur < end) {
      const v = this.vmas.findFrom(cur);
      if (v === undefined || v.start >= end) break;
      const s = Math.max(v.start, cur);
      const e = Math.min(v.end, end);
      cur = e;
      if (v.flags & VM_LOCKONFAULT) continue; // populate_vma_page_range returns early
      if ((v.flags & (VM_READ | VM_WRITE | VM_EXEC)) === 0) {
        if (ignoreErrors) continue;
        return NegErrno.EFAULT;
      }
      const write = (v.flags & (VM_WRITE | VM_SHARED)) === VM_WRITE;
      for (let vpn = s; vpn < e; vpn++) {
        const r = this.faultPage(vpn, write ? Access.Store : Access.Load);
        if (r < 0) {
          if (ignoreErrors) break;
          return r === OOM_KILL ? NegErrno.ENOMEM : NegErrno.EFAULT;
        }
      }
    }
    return 0;
  }

  // ---- the page-fault handler --------------------------------------------------------------------------------------

  /**
   * Handles a page fault at `va` for `access` (Linux `handle_mm_fault` after `lock_mm_and_find_vma`). Returns 0 when
   * the access may be retried, or {@link SEGV_MAPERR}, {@link SEGV_ACCERR}, {@link BUS_ADRERR}, {@link OOM_KILL}.
   */
  handleFault(va: number, access: number): FaultResult {
    if (!(va >= 0 && va < this.limits.taskSize)) return SEGV_MAPERR;
    const r = this.faultPage(Math.floor(va / PAGE_SIZE), access);
    if (this.m.sink.enabled)
      this.m.sink.emit('fault', {
        pid: this.pid,
        va,
        access,
        cause: access === Access.Store ? 15 : access === Access.Fetch ? 12 : 13,
        outcome:
          r === 0
            ? 'handled'
            : r === SEGV_MAPERR
              ? 'SEGV_MAPERR'
              : r === SEGV_ACCERR
                ? 'SEGV_ACCERR'
                : 'SIGBUS',
      });
    return r;
  }

  /**
   * Faults page `vpn` in for `access` (the part of the fault handler after the address check).
   * @internal
   */
  faultPage(vpn: number, access: number): FaultResult {
    const reclaim = this.m.reclaim;
    if (reclaim !== null) return reclaim.fault(this, vpn, access);
    const r = this.faultPageOnce(vpn, access);
    accountFault(this.m.vmstat, this.faults, r, false);
    return r;
  }

  /** {@link AddressSpace.faultPage} without reclaim: one attempt. @internal */
  faultPageOnce(vpn: number, access: number): FaultResult {
    let vma = this.vmas.find(vpn);
    if (vma === undefined) {
      vma = this.vmas.findFrom(vpn);
      if (vma === undefined || (vma.flags & VM_GROWSDOWN) === 0 || !this.expandStack(vma, vpn))
        return SEGV_MAPERR;
    }
    if (isGuarded(this, vpn)) return SEGV_MAPERR; // a guard marker: VM_FAULT_SIGSEGV (guard-regions.ts)
    const f = vma.flags;
    const write = access === Access.Store;
    // Linux access_error(): a store needs VM_WRITE, a fetch VM_EXEC, a load any access right (x86 semantics: write
    // and exec imply read, as on the reference kernel).
    if (
      write
        ? !(f & VM_WRITE)
        : access === Access.Fetch
          ? !(f & VM_EXEC)
          : !(f & (VM_READ | VM_WRITE | VM_EXEC))
    )
      return SEGV_ACCERR;
    const pt = this.pageTable;
    const pfn = pt.lookup(vpn);
    if (pfn !== NOT_MAPPED) {
      const flags = pt.lastFlags;
      if (write && !(flags & PteFlag.Write)) return this.writeProtectFault(vma, vpn, pfn, flags);
      // Present and allowed: only A/D were missing (Svade), or a stale TLB entry was refreshed.
      const want = flags | PteFlag.Accessed | (write ? PteFlag.Dirty : 0);
      if (want !== flags) {
        pt.protect(vpn, want);
        pt.flush();
      }
      return 0;
    }
    const slot = pt.swap.get(vpn);
    if (slot >= 0) return swapInFault(this.m.reclaim as MachineReclaim, this, f, vpn, slot, write);
    if (vma.backing.kind === 'anon-shared') return this.sharedFault(vma, vpn, write);
    if (vma.backing.kind === 'file' && !fileOf(vma).inode.mapsAsAnonymous)
      return this.fileFault(vma, vpn, write);
    if (!write) {
      // do_anonymous_page, read: map the shared zero page read-only (no anon_vma is needed).
      if (!pt.mapPhys(vpn, this.m.zeroPfn, this.pteFlagsFor(f, false) | PteFlag.Accessed)) return OOM_KILL;
      return 0;
    }
    if (vma.anonVma === null) this.vmas.prepareAnonVma(vma);
    const frame = this.m.refs.alloc();
    if (frame < 0) return OOM_KILL;
    if (!pt.mapPhys(vpn, frame, this.pteFlagsFor(f, true) | PteFlag.Accessed | PteFlag.Dirty)) {
      this.m.refs.put(frame);
      return OOM_KILL;
    }
    return 0;
  }

  /** The arch-neutral PTE flags for a VMA's rights (`vm_get_page_prot`); `writable` false write-protects. @internal */
  pteFlagsFor(vmFlags: VmFlags, writable: boolean): number {
    let p = PteFlag.User;
    if (vmFlags & (VM_READ | VM_WRITE | VM_EXEC)) p |= PteFlag.Read;
    if (writable && vmFlags & VM_WRITE) p |= PteFlag.Write;
    if (vmFlags & VM_EXEC) p |= PteFlag.Exec;
    return p;
  }

  /** A zero-filled frame with one reference, or -1. @internal */
  newZeroFrame(): number {
    return this.m.refs.alloc();
  }

  /** `do_wp_page`: a store to a present read-only PTE of a writable VMA. */
  private writeProtectFault(vma: Vma, vpn: number, pfn: number, flags: number): FaultResult {
    const pt = this.pageTable;
    const full = flags | PteFlag.Write | PteFlag.Accessed | PteFlag.Dirty;
    if (vma.flags & VM_MAYSHARE) {
      // wp_page_shared: the first store through a shared file mapping dirties the cache page (write-notify).
      if (vma.backing.kind === 'file') this.m.files.cache.markDirty(fileOf(vma).inode, vma.pgoffAt(vpn));
      pt.protect(vpn, full);
      pt.flush();
      return 0;
    }
    this.vmas.prepareAnonVma(vma);
    if (pfn !== this.m.zeroPfn && this.m.refs.count(pfn) === 1) {
      // The page has no other owner: reuse it (wp_page_reuse).
      pt.protect(vpn, full);
      pt.flush();
      if (this.m.sink.enabled)
        this.m.sink.emit('cow.break', { pid: this.pid, vpn, oldPfn: pfn, newPfn: pfn, reused: true });
      return 0;
    }
    const copy = this.m.refs.alloc(); // zero-filled: right for a copy of the zero page
    if (copy < 0) return OOM_KILL;
    if (pfn !== this.m.zeroPfn) this.m.memory.copyFrame(copy, pfn);
    pt.mapPhys(vpn, copy, this.pteFlagsFor(vma.flags, true) | PteFlag.Accessed | PteFlag.Dirty);
    pt.flush();
    this.releaseFrame(pfn); // a data frame's reference, or a page-cache page's mapping (COW from the cache page)
    if (this.m.sink.enabled)
      this.m.sink.emit('cow.break', { pid: this.pid, vpn, oldPfn: pfn, newPfn: copy, reused: false });
    return 0;
  }

  /** A fault on a shared anonymous VMA: map the object's page, creating it zero-filled; SIGBUS past the object. */
  private sharedFault(vma: Vma, vpn: number, write: boolean): FaultResult {
    const object = (vma.backing as { object: SharedObject }).object;
    const pgoff = vma.pgoffAt(vpn);
    if (pgoff >= object.sizePages) return BUS_ADRERR;
    let pfn = this.m.shared.frameOf(object, pgoff);
    if (pfn < 0) {
      pfn = this.newZeroFrame();
      if (pfn < 0) return OOM_KILL;
      this.m.shared.setFrame(object, pgoff, pfn);
    }
    const flags =
      this.pteFlagsFor(vma.flags, write) |
      PteFlag.Accessed |
      (write && vma.flags & VM_WRITE ? PteFlag.Dirty : 0);
    if (!this.pageTable.mapPhys(vpn, pfn, flags)) return OOM_KILL;
    this.m.refs.get(pfn);
    return 0;
  }

  /**
   * A fault on a file VMA whose page is not present (mm/memory.c `do_read_fault`, `do_cow_fault`,
   * `do_shared_fault`; mm/filemap.c `filemap_fault`). A page at or past the end of the file is SIGBUS
   * (`BUS_ADRERR`). Shared: the PTE maps the page-cache page itself, writable only on a store, which dirties it
   * (later stores to a read-mapped page take the write-protect fault, which dirties it then). Private: a load maps
   * the cache page read-only; a store maps a private copy of the cache page (copy-on-write from the file's
   * contents, never a zero frame). Out of frames: {@link OOM_KILL} with nothing changed.
   */
  private fileFault(vma: Vma, vpn: number, write: boolean): FaultResult {
    const inode = fileOf(vma).inode;
    const pgoff = vma.pgoffAt(vpn);
    const cache = this.m.files.cache;
    const pt = this.pageTable;
    const f = vma.flags;
    // VM_MAYSHARE, not VM_SHARED: a MAP_SHARED mapping of a read-only descriptor is shared too (and never written).
    if (f & VM_MAYSHARE || !write) {
      const pfn = cache.mapPage(inode, pgoff);
      if (pfn === PAGE_BEYOND_EOF) return BUS_ADRERR;
      if (pfn < 0) return OOM_KILL;
      const writable = write && (f & VM_MAYSHARE) !== 0;
      if (
        !pt.mapPhys(
          vpn,
          pfn,
          this.pteFlagsFor(f, writable) | PteFlag.Accessed | (writable ? PteFlag.Dirty : 0),
        )
      ) {
        cache.unmapPage(pfn);
        return OOM_KILL;
      }
      if (writable) cache.markDirty(inode, pgoff);
      return 0;
    }
    if (vma.anonVma === null) this.vmas.prepareAnonVma(vma);
    const copy = this.m.refs.alloc();
    if (copy < 0) return OOM_KILL;
    const src = cache.mapPage(inode, pgoff);
    if (src < 0) {
      this.m.refs.put(copy);
      return src === PAGE_BEYOND_EOF ? BUS_ADRERR : OOM_KILL;
    }
    this.m.memory.copyFrame(copy, src);
    cache.unmapPage(src);
    if (!pt.mapPhys(vpn, copy, this.pteFlagsFor(f, true) | PteFlag.Accessed | PteFlag.Dirty)) {
      this.m.refs.put(copy);
      return OOM_KILL;
    }
    return 0;
  }

  /**
   * Linux `expand_downwards`: grows the `VM_GROWSDOWN` VMA `vma` down to page `vpn` when the stack guard gap to the
   * accessible VMA below stays intact and the stack stays within `RLIMIT_STACK`.
   */
  private expandStack(vma: Vma, vpn: number): boolean {
    const addr = vpn * PAGE_SIZE;
    if (addr < this.limits.mmapMinAddr) return false;
    const prev = this.vmas.index.prevOf(vma);
    if (
      prev !== undefined &&
      !(prev.flags & VM_GROWSDOWN) &&
      prev.flags & (VM_READ | VM_WRITE | VM_EXEC) &&
      vpn - prev.end < this.limits.stackGuardGapPages
    )
      return false;
    if (prev !== undefined && prev.end > vpn) return false;
    // "We must make sure the anon_vma is allocated": expand_downwards prepares it after the guard-gap check and
    // before the pgoff and RLIMIT_STACK checks, whatever the access (a read that grows the stack too), so it stays
    // even when the growth is then refused. Fork copies the PTEs of such a VMA, and it merges as a faulted VMA.
    if (vma.anonVma === null) this.vmas.prepareAnonVma(vma);
    if ((vma.end - vpn) * PAGE_SIZE > this.limits.stackLimit) return false;
    if (vma.pgoff < vma.start - vpn) return false;
    this.vmas.growDown(vma, vpn);
    this.updateHiwater();
    return true;
  }

  // ---- teardown -----------------------------------------------------------------------------------------------------

  /** Frees every page, every page-table frame and the ASID (Linux `exit_mmap`). Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    const all = this.vmas.removeRange(0, this.limits.taskSize / PAGE_SIZE);
    this.pageTable.destroy(this.releaseFrame); // exit_mmap: unmap_vmas + free_pgtables, one full flush
    this.destroyed = true;
    this.releaseShared(all);
    this.fileMaps.sync();
  }
}
