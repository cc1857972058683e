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
  type MmuHart,
  NULL_SINK,
  type PagingArch,
  type PluginContext,
  type PluginFactory,
  type Rng,
} from '@pagewright/core';
import { FileSystem } from '@pagewright/files';
import {
  FRAME_ALLOCATOR_NAMES,
  type FrameAllocatorName,
  type FrameAllocatorSpec,
  FramePool,
  resolveFrameAllocator,
  SparsePhysicalMemory,
} from '@pagewright/frames';
import { AsidAllocator, MapperError, MapperFailure, StaleTlbDetector } from '@pagewright/mapper';
import { VmEvents } from '@pagewright/reclaim';
import { parseTlbSpec, type ReplacementPolicySpec, type TlbSpec } from '@pagewright/tlb';
import {
  AnonVmaAllocator,
  type PlacementSpec,
  resolveVmaIndex,
  type VmaIndex,
  type VmaIndexFactory,
  type VmaIndexSpec,
} from '@pagewright/vma';
import { AddressSpace, type AddressSpaceLimits, type MachineServices } from './address-space.js';
import { loadImage } from './exec.js';
import { createFlusher, type FlushStrategySpec, resolveFlushStrategySpec } from './flush-strategy.js';
import { FrameOwners } from './frame-owners.js';
import {
  type AdPolicyName,
  type ArchSpec,
  type CpuFactory,
  checkCpu,
  resolveArch,
  resolveHartTlb,
} from './machine-parts.js';
import { killFaultingTask, type OomKiller, pagefaultOutOfMemory } from './oom.js';
import { PageTable } from './page-table.js';
import { type PlacementChoice, resolvePlacementChoice } from './placement.js';
import { Process, type ProcessHost } from './process.js';
import { defaultImage, type ProgramImage } from './program-image.js';
import { MachineReclaim, type SwapOptions } from './reclaim-hooks.js';
import { SharedMemory } from './shared-memory.js';

/**
 * Options of {@link Machine}. Every field has a default. Every plug-in option takes a built-in name, an instance
 * where one instance makes sense, or a factory that receives the documented context (see docs/PLUGINS.md): the
 * machine's physical memory, the frame range, the architecture, the seeded `Rng`, the event sink, and the hart
 * index for per-hart parts. A class is not a factory: pass `(ctx) => new MyPart(…)`.
 */
export interface MachineOptions {
  /** Bytes of RAM (default 256 MiB). */
  memoryBytes?: number | undefined;
  /**
   * Frame allocator (default `'buddy'`): a name of `FRAME_ALLOCATORS` (`stack`, `bitmap`, `buddy`), an instance over
   * exactly the machine's frame range, or a factory `(ctx: PluginContext) => FrameAllocator`. A user's allocator is
   * wrapped in `CheckedFrameAllocator`, so a broken answer is a `PluginContractError` naming it.
   */
  allocator?: FrameAllocatorName | FrameAllocator | PluginFactory<FrameAllocator, PluginContext> | undefined;
  /**
   * Paging architecture (default `'sv39'`): `sv39`, `sv48`, `x86-64`, `x86-64-la57`, any `PagingArch` instance (run
   * by the generic `Hart`), or a factory.
   */
  arch?: ArchSpec | undefined;
  /** Each hart's CPU model (default: the architecture's own — `Hart` for RISC-V and user architectures, `X86Cpu`). */
  cpu?: CpuFactory | undefined;
  /** Number of harts (default 2). */
  harts?: number | undefined;
  /**
   * Each hart's TLB (default `'16x4:lru'`): a spec `SETSxWAYS[:POLICY]` or `off`, a `Tlb` instance (single-hart
   * machines only), or a factory called once per hart with a `HartPluginContext`.
   */
  tlb?: TlbSpec | undefined;
  /**
   * The TLB replacement policy, overriding the `:POLICY` of a `tlb` spec string: a name of
   * `BUILTIN_REPLACEMENT_POLICIES`, or a factory called once per hart's TLB with `{ sets, ways, rng }`.
   */
  tlbPolicy?: ReplacementPolicySpec | undefined;
  /**
   * VMA index of every address space (default `'tree'`): a name of `VMA_INDEXES` (`tree`, `btree`, `treap`,
   * `list`) or a factory called once per address space. A user's index is wrapped in `CheckedVmaIndex`.
   */
  vmaIndex?: VmaIndexSpec | undefined;
  /**
   * Free-area policy (default `'topdown'`, Linux's; `'bottomup'` is the legacy / DragonOS one), a `PlacementPolicy`
   * of `@pagewright/vma`, or a factory called with each address space's layout (`PlacementContext`).
   */
  placement?: PlacementSpec | undefined;
  /**
   * TLB flush strategy after a page-table change (see `flush-strategy.ts`): `'shootdown'` (default: mapper's
   * `TlbShootdown`, per-page flushes up to 33 pages then one ASID-wide flush, IPIs counted), `'page'` (`PageFlush`
   * on every hart), `'full'` (`PageFlushAll` on every hart), or a factory of a `TlbFlusher` per address space.
   */
  flush?: FlushStrategySpec | undefined;
  /**
   * Run mapper's `StaleTlbDetector` after every flush point: it throws `StaleTlbError` when a hart's TLB still allows
   * what the page tables no longer allow (default false: it visits whole TLBs; tests switch it on).
   */
  checkTlb?: boolean | undefined;
  /** A/D-bit policy of the harts (default `'hardware'`; `'svade'` faults and lets the OS set them; RISC-V only). */
  ad?: AdPolicyName | undefined;
  /** Seed of every random choice (default 1). */
  seed?: number | undefined;
  /** Randomise stack, mmap base and heap (default false, for reproducible layouts). */
  aslr?: boolean | undefined;
  /** Where events go (default nowhere). */
  events?: EventSink | undefined;
  /** Overrides of the address-space limits (`taskSize` defaults to the arch's user half). */
  limits?: Partial<AddressSpaceLimits> | undefined;
  /**
   * The filesystem processes open and map files in (default: a fresh `@pagewright/files` `FileSystem` whose page
   * cache takes frames from the machine's allocator and memory), or a factory given the plug-in context.
   */
  files?: FileSystem | ((ctx: PluginContext) => FileSystem) | undefined;
  /**
   * A swap device and reclaim (see `reclaim-hooks.ts`): `{ bytes, policy?, watermarks?, kswapd? }`; the page
   * replacement policy is a name (`lru` default, `fifo`, `clock`, `second-chance`, `random`, `arc`), a policy or a
   * factory. Default none: a fault that finds no frame goes to the OOM killer at once.
   */
  swap?: SwapOptions | undefined;
}

