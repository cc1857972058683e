/**
 * `Machine`: the composition root — physical memory, a frame allocator, a paging architecture, harts with their
 * TLBs, ASIDs, the shared zero page, shared anonymous objects and the processes. Every part is chosen by
 * {@link MachineOptions}; there is no global state, so two machines live side by side.
 *
 * @module
 */

import {
  createRng,
  type EventSink,
  type FrameAllocator,
  NULL_SINK,
  type PagingArch,
  type Rng,
} from '@pagewright/core';
import {
  BitmapFrameAllocator,
  BuddyFrameAllocator,
  FramePool,
  SparsePhysicalMemory,
  StackFrameAllocator,
} from '@pagewright/frames';
import { AsidAllocator, MapperError, MapperFailure, StaleTlbDetector } from '@pagewright/mapper';
import { createSv39, createSv48, Hart, parseTlbSpec } from '@pagewright/sv39';
import { AnonVmaAllocator, type VmaIndex, VmaList, VmaTree } from '@pagewright/vma';
import { AddressSpace, type AddressSpaceLimits, type MachineServices } from './address-space.js';
import { loadImage } from './exec.js';
import {
  createFlusher,
  type FlushStrategy,
  type FlushStrategyName,
  resolveFlushStrategy,
} from './flush-strategy.js';
import { FrameOwners } from './frame-owners.js';
import { killFaultingTask, type OomKiller } from './oom.js';
import { PageTable } from './page-table.js';
import { Process } from './process.js';
import { defaultImage, type ProgramImage } from './program-image.js';
import { SharedMemory } from './shared-memory.js';

/** Options of {@link Machine}. Every field has a default. */
export interface MachineOptions {
  /** Bytes of RAM (default 256 MiB). */
  memoryBytes?: number | undefined;
  /** Frame allocator (default `'buddy'`). */
  allocator?: 'stack' | 'bitmap' | 'buddy' | undefined;
  /** Paging architecture (default `'sv39'`). */
  arch?: 'sv39' | 'sv48' | undefined;
  /** Number of harts (default 2). */
  harts?: number | undefined;
  /** TLB geometry and policy of each hart, `SETSxWAYS[:POLICY]` or `off` (default `'16x4:lru'`). */
  tlb?: string | undefined;
  /** VMA index (default `'tree'`). */
  vmaIndex?: 'tree' | 'list' | undefined;
  /** Free-area policy (default `'topdown'`, Linux's; `'bottomup'` is the legacy / DragonOS one). */
  placement?: 'topdown' | 'bottomup' | undefined;
  /**
   * TLB flush strategy after a page-table change (see `flush-strategy.ts`): `'shootdown'` (default: mapper's
   * `TlbShootdown`, per-page `sfence.vma` up to 33 pages then one ASID-wide flush, IPIs counted), `'page'`
   * (`PageFlush` on every hart) or `'full'` (`PageFlushAll` on every hart). `'batched'` and `'asid'` are accepted as
   * the former names of `'shootdown'` and `'full'`.
   */
  flush?: FlushStrategyName | undefined;
  /**
   * Run mapper's `StaleTlbDetector` after every flush point: it throws `StaleTlbError` when a hart's TLB still allows
   * what the page tables no longer allow (default false: it visits whole TLBs; tests switch it on).
   */
  checkTlb?: boolean | undefined;
  /** A/D-bit policy of the harts (default `'hardware'`; `'svade'` faults and lets the OS set them). */
  ad?: 'hardware' | 'svade' | undefined;
  /** Seed of every random choice (default 1). */
  seed?: number | undefined;
  /** Randomise stack, mmap base and heap (default false, for reproducible layouts). */
  aslr?: boolean | undefined;
  /** Where events go (default nowhere). */
  events?: EventSink | undefined;
  /** Overrides of the address-space limits (`taskSize` defaults to the arch's user half). */
  limits?: Partial<AddressSpaceLimits> | undefined;
}

