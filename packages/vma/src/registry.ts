/**
 * The built-in VMA indexes and placement policies by name, as factories, and the resolvers a composition root (a
 * machine) uses to turn a {@link PluginSpec}-style option into a part. A new built-in is one line in a table.
 *
 * ```ts
 * const makeIndex = resolveVmaIndex(options.vmaIndex ?? 'tree'); // 'btree', or (ctx) => new MyIndex()
 * const set = new VmaSet({ index: makeIndex({ stackGuardGap: 256 }) });
 * const placement = resolvePlacement(options.placement ?? 'topdown', { mmapBase, taskSize });
 * ```
 *
 * @module
 */

import { isClassConstructor, type PluginFactory } from '@pagewright/core';
import { CheckedVmaIndex } from './checked-vma-index.js';
import { BottomUpPlacement, DEFAULT_MMAP_MIN, type PlacementPolicy, TopDownPlacement } from './placement.js';
import { VmaBTree } from './vma-btree.js';
import type { VmaIndex } from './vma-index.js';
import { VmaList } from './vma-list.js';
import { VmaTreap } from './vma-treap.js';
import { VmaTree } from './vma-tree.js';

/** What a {@link VmaIndex} factory receives: one call per address space. */
export interface VmaIndexContext {
  /** Stack guard gap in pages below `VM_GROWSDOWN` VMAs (default 256, Linux `stack_guard_gap`). */
  readonly stackGuardGap?: number | undefined;
}

/** Makes a fresh, empty index (every call a new one: each address space has its own). */
export type VmaIndexFactory = PluginFactory<VmaIndex, VmaIndexContext>;

/** The built-in indexes by name: `tree` (the default B+tree), `btree`, `treap`, `list`. */
export const VMA_INDEXES = Object.freeze({
  tree: (ctx: VmaIndexContext): VmaIndex => new VmaTree({ stackGuardGap: ctx.stackGuardGap }),
  btree: (ctx: VmaIndexContext): VmaIndex => new VmaBTree({ stackGuardGap: ctx.stackGuardGap }),
  treap: (ctx: VmaIndexContext): VmaIndex => new VmaTreap({ stackGuardGap: ctx.stackGuardGap }),
  list: (ctx: VmaIndexContext): VmaIndex => new VmaList({ stackGuardGap: ctx.stackGuardGap }),
} satisfies Record<string, VmaIndexFactory>);

/** The name of a built-in index. */
export type VmaIndexName = keyof typeof VMA_INDEXES;

/**
 * How an option names an index: a built-in name or a factory. Not an instance: every address space needs its own
 * index (fork makes a second one), so pass `() => new MyIndex()`.
 */
export type VmaIndexSpec = VmaIndexName | VmaIndexFactory;

/** Options of {@link resolveVmaIndex}. */
export interface ResolveVmaIndexOptions {
  /**
   * Wrap the indexes a user's factory makes in {@link CheckedVmaIndex} (default true), so a broken index throws
   * `PluginContractError` instead of corrupting the machine. Built-in indexes are never wrapped.
   */
  readonly check?: boolean | undefined;
}

/** What the built-in names are, for error messages. */
function known(table: object): string {
  return Object.keys(table)
    .map((k) => `"${k}"`)
    .join(', ');
}

/**
 * Turns a {@link VmaIndexSpec} into a factory. A name is looked up in {@link VMA_INDEXES}; a user's factory is
 * called as is and (unless `check: false`) its indexes are wrapped in {@link CheckedVmaIndex}.
 *
 * @throws RangeError for an unknown name (listing the known ones)
 * @throws TypeError for a class (pass `(ctx) => new MyIndex(…)`), an instance or anything else
 */