/**
 * What a machine was built with, by name (for reports): a built-in's name, or a user part's own `name` (or
 * `"custom"` when it has none).
 */
export interface ResolvedMachineOptions {
  readonly memoryBytes: number;
  readonly allocator: string;
  readonly arch: string;
  readonly harts: number;
  readonly tlb: string;
  readonly vmaIndex: string;
  readonly placement: string;
  readonly flush: string;
  readonly checkTlb: boolean;
  readonly ad: AdPolicyName;
  readonly seed: number;
  readonly aslr: boolean;
  /** The page-replacement policy of the swap device (its `name`), or null without swap. */
  readonly pageReplacement: string | null;
}

/** The TLB by name: the spec string (with the policy the TLB really uses when `tlbPolicy` replaced it), or the part's. */
function tlbName(spec: TlbSpec, policy: ReplacementPolicySpec | undefined, tlb: unknown): string {
  if (typeof spec !== 'string') return partName(spec);
  if (policy === undefined) return spec;
  const used = (tlb as { policy?: { name?: unknown } } | undefined)?.policy?.name;
  return `${spec.split(':')[0]}:${typeof used === 'string' ? used : partName(policy)}`;
}

function partName(spec: unknown, made?: { readonly name?: unknown } | undefined): string {
  if (typeof spec === 'string') return spec;
  const n = made?.name ?? (spec as { name?: unknown } | null)?.name;
  return typeof n === 'string' && n !== '' ? n : 'custom';
}

/**
 * Checks the options a `Machine` can judge without building anything: the hart count, the A/D policy and its
 * architecture (Svade is RISC-V's), and every option given as a built-in name against its registry. Factories and
 * instances are checked when the machine builds them.
 *
 * @throws RangeError naming the option, for exactly what the constructor would refuse
 */
export function checkMachineOptions(options: MachineOptions): void {
  const harts = options.harts ?? 2;
  if (!(Number.isInteger(harts) && harts >= 1 && harts <= 64)) throw new RangeError('harts must be 1..64');
  const ad = options.ad ?? 'hardware';
  if (ad !== 'hardware' && ad !== 'svade') throw new RangeError(`unknown A/D policy "${String(ad)}"`);
  if (typeof options.arch === 'string') {
    resolveArch(options.arch);
    if (ad === 'svade' && options.arch.startsWith('x86'))
      throw new RangeError('x86-64 always sets A and D in hardware: the A/D policy must be "hardware"');
  }
  if (
    typeof options.allocator === 'string' &&
    !(FRAME_ALLOCATOR_NAMES as readonly string[]).includes(options.allocator)
  )
    throw new RangeError(
      `unknown frame allocator "${options.allocator}"; known: ${FRAME_ALLOCATOR_NAMES.map((n) => `"${n}"`).join(', ')}`,
    );
  if (typeof options.vmaIndex === 'string') resolveVmaIndex(options.vmaIndex);
  if (typeof options.placement === 'string') resolvePlacementChoice(options.placement);
  if (typeof options.flush === 'string') resolveFlushStrategySpec(options.flush);
  if (typeof options.tlb === 'string') parseTlbSpec(options.tlb);
}