/** A whole simulated machine. */
export class Machine implements MachineServices {
  /** Physical memory. */
  readonly memory: SparsePhysicalMemory;
  /** The frame allocator. */
  readonly allocator: FrameAllocator;
  /** The paging architecture. */
  readonly arch: PagingArch;
  /** The harts. */
  readonly harts: Hart[];
  /** Frames with metadata (`FrameTable`): the allocator, memory and reference counts used together. */
  readonly pool: FramePool;
  /** Owners of user data frames (reference counts in `pool.table`, the zero page, the live count). */
  readonly refs: FrameOwners;
  /** ASIDs with generations (Linux `arch/riscv/mm/context.c`): every hart's satp ASID comes from here. */
  readonly asids: AsidAllocator;
  /** The stale-TLB detector shared by every address space (enabled by the `checkTlb` option). */
  readonly detector: StaleTlbDetector;
  /** Shared anonymous objects. */
  readonly shared: SharedMemory;
  /** anon_vma identities. */
  readonly anonVmas = new AnonVmaAllocator();
  /** The event sink. */
  readonly sink: EventSink;
  /** The frame of the shared zero page (read-only, never freed while the machine lives). */
  readonly zeroPfn: number;
  /** The seeded generator (AT_RANDOM bytes, TLB random replacement). */
  readonly rng: Rng;
  /** The ASLR generator, or null when ASLR is off. */
  readonly aslrRng: Rng | null;
  /** Resolved options. */
  readonly options: Readonly<
    {
      [K in Exclude<keyof MachineOptions, 'events' | 'limits' | 'flush'>]-?: NonNullable<MachineOptions[K]>;
    } & { flush: FlushStrategy }
  >;
  /** Default limits of new address spaces. */
  readonly limits: AddressSpaceLimits;
  /** Live processes by pid. */
  readonly processes = new Map<number, Process>();
  /**
   * Who dies when a user page fault cannot get memory (`pagefault_out_of_memory`, see `oom.ts`); default: the
   * faulting process.
   */
  oomKiller: OomKiller = killFaultingTask;
  private pid = 1;

  /** @throws RangeError for invalid options */
  constructor(options: MachineOptions = {}) {
    const o = {
      memoryBytes: options.memoryBytes ?? 256 * 1024 * 1024,
      allocator: options.allocator ?? 'buddy',
      arch: options.arch ?? 'sv39',
      harts: options.harts ?? 2,
      tlb: options.tlb ?? '16x4:lru',
      vmaIndex: options.vmaIndex ?? 'tree',
      placement: options.placement ?? 'topdown',
      flush: resolveFlushStrategy(options.flush ?? 'shootdown') as FlushStrategy,
      checkTlb: options.checkTlb ?? false,
      ad: options.ad ?? 'hardware',
      seed: options.seed ?? 1,
      aslr: options.aslr ?? false,
    } as const;
    if (!['stack', 'bitmap', 'buddy'].includes(o.allocator))
      throw new RangeError(`unknown allocator "${o.allocator}"`);
    if (o.arch !== 'sv39' && o.arch !== 'sv48') throw new RangeError(`unknown arch "${o.arch}"`);
    if (o.vmaIndex !== 'tree' && o.vmaIndex !== 'list')
      throw new RangeError(`unknown VMA index "${o.vmaIndex}"`);
    if (o.placement !== 'topdown' && o.placement !== 'bottomup')
      throw new RangeError(`unknown placement "${o.placement}"`);
    if (o.flush === undefined) throw new RangeError(`unknown flush strategy "${options.flush}"`);
    if (o.ad !== 'hardware' && o.ad !== 'svade') throw new RangeError(`unknown A/D policy "${o.ad}"`);
    if (!(Number.isInteger(o.harts) && o.harts >= 1 && o.harts <= 64))
      throw new RangeError('harts must be 1..64');
    this.options = o;
    this.sink = options.events ?? NULL_SINK;
    this.rng = createRng(o.seed);
    this.aslrRng = o.aslr ? createRng(o.seed ^ 0x5a5a5a5a) : null;
    this.memory = new SparsePhysicalMemory({ size: o.memoryBytes });
    const alloc = { firstFrame: this.memory.baseFrame, frameCount: this.memory.frameCount };
    this.allocator =
      o.allocator === 'stack'
        ? new StackFrameAllocator(alloc)
        : o.allocator === 'bitmap'
          ? new BitmapFrameAllocator(alloc)
          : new BuddyFrameAllocator(alloc);
    const arch = o.arch === 'sv48' ? createSv48() : createSv39();
    this.arch = arch;
    this.harts = [];
    for (let id = 0; id < o.harts; id++)
      this.harts.push(
        new Hart({ id, memory: this.memory, arch, tlb: parseTlbSpec(o.tlb, this.rng), adPolicy: o.ad }),
      );
    this.pool = new FramePool({ allocator: this.allocator, memory: this.memory });
    this.refs = new FrameOwners(this.pool, this.sink);
    this.shared = new SharedMemory(this.refs);
    this.zeroPfn = this.refs.zeroPfn;
    this.asids = new AsidAllocator({ asidBits: 16, hartCount: o.harts });
    this.detector = new StaleTlbDetector(this.harts, o.checkTlb);
    this.limits = {
      taskSize: arch.userEnd,
      mmapMinAddr: 0x10000,
      stackGuardGapPages: 256,
      stackLimit: 8 * 1024 * 1024,
      memlockLimit: Number.MAX_SAFE_INTEGER,
      maxMapCount: 65530,
      overcommitBytes: 16 * 1024 ** 3,
      ...options.limits,
    };
  }

