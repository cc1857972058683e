/**
 * `VmaSet`: a process's VMAs with Linux's split and merge operations, implemented once on top of any
 * {@link VmaIndex} (tree or list).
 *
 * Every mutating operation returns what changed, and reports `vma.split` / `vma.merge` events (byte addresses)
 * to the sink. Inputs are validated before anything changes: a bad call throws and leaves the set untouched.
 *
 * @module
 */

import {
  addrOfPage,
  type EventSink,
  NULL_SINK,
  VM_DONTCOPY,
  VM_EXEC,
  VM_GROWSDOWN,
  VM_LOCKED,
  VM_LOCKED_MASK,
  VM_SHARED,
  VM_SOFTDIRTY,
  VM_WIPEONFORK,
  VM_WRITE,
  type VmFlags,
  vmFlags,
} from '@pagewright/core';
import { type AnonVma, AnonVmaAllocator } from './anon-vma.js';
import { crossCheckIndex } from './index-scan.js';
import {
  anonVmaReusable,
  anonVmasCompatible,
  canMergeAfter,
  canMergeBefore,
  type MergeCandidate,
  VM_SPECIAL,
} from './merge.js';
import { isValidRegion, RegionError } from './virt-region.js';
import { mutableVma, type Vma } from './vma.js';
import { type VmaIndex, VmaIndexError } from './vma-index.js';
import { VmaTree } from './vma-tree.js';

/** Options of {@link VmaSet}. */
export interface VmaSetOptions {
  /** The index plug-in (default a new {@link VmaTree}). Must be empty. */
  index?: VmaIndex | undefined;
  /** Where split/merge events go (default none). */
  sink?: EventSink | undefined;
  /** The pid reported in events (default 0). */
  pid?: number | undefined;
  /** The machine-wide anon_vma allocator (default a private one). */
  anonVmas?: AnonVmaAllocator | undefined;
}

/** How a new range joined its neighbours (Linux `vma_merge_new_range`). */
export type MergeKind = 'none' | 'prev' | 'next' | 'both';

/** What {@link VmaSet.insertAndMerge} did. */
export interface InsertResult {
  /** The VMA that now holds the range: the inserted one (`none`), or the neighbour that absorbed it. */
  readonly vma: Vma;
  /** Which neighbours it merged with. */
  readonly merged: MergeKind;
  /** VMAs that left the set because they were absorbed (the next VMA in the `both` case). */
  readonly removed: readonly Vma[];
}

/** The attribute changes {@link VmaSet.modifyRange} applies to a range (fields left out stay as they are). */
export interface VmaUpdate {
  /** The new flag word (prot, lock and madvise bits all live here). */
  readonly flags?: VmFlags | undefined;
  /** The new anonymous name (`null` clears it). */
  readonly name?: string | null | undefined;
}

/** What {@link VmaSet.modifyRange} did. */
export interface ModifyResult {
  /** The VMAs that now cover the changed parts of the range (after merging), ascending, without duplicates. */
  readonly vmas: readonly Vma[];
  /** Number of splits made. */
  readonly splits: number;
  /** Number of merges made. */
  readonly merges: number;
  /** VMAs removed from the set by merges. */
  readonly removed: readonly Vma[];
  /** The first unmapped page of the range, or -1 when the range was fully mapped (up to where it stopped). */
  readonly holeAt: number;
}

/**
 * Linux `is_data_mapping`: private writable memory that is not a stack (`VmData`, `mm->data_vm`).
 * (`VM_STACK` is `VM_GROWSDOWN` on every architecture without `VM_GROWSUP`.)
 */
export function isDataMapping(flags: VmFlags): boolean {
  return (flags & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) === VM_WRITE;
}

/** Linux `is_exec_mapping`: executable, not writable, not a stack (`mm->exec_vm`). */
export function isExecMapping(flags: VmFlags): boolean {
  return (flags & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) === VM_EXEC;
}

/** Linux `is_stack_mapping`: a `VM_GROWSDOWN` VMA (`VmStk`, `mm->stack_vm`). */
export function isStackMapping(flags: VmFlags): boolean {
  return (flags & VM_GROWSDOWN) !== 0;
}

/** Thrown for a bad argument to a {@link VmaSet} operation; the set is unchanged. */
export class VmaSetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VmaSetError';
  }
}

