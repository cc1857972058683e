/**
 * The reference model of one Linux process address space (anonymous memory and the tmpfs files of `files.ts`): a
 * deliberately simple,
 * executable specification written from Linux's source (mm/mmap.c, mm/vma.c, mm/mprotect.c, mm/mremap.c,
 * mm/madvise.c, mm/mincore.c, mm/mlock.c, mm/msync.c, kernel/fork.c — v6.18) and checked against the real
 * kernel's answers in `packages/process-vm/conformance/`. It shares no logic with the implementation.
 *
 * Representation: `pages` maps a virtual page number to a {@link Page}. There is no tree and no page table; a VMA
 * is a maximal run of consecutive pages with the same `vma` identity, and every identity forms one contiguous run.
 * System calls take raw u64 arguments (`bigint` or `number`) and return Linux's result: a value, or `-errno`.
 * Loads and stores return the byte, `'ok'`, or the signal.
 *
 * Speed is a secondary goal: operations walk pages one by one (fine for ranges of thousands of pages); only the
 * derived VMA list and the sorted page numbers are cached, so that processes of many VMAs stay usable.
 *
 * @module
 */

import {
  Errno,
  type ErrnoName,
  MADV_DODUMP,
  MADV_DOFORK,
  MADV_DONTDUMP,
  MADV_DONTFORK,
  MADV_DONTNEED,
  MADV_FREE,
  MADV_GUARD_INSTALL,
  MADV_GUARD_REMOVE,
  MADV_KEEPONFORK,
  MADV_NORMAL,
  MADV_POPULATE_READ,
  MADV_POPULATE_WRITE,
  MADV_RANDOM,
  MADV_REMOVE,
  MADV_SEQUENTIAL,
  MADV_WILLNEED,
  MADV_WIPEONFORK,
  MAP_ANONYMOUS,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_GROWSDOWN,
  MAP_LOCKED,
  MAP_NONBLOCK,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_TYPE,
  MREMAP_DONTUNMAP,
  MREMAP_FIXED,
  MREMAP_MAYMOVE,
  MS_ASYNC,
  MS_INVALIDATE,
  MS_SYNC,
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_READ,
  PROT_SEM,
  PROT_WRITE,
} from '@pagewright/core';
import { MAX_FILE_BYTES, type ModelDescription, ModelFdTable, type ModelFile } from './files.js';
import { PAGE, type Page, type SharedObject, type VmaAttrs, VmFlag } from './page.js';

/** Layout and architecture facts the model needs; they are configuration, not behaviour. */
export interface ModelConfig {
  /** TASK_SIZE: the end of the user address space (exclusive), in bytes. */
  taskSize: number;
  /** vm.mmap_min_addr: the lowest address a mapping may use (hints below it are raised to it). */
  mmapMinAddr: number;
  /** mm->mmap_base: top-down placement searches below this address, bottom-up above it. */
  mmapBase: number;
  /** Where the search goes: Linux's default top-down, or a bottom-up search from `mmapMinAddr`. */
  placement: 'topdown' | 'bottomup';
  /** stack_guard_gap in pages (Linux: 256): kept free below a VM_GROWSDOWN VMA. */
  stackGuardGapPages: number;
  /** mm->start_brk (page-aligned). */
  startBrk: number;
  /** RLIMIT_STACK in bytes (Linux's default 8 MiB): the largest a VM_GROWSDOWN VMA may grow. */
  stackLimit: number;
  /**
   * True when a page with only PROT_EXEC is readable (x86-64 `access_error`: any access right allows a read);
   * false on RISC-V, where a load needs VM_READ or VM_WRITE (arch/riscv/mm/fault.c).
   */
  execImpliesRead: boolean;
}

/** What a load or store gives back. */
export type Signal = 'SIGSEGV' | 'SIGBUS';

/** One `/proc/PID/maps` line, reduced to what the model decides. */
export interface MapsLine {
  /** Start address (bytes). */
  start: number;
  /** End address (bytes, exclusive). */
  end: number;
  /** `rwxp` / `rw-s` etc. */
  perms: string;
  /** A file mapping's path and offset (bytes) in the file. */
  name?: string;
  offset?: number;
}

/** One VMA as {@link ModelProcess.details} describes it. */
export interface ModelVmaDetail extends MapsLine {
  /** The offset column of maps (bytes). */
  offset: number;
  /** The name column of maps ('' for none). */
  name: string;
  /** A VMA the model did not create (its name and offset are the system under test's; not compared). */
  foreign: boolean;
  /** Private VMAs: resident pages (smaps Rss / 4 kB); -1 for shared VMAs. */
  rss: number;
  /** Private VMAs: resident pages whose PTE is young (smaps Referenced); -1 for shared VMAs. */
  referenced: number;
  /** Private VMAs: resident dirty pages (smaps Private_Dirty + Shared_Dirty); -1 for shared VMAs. */
  dirty: number;
}

/** The /proc facts the model decides. */
export interface ModelDetails {
  vmas: ModelVmaDetail[];
  /** /proc/PID/status fields in kB. */
  status: { VmSize: number; VmLck: number; VmData: number; VmStk: number };
}

/** Shared, machine-wide counters (fresh VMA, anon_vma and shared-object identities). */
export interface ModelIds {
  next(): number;
}

const U64 = (x: bigint | number): bigint => BigInt.asUintN(64, BigInt(x));
const PAGE_N = BigInt(PAGE);
/** PAGE_ALIGN on u64, wrapping like C does. */
const pageAlign = (x: bigint): bigint => BigInt.asUintN(64, x + PAGE_N - 1n) & ~(PAGE_N - 1n);
const err = (name: ErrnoName): number => -Errno[name];
const ACCESS = PROT_READ | PROT_WRITE | PROT_EXEC;
/** A PMD-level huge page (2 MiB) in pages. */
const PMD_PAGES = 512;
/** mm/mmap.c LEGACY_MAP_MASK: the flags MAP_SHARED ignores (MAP_SHARED_VALIDATE refuses others). */
const LEGACY_MAP_MASK =
  0x01 |
  0x02 |
  0x10 |
  0x20 |
  0x0800 |
  0x1000 |
  0x4000000 |
  0x0100 |
  0x2000 |
  0x4000 |
  0x8000 |
  0x10000 |
  0x20000 |
  0x40000;

/** A VMA as seen from the pages: [start, end) in page numbers. */
interface VmaView {
  start: number;
  end: number;
  first: Page;
}

/**
 * The page map of a process: a `Map` that counts its changes, so that the VMA list derived from it can be cached
 * (a cache only: the pages stay the one source of truth).
 */
class PageMap extends Map<number, Page> {
  /** Bumped by every `set`/`delete` and by every VMA relabelling. */
  version = 0;
  /** Bumped when the set of mapped pages changes. */
  keysVersion = 0;
  private sorted: { version: number; keys: number[] } = { version: -1, keys: [] };
  override set(k: number, v: Page): this {
    this.version++;
    if (!this.has(k)) this.keysVersion++;
    return super.set(k, v);
  }
  override delete(k: number): boolean {
    this.version++;
    const had = super.delete(k);
    if (had) this.keysVersion++;
    return had;
  }
  /** The lowest mapped page above `v`, or undefined. */
  firstAbove(v: number): number | undefined {
    if (this.sorted.version !== this.keysVersion)
      this.sorted = { version: this.keysVersion, keys: [...this.keys()].sort((a, b) => a - b) };
    const keys = this.sorted.keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! > v) hi = mid;
      else lo = mid + 1;
    }
    return keys[lo];
  }
}

/** The address space of one model process. */
export class ModelProcess {
  /** Every mapped page of this process. */
  readonly pages = new PageMap();
  /** The VMA list of {@link vmas} for `pages.version` (derived data; recomputed after any change). */
  private cache: { version: number; list: VmaView[] } = { version: -1, list: [] };
  /** mm->brk (byte address, may be unaligned). */
  brk: number;
  /** mm->start_brk. */
  startBrk: number;
  /** mm->start_stack (0 when unknown): names the VMA holding it `[stack]`. */
  startStack = 0;
  /** The descriptors (`files_struct`): copied by fork. */
  fds = new ModelFdTable();