export function resolveVmaIndex(spec: VmaIndexSpec, options: ResolveVmaIndexOptions = {}): VmaIndexFactory {
  if (typeof spec === 'string') {
    if (!Object.hasOwn(VMA_INDEXES, spec))
      throw new RangeError(`unknown VMA index "${spec}"; known: ${known(VMA_INDEXES)}`);
    return VMA_INDEXES[spec as VmaIndexName];
  }
  if (isClassConstructor(spec))
    throw new TypeError(
      `a VMA index class was passed where a factory is expected: pass (ctx) => new ${(spec as { name?: string }).name || 'MyIndex'}(…)`,
    );
  if (typeof spec !== 'function')
    throw new TypeError(
      `a VMA index option must be one of ${known(VMA_INDEXES)} or a factory (ctx) => index, not ${describe(spec)}` +
        ' (an instance cannot be shared by several address spaces)',
    );
  const factory = spec;
  if (options.check === false) return factory;
  return (ctx) => new CheckedVmaIndex(factory(ctx));
}

/** What a placement factory receives (all page numbers). */
export interface PlacementContext {
  /** One past the last user page (`TASK_SIZE`). */
  readonly taskSize: number;
  /** One past the highest page the top-down search uses (`mm->mmap_base`). */
  readonly mmapBase: number;
  /** Lowest page a mapping may use (`mmap_min_addr`, default 0x10). */
  readonly mmapMin?: number | undefined;
  /**
   * Where bottom-up searches start (`TASK_UNMAPPED_BASE`, default `PAGE_ALIGN(TASK_SIZE / 3)`, i.e.
   * `ceil(taskSize / 3)` pages): the legacy layout's base and the top-down fallback's.
   */
  readonly unmappedBase?: number | undefined;
}

/** Makes a placement policy for one machine's address-space layout. */
export type PlacementFactory = PluginFactory<PlacementPolicy, PlacementContext>;

function unmappedBase(ctx: PlacementContext): number {
  return ctx.unmappedBase ?? Math.ceil(ctx.taskSize / 3);
}

/** The built-in placement policies by name: `topdown` (Linux's default) and `bottomup` (legacy layout). */
export const PLACEMENTS = Object.freeze({
  topdown: (ctx: PlacementContext): PlacementPolicy =>
    new TopDownPlacement({
      mmapBase: ctx.mmapBase,
      taskSize: ctx.taskSize,
      mmapMin: ctx.mmapMin ?? DEFAULT_MMAP_MIN,
      fallbackBase: unmappedBase(ctx),
    }),
  bottomup: (ctx: PlacementContext): PlacementPolicy =>
    new BottomUpPlacement({
      base: unmappedBase(ctx),
      taskSize: ctx.taskSize,
      mmapMin: ctx.mmapMin ?? DEFAULT_MMAP_MIN,
    }),
} satisfies Record<string, PlacementFactory>);

/** The name of a built-in placement policy. */
export type PlacementName = keyof typeof PLACEMENTS;

/** How an option names a placement policy: a built-in name, a ready policy (policies are stateless), or a factory. */
export type PlacementSpec = PlacementName | PlacementPolicy | PlacementFactory;

/**
 * Turns a {@link PlacementSpec} into a policy for the layout `ctx`.
 *
 * @throws RangeError for an unknown name (listing the known ones)
 * @throws TypeError for a class, or a value that is neither a name, a policy nor a factory
 */
export function resolvePlacement(spec: PlacementSpec, ctx: PlacementContext): PlacementPolicy {
  if (typeof spec === 'string') {
    if (!Object.hasOwn(PLACEMENTS, spec))
      throw new RangeError(`unknown placement "${spec}"; known: ${known(PLACEMENTS)}`);
    return PLACEMENTS[spec as PlacementName](ctx);
  }
  if (isClassConstructor(spec))
    throw new TypeError(
      `a placement class was passed where a factory is expected: pass (ctx) => new ${(spec as { name?: string }).name || 'MyPlacement'}(…)`,
    );
  if (typeof spec === 'function') return spec(ctx);
  if (typeof spec === 'object' && spec !== null && typeof (spec as PlacementPolicy).place === 'function')
    return spec;
  throw new TypeError(
    `a placement option must be one of ${known(PLACEMENTS)}, a policy or a factory (ctx) => policy, not ${describe(spec)}`,
  );
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'object') return `an object (${(v as object).constructor?.name ?? 'Object'})`;
  return `${typeof v} ${String(v)}`;
}