/**
 * A process's VMAs: the index plus Linux's merge/split operations.
 *
 * Invariants: VMAs never overlap; every VMA is in `index`; `VmaSet` is the only writer of the VMAs it holds.
 *
 * @example
 * ```ts
 * import { MAP_ANONYMOUS, MAP_PRIVATE, mmapVmFlags, PROT_READ, PROT_WRITE, VM_WRITE } from '@pagewright/core';
 * import { Vma, VmaSet, VmaTree } from '@pagewright/vma';
 *
 * const set = new VmaSet({ index: new VmaTree() });
 * const flags = mmapVmFlags(PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
 * set.insertAndMerge(new Vma({ start: 0x100, end: 0x110, flags }));
 * set.insertAndMerge(new Vma({ start: 0x110, end: 0x120, flags })); // merges with its neighbour
 * console.log(set.index.size); // 1
 * set.modifyRange(0x104, 0x108, () => ({ flags: flags & ~VM_WRITE })); // mprotect: split into 3
 * console.log(set.index.size, set.find(0x105)?.start.toString(16)); // 3 104
 * ```
 */
export class VmaSet implements Iterable<Vma> {
  /** The index plug-in holding the VMAs. Read it freely; mutate only through this set. */
  readonly index: VmaIndex;
  /** The anon_vma allocator. */
  readonly anonVmas: AnonVmaAllocator;
  private readonly sink: EventSink;
  private readonly pid: number;
  // Running page totals (Linux mm->total_vm, locked_vm, data_vm, exec_vm, stack_vm, kept by vm_stat_account):
  // every change of a member VMA's size or flags goes through account(v, -1) ... account(v, +1).
  private total = 0;
  private locked = 0;
  private data = 0;
  private exec = 0;
  private stack = 0;

  constructor(options: VmaSetOptions = {}) {
    this.index = options.index ?? new VmaTree();
    if (this.index.size !== 0) throw new VmaSetError('the index must start empty');
    this.sink = options.sink ?? NULL_SINK;
    this.pid = options.pid ?? 0;
    this.anonVmas = options.anonVmas ?? new AnonVmaAllocator();
  }

  /** Number of VMAs (Linux `map_count`). */
  get size(): number {
    return this.index.size;
  }

  /** Pages in all VMAs (Linux `mm->total_vm`, `VmSize`). O(1): a running total. */
  get totalPages(): number {
    return this.total;
  }

  /** Pages in `VM_LOCKED` VMAs (`VmLck`; the `RLIMIT_MEMLOCK` charge). O(1). */
  get lockedPages(): number {
    return this.locked;
  }

  /** Pages in {@link isDataMapping} VMAs (Linux `mm->data_vm`, `VmData`). O(1). */
  get dataPages(): number {
    return this.data;
  }

  /** Pages in {@link isExecMapping} VMAs (Linux `mm->exec_vm`). O(1). */
  get execPages(): number {
    return this.exec;
  }

  /** Pages in {@link isStackMapping} VMAs (Linux `mm->stack_vm`, `VmStk`). O(1). */
  get stackPages(): number {
    return this.stack;
  }

  /** The VMA containing page `vpn`. */
  find(vpn: number): Vma | undefined {
    return this.index.find(vpn);
  }

  /** The first VMA with `end > vpn` (Linux `find_vma`). */
  findFrom(vpn: number): Vma | undefined {
    return this.index.findFrom(vpn);
  }

  /** The VMAs sharing a page with `[start, end)`, ascending. */
  intersecting(start: number, end: number): Vma[] {
    const out: Vma[] = [];
    for (const v of this.index.iterateFrom(start)) {
      if (v.start >= end) break;
      out.push(v);
    }
    return out;
  }

  [Symbol.iterator](): Iterator<Vma> {
    return this.index[Symbol.iterator]();
  }

  /** Adds `vma` without trying to merge (fork, exec set-up). Throws if it overlaps. */
  insertNoMerge(vma: Vma): void {
    this.attach(vma);
  }

