/**
 * How a {@link Machine}'s plug-in options become parts: the registry of paging architectures (each with the CPU
 * model that runs it) and the resolution of every option — a built-in name, an instance where one instance makes
 * sense, or a factory receiving the documented context. The other registries live with the parts they name
 * (`FRAME_ALLOCATORS` in `@pagewright/frames`, `BUILTIN_REPLACEMENT_POLICIES` and `parseTlbSpec` in
 * `@pagewright/tlb`, `VMA_INDEXES` and `PLACEMENTS` in `@pagewright/vma`); a new built-in is one line in its table.
 *
 * @module
 */

import {
  type HartPluginContext,
  isClassConstructor,
  MAX_ADDRESS,
  type MmuHart,
  type PagingArch,
  type PhysicalMemory,
  PluginContractError,
  type PluginFactory,
  type Tlb,
} from '@pagewright/core';
import { createSv39, createSv48, Hart } from '@pagewright/sv39';
import { type ReplacementPolicySpec, resolveTlb, SetAssociativeTlb, type TlbSpec } from '@pagewright/tlb';
import { createX86Cpu, X86_64, X86_64_LA57, type X86PagingArch } from '@pagewright/x86-64';

/** The A/D-bit policy of a CPU: the hardware sets A and D, or (RISC-V Svade) the access faults and the OS sets them. */
export type AdPolicyName = 'hardware' | 'svade';

/** What a CPU factory receives: the hart's context, its TLB and the machine's A/D policy. */
export interface CpuContext extends HartPluginContext {
  /** The TLB this CPU uses (built from the `tlb` option). */
  readonly tlb: Tlb;
  /** The A/D-bit policy. */
  readonly adPolicy: AdPolicyName;
}

/** A built-in paging architecture and the CPU model that runs it. */
export interface ArchEntry {
  /** A fresh architecture instance. */
  arch(): PagingArch;
  /** The CPU of one hart. @throws RangeError for an option the CPU cannot honour */
  cpu(context: CpuContext): MmuHart;
  /**
   * The default `TASK_SIZE` of a process when it is not the architecture's whole user half (`userEnd`). x86-64
   * with 5-level paging: Linux keeps processes in the 47-bit `DEFAULT_MAP_WINDOW` unless mmap is given a hint
   * above it (arch/x86/include/asm/page_64_types.h); this model keeps them there, since byte addresses past 2^53
   * are not exact numbers.
   */
  readonly taskSize?: number;
}

/** The RISC-V hart for `arch` (also the generic CPU of any user `PagingArch`). */
function riscvHart(context: CpuContext): MmuHart {
  return new Hart({
    id: context.hartIndex,
    memory: context.memory,
    arch: context.arch as never,
    tlb: context.tlb,
    adPolicy: context.adPolicy,
  });
}

/** An x86-64 logical processor, set up as Linux runs it (WP, NXE, PGE, PCIDE, SMEP, SMAP). */
function x86Cpu(context: CpuContext): MmuHart {
  if (context.adPolicy !== 'hardware')
    throw new RangeError('x86-64 always sets A and D in hardware: the A/D policy must be "hardware"');
  return createX86Cpu(context.memory, context.tlb, context.hartIndex, {
    arch: context.arch as X86PagingArch,
  });
}

/**
 * The built-in architectures by name: `sv39` (the default), `sv48`, `x86-64` (4-level paging, PCIDs) and
 * `x86-64-la57` (5-level).
 */
export const ARCHES = Object.freeze({
  sv39: { arch: () => createSv39(), cpu: riscvHart },
  sv48: { arch: () => createSv48(), cpu: riscvHart },
  'x86-64': { arch: () => X86_64, cpu: x86Cpu },
  'x86-64-la57': { arch: () => X86_64_LA57, cpu: x86Cpu, taskSize: 2 ** 47 - 4096 },
} satisfies Record<string, ArchEntry>);

/** The name of a built-in architecture. */
export type ArchName = keyof typeof ARCHES;

/** The names of the built-in architectures. */
export const ARCH_NAMES = Object.freeze(Object.keys(ARCHES)) as readonly ArchName[];

/**
 * How the `arch` option names the paging architecture: a built-in name, any `PagingArch` instance (run by the
 * generic RISC-V-style `Hart`, which walks any architecture through the interface), or a factory.
 */
export type ArchSpec = ArchName | PagingArch | PluginFactory<PagingArch, Record<string, never>>;

/** How the `cpu` option builds each hart's CPU: a factory (default: the architecture's own CPU model). */
export type CpuFactory = PluginFactory<MmuHart, CpuContext>;

const PAGING_ARCH_MEMBERS = [
  'pageSizeAt',
  'indexAt',
  'kind',
  'ppn',
  'flags',
  'encodeLeaf',
  'encodeTable',
] as const;