  /** Frames currently allocated (data, page tables and the zero page). */
  framesInUse(): number {
    return this.allocator.totalFrames - this.allocator.freeFrames;
  }

  /** The image `spawn()` and `exec()` use when given none. */
  defaultImage(): ProgramImage {
    return defaultImage();
  }

  /** A new process running `image` (default {@link defaultImage}). @throws Error when memory runs out */
  spawn(image?: ProgramImage): Process {
    const pid = this.nextPid();
    const vm = this.newAddressSpace(pid);
    if (vm === null) throw new Error('out of memory');
    const r = loadImage(vm, image ?? this.defaultImage(), this.aslrRng, this.rng);
    if (r !== 0) {
      vm.destroy();
      throw new Error(`cannot load the image: errno ${-r}`);
    }
    const p = new Process(this, pid, vm);
    this.register(p);
    return p;
  }

  // ---- services for the process layer -----------------------------------------------------------------------------

  /** @internal */
  nextPid(): number {
    return this.pid++;
  }
  /** @internal */
  register(p: Process): void {
    this.processes.set(p.pid, p);
  }
  /** @internal */
  unregister(p: Process): void {
    this.processes.delete(p.pid);
  }

  /** A fresh empty address space, or null when no frame is left for its root table. @internal */
  newAddressSpace(pid: number): AddressSpace | null {
    return this.newAddressSpaceFor(pid, this.limits);
  }

  /** @internal */
  newAddressSpaceFor(pid: number, limits: AddressSpaceLimits): AddressSpace | null {
    let as: AddressSpace;
    try {
      as = new AddressSpace(this, { ...limits }, pid);
    } catch (e) {
      // Only the root table's allocation is expected to fail; anything else is a bug and propagates.
      if (e instanceof MapperFailure && e.code === MapperError.FrameAllocationFailed) return null;
      throw e;
    }
    as.placement = this.options.placement;
    return as;
  }

  /** @internal */
  newVmaIndex(): VmaIndex {
    return this.options.vmaIndex === 'list' ? new VmaList() : new VmaTree();
  }

  /**
   * A new page table for an address space whose edits are made on hart `initiator()`. @internal
   * @throws Error when no frame is left for its root table
   */
  newPageTable(initiator: () => number): PageTable {
    const strategy = this.options.flush;
    const targets = { harts: this.harts, initiator, sink: this.sink };
    return new PageTable({
      arch: this.arch,
      memory: this.memory,
      allocator: this.allocator,
      detector: this.detector,
      flusher: (mapper, context) => createFlusher(strategy, mapper, context, targets),
    });
  }
}