  /**
   * Adds a new VMA, merging it with its neighbours as `vma_merge_new_range` does:
   * ```
   * PPPP....NNNN   insert VVVV between P and N
   * PPPPPPPPNNNN   merges with P only ('prev'), e.g. when N's flags differ or N's anon_vma differs from P's
   * PPPPNNNNNNNN   merges with N only ('next'): N's start and pgoff move down
   * PPPPPPPPPPPP   merges with both ('both'): P extends over N, N leaves the set
   * ```
   * When the range joins a neighbour, `newVma` itself is not inserted (it stays detached); use the returned `vma`.
   *
   * @param newVma - a detached VMA whose range is free
   * @param copiedFrom - for an mremap move (`copy_vma`), the VMA the range comes from
   * @throws {@link VmaIndexError} if `newVma` overlaps a VMA or is already in an index
   */
  insertAndMerge(newVma: Vma, copiedFrom: Vma | null = null): InsertResult {
    if (newVma.indexSlot !== null) throw new VmaIndexError(`VMA ${newVma} is already in an index`);
    // One descent finds the neighbours and answers the overlap question: the VMA holding the page below the range,
    // then the first VMA after it (Linux vma_merge_new_range has prev and next from the same walk).
    const prev = newVma.start > 0 ? this.index.find(newVma.start - 1) : undefined;
    const after = prev !== undefined ? this.index.nextOf(prev) : this.index.findFrom(newVma.start);
    if ((prev !== undefined && prev.end > newVma.start) || (after !== undefined && after.start < newVma.end))
      throw new VmaIndexError(`VMA ${newVma} overlaps an existing VMA`);
    const next = after !== undefined && after.start === newVma.end ? after : undefined;
    const c: MergeCandidate = {
      start: newVma.start,
      end: newVma.end,
      pgoff: newVma.pgoff,
      flags: newVma.flags,
      backing: newVma.backing,
      name: newVma.name,
      anonVma: newVma.anonVma,
      src: null,
      copiedFrom,
    };
    const left = prev !== undefined && canMergeAfter(prev, c);
    const right =
      next !== undefined && canMergeBefore(next, c) && (!left || anonVmasCompatible(prev as Vma, next));
    const soft = newVma.flags & VM_SOFTDIRTY;
    if (left && right) {
      const p = prev as Vma;
      const n = next as Vma;
      this.detach(n);
      this.adoptAnon(p, newVma, n);
      this.account(p, -1);
      const mp = mutableVma(p);
      mp.end = n.end;
      mp.flags = vmFlags(p.flags | soft);
      this.account(p, 1);
      this.index.updated(p);
      this.emitMerge(p);
      return { vma: p, merged: 'both', removed: [n] };
    }
    if (left) {
      const p = prev as Vma;
      this.adoptAnon(p, newVma, null);
      this.account(p, -1);
      const mp = mutableVma(p);
      mp.end = newVma.end;
      mp.flags = vmFlags(p.flags | soft);
      this.account(p, 1);
      this.index.updated(p);
      this.emitMerge(p);
      return { vma: p, merged: 'prev', removed: [] };
    }
    if (right) {
      const n = next as Vma;
      this.adoptAnon(n, newVma, null);
      this.account(n, -1);
      const mn = mutableVma(n);
      mn.start = newVma.start;
      mn.pgoff = newVma.pgoff;
      mn.flags = vmFlags(n.flags | soft);
      this.account(n, 1);
      this.index.updated(n);
      this.emitMerge(n);
      return { vma: n, merged: 'next', removed: [] };
    }
    this.attach(newVma);
    return { vma: newVma, merged: 'none', removed: [] };
  }

  /**
   * Splits the VMA containing `vpn` into `[start, vpn)` and `[vpn, end)` (Linux `split_vma`). The lower piece keeps
   * the VMA object; the upper piece is a new VMA with `pgoff + (vpn - start)`, the same anon_vma (chain), flags and
   * name. Returns `[lower, upper]`, or `null` when `vpn` is unmapped or already a VMA boundary (nothing changes).
   */
  splitAt(vpn: number): [Vma, Vma] | null {
    if (!Number.isInteger(vpn)) throw new VmaSetError(`bad page number ${String(vpn)}`);
    const v = this.index.find(vpn);
    if (v === undefined || v.start === vpn) return null;
    return [v, this.split(v, vpn)];
  }