function isPagingArch(x: unknown): x is PagingArch {
  if (typeof x !== 'object' || x === null) return false;
  const a = x as Record<string, unknown>;
  return (
    typeof a.name === 'string' &&
    typeof a.levels === 'number' &&
    PAGING_ARCH_MEMBERS.every((m) => typeof a[m] === 'function')
  );
}

/** A process's default `TASK_SIZE` on `arch`: the entry's, else the user half, at most 2^53 (exact numbers). */
function defaultTaskSize(arch: PagingArch, entry?: ArchEntry): number {
  return Math.min(entry?.taskSize ?? arch.userEnd, MAX_ADDRESS);
}

function quoted(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/**
 * The architecture and CPU model an `arch` option names.
 *
 * @throws RangeError for an unknown name or a value that is not a spec (a class is refused with a hint)
 * @throws PluginContractError when a factory returns something that is not a `PagingArch`
 */
export function resolveArch(spec: ArchSpec): { arch: PagingArch; cpu: CpuFactory; taskSize: number } {
  if (typeof spec === 'string') {
    if (!Object.hasOwn(ARCHES, spec))
      throw new RangeError(`unknown arch "${spec}"; known: ${quoted(ARCH_NAMES)}`);
    const entry: ArchEntry = ARCHES[spec as ArchName];
    const arch = entry.arch();
    return { arch, cpu: entry.cpu, taskSize: defaultTaskSize(arch, entry) };
  }
  if (typeof spec === 'function') {
    if (isClassConstructor(spec))
      throw new RangeError('a PagingArch class is not a factory: pass () => new MyArch(…) or an instance');
    const made: unknown = spec({});
    if (!isPagingArch(made))
      throw new PluginContractError(
        'PagingArch factory',
        'the factory returned something that is not a PagingArch',
      );
    return { arch: made, cpu: riscvHart, taskSize: defaultTaskSize(made) };
  }
  if (isPagingArch(spec)) {
    const builtin: ArchEntry | undefined = Object.values(ARCHES).find((e) => e.arch() === spec);
    return { arch: spec, cpu: builtin?.cpu ?? riscvHart, taskSize: defaultTaskSize(spec, builtin) };
  }
  throw new RangeError(`an arch is one of ${quoted(ARCH_NAMES)}, a PagingArch or a factory`);
}

/**
 * The TLB of one hart: the `tlb` option resolved by `@pagewright/tlb`'s `resolveTlb`, with the `tlbPolicy`
 * option (when given) replacing the replacement policy of a `SETSxWAYS` spec string.
 *
 * @throws RangeError when `tlbPolicy` is given with a `tlb` that is not a `SETSxWAYS[:POLICY]` string
 */
export function resolveHartTlb(
  spec: TlbSpec,
  policy: ReplacementPolicySpec | undefined,
  context: HartPluginContext,
): Tlb {
  if (policy === undefined) return resolveTlb(spec, context);
  const m = typeof spec === 'string' ? /^\s*(\d+)x(\d+)(?::[a-z]+)?\s*$/i.exec(spec) : null;
  if (m === null)
    throw new RangeError(
      'tlbPolicy needs a "SETSxWAYS" tlb spec string (a TLB instance or factory brings its own)',
    );
  // A fresh TLB per hart; the TLB resolves the policy spec itself (a factory is called once for it).
  return new SetAssociativeTlb({ sets: Number(m[1]), ways: Number(m[2]), policy, rng: context.rng });
}

/** Checks what a `cpu` factory returned for hart `hartIndex`: an `MmuHart` using the TLB it was given. */
export function checkCpu(made: unknown, context: CpuContext): MmuHart {
  const h = made as Partial<MmuHart> | null;
  if (
    typeof h !== 'object' ||
    h === null ||
    typeof h.translate !== 'function' ||
    typeof h.switchAddressSpace !== 'function' ||
    typeof h.enterUserMode !== 'function'
  )
    throw new PluginContractError('MmuHart factory', `hart ${context.hartIndex}: not an MmuHart`);
  if (h.tlb !== context.tlb)
    throw new PluginContractError(
      'MmuHart factory',
      `hart ${context.hartIndex}: the CPU must use the TLB it was given (its statistics would be wrong otherwise)`,
    );
  if (h.id !== context.hartIndex)
    throw new PluginContractError('MmuHart factory', `hart ${context.hartIndex}: its id is ${String(h.id)}`);
  return h as MmuHart;
}

/** Memory and the frame range, as every factory's context starts. */
export interface MemoryContext {
  readonly memory: PhysicalMemory;
  readonly firstFrame: number;
  readonly frameCount: number;
}