  /**
   * @param config - layout and architecture facts
   * @param ids - the machine's identity counter
   */
  constructor(
    readonly config: ModelConfig,
    private readonly ids: ModelIds,
  ) {
    this.brk = config.startBrk;
    this.startBrk = config.startBrk;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Views

  /** The VMAs in address order (do not modify the returned list). */
  vmas(): VmaView[] {
    if (this.cache.version === this.pages.version) return this.cache.list;
    const keys = [...this.pages.keys()].sort((a, b) => a - b);
    const out: VmaView[] = [];
    for (const k of keys) {
      const p = this.pages.get(k)!;
      const last = out[out.length - 1];
      if (last && last.end === k && last.first.vma === p.vma) last.end = k + 1;
      else out.push({ start: k, end: k + 1, first: p });
    }
    this.cache = { version: this.pages.version, list: out };
    return out;
  }

  /** The VMA containing page `v`, or undefined. */
  vmaAt(v: number): VmaView | undefined {
    const p = this.pages.get(v);
    if (!p) return undefined;
    let s = v;
    while (this.pages.get(s - 1)?.vma === p.vma) s--;
    let e = v + 1;
    while (this.pages.get(e)?.vma === p.vma) e++;
    return { start: s, end: e, first: this.pages.get(s)! };
  }

  /** The first VMA that ends after page `v` (Linux `find_vma`), or undefined. */
  private findVma(v: number): VmaView | undefined {
    if (this.pages.has(v)) return this.vmaAt(v);
    const k = this.pages.firstAbove(v);
    return k === undefined ? undefined : this.vmaAt(k);
  }

  /** `/proc/PID/maps` lines (start, end, perms), in address order. */
  maps(): MapsLine[] {
    return this.vmas().map((m) => ({
      start: m.start * PAGE,
      end: m.end * PAGE,
      perms:
        (m.first.prot & PROT_READ ? 'r' : '-') +
        (m.first.prot & PROT_WRITE ? 'w' : '-') +
        (m.first.prot & PROT_EXEC ? 'x' : '-') +
        (m.first.flags & (VmFlag.Shared | VmFlag.NoMayWrite) ? 's' : 'p'),
      ...(m.first.desc ? { name: m.first.desc.file.path, offset: m.first.pgoff * PAGE } : {}),
    }));
  }

  /**
   * Adds a VMA the model did not create (the initial layout of the system under test): private, with the given
   * rights, never merging with anything ({@link VmFlag.Foreign}), its contents unknown to the model (zero).
   */
  seedForeign(
    start: number,
    end: number,
    prot: number,
    growsDown: boolean,
    name: string | null = null,
  ): void {
    const id = this.ids.next();
    for (let v = start / PAGE; v < end / PAGE; v++) {
      this.pages.set(v, {
        vma: id,
        prot,
        flags: VmFlag.Foreign | (growsDown ? VmFlag.GrowsDown : 0),
        anon: 0,
        forked: false,
        pgoff: v,
        shm: null,
        data: null,
        present: false,
        young: false,
        name,
      });
    }
  }

  /**
   * What `/proc/PID/maps`, `smaps` and `status` show that the model decides (fs/proc/task_mmu.c `show_map_vma`,
   * `smaps_pte_entry`; fs/proc/task_mmu.c `task_mem`). Per VMA: the offset column (the shmem object's page offset
   * for a shared mapping, 0 for private anonymous memory), the name (`/dev/zero (deleted)` for shared anonymous
   * memory, `[heap]` for `vma_is_initial_heap`, `[stack]` for `vma_is_initial_stack`), and for private VMAs the
   * resident pages (the zero page is not a normal page and counts nowhere), how many of them are referenced (PTE
   * accessed bit) and dirty — every private page with its own bytes was made by a write, so it is dirty, and fork keeps
   * the dirty bit (it cleans only shared PTEs). The model does not track PTEs of shared mappings: -1 there.
   * Status: VmSize, VmLck, VmData (`is_data_mapping`: writable, not shared, not stack) and VmStk (`is_stack_mapping`),
   * in kB.
   */
  details(): ModelDetails {
    const vmas: ModelVmaDetail[] = [];
    const status = { VmSize: 0, VmLck: 0, VmData: 0, VmStk: 0 };
    const brk = this.brk;
    for (const [i, line] of this.maps().entries()) {
      const m = this.vmas()[i]!;
      const f = m.first;
      const n = m.end - m.start;
      status.VmSize += n * 4;
      if (f.flags & VmFlag.Locked) status.VmLck += n * 4;
      if (f.flags & VmFlag.GrowsDown) status.VmStk += n * 4;
      else if (f.prot & PROT_WRITE && !(f.flags & VmFlag.Shared)) status.VmData += n * 4;
      let name = '';
      if (f.flags & VmFlag.Foreign) name = f.name ?? '';
      else if (f.desc) name = f.desc.file.path;
      else if (f.shm) name = '/dev/zero (deleted)';
      else if (line.start < brk && line.end > this.startBrk) name = '[heap]';
      else if (this.startStack && line.start <= this.startStack && line.end >= this.startStack)
        name = '[stack]';
      let rss = -1;
      let referenced = -1;
      let dirty = -1;
      if (!f.shm && !f.desc) {
        rss = 0;
        referenced = 0;
        for (let v = m.start; v < m.end; v++) {
          const p = this.pages.get(v)!;
          if (!p.present || !p.data) continue;
          rss++;
          if (p.young) referenced++;
        }
        dirty = rss;
      }
      vmas.push({
        ...line,
        offset: f.shm || f.desc ? f.pgoff * PAGE : 0,
        name,
        foreign: (f.flags & VmFlag.Foreign) !== 0,
        rss,
        referenced,
        dirty,
      });
    }
    return { vmas, status };
  }

  // ---------------------------------------------------------------------------------------------------------
  // VMA identity bookkeeping (split and merge)

  private relabel(s: number, e: number, id: number): void {
    for (let v = s; v < e; v++) this.pages.get(v)!.vma = id;
    this.pages.version++;
  }

  /** Makes `v` the start of a VMA (Linux `split_vma`): the part from `v` on gets a fresh identity. */
  private splitAt(v: number): void {
    const left = this.pages.get(v - 1);
    const right = this.pages.get(v);
    if (!left || !right || left.vma !== right.vma) return;
    const m = this.vmaAt(v)!;
    this.relabel(v, m.end, this.ids.next());
  }

  /** After a merge, the VMA takes the one anon_vma its parts had (Linux `dup_anon_vma`). */
  private unifyAnon(v: number): void {
    const m = this.vmaAt(v)!;
    let anon = 0;
    let forked = false;
    for (let i = m.start; i < m.end; i++) {
      const p = this.pages.get(i)!;
      if (p.anon) {
        anon = p.anon;
        forked = p.forked;
      }
    }
    for (let i = m.start; i < m.end; i++) {
      const p = this.pages.get(i)!;
      p.anon = anon;
      p.forked = forked;
    }
  }

  /** Same vm_flags (and the same object): mm/vma.c `is_mergeable_vma`. */
  private static sameKind(a: VmaAttrs, b: VmaAttrs): boolean {
    return (
      a.prot === b.prot &&
      a.flags === b.flags &&
      a.shm === b.shm &&
      a.name === b.name &&
      (a.desc ?? null) === (b.desc ?? null)
    );
  }

  /**
   * mm/vma.c `is_mergeable_anon_vma`: `tgt` is the neighbour, `src` the VMA being changed (or, for a new range,
   * `srcExisting` false: a new range has no anon_vma chain of its own).
   */
  private static anonMergeable(tgt: VmaAttrs, src: VmaAttrs, srcExisting: boolean): boolean {
    if (!tgt.anon && src.anon) return !(srcExisting && src.forked);
    if (tgt.anon && !src.anon) return !tgt.forked;
    return tgt.anon === src.anon;
  }

  /** mm/vma.c `are_anon_vmas_compatible` for prev and next when one change would merge both. */
  private static anonCompatible(a: VmaAttrs, b: VmaAttrs): boolean {
    return !a.anon || !b.anon || a.anon === b.anon;
  }

  /**
   * A new range [s, e) has just been filled with pages of one fresh identity; merge it with its neighbours as
   * mm/vma.c `vma_merge_new_range` does. `justExpand` (brk) only looks left.
   */
  private mergeNew(s: number, e: number, justExpand = false): void {
    const first = this.pages.get(s)!;
    const last = this.pages.get(e - 1)!;
    const prev = this.pages.get(s - 1);
    const next = this.pages.get(e);
    const left =
      !!prev &&
      ModelProcess.sameKind(prev, first) &&
      prev.pgoff + 1 === first.pgoff &&
      ModelProcess.anonMergeable(prev, first, false);
    const right =
      !justExpand &&
      !!next &&
      ModelProcess.sameKind(last, next) &&
      last.pgoff + 1 === next.pgoff &&
      ModelProcess.anonMergeable(next, first, false) &&
      (!left || ModelProcess.anonCompatible(prev!, next));
    if (right) {
      const n = this.vmaAt(e)!;
      this.relabel(n.start, n.end, first.vma);
    }
    if (left) {
      const m = this.vmaAt(s)!;
      this.relabel(m.start, m.end, prev!.vma);
    }
    if (left || right) this.unifyAnon(s);
  }

  /**
   * Changes prot/flags of [s, e), which lies inside one VMA, splitting and merging as mm/vma.c `vma_modify` does
   * (`vma_merge_existing_range`, else `split_vma` at both ends). The caller has already skipped the no-change case.
   */
  private modifyPart(s: number, e: number, prot: number, flags: number): void {
    const m = this.vmaAt(s)!;
    const mid = { ...m.first, prot, flags } as VmaAttrs;
    const leftSide = s === m.start;
    const rightSide = e === m.end;
    const prev = leftSide ? this.pages.get(s - 1) : undefined;
    const next = rightSide ? this.pages.get(e) : undefined;
    const mergeLeft =
      !!prev &&
      ModelProcess.sameKind(prev, mid) &&
      prev.pgoff + 1 === this.pages.get(s)!.pgoff &&
      ModelProcess.anonMergeable(prev, mid, true);
    const mergeRight =
      !!next &&
      ModelProcess.sameKind(mid, next) &&
      this.pages.get(e - 1)!.pgoff + 1 === next.pgoff &&
      ModelProcess.anonMergeable(next, mid, true) &&
      (!mergeLeft || ModelProcess.anonCompatible(prev!, next));
    for (let v = s; v < e; v++) {
      const p = this.pages.get(v)!;
      p.prot = prot;
      p.flags = flags;
    }
    if (!mergeLeft && !mergeRight) {
      this.splitAt(s);
      this.splitAt(e);
      return;
    }
    this.splitAt(e);
    this.splitAt(s);
    if (mergeLeft) {
      this.relabel(s, e, prev!.vma);
      if (mergeRight) {
        const n = this.vmaAt(e)!;
        this.relabel(n.start, n.end, prev!.vma);
      }
    } else {
      this.relabel(s, e, next!.vma);
    }
    this.unifyAnon(s);
  }

  /** Removes [s, e) (page numbers) from the address space; VMAs that stick out are split. */
  private unmapPages(s: number, e: number): void {
    if (s >= e) return;
    this.splitAt(s);
    this.splitAt(e);
    if (e - s <= this.pages.size) for (let v = s; v < e; v++) this.pages.delete(v);
    else for (const k of [...this.pages.keys()]) if (k >= s && k < e) this.pages.delete(k);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Faults

  /**
   * mm/rmap.c `anon_vma_prepare`: the VMA gets an anon_vma on its first write fault, reusing a neighbour's when
   * `anon_vma_compatible` (adjacent, same flags apart from access rights, continuous pgoff) and that neighbour's
   * anon_vma is not inherited through fork (`reusable_anon_vma`); next is tried before prev.
   */
  private anonPrepare(v: number): void {
    const m = this.vmaAt(v)!;
    if (m.first.anon) return;
    const compatible = (a: Page, b: Page) =>
      a.flags === b.flags &&
      a.shm === b.shm &&
      (a.desc ?? null) === (b.desc ?? null) &&
      a.pgoff + 1 === b.pgoff;
    let anon = 0;
    const next = this.pages.get(m.end);
    const last = this.pages.get(m.end - 1)!;
    if (next && compatible(last, next) && next.anon && !next.forked) anon = next.anon;
    const prev = this.pages.get(m.start - 1);
    if (!anon && prev && compatible(prev, m.first) && prev.anon && !prev.forked) anon = prev.anon;
    if (!anon) anon = this.ids.next();
    for (let i = m.start; i < m.end; i++) {
      const p = this.pages.get(i)!;
      p.anon = anon;
      p.forked = false;
    }
  }

  /**
   * A fault at page `v` below a VM_GROWSDOWN VMA grows that VMA down to `v` (mm/mmap.c `expand_downwards`, v6.18):
   * refused when `v` is below mmap_min_addr, when an accessible VMA that is not itself a stack ends less than
   * stack_guard_gap below `v`, or when the stack would exceed RLIMIT_STACK. The VMA gets its anon_vma after the guard-gap
   * check and before the RLIMIT_STACK check (so even a growth the limit refuses leaves it one); the new
   * pages continue its pgoff downwards. Returns the faulting page, or undefined (SIGSEGV).
   */
  private growStack(v: number): Page | undefined {
    const vmas = this.vmas();
    const i = vmas.findIndex((m) => m.end > v);
    const stack = vmas[i];
    if (!stack || stack.start <= v || !(stack.first.flags & VmFlag.GrowsDown)) return undefined;
    if (v * PAGE < this.config.mmapMinAddr) return undefined;
    const prev = i > 0 ? vmas[i - 1] : undefined;
    if (
      prev &&
      !(prev.first.flags & VmFlag.GrowsDown) &&
      (prev.first.prot & ACCESS) !== 0 &&
      v - prev.end < this.config.stackGuardGapPages
    ) {
      return undefined;
    }
    // "We must make sure the anon_vma is allocated": anon_vma_prepare comes before acct_stack_growth's RLIMIT_STACK
    // check, so a growth refused by the limit still leaves the VMA with an anon_vma
    this.anonPrepare(stack.start);
    if ((stack.end - v) * PAGE > this.config.stackLimit) return undefined;
    const head = this.pages.get(stack.start)!;
    for (let u = v; u < stack.start; u++) {
      this.pages.set(u, {
        ...head,
        pgoff: head.pgoff - (stack.start - u),
        data: null,
        present: false,
        young: false,
      });
    }
    return this.pages.get(v);
  }

  private readable(p: Page): boolean {
    return (
      (p.prot & (PROT_READ | PROT_WRITE)) !== 0 || (this.config.execImpliesRead && (p.prot & PROT_EXEC) !== 0)
    );
  }

  /**
   * Handles an access to page `v` the way the fault handler would and returns the page's bytes (null = zero), or
   * the signal. `force` is GUP's FOLL_FORCE (populate ignores missing read rights on accessible VMAs).
   */
  private touch(v: number, write: boolean, force = false, exec = false): Uint8Array | null | Signal {
    const p = this.pages.get(v) ?? this.growStack(v);
    if (!p) return 'SIGSEGV';
    if (p.guard) return 'SIGSEGV'; // a guard marker: the fault handler answers VM_FAULT_SIGSEGV
    if (
      exec
        ? !(p.prot & PROT_EXEC)
        : write
          ? !(p.prot & PROT_WRITE)
          : !(this.readable(p) || (force && p.prot & ACCESS))
    )
      return 'SIGSEGV';
    if (p.desc) {
      // filemap_fault / shmem_fault: past the end of file is SIGBUS; otherwise the page is the file's (a read
      // fault of a hole allocates it, as shmem does). Shared: the process maps that page. Private: it maps it
      // read-only until a store copies it (do_cow_fault / wp_page_copy).
      const file = p.desc.file;
      if (p.pgoff >= Math.ceil(file.size / PAGE)) return 'SIGBUS';
      if (p.data && !(p.flags & (VmFlag.Shared | VmFlag.NoMayWrite))) {
        p.present = true;
        p.young = true;
        return p.data;
      }
      let page = file.pages.get(p.pgoff);
      if (!page) {
        page = new Uint8Array(PAGE);
        file.pages.set(p.pgoff, page);
      }
      if (p.flags & (VmFlag.Shared | VmFlag.NoMayWrite)) return page;
      if (write) {
        this.anonPrepare(v);
        p.data = page.slice();
        p.present = true;
        p.young = true;
        return p.data;
      }
      p.present = true;
      p.young = true;
      return page;
    }
    if (p.shm) {
      if (p.pgoff >= p.shm.sizePages) return 'SIGBUS';
      let d = p.shm.pages.get(p.pgoff);
      if (!d) {
        d = new Uint8Array(PAGE); // shmem allocates a page even for a read fault
        p.shm.pages.set(p.pgoff, d);
      }
      return d;
    }
    if (write && !p.data) {
      this.anonPrepare(v);
      p.data = new Uint8Array(PAGE);
    }
    p.present = true; // a read fault maps the shared zero page
    // RISC-V and x86 build every new user PTE with the accessed bit (_PAGE_BASE / PAGE_* include it), and an access
    // to an old PTE sets it (hardware A/D, or the access fault's pte_mkyoung under Svade)
    p.young = true;
    return p.data;
  }

  /** Fetches a little-endian 32-bit instruction word (needs PROT_EXEC; `addr` 4-byte aligned inside a page). */
  fetch32(addr: number): number | Signal {
    const d = this.touch(Math.floor(addr / PAGE), false, false, true);
    if (typeof d === 'string') return d;
    if (!d) return 0;
    const o = addr % PAGE;
    return (d[o]! | (d[o + 1]! << 8) | (d[o + 2]! << 16) | (d[o + 3]! << 24)) >>> 0;
  }

  /** Loads one byte. */
  load8(addr: number): number | Signal {
    const d = this.touch(Math.floor(addr / PAGE), false);
    if (typeof d === 'string') return d;
    return d ? d[addr % PAGE]! : 0;
  }

  /** Stores one byte. */
  store8(addr: number, value: number): 'ok' | Signal {
    const d = this.touch(Math.floor(addr / PAGE), true);
    if (typeof d === 'string') return d;
    d![addr % PAGE] = value & 0xff;
    return 'ok';
  }

  /**
   * mm/gup.c `populate_vma_page_range` over [s, e) inside one VMA: write faults on private writable mappings,
   * read faults otherwise (FOLL_FORCE on any accessible VMA). Returns 0 or -EFAULT (PROT_NONE, or SIGBUS).
   */
  private populateVma(s: number, e: number): number {
    const p = this.pages.get(s)!;
    if ((p.prot & ACCESS) === 0) return err('EFAULT');
    const write = (p.prot & PROT_WRITE) !== 0 && !p.shm && !(p.flags & VmFlag.Shared);
    for (let v = s; v < e; v++) {
      if (typeof this.touch(v, write, true) === 'string') return err('EFAULT');
    }
    return 0;
  }

  /** mm/gup.c `__mm_populate`: every VMA in [s, e), skipping holes; stops at the first error unless ignored. */
  private populate(s: number, e: number, ignoreErrors: boolean): number {
    let v = s;
    while (v < e) {
      const m = this.findVma(v);
      if (!m || m.start >= e) break;
      const end = Math.min(e, m.end);
      const r = this.populateVma(Math.max(v, m.start), end);
      if (r < 0 && !ignoreErrors) return r;
      v = end;
    }
    return 0;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Placement

  /** vm_start_gap / vm_end_gap: a GROWSDOWN VMA keeps stack_guard_gap free below it. */
  private startGap(m: VmaView): number {
    return m.first.flags & VmFlag.GrowsDown ? Math.max(0, m.start - this.config.stackGuardGapPages) : m.start;
  }

  /** True when [s, s+n) (pages) is free, respecting guard gaps (x86 `arch_get_unmapped_area_topdown` hint test). */
  private hintFits(s: number, n: number): boolean {
    const c = this.config;
    if (s * PAGE < c.mmapMinAddr || (s + n) * PAGE > c.taskSize) return false;
    const next = this.findVma(s);
    return !next || s + n <= this.startGap(next);
  }

  /** mm/mmap.c `vm_unmapped_area`: the highest (top-down) or lowest (bottom-up) free gap of n pages. */
  private searchFree(n: number): number | undefined {
    const c = this.config;
    const low = Math.ceil(c.mmapMinAddr / PAGE);
    const vmas = this.vmas();
    if (c.placement === 'topdown') {
      const high = Math.floor(c.mmapBase / PAGE);
      for (let i = vmas.length; i >= 0; i--) {
        const gapStart = i > 0 ? vmas[i - 1]!.end : low;
        const gapEnd = Math.min(i < vmas.length ? this.startGap(vmas[i]!) : high, high);
        const s = gapEnd - n;
        if (s >= Math.max(gapStart, low)) return s;
      }
      return undefined;
    }
    // legacy layout (mm/util.c arch_pick_mmap_layout): search upwards from mmap_base = TASK_UNMAPPED_BASE
    const high = Math.floor(c.taskSize / PAGE);
    const base = Math.max(low, Math.floor(c.mmapBase / PAGE));
    for (let i = 0; i <= vmas.length; i++) {
      const gapStart = Math.max(i > 0 ? vmas[i - 1]!.end : base, base);
      const gapEnd = i < vmas.length ? this.startGap(vmas[i]!) : high;
      if (gapStart + n <= gapEnd) return gapStart;
    }
    return undefined;
  }

  /**
   * mm/mmap.c `__get_unmapped_area` for anonymous memory: `addr` and `len` are byte values already known to fit a
   * double. Returns a byte address or -errno.
   */
  private getUnmappedArea(addr: number, len: number, fixed: boolean, thp = false): number {
    const c = this.config;
    if (len > c.taskSize) return err('ENOMEM');
    if (!fixed) {
      const n = len / PAGE;
      if (addr) {
        const s = Math.floor(addr / PAGE);
        if (this.hintFits(s, n)) return s * PAGE;
      } else if (thp && n % PMD_PAGES === 0) {
        // thp_get_unmapped_area (private anonymous memory of a multiple of 2 MiB, no hint): search 2 MiB more and
        // take the 2 MiB boundary in it — the higher one top-down when the search's start is already aligned.
        const r = this.searchFree(n + PMD_PAGES);
        if (r !== undefined) {
          const sub = (PMD_PAGES - (r % PMD_PAGES)) % PMD_PAGES;
          return (sub === 0 && c.placement === 'topdown' ? r + PMD_PAGES : r + sub) * PAGE;
        }
      }
      const s = this.searchFree(n);
      if (s === undefined) return err('ENOMEM');
      return s * PAGE;
    }
    if (addr > c.taskSize - len) return err('ENOMEM');
    if (addr % PAGE) return err('EINVAL');
    return addr;
  }

  // ---------------------------------------------------------------------------------------------------------
  // System calls

  /**
   * mmap(addr, len, prot, flags, off, fd): anonymous memory (fd is ignored with MAP_ANONYMOUS), or the file open at
   * `fd` (mm/mmap.c `do_mmap`'s file cases: EBADF, EOVERFLOW, EOPNOTSUPP, EACCES).
   */
  mmap(
    addr: bigint | number,
    len: bigint | number,
    prot: number,
    flags: number,
    off: bigint | number = 0,
    fd: bigint | number = -1,
  ): number {
    const a = U64(addr);
    const l = U64(len);
    if (U64(off) % PAGE_N) return err('EINVAL'); // x86-64 sys_mmap
    let desc: ModelDescription | null = null;
    if (!(flags & MAP_ANONYMOUS)) {
      desc = this.fds.get(Number(BigInt.asIntN(32, BigInt(fd)))) ?? null; // fget
      if (!desc) return err('EBADF');
      if (flags & 0x40000) return err('EINVAL'); // MAP_HUGETLB on a file that is not hugetlbfs
    }
    if (l === 0n) return err('EINVAL');
    if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
    let hint = a;
    if (!(flags & MAP_FIXED)) {
      hint &= ~(PAGE_N - 1n); // round_hint_to_min
      if (hint && hint < BigInt(this.config.mmapMinAddr)) hint = BigInt(this.config.mmapMinAddr);
    }
    const alen = pageAlign(l);
    if (alen === 0n) return err('ENOMEM');
    if (alen > BigInt(this.config.taskSize)) return err('ENOMEM');
    if (hint > BigInt(this.config.taskSize)) {
      if (flags & MAP_FIXED) return err('ENOMEM');
      hint = 0n; // mmap_address_hint_valid fails: search instead
    }
    const thp = !desc && (flags & MAP_TYPE) === MAP_PRIVATE;
    const at = this.getUnmappedArea(Number(hint), Number(alen), (flags & MAP_FIXED) !== 0, thp);
    if (at < 0) return at;
    const s = at / PAGE;
    const n = Number(alen) / PAGE;
    if (flags & MAP_FIXED_NOREPLACE) {
      for (let v = s; v < s + n; v++) if (this.pages.has(v)) return err('EEXIST');
    }
    let type = flags & MAP_TYPE;
    let noMayWrite = false;
    if (desc) {
      // file_mmap_ok: the mapped offsets stay below MAX_LFS_FILESIZE
      const o = U64(off);
      if (alen > MAX_FILE_BYTES || o / PAGE_N > (MAX_FILE_BYTES - alen) / PAGE_N) return err('EOVERFLOW');
      if (type === MAP_SHARED || type === 3 /* MAP_SHARED_VALIDATE */) {
        if (type === MAP_SHARED) flags &= LEGACY_MAP_MASK;
        if (flags & ~LEGACY_MAP_MASK) return err('EOPNOTSUPP');
        if (prot & PROT_WRITE && !desc.writable) return err('EACCES');
        noMayWrite = !desc.writable;
        type = MAP_SHARED;
      } else if (type !== MAP_PRIVATE) return err('EINVAL');
      if (!desc.readable) return err('EACCES');
      if (desc.file.dir) return err('ENODEV'); // no mmap file operation
      if (flags & MAP_GROWSDOWN) return err('EINVAL');
    }
    if (type !== MAP_SHARED && type !== MAP_PRIVATE) return err('EINVAL');
    if (type === MAP_SHARED && flags & MAP_GROWSDOWN) return err('EINVAL');
    prot &= ACCESS; // PROT_SEM and unknown bits carry no VM flag
    let vmFlags = 0;
    if (flags & MAP_GROWSDOWN) vmFlags |= VmFlag.GrowsDown;
    if (flags & MAP_LOCKED) vmFlags |= VmFlag.Locked;
    if (flags & MAP_NORESERVE) vmFlags |= VmFlag.NoReserve;
    if (type === MAP_SHARED) vmFlags |= noMayWrite ? VmFlag.NoMayWrite : VmFlag.Shared;
    else if (prot & PROT_WRITE && !(flags & MAP_NORESERVE)) vmFlags |= VmFlag.Account;
    if (this.sealedIn(s, s + n)) return err('EPERM'); // vms_gather_munmap_vmas: a sealed VMA stays
    this.unmapPages(s, s + n); // MAP_FIXED replaces what was there
    const shm: SharedObject | null =
      type === MAP_SHARED && !desc ? { id: this.ids.next(), sizePages: n, pages: new Map() } : null;
    const filePage = desc ? Number(U64(off) / PAGE_N) : 0;
    const id = this.ids.next();
    for (let i = 0; i < n; i++) {
      this.pages.set(s + i, {
        vma: id,
        prot,
        flags: vmFlags,
        anon: 0,
        forked: false,
        pgoff: desc ? filePage + i : shm ? i : s + i,
        shm,
        data: null,
        present: false,
        young: false,
        name: null,
        desc,
      });
    }
    if (!shm) this.mergeNew(s, s + n); // a new shmem file never merges with anything
    if (vmFlags & VmFlag.Locked || (flags & (MAP_POPULATE | MAP_NONBLOCK)) === MAP_POPULATE) {
      this.populate(s, s + n, true);
    }
    return at;
  }

  /** munmap(addr, len). */
  munmap(addr: bigint | number, len: bigint | number): number {
    const a = U64(addr);
    const l = U64(len);
    const ts = BigInt(this.config.taskSize);
    if (a % PAGE_N || a > ts || l > ts - a) return err('EINVAL');
    const e = a + pageAlign(l);
    if (e === a) return err('EINVAL');
    if (this.sealedIn(Number(a / PAGE_N), Number(e / PAGE_N))) return err('EPERM');
    this.unmapPages(Number(a / PAGE_N), Number(e / PAGE_N));
    return 0;
  }

  /** mprotect(addr, len, prot): mm/mprotect.c `do_mprotect_pkey`. */
  mprotect(addr: bigint | number, len: bigint | number, prot: number): number {
    const a = U64(addr);
    const l = U64(len);
    const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
    prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
    if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return err('EINVAL');
    if (a % PAGE_N) return err('EINVAL');
    if (l === 0n) return 0;
    const end = BigInt.asUintN(64, a + pageAlign(l));
    if (end <= a) return err('ENOMEM');
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return err('EINVAL');
    prot &= ACCESS;
    const s = Number(a / PAGE_N);
    const e = end > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(end / PAGE_N);
    let first = this.findVma(s);
    if (!first || first.start >= e) return err('ENOMEM');
    let start = s;
    if (grows & PROT_GROWSDOWN) {
      start = first.start;
      if (!(first.first.flags & VmFlag.GrowsDown)) return err('EINVAL');
    } else if (first.start > s) return err('ENOMEM');
    if (grows & PROT_GROWSUP) return err('EINVAL'); // no VM_GROWSUP VMAs on x86-64 or RISC-V
    // Walk the VMAs in order; a hole stops the walk with ENOMEM after the earlier VMAs were changed.
    let nstart = start;
    for (;;) {
      const old = first.first;
      const tmp = Math.min(first.end, e);
      // newflags >> 4 (VM_MAY*): a shared mapping of a read-only descriptor may not become writable
      if (prot & PROT_WRITE && old.flags & VmFlag.NoMayWrite) return err('EACCES');
      if (old.flags & VmFlag.Sealed) return err('EPERM'); // mprotect_fixup: even for the same rights
      if (old.prot !== prot) {
        let flags = old.flags;
        if (prot & PROT_WRITE) {
          if (
            !(old.flags & (VmFlag.Account | VmFlag.Shared | VmFlag.NoReserve)) &&
            !(old.prot & PROT_WRITE)
          ) {
            flags |= VmFlag.Account;
          }
        } else if (old.flags & VmFlag.Account && !old.shm && !old.desc && !old.anon) {
          flags &= ~VmFlag.Account;
        }
        const wasLockedRo = (old.flags & VmFlag.Locked) !== 0 && !(old.prot & PROT_WRITE) && !old.shm;
        this.modifyPart(nstart, tmp, prot, flags);
        // mprotect_fixup: a private mlocked VMA that becomes writable is populated (COW broken) at once.
        if (wasLockedRo && prot & PROT_WRITE) this.populateVma(nstart, tmp);
      }
      nstart = this.vmaAt(tmp - 1)!.end; // vma_iter_end: past a VMA the change merged into
      if (nstart >= e) return 0;
      const nx = this.findVma(nstart);
      if (!nx || nx.start !== nstart) return err('ENOMEM');
      first = nx;
    }
  }

  /** brk(addr): mm/mmap.c — returns the new break, or the old one on any failure. */
  brkCall(addr: bigint | number): number {
    const want = U64(addr);
    const orig = this.brk;
    if (want < BigInt(this.startBrk)) return orig;
    const newbrk = pageAlign(want);
    const oldbrk = BigInt(Math.ceil(this.brk / PAGE) * PAGE);
    if (newbrk === oldbrk) {
      this.brk = Number(want);
      return this.brk;
    }
    if (want <= BigInt(this.brk)) {
      // shrink: needs a VMA in [newbrk, oldbrk)
      const s = Number(newbrk) / PAGE;
      const e = Number(oldbrk) / PAGE;
      const m = this.findVma(s);
      if (!m || m.start >= e) return orig;
      if (this.sealedIn(s, e)) return orig;
      this.brk = Number(want);
      this.unmapPages(s, e);
      return this.brk;
    }
    const len = BigInt.asUintN(64, newbrk - oldbrk);
    if (len > BigInt(this.config.taskSize) || oldbrk > BigInt(this.config.taskSize) - len) return orig;
    const s = Number(oldbrk) / PAGE;
    const e = Number(newbrk) / PAGE;
    // the expansion must leave one page (plus the stack guard gap before a GROWSDOWN VMA) free
    const next = this.findVma(s);
    if (next && e + 1 > this.startGap(next)) return orig;
    const id = this.ids.next();
    for (let v = s; v < e; v++) {
      this.pages.set(v, {
        vma: id,
        prot: PROT_READ | PROT_WRITE,
        flags: VmFlag.Account,
        anon: 0,
        forked: false,
        pgoff: v,
        shm: null,
        data: null,
        present: false,
        young: false,
        name: null,
      });
    }
    // do_brk_flags expands the VMA just below oldbrk if it starts at or above start_brk
    const prev = this.vmaAt(s - 1);
    if (prev && prev.start >= Math.floor(this.startBrk / PAGE)) this.mergeNew(s, e, true);
    this.brk = Number(want);
    return this.brk;
  }

  /** madvise(addr, len, advice): mm/madvise.c. */
  madvise(addr: bigint | number, len: bigint | number, advice: number): number {
    const valid = [
      MADV_NORMAL,
      MADV_RANDOM,
      MADV_SEQUENTIAL,
      MADV_WILLNEED,
      MADV_DONTNEED,
      MADV_FREE,
      MADV_DONTFORK,
      MADV_DOFORK,
      MADV_DONTDUMP,
      MADV_DODUMP,
      MADV_WIPEONFORK,
      MADV_KEEPONFORK,
      MADV_POPULATE_READ,
      MADV_POPULATE_WRITE,
      MADV_REMOVE,
      MADV_GUARD_INSTALL,
      MADV_GUARD_REMOVE,
    ];
    if (!valid.includes(advice)) return err('EINVAL');
    const a = U64(addr);
    const l = U64(len);
    if (a % PAGE_N) return err('EINVAL');
    const al = pageAlign(l);
    if (l !== 0n && al === 0n) return err('EINVAL');
    const end = a + al;
    if (end >= 1n << 64n) return err('EINVAL');
    if (end === a) return 0;
    const s = Number(a / PAGE_N);
    const e = Number(end / PAGE_N);
    if (advice === MADV_POPULATE_READ || advice === MADV_POPULATE_WRITE)
      return this.madvisePopulate(s, e, advice);
    // madvise_walk_vmas: visit every VMA piece; a hole makes the final answer ENOMEM
    let unmapped = 0;
    let start = s;
    while (start < e) {
      const m = this.findVma(start);
      if (!m || m.start >= e) return err('ENOMEM');
      if (start < m.start) {
        unmapped = err('ENOMEM');
        start = m.start;
      }
      const tmp = Math.min(m.end, e);
      const r = this.adviseOne(start, tmp, advice);
      if (r) return r;
      start = Math.max(tmp, this.vmaAt(tmp - 1)!.end); // skip a VMA the change merged into
    }
    return unmapped;
  }

  private adviseOne(s: number, e: number, advice: number): number {
    const p = this.pages.get(s)!;
    // mm/madvise.c can_madvise_modify: discarding advice on a sealed, read-only, private anonymous VMA
    const discard = [
      MADV_DONTNEED,
      MADV_FREE,
      MADV_REMOVE,
      MADV_DONTFORK,
      MADV_WIPEONFORK,
      MADV_GUARD_INSTALL,
    ];
    if (
      p.flags & VmFlag.Sealed &&
      discard.includes(advice) &&
      !p.shm &&
      !p.desc &&
      !(p.flags & VmFlag.Shared) &&
      !(p.prot & PROT_WRITE)
    )
      return err('EPERM');
    const setFlags = (set: number, clear: number) => {
      const flags = (p.flags & ~clear) | set;
      if (flags !== p.flags) this.modifyPart(s, e, p.prot, flags);
      return 0;
    };
    switch (advice) {
      case MADV_DONTNEED:
      case MADV_FREE:
        if (p.flags & VmFlag.Locked) return err('EINVAL');
        if (advice === MADV_FREE && (p.shm || p.desc)) return err('EINVAL');
        for (let v = s; v < e; v++) {
          const q = this.pages.get(v)!;
          q.data = null;
          q.present = false;
          q.young = false;
        }
        return 0;
      case MADV_WILLNEED:
        return 0;
      case MADV_GUARD_INSTALL:
      case MADV_GUARD_REMOVE: {
        // madvise_guard_install/remove: no VMA change; install drops the pages and needs an unlocked VMA
        if (advice === MADV_GUARD_INSTALL) {
          if (p.flags & VmFlag.Locked) return err('EINVAL');
          if (!p.shm && !(p.flags & (VmFlag.Shared | VmFlag.NoMayWrite))) this.anonPrepare(s);
        }
        for (let v = s; v < e; v++) {
          const q = this.pages.get(v)!;
          if (advice === MADV_GUARD_INSTALL) {
            q.data = null;
            q.present = false;
            q.young = false;
          }
          q.guard = advice === MADV_GUARD_INSTALL;
        }
        return 0;
      }
      case MADV_NORMAL:
        return setFlags(0, VmFlag.RandRead | VmFlag.SeqRead);
      case MADV_RANDOM:
        return setFlags(VmFlag.RandRead, VmFlag.SeqRead);
      case MADV_SEQUENTIAL:
        return setFlags(VmFlag.SeqRead, VmFlag.RandRead);
      case MADV_DONTFORK:
        return setFlags(VmFlag.DontCopy, 0);
      case MADV_DOFORK:
        return setFlags(0, VmFlag.DontCopy);
      case MADV_DONTDUMP:
        return setFlags(VmFlag.DontDump, 0);
      case MADV_DODUMP:
        return setFlags(0, VmFlag.DontDump);
      case MADV_REMOVE: {
        // madvise_remove: a shared, may-write mapping of a file (or shmem object): punch a hole in the object
        if (p.flags & VmFlag.Locked) return err('EINVAL');
        if (!p.shm && !p.desc) return err('EINVAL');
        if (!(p.flags & VmFlag.Shared)) return err('EACCES');
        for (let v = s; v < e; v++) {
          const q = this.pages.get(v)!;
          if (q.desc) q.desc.file.pages.delete(q.pgoff);
          else q.shm?.pages.delete(q.pgoff);
        }
        return 0;
      }
      case MADV_WIPEONFORK:
        if (p.shm || p.desc || p.flags & VmFlag.NoMayWrite) return err('EINVAL');
        return setFlags(VmFlag.WipeOnFork, 0);
      case MADV_KEEPONFORK:
        return setFlags(0, VmFlag.WipeOnFork);
      default:
        return err('EINVAL');
    }
  }

  /** mm/madvise.c `madvise_populate`: prefault page by page; a hole is ENOMEM, missing rights EINVAL. */
  private madvisePopulate(s: number, e: number, advice: number): number {
    const write = advice === MADV_POPULATE_WRITE;
    let v = s;
    while (v < e) {
      const p = this.pages.get(v);
      if (!p) return err('ENOMEM');
      // GUP without FOLL_FORCE: a read needs VM_READ itself (a write-only VMA is EINVAL), a write VM_WRITE
      // (mm/gup.c check_vma_flags; selftests mm/madv_populate.c)
      if (!(p.prot & (write ? PROT_WRITE : PROT_READ))) return err('EINVAL');
      const r = this.touch(v, write);
      if (typeof r === 'string') return err('EFAULT');
      v++;
    }
    return 0;
  }

  /** mincore(addr, len): returns -errno or the residency of each page. */
  mincore(addr: bigint | number, len: bigint | number): number | boolean[] {
    const a = U64(addr);
    const l = U64(len);
    if (a % PAGE_N) return err('EINVAL');
    if (a + l > BigInt(this.config.taskSize)) return err('ENOMEM');
    const n = Number((l + PAGE_N - 1n) / PAGE_N);
    const s = Number(a / PAGE_N);
    const out: boolean[] = [];
    for (let v = s; v < s + n; v++) {
      const p = this.pages.get(v);
      if (!p) return err('ENOMEM');
      // mincore_page: file pages by page-cache residency (a private copy counts through its PTE)
      out.push(
        p.guard && !p.desc && !p.shm
          ? false
          : p.desc
            ? (!p.guard && p.present && p.data !== null) || p.desc.file.pages.has(p.pgoff)
            : p.shm
              ? p.shm.pages.has(p.pgoff)
              : p.present,
      );
    }
    return out;
  }

  /** mlock(addr, len) / munlock(addr, len): mm/mlock.c `apply_vma_lock_flags` then `__mm_populate`. */
  mlock(addr: bigint | number, len: bigint | number, lock = true): number {
    const a = U64(addr);
    const l = U64(len);
    const start = a & ~(PAGE_N - 1n);
    const alen = pageAlign(l + (a & (PAGE_N - 1n)));
    const end = start + alen;
    if (end >= 1n << 64n) return err('EINVAL');
    if (end === start) return 0;
    const s = Number(start / PAGE_N);
    const e = Number(end / PAGE_N);
    if (!this.pages.has(s)) return err('ENOMEM');
    let tmp = s;
    while (tmp < e) {
      const m = this.vmaAt(tmp);
      if (!m) return err('ENOMEM');
      const p = m.first;
      const piece = Math.min(m.end, e);
      const flags = lock ? p.flags | VmFlag.Locked : p.flags & ~VmFlag.Locked;
      if (flags !== p.flags) this.modifyPart(tmp, piece, p.prot, flags);
      tmp = piece;
    }
    if (!lock) return 0;
    const r = this.populate(s, e, false);
    return r === err('EFAULT') ? err('ENOMEM') : r;
  }

  /** msync(addr, len, flags): checks only (anonymous memory has nothing to write back). */
  msync(addr: bigint | number, len: bigint | number, flags: number): number {
    const a = U64(addr);
    const l = U64(len);
    if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) return err('EINVAL');
    if (a % PAGE_N) return err('EINVAL');
    if (flags & MS_ASYNC && flags & MS_SYNC) return err('EINVAL');
    const end = a + pageAlign(l);
    if (end >= 1n << 64n) return err('ENOMEM');
    if (end === a) return 0;
    const e = Number(end / PAGE_N);
    let start = Number(a / PAGE_N);
    let unmapped = 0;
    for (;;) {
      const m = this.findVma(start);
      if (!m) return err('ENOMEM');
      if (start < m.start) {
        if (flags === MS_ASYNC) return err('ENOMEM');
        start = m.start;
        if (start >= e) return err('ENOMEM');
        unmapped = err('ENOMEM');
      }
      if (flags & MS_INVALIDATE && m.first.flags & VmFlag.Locked) return err('EBUSY');
      start = m.end;
      if (start >= e) return unmapped;
    }
  }

  /** mremap(old, oldLen, newLen, flags, newAddr): mm/mremap.c (v6.18, including multi-VMA moves). */
  mremap(
    addr: bigint | number,
    oldLen: bigint | number,
    newLen: bigint | number,
    flags: number,
    newAddr: bigint | number = 0,
  ): number {
    const a = U64(addr);
    const ol = pageAlign(U64(oldLen));
    const nl = pageAlign(U64(newLen));
    const na = U64(newAddr);
    const ts = BigInt(this.config.taskSize);
    if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) return err('EINVAL');
    if (a % PAGE_N) return err('EINVAL');
    if (nl === 0n) return err('EINVAL');
    if (nl > ts) return err('EINVAL');
    const impliesNew = (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0;
    if (impliesNew) {
      if (na > ts - nl) return err('EINVAL');
      if (na % PAGE_N) return err('EINVAL');
      if (!(flags & MREMAP_MAYMOVE)) return err('EINVAL');
      if (flags & MREMAP_DONTUNMAP && ol !== nl) return err('EINVAL');
      if (a + ol > na && na + nl > a) return err('EINVAL');
    }
    const s = Number(a / PAGE_N);
    const oldN = Number(ol / PAGE_N);
    const newN = Number(nl / PAGE_N);
    const dst = Number(na / PAGE_N);
    if (flags & MREMAP_FIXED && oldN === newN) return this.remapMove(s, oldN, dst, flags);
    const m = this.vmaAt(s);
    const r = this.checkPrep(m, s, oldN, newN, flags);
    if (r) return r;
    if (impliesNew) return this.remapTo(s, oldN, newN, dst, flags);
    // mremap_at
    if (newN === oldN) return s * PAGE;
    if (newN < oldN) {
      // shrink_vma → do_vmi_munmap(addr + new_len, old_len - new_len)
      if ((s + oldN) * PAGE > this.config.taskSize) return err('EINVAL');
      this.unmapPages(s + newN, s + oldN);
      return s * PAGE;
    }
    const vma = m!;
    if (s + oldN === vma.end && this.expandable(vma, newN - oldN)) {
      this.expandInPlace(vma, newN - oldN);
      return s * PAGE;
    }
    if (!(flags & MREMAP_MAYMOVE)) return err('ENOMEM');
    const at = this.getUnmappedArea(0, newN * PAGE, false);
    if (at < 0) return at;
    return this.moveVma(s, oldN, newN, at / PAGE, flags);
  }

  /** mm/mremap.c `check_prep_vma`. */
  private checkPrep(m: VmaView | undefined, s: number, oldN: number, newN: number, flags: number): number {
    if (!m) return err('EFAULT');
    if (m.first.flags & VmFlag.Sealed) return err('EPERM'); // "If mseal()'d, mremap() is prohibited"
    const willMapNew = newN > oldN || (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP)) !== 0;
    if (!willMapNew) return 0;
    if (oldN === 0 && !m.first.shm) return err('EINVAL');
    // 6.17+ (Stoakes, "mm/mremap: allow undocumented mremap() shrink behaviour"): for a shrink only the kept part,
    // new_len, must lie inside the VMA — `if (vrm->remap_type == MREMAP_SHRINK) old_len = new_len;` comes first.
    const keptN = Math.min(newN, oldN);
    if (keptN > m.end - s) return err('EFAULT');
    return 0;
  }

  /** mm/mremap.c `vma_expandable`: the pages after the VMA are free and inside the user space. */
  private expandable(m: VmaView, delta: number): boolean {
    if ((m.end + delta) * PAGE > this.config.taskSize) return false;
    for (let v = m.end; v < m.end + delta; v++) if (this.pages.has(v)) return false;
    return true;
  }

  /** `vma_merge_extend`: grow the VMA in place, then merge with the next VMA if compatible. */
  private expandInPlace(m: VmaView, delta: number): void {
    const last = this.pages.get(m.end - 1)!;
    for (let i = 0; i < delta; i++) {
      this.pages.set(m.end + i, {
        ...last,
        pgoff: last.pgoff + 1 + i,
        data: null,
        present: false,
        young: false,
      });
    }
    const next = this.pages.get(m.end + delta);
    const tail = this.pages.get(m.end + delta - 1)!;
    if (
      next &&
      ModelProcess.sameKind(tail, next) &&
      tail.pgoff + 1 === next.pgoff &&
      ModelProcess.anonMergeable(next, tail, false) &&
      ModelProcess.anonCompatible(tail, next)
    ) {
      const n = this.vmaAt(m.end + delta)!;
      this.relabel(n.start, n.end, last.vma);
      this.unifyAnon(m.start);
    }
    if (last.flags & VmFlag.Locked) this.populate(m.end, m.end + delta, true);
  }

  /** `mremap_to`: MREMAP_FIXED (unmap the target first) and/or MREMAP_DONTUNMAP. */
  private remapTo(s: number, oldN: number, newN: number, dst: number, flags: number): number {
    if (flags & MREMAP_FIXED) {
      if (this.sealedIn(dst, dst + newN)) return err('EPERM');
      this.unmapPages(dst, dst + newN);
      if (!this.pages.has(s)) return err('EFAULT');
    }
    if (newN < oldN) {
      this.unmapPages(s + newN, s + oldN);
      oldN = newN;
    }
    let at: number;
    if (flags & MREMAP_FIXED) at = dst;
    else {
      at = this.getUnmappedArea(dst * PAGE, newN * PAGE, false);
      if (at < 0) return at;
      at /= PAGE;
    }
    return this.moveVma(s, oldN, newN, at, flags);
  }

  /** `remap_move` (6.17+): MREMAP_FIXED without resize moves every VMA in the range, keeping the gaps. */
  private remapMove(s: number, n: number, dst: number, flags: number): number {
    const e = s + n;
    let res = err('EFAULT');
    let seen = false;
    let lastEnd = 0;
    let target = dst;
    const pieces = this.vmas().filter((m) => m.end > s && m.start < e);
    for (const m of pieces) {
      const from = Math.max(m.start, s);
      const len = Math.min(e, m.end) - from;
      if (!seen && s < m.start) return err('EFAULT');
      const offset = seen ? m.start - lastEnd : 0;
      lastEnd = m.end;
      const cur = this.vmaAt(from);
      const r = this.checkPrep(cur, from, len, len, flags);
      if (r) return r;
      const got = this.remapTo(from, len, len, target + offset, flags);
      if (got < 0) return got;
      if (!seen) res = got;
      seen = true;
      target = got / PAGE + len;
    }
    return res;
  }

  /**
   * mm/mremap.c `move_vma`: copy the VMA part [s, s+oldN) to `dst` as a VMA of newN pages (mm/vma.c `copy_vma`:
   * an unfaulted anonymous VMA takes the new address as pgoff), move the pages, then unmap the source — or, with
   * MREMAP_DONTUNMAP, leave it mapped and empty, unlocked, and without anon_vma if the whole VMA moved.
   */
  private moveVma(s: number, oldN: number, newN: number, dst: number, flags: number): number {
    const src = this.vmaAt(s)!;
    const head = this.pages.get(s)!;
    const keepPgoff = head.shm !== null || (head.desc ?? null) !== null || head.anon !== 0;
    const moved: Page[] = [];
    for (let i = 0; i < oldN; i++) moved.push(this.pages.get(s + i)!);
    const id = this.ids.next();
    for (let i = 0; i < newN; i++) {
      const from = moved[i];
      const pgoff = keepPgoff ? head.pgoff + i : dst + i;
      this.pages.set(dst + i, {
        ...head,
        vma: id,
        pgoff,
        data: from ? from.data : null,
        present: from ? from.present : false,
        young: from ? from.young : false,
        guard: from?.guard === true,
      });
    }
    this.mergeNew(dst, dst + newN);
    if (flags & MREMAP_DONTUNMAP) {
      const whole = src.start === s && src.end === s + oldN;
      const cur = this.vmaAt(s)!;
      for (let v = cur.start; v < cur.end; v++) {
        const p = this.pages.get(v)!;
        p.flags &= ~VmFlag.Locked;
        if (whole) {
          p.anon = 0;
          p.forked = false;
        }
      }
      for (let i = 0; i < oldN; i++) {
        const p = this.pages.get(s + i)!;
        p.data = null;
        p.present = false;
        p.young = false;
        p.guard = false;
      }
    } else {
      this.unmapPages(s, s + oldN);
    }
    if (newN > oldN && head.flags & VmFlag.Locked) this.populate(dst + oldN, dst + newN, true);
    return dst * PAGE;
  }

  // ---------------------------------------------------------------------------------------------------------
  // fork

  /**
   * kernel/fork.c `dup_mmap` into `child` (empty): VM_DONTCOPY VMAs are skipped; VM_LOCKED is cleared;
   * WIPEONFORK VMAs come empty and without anon_vma; a VMA whose parent had an anon_vma gets a fresh one of its
   * own (`anon_vma_fork`); page-table entries are copied only for VMAs with an anon_vma (`vma_needs_copy`).
   * Private contents are copied (copy-on-write is invisible except through isolation).
   */
  forkInto(child: ModelProcess): void {
    child.brk = this.brk;
    child.startBrk = this.startBrk;
    child.startStack = this.startStack;
    for (const m of this.vmas()) {
      const f = m.first;
      if (f.flags & VmFlag.DontCopy) continue;
      const wipe = (f.flags & VmFlag.WipeOnFork) !== 0;
      const anon = f.anon && !wipe ? this.ids.next() : 0;
      for (let v = m.start; v < m.end; v++) {
        const p = this.pages.get(v)!;
        child.pages.set(v, {
          vma: p.vma,
          prot: p.prot,
          flags: p.flags & ~VmFlag.Locked,
          anon,
          forked: anon !== 0,
          pgoff: p.pgoff,
          shm: p.shm,
          data: wipe || !p.data ? null : p.data.slice(),
          present: !wipe && f.anon !== 0 && p.present,
          young: false, // copy_present_pte: pte_mkold in the child
          name: p.name,
          desc: p.desc ?? null,
          guard: !wipe && p.guard === true,
        });
      }
    }
    child.fds = this.fds.clone();
  }

  /** True when a page of [s, e) belongs to a sealed VMA (`can_modify_vma` fails). */
  private sealedIn(s: number, e: number): boolean {
    if (e - s > this.pages.size) {
      for (const [k, p] of this.pages) if (k >= s && k < e && p.flags & VmFlag.Sealed) return true;
      return false;
    }
    for (let v = s; v < e; v++) if ((this.pages.get(v)?.flags ?? 0) & VmFlag.Sealed) return true;
    return false;
  }

  /** mseal(addr, len, flags): mm/mseal.c `do_mseal` — the range must be fully mapped; each VMA gets VM_SEALED. */
  mseal(addr: bigint | number, len: bigint | number, flags: bigint | number = 0): number {
    const a = U64(addr);
    const l = U64(len);
    if (U64(flags) !== 0n) return err('EINVAL');
    if (a % PAGE_N) return err('EINVAL');
    const al = pageAlign(l);
    if (l !== 0n && al === 0n) return err('EINVAL');
    const end = a + al;
    if (end >= 1n << 64n) return err('EINVAL');
    if (end === a) return 0;
    if (end > BigInt(this.config.taskSize)) return err('ENOMEM');
    const s = Number(a / PAGE_N);
    const e = Number(end / PAGE_N);
    for (let v = s; v < e; v++) if (!this.pages.has(v)) return err('ENOMEM');
    let v = s;
    while (v < e) {
      const m = this.vmaAt(v)!;
      const piece = Math.min(m.end, e);
      if (!(m.first.flags & VmFlag.Sealed))
        this.modifyPart(v, piece, m.first.prot, m.first.flags | VmFlag.Sealed);
      v = this.vmaAt(piece - 1)!.end;
    }
    return 0;
  }

  /** `unmap_mapping_range(file, fromPage, even_cows)`: private copies of the file's pages past `fromPage` go. */
  truncated(file: ModelFile, fromPage: number): void {
    for (const p of this.pages.values()) {
      if (p.desc?.file !== file || p.pgoff < fromPage) continue;
      p.data = null;
      p.present = false;
    }
  }
}

/**
 * The model's own consistency rules (a bug in the model breaks one of these): every VMA identity is one
 * contiguous run, all pages of a VMA agree on prot, flags, anon_vma and object, and pgoffs continue page by page.
 * Throws an Error naming the first broken rule.
 */
export function checkModelInvariants(p: ModelProcess): void {
  const seen = new Set<number>();
  for (const m of p.vmas()) {
    if (seen.has(m.first.vma)) throw new Error(`VMA identity ${m.first.vma} is not contiguous`);
    seen.add(m.first.vma);
    for (let v = m.start; v < m.end; v++) {
      const q = p.pages.get(v)!;
      const f = m.first;
      if (
        q.prot !== f.prot ||
        q.flags !== f.flags ||
        q.anon !== f.anon ||
        q.forked !== f.forked ||
        q.shm !== f.shm
      ) {
        throw new Error(`page 0x${v.toString(16)} disagrees with its VMA`);
      }
      if (q.pgoff !== f.pgoff + (v - m.start))
        throw new Error(`page 0x${v.toString(16)} breaks pgoff continuity`);
      if (q.data && !q.present) throw new Error(`page 0x${v.toString(16)} has data but no PTE`);
    }
  }
}