  /**
   * Applies `update` to every mapped page of `[start, end)`, as mprotect/mlock/madvise/prctl do (`vma_modify`):
   * each touched VMA is split at the range ends when needed, changed, then merged with its neighbours when they
   * match again (`vma_merge_existing_range`):
   * ```
   * VVVVNNN  modify [1,4) to match N  -> VNNNNNN  (N grows down)
   * PPPVVVV  modify [3,6) to match P  -> PPPPPPV  (P grows up)
   * PPPVVVVNNN modify all of V         -> one VMA
   * VVVVVVV  modify [2,4), no match    -> VVMMVVV (split only)
   * ```
   * `update(vma, start, end)` is called for each VMA before it is touched and returns the new attributes for its
   * part `[start, end)`, or `null` to leave it alone. It may throw (for example `MmError('EACCES')`): VMAs
   * already processed stay changed, as in Linux, and the set stays consistent.
   *
   * @param stopAtHole - stop at the first unmapped page (mprotect, mlock) instead of skipping holes (madvise)
   */
  modifyRange(
    start: number,
    end: number,
    update: (vma: Vma, start: number, end: number) => VmaUpdate | null,
    stopAtHole = true,
  ): ModifyResult {
    checkRange(start, end);
    const out: Vma[] = [];
    const removed: Vma[] = [];
    const counts = { splits: 0, merges: 0 };
    let holeAt = -1;
    let cur = start;
    while (cur < end) {
      const v = this.index.findFrom(cur);
      if (v === undefined || v.start >= end) {
        if (holeAt < 0) holeAt = cur;
        break;
      }
      if (v.start > cur) {
        if (holeAt < 0) holeAt = cur;
        if (stopAtHole) break;
      }
      const s = Math.max(v.start, cur);
      const e = Math.min(v.end, end);
      const u = update(v, s, e);
      if (u !== null) {
        const r = this.modifyOne(v, s, e, u, counts, removed);
        if (out[out.length - 1] !== r) out.push(r);
      }
      cur = e;
    }
    return { vmas: out, splits: counts.splits, merges: counts.merges, removed, holeAt };
  }

  /**
   * Removes every mapped page of `[start, end)` (munmap): splits the VMAs at the range ends, removes the pieces
   * inside, and returns them ascending for the caller to unmap. Holes are fine. Never merges.
   */
  removeRange(start: number, end: number): Vma[] {
    checkRange(start, end);
    const first = this.index.findFrom(start);
    if (first === undefined || first.start >= end) return [];
    if (first.start < start && first.end >= end) {
      // The range lies inside one VMA that sticks out below it (an mmap that merged, unmapped again). Same result,
      // same split events and the same VMA identities as splitting and removing, but the removed piece never
      // enters the index: one tree update instead of an insert and a remove.
      const piece = this.cutTail(first, start);
      if (piece.end > end) {
        const upper = piece.with({ start: end, pgoff: piece.pgoffAt(end) });
        mutableVma(piece).end = end;
        this.attach(upper);
        this.emitSplit(start, upper.end, end);
      }
      return [piece];
    }
    if (first.start < start) this.split(first, start);
    const lastV = this.index.find(end - 1);
    if (lastV !== undefined && lastV.end > end) this.split(lastV, end);
    const out = this.intersecting(start, end);
    for (const v of out) this.detach(v);
    return out;
  }

  /**
   * Grows `vma` up to `newEnd` and merges with the VMA above when it then touches a compatible one (Linux
   * `vma_merge_extend`, used by mremap's in-place growth and brk). `[vma.end, newEnd)` must be free.
   */
  extendAndMerge(vma: Vma, newEnd: number): InsertResult {
    this.requireMember(vma);
    if (!Number.isInteger(newEnd) || newEnd <= vma.end || !isValidRegion(vma.end, newEnd))
      throw new VmaSetError(`cannot extend ${vma} to ${String(newEnd)}`);
    if (this.index.conflicts(vma.end, newEnd)) throw new VmaIndexError(`[${vma.end}, ${newEnd}) is not free`);
    const grown = vma.with({ start: vma.end, end: newEnd, pgoff: vma.pgoffAt(vma.end) });
    return this.insertAndMerge(grown);
  }

  /**
   * Moves the start of a `VM_GROWSDOWN` (or any) VMA down to `newStart` (stack growth, Linux `expand_downwards`):
   * `pgoff` moves down with it. `[newStart, vma.start)` must be free. Never merges.
   */
  growDown(vma: Vma, newStart: number): void {
    this.requireMember(vma);
    if (!Number.isInteger(newStart) || newStart < 0 || newStart >= vma.start)
      throw new VmaSetError(`cannot grow ${vma} down to ${String(newStart)}`);
    const delta = vma.start - newStart;
    if (vma.pgoff < delta) throw new VmaSetError(`pgoff of ${vma} would go negative`);
    if (this.index.conflicts(newStart, vma.start))
      throw new VmaIndexError(`[${newStart}, ${vma.start}) is not free`);
    this.account(vma, -1);
    const m = mutableVma(vma);
    m.start = newStart;
    m.pgoff = vma.pgoff - delta;
    this.account(vma, 1);
    this.index.updated(vma);
  }