/**
 * A whole simulated machine.
 *
 * @example
 * ```ts
 * import { MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '@pagewright/core';
 * import { Machine } from '@pagewright/process-vm';
 *
 * const machine = new Machine({ arch: 'x86-64' });
 * const p = machine.spawn(); // the default image: code, heap and stack mapped
 * const a = p.mmap(0, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
 * p.store8(a, 42); // the page fault maps a zeroed frame
 * console.log(p.load8(a)); // 42
 * console.log(p.maps()); // /proc/PID/maps, with the new anonymous VMA
 * p.exit(0);
 * console.log(machine.framesInUse()); // 1: only the shared zero page is left
 * ```
 */
export class Machine implements MachineServices, ProcessHost {
  /** Physical memory. */
  readonly memory: SparsePhysicalMemory;
  /** The frame allocator (fixed at construction). */
  readonly allocator: FrameAllocator;
  /** The paging architecture (fixed at construction). */
  readonly arch: PagingArch;
  /** The harts, each with its TLB (a frozen array: the CPUs and their TLBs are fixed at construction). */
  readonly harts: readonly MmuHart[];
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
  /** The filesystem (its page cache's frames come from {@link Machine.allocator}). */
  readonly files: FileSystem;
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
  /** What the machine was built with, by name. */
  readonly options: ResolvedMachineOptions;
  /** Default limits of new address spaces. */
  readonly limits: AddressSpaceLimits;
  /** Live processes by pid. */
  readonly processes = new Map<number, Process<Machine>>();
  /**
   * Who dies when a user page fault cannot get memory (`pagefault_out_of_memory`, see `oom.ts`); default: the
   * faulting process.
   */
  oomKiller: OomKiller = killFaultingTask;
  /** Reclaim and swap (the `swap` option), or null. */
  readonly reclaim: MachineReclaim | null;
  /** The `/proc/vmstat` event counters (`formatVmstat`, `proc-meminfo.ts`). */
  readonly vmstat = new VmEvents();
  private pid = 1;

  private readonly makeVmaIndex: VmaIndexFactory;
  private readonly placementChoice: PlacementChoice;
  private readonly flushSpec: FlushStrategySpec;