  /**
   * Linux `copy_vma` for an mremap move: puts a copy of `[srcStart, srcEnd)` of `src` at `newStart`, with the same
   * flags, backing, anon_vma and name, merging with the neighbours there. The pgoff follows the source, except for a
   * private anonymous VMA that was never faulted (no anon_vma), whose pgoff becomes `newStart` "to increase its
   * chance of merging". The source is left in place (the caller removes it).
   */
  copyVma(src: Vma, srcStart: number, srcEnd: number, newStart: number): InsertResult {
    this.requireMember(src);
    if (!(srcStart >= src.start && srcEnd <= src.end && srcStart < srcEnd))
      throw new VmaSetError(`[${srcStart}, ${srcEnd}) is not inside ${src}`);
    const newEnd = newStart + (srcEnd - srcStart);
    checkRange(newStart, newEnd);
    const pgoff =
      src.backing.kind === 'anon-private' && src.anonVma === null ? newStart : src.pgoffAt(srcStart);
    const copy = src.with({ start: newStart, end: newEnd, pgoff });
    return this.insertAndMerge(copy, src);
  }

  /**
   * Linux `anon_vma_prepare` on the first fault in `vma`: returns its anon_vma, creating one when it has none — or
   * reusing a neighbour's (`find_mergeable_anon_vma`: the VMA above first, then the one below) when the neighbour
   * is adjacent, differs at most in the access bits, has contiguous pgoff and is not a fork child.
   */
  prepareAnonVma(vma: Vma): AnonVma {
    this.requireMember(vma);
    if (vma.anonVma !== null) return vma.anonVma;
    let av: AnonVma | null = null;
    const next = this.index.nextOf(vma);
    if (next?.anonVma && next.anonChain.length === 1 && anonVmaReusable(vma, next)) av = next.anonVma;
    if (av === null) {
      const prev = this.index.prevOf(vma);
      if (prev?.anonVma && prev.anonChain.length === 1 && anonVmaReusable(prev, vma)) av = prev.anonVma;
    }
    if (av === null) av = this.anonVmas.create();
    const m = mutableVma(vma);
    m.anonVma = av;
    m.anonChain = [av];
    return av;
  }

  /**
   * Linux `dup_mmap`'s VMA part of fork: copies every VMA except `VM_DONTCOPY` ones into `child` (which must be
   * empty), without merging. Each copy loses `VM_LOCKED`/`VM_LOCKONFAULT`; a `VM_WIPEONFORK` copy gets no anon_vma;
   * otherwise a copy of a VMA with an anon_vma gets a new anon_vma whose parent is the original's, and its chain is
   * the original's chain plus the new one (so it is a fork child: it never merges with an anon_vma-less neighbour).
   * Returns `[parentVma, childVma]` pairs, ascending.
   */
  forkInto(child: VmaSet): [Vma, Vma][] {
    if (child.size !== 0) throw new VmaSetError('the child set must be empty');
    const pairs: [Vma, Vma][] = [];
    for (const v of this) {
      if ((v.flags & VM_DONTCOPY) !== 0) continue;
      const flags = vmFlags(v.flags & ~VM_LOCKED_MASK);
      let anonVma: AnonVma | null = null;
      let anonChain: readonly AnonVma[] = [];
      if (v.anonVma !== null && (v.flags & VM_WIPEONFORK) === 0) {
        anonVma = child.anonVmas.fork(v.anonVma);
        anonChain = [...v.anonChain, anonVma];
      }
      const c = v.with({ flags, anonVma, anonChain });
      child.attach(c);
      pairs.push([v, c]);
    }
    return pairs;
  }

  /**
   * Checks the set's invariants (no overlap, ascending, positive sizes, chain contains anon_vma, the page totals
   * equal to a recomputation over the VMAs) and the index's (its `checkInvariants()` when it has one, else every
   * lookup against its iteration); O(n log n) for a tree index.
   */
  checkInvariants(): void {
    let prevEnd = -1;
    let n = 0;
    let total = 0;
    let locked = 0;
    let data = 0;
    let exec = 0;
    let stack = 0;
    for (const v of this) {
      const pages = v.end - v.start;
      total += pages;
      if (v.flags & VM_LOCKED) locked += pages;
      if (isDataMapping(v.flags)) data += pages;
      if (isExecMapping(v.flags)) exec += pages;
      if (isStackMapping(v.flags)) stack += pages;
      if (v.start < prevEnd) throw new Error(`overlap or disorder at ${v}`);
      if (v.end <= v.start) throw new Error(`empty VMA ${v}`);
      if ((v.anonVma === null) !== (v.anonChain.length === 0)) throw new Error(`bad chain at ${v}`);
      if (v.anonVma !== null && !v.anonChain.includes(v.anonVma)) throw new Error(`bad chain at ${v}`);
      prevEnd = v.end;
      n++;
    }
    if (n !== this.size) throw new Error('size mismatch');
    // The index itself: its own structural check when it has one, else its lookups against its iteration.
    const index = this.index as VmaIndex & { checkInvariants?: () => void };
    if (typeof index.checkInvariants === 'function') index.checkInvariants();
    else crossCheckIndex(index, [...index]);
    const got = [this.total, this.locked, this.data, this.exec, this.stack].join(' ');
    const want = [total, locked, data, exec, stack].join(' ');
    if (got !== want)
      throw new Error(`page totals (total locked data exec stack) are ${got}, VMAs sum to ${want}`);
  }

  // ---- internals -------------------------------------------------------------------------------------------

  /** One VMA's part of modifyRange (`vma_modify`). Returns the VMA that now holds `[s, e)`. */
  private modifyOne(
    v: Vma,
    s: number,
    e: number,
    u: VmaUpdate,
    counts: { splits: number; merges: number },
    removed: Vma[],
  ): Vma {
    const flags = u.flags === undefined ? v.flags : vmFlags(u.flags);
    const name = u.name === undefined ? v.name : u.name;
    if (flags === v.flags && name === v.name) return v;
    const c: MergeCandidate = {
      start: s,
      end: e,
      pgoff: v.pgoffAt(s),
      flags,
      backing: v.backing,
      name,
      anonVma: v.anonVma,
      src: v,
      copiedFrom: null,
    };
    const leftSide = s === v.start;
    const rightSide = e === v.end;
    const special = (flags & VM_SPECIAL) !== 0;
    const prev = leftSide && !special && s > 0 ? this.index.find(s - 1) : undefined;
    const next = rightSide && !special ? this.index.find(e) : undefined;
    const left = prev !== undefined && canMergeAfter(prev, c);
    const right =
      next !== undefined && canMergeBefore(next, c) && (!left || anonVmasCompatible(prev as Vma, next));
    if (left) {
      const p = prev as Vma;
      if (right) {
        const n = next as Vma;
        this.detach(v);
        this.detach(n);
        removed.push(v, n);
        this.adoptAnon(p, v, n);
        this.setRegion(p, p.start, n.end, flags, name);
      } else if (rightSide) {
        this.detach(v);
        removed.push(v);
        this.adoptAnon(p, v, null);
        this.setRegion(p, p.start, e, flags, name);
      } else {
        // PPPVVVV -> PPPPPPV: V shrinks from below, P grows.
        this.setRegion(v, e, v.end, v.flags, v.name, v.pgoffAt(e));
        this.adoptAnon(p, v, null);
        this.setRegion(p, p.start, e, flags, name);
      }
      counts.merges++;
      this.emitMerge(p);
      return p;
    }
    if (right) {
      const n = next as Vma;
      if (leftSide) {
        this.detach(v);
        removed.push(v);
        this.adoptAnon(n, v, null);
        this.setRegion(n, s, n.end, flags, name, c.pgoff);
      } else {
        // VVVVNNN -> VNNNNNN: V shrinks from above, N grows down.
        this.setRegion(v, v.start, s, v.flags, v.name);
        this.adoptAnon(n, v, null);
        this.setRegion(n, s, n.end, flags, name, c.pgoff);
      }
      counts.merges++;
      this.emitMerge(n);
      return n;
    }
    let mid = v;
    if (s > v.start) {
      mid = this.split(v, s);
      counts.splits++;
    }
    if (e < mid.end) {
      this.split(mid, e);
      counts.splits++;
    }
    this.setRegion(mid, mid.start, mid.end, flags, name);
    return mid;
  }