  /**
   * Builds every part in order: sink and generators, the architecture, memory, the allocator, each hart's TLB and
   * CPU, then the kernel-side parts.
   *
   * @throws RangeError (or TypeError) for an invalid option, naming it; `PluginContractError` when a user's part
   *   breaks its contract while the machine is built
   */
  constructor(options: MachineOptions = {}) {
    checkMachineOptions(options);
    const harts = options.harts ?? 2;
    const ad = options.ad ?? 'hardware';
    const seed = options.seed ?? 1;
    this.sink = options.events ?? NULL_SINK;
    this.rng = createRng(seed);
    this.aslrRng = options.aslr === true ? createRng(seed ^ 0x5a5a5a5a) : null;

    const archSpec = options.arch ?? 'sv39';
    const { arch, cpu: archCpu, taskSize } = resolveArch(archSpec);
    this.arch = arch;
    this.memory = new SparsePhysicalMemory({ size: options.memoryBytes ?? 256 * 1024 * 1024 });
    const context: PluginContext = {
      memory: this.memory,
      firstFrame: this.memory.baseFrame,
      frameCount: this.memory.frameCount,
      arch,
      rng: this.rng,
      sink: this.sink,
    };
    const allocatorSpec = options.allocator ?? 'buddy';
    // The factory receives the whole context (frames' resolver types it by the two fields it needs itself).
    this.allocator = resolveFrameAllocator(allocatorSpec as FrameAllocatorSpec, context, { checked: true });

    const tlbSpec = options.tlb ?? '16x4:lru';
    const makeCpu = options.cpu ?? archCpu;
    const cpus: MmuHart[] = [];
    for (let hartIndex = 0; hartIndex < harts; hartIndex++) {
      const hartContext = { ...context, hartIndex };
      const tlb = resolveHartTlb(tlbSpec, options.tlbPolicy, hartContext);
      if (hartIndex > 0 && cpus.some((c) => c.tlb === tlb))
        throw new RangeError(
          'a TLB belongs to one hart: pass a TLB factory or a spec string, not one instance',
        );
      const cpuContext = { ...hartContext, tlb, adPolicy: ad };
      cpus.push(checkCpu(makeCpu(cpuContext), cpuContext));
    }
    this.harts = Object.freeze(cpus);

    const vmaSpec = options.vmaIndex ?? 'tree';
    this.makeVmaIndex = resolveVmaIndex(vmaSpec);
    const placementSpec = options.placement ?? 'topdown';
    this.placementChoice = resolvePlacementChoice(placementSpec);
    this.flushSpec = resolveFlushStrategySpec(options.flush ?? 'shootdown');

    this.pool = new FramePool({ allocator: this.allocator, memory: this.memory });
    this.refs = new FrameOwners(this.pool, this.sink);
    this.shared = new SharedMemory(this.refs);
    this.files =
      typeof options.files === 'function'
        ? options.files(context)
        : (options.files ?? new FileSystem({ memory: this.memory, allocator: this.allocator }));
    this.zeroPfn = this.refs.zeroPfn;
    this.reclaim =
      options.swap === undefined
        ? null
        : new MachineReclaim(
            {
              memory: this.memory,
              allocator: this.allocator,
              refs: this.refs,
              processes: this.processes,
              seed,
              vmstat: this.vmstat,
            },
            options.swap,
          );
    this.refs.lru = this.reclaim;
    this.asids = new AsidAllocator({ arch, hartCount: harts });
    this.detector = new StaleTlbDetector(this.harts, options.checkTlb ?? false);
    this.limits = {
      taskSize,
      mmapMinAddr: 0x10000,
      stackGuardGapPages: 256,
      stackLimit: 8 * 1024 * 1024,
      memlockLimit: Number.MAX_SAFE_INTEGER,
      maxMapCount: 65530,
      overcommitBytes: 16 * 1024 ** 3,
      ...options.limits,
    };
    this.options = Object.freeze({
      memoryBytes: this.memory.size,
      allocator: partName(allocatorSpec, this.allocator),
      arch: arch.name,
      harts,
      tlb: tlbName(tlbSpec, options.tlbPolicy, this.harts[0]?.tlb),
      // A user's index reports its own name (one probe index, empty, costs nothing).
      vmaIndex: typeof vmaSpec === 'string' ? vmaSpec : partName(vmaSpec, this.newVmaIndex()),
      placement: this.placementChoice.name,
      flush: typeof this.flushSpec === 'string' ? this.flushSpec : partName(this.flushSpec),
      checkTlb: options.checkTlb ?? false,
      ad,
      seed,
      aslr: options.aslr === true,
      pageReplacement: this.reclaim === null ? null : this.reclaim.policy.name,
    });
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
  spawn(image?: ProgramImage): Process<Machine> {
    const pid = this.nextPid();
    const vm = this.newAddressSpace(pid);
    if (vm === null) throw new Error('out of memory');
    const r = loadImage(vm, image ?? this.defaultImage(), this.aslrRng, this.rng);
    if (r !== 0) {
      vm.destroy();
      throw new Error(`cannot load the image: errno ${-r}`);
    }
    const p = new Process<Machine>(this, pid, vm);
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
    this.processes.set(p.pid, p as Process<Machine>);
  }
  /** @internal */
  unregister(p: Process): void {
    this.processes.delete(p.pid);
  }

  /** @internal `pagefault_out_of_memory` for a user fault of `faulting` (see `oom.ts`). */
  outOfMemory(faulting: Process): boolean {
    return pagefaultOutOfMemory(this, faulting as Process<Machine>);
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
    as.placement = this.placementChoice;
    return as;
  }

  /** @internal */
  newVmaIndex(): VmaIndex {
    return this.makeVmaIndex({ stackGuardGap: this.limits.stackGuardGapPages });
  }

  /**
   * A new page table for an address space whose edits are made on hart `initiator()`. @internal
   * @throws Error when no frame is left for its root table
   */
  newPageTable(initiator: () => number): PageTable {
    const strategy = this.flushSpec;
    const targets = { harts: this.harts, initiator, sink: this.sink };
    return new PageTable({
      arch: this.arch,
      memory: this.memory,
      allocator: this.allocator,
      detector: this.detector,
      swapSlots: this.reclaim,
      flusher: (mapper, context) => createFlusher(strategy, mapper, context, targets),
    });
  }
}