  /**
   * Splits `v` at `at` (strictly inside); returns the new upper piece. The page totals do not change: the pages
   * `v` loses are the upper piece's, with the same flags.
   */
  private split(v: Vma, at: number): Vma {
    const upper = v.with({ start: at, pgoff: v.pgoffAt(at) });
    const m = mutableVma(v);
    m.end = at;
    this.index.updated(v);
    this.index.insert(upper);
    if (upper.backing.kind === 'anon-shared') upper.backing.object.vmaCount++;
    this.emitSplit(v.start, upper.end, at);
    return upper;
  }

  /**
   * Cuts `[at, v.end)` off the member `v` (`at` strictly inside) and returns it as a detached VMA that never
   * entered the index: what {@link VmaSet.split} followed by removing the upper piece does, with one index update.
   */
  private cutTail(v: Vma, at: number): Vma {
    const piece = v.with({ start: at, pgoff: v.pgoffAt(at) });
    this.account(v, -1);
    mutableVma(v).end = at;
    this.account(v, 1);
    this.index.updated(v);
    this.emitSplit(v.start, piece.end, at);
    return piece;
  }

  private emitSplit(start: number, end: number, at: number): void {
    if (this.sink.enabled)
      this.sink.emit('vma.split', {
        pid: this.pid,
        start: addrOfPage(start),
        end: addrOfPage(end),
        at: addrOfPage(at),
      });
  }

  /** Sets region, flags, name (and pgoff) of a member VMA and tells the index. Shrinks must come before grows. */
  private setRegion(
    v: Vma,
    start: number,
    end: number,
    flags: VmFlags,
    name: string | null,
    pgoff = v.pgoff,
  ): void {
    const m = mutableVma(v);
    const reindex = start !== v.start || end !== v.end || ((flags ^ v.flags) & VM_GROWSDOWN) !== 0;
    this.account(v, -1);
    m.start = start;
    m.end = end;
    m.flags = flags;
    m.name = name;
    m.pgoff = pgoff;
    this.account(v, 1);
    if (reindex) this.index.updated(v);
  }

  /** Puts a detached VMA into the index and counts its pages (and its shared object's VMAs). */
  private attach(v: Vma): void {
    this.index.insert(v);
    this.account(v, 1);
    if (v.backing.kind === 'anon-shared') v.backing.object.vmaCount++;
  }

  /** Takes a member VMA out of the index and uncounts its pages (and its shared object's VMAs). */
  private detach(v: Vma): void {
    this.index.remove(v);
    this.account(v, -1);
    if (v.backing.kind === 'anon-shared') v.backing.object.vmaCount--;
  }

  /**
   * Adds (`sign` 1) or subtracts (`sign` -1) `v`'s pages to the running totals by its current flags (Linux
   * `vm_stat_account`). Every change of a member's range or flags is bracketed by a -1 and a +1 call.
   */
  private account(v: Vma, sign: number): void {
    const pages = (v.end - v.start) * sign;
    const f = v.flags;
    this.total += pages;
    if (f & VM_LOCKED) this.locked += pages;
    if ((f & (VM_WRITE | VM_SHARED | VM_GROWSDOWN)) === VM_WRITE) this.data += pages;
    else if ((f & (VM_EXEC | VM_WRITE | VM_GROWSDOWN)) === VM_EXEC) this.exec += pages;
    if (f & VM_GROWSDOWN) this.stack += pages;
  }

  /** `dup_anon_vma`: a surviving VMA without an anon_vma takes the one of a VMA (or range) merged into it. */
  private adoptAnon(target: Vma, a: Vma, b: Vma | null): void {
    if (target.anonVma !== null) return;
    const from = a.anonVma !== null ? a : b !== null && b.anonVma !== null ? b : null;
    if (from === null) return;
    const m = mutableVma(target);
    m.anonVma = from.anonVma;
    m.anonChain = from.anonChain;
  }

  private requireMember(v: Vma): void {
    if (v.indexSlot === null || this.index.find(v.start) !== v)
      throw new VmaSetError(`VMA ${v} is not in this set`);
  }

  private emitMerge(v: Vma): void {
    if (this.sink.enabled)
      this.sink.emit('vma.merge', { pid: this.pid, start: addrOfPage(v.start), end: addrOfPage(v.end) });
  }
}

function checkRange(start: number, end: number): void {
  if (!isValidRegion(start, end)) throw new RegionError(start, end);
}
